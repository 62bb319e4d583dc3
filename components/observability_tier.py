"""ObservabilityTier: one encrypted alert topic per stack, the release's alarms on it, a dashboard."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alarm_queries import Dimensions, alarm_arguments, dashboard_body
from components.alert_documents import BUDGETS, CLOUDWATCH, EVENTS, SPOT_INPUT_PATHS, SPOT_INPUT_TEMPLATE, key_policy, spot_event_pattern, topic_policy
from components.arns import cluster_arn, event_rule_arn, topic_arn
from components.naming import child_name
from tierup_guardrails.settings.model import AlertsSettings
from tierup_guardrails.tags import StackTags
from tierup_guardrails.thresholds import ALL_RULES, BY_ID, SPOT_INTERRUPTIONS, Subject, Watch, alarm_name

TIER = "observability"


@dataclass(frozen=True, kw_only=True)
class Watched:
    """What the alarms watch, by the ids and names their dimensions use (other tiers' outputs,
    so that the guardrails follow each dimension to its resource); None or empty where absent."""

    cluster_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    database_identifier: pulumi.Input[str]
    replica_identifier: pulumi.Input[str] | None = None
    rds_identifier: pulumi.Input[str] | None = None
    """The RDS primary (None once the data is on Aurora only)."""
    serverless_identifier: pulumi.Input[str] | None = None
    """The Aurora Serverless v2 writer, where Aurora serves the app."""
    global_cluster_identifier: pulumi.Input[str] | None = None
    """The Aurora cluster leading the global database."""
    proxy_name: pulumi.Input[str] | None = None
    load_balancer_suffix: pulumi.Input[str] | None = None
    target_group_suffix: pulumi.Input[str] | None = None
    web_acl_name: pulumi.Input[str] | None = None
    nat_gateway_ids: Sequence[pulumi.Input[str]] = ()
    cache_node_ids: Sequence[pulumi.Input[str]] = ()
    spot: bool = False
    """Tasks may run on Fargate Spot (the interruption rule is built)."""


@dataclass(frozen=True, kw_only=True)
class ObservabilityTierArgs:
    """Who hears, which alarms the release promises, and what they watch."""

    shape: AlertsSettings
    """The subscribed addresses and whether a dashboard is drawn."""
    alarms: tuple[str, ...]
    """The release's promised alarms (ReleaseLimits.alarms); each is built where its subject exists."""
    watched: Watched
    """The resources the alarms watch."""
    region: str
    """Region of the stack, for ARNs written from names and the dashboard's graphs."""
    account_id: pulumi.Input[str]
    """Account of the stack, for the same ARNs and the policies' conditions."""
    tags: StackTags
    """The stack's shared tags."""

    def __post_init__(self) -> None:
        unknown = [name for name in self.alarms if name not in BY_ID]
        if unknown:
            raise ValueError(f"ObservabilityTierArgs.alarms names unknown watches {', '.join(unknown)}; allowed: {', '.join(BY_ID)}")


class ObservabilityTier(pulumi.ComponentResource):
    """A customer managed KMS key (rotated) with an alias, the alert topic encrypted with it, a
    topic policy letting only the stack's alarms, the account's budgets and the Spot rule
    publish, an email subscription per address, a CloudWatch alarm per promised watch with ALARM
    and OK actions to the topic, the Spot-interruption rule publishing to it (with Spot), and a
    dashboard of the same metrics grouped by tier (when asked)."""

    topic_arn: pulumi.Output[str]
    alarm_names: list[str]
    dashboard_name: pulumi.Output[str | None]

    def __init__(self, name: str, args: ObservabilityTierArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tierup:index:ObservabilityTier", name, None, opts)
        self._name = name
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)
        watches = [(BY_ID[watch_id], self._instances(BY_ID[watch_id].subject)) for watch_id in args.alarms]
        built = [(watch, instances) for watch, instances in watches if instances]

        topic, policy = self._create_topic(spot=any(watch.id == SPOT_INTERRUPTIONS for watch, _ in built))
        # Written from the topic's name (known at preview) so that the guardrails read the actions.
        arn = pulumi.Output.all(topic.name, args.account_id).apply(lambda values: topic_arn(args.region, values[1], values[0]))
        for address in args.shape.emails:
            aws.sns.TopicSubscription(child_name(name, f"email-{_slug(address)}"), topic=topic.arn, protocol="email", endpoint=address, opts=self._child)
        self.alarm_names = []
        for watch, instances in built:
            if watch.id == SPOT_INTERRUPTIONS:
                self._create_spot_rule(arn)
            elif watch.alarm:
                self.alarm_names.append(self._create_alarm(watch, instances, arn))
        dashboard = self._create_dashboard(built) if args.shape.dashboard else None

        # For the budget: the same ARN, which also waits for the policy that lets budgets publish
        # (through its URN, known at preview, unlike its id).
        self.topic_arn = pulumi.Output.all(arn, policy.urn).apply(lambda values: values[0])
        self.dashboard_name = dashboard.dashboard_name if dashboard else pulumi.Output.from_input(None)
        self.register_outputs({"topic_arn": self.topic_arn, "alarm_names": self.alarm_names, "dashboard_name": self.dashboard_name})

    def _tags(self, role: str) -> dict[str, str]:
        return self._args.tags.for_resource(TIER, role)

    def _prefix(self) -> str:
        return alarm_name(self._args.tags.project, self._args.tags.stack, "")

    def _instances(self, subject: Subject) -> list[Dimensions]:
        """The dimensions of every instance of the subject in this stack (none when absent)."""
        w, region = self._args.watched, self._args.region
        single: dict[Subject, Dimensions | None] = {
            Subject.SERVICE: {"ClusterName": w.cluster_name, "ServiceName": w.service_name},
            Subject.DATABASE: {"DBInstanceIdentifier": w.database_identifier},
            Subject.RDS_STORAGE: {"DBInstanceIdentifier": w.rds_identifier} if w.rds_identifier is not None else None,
            Subject.SERVERLESS: {"DBInstanceIdentifier": w.serverless_identifier} if w.serverless_identifier is not None else None,
            Subject.GLOBAL_DATABASE: {"DBClusterIdentifier": w.global_cluster_identifier} if w.global_cluster_identifier is not None else None,
            Subject.REPLICA: {"DBInstanceIdentifier": w.replica_identifier} if w.replica_identifier is not None else None,
            Subject.PROXY: {"ProxyName": w.proxy_name} if w.proxy_name is not None else None,
            Subject.LOAD_BALANCER: {"LoadBalancer": w.load_balancer_suffix} if w.load_balancer_suffix is not None else None,
            Subject.TARGETS: (
                {"TargetGroup": w.target_group_suffix, "LoadBalancer": w.load_balancer_suffix}
                if w.target_group_suffix is not None and w.load_balancer_suffix is not None
                else None
            ),
            # WAF's WebACL dimension is the web ACL's name (AWS WAF Developer Guide, "AWS WAF metrics and dimensions").
            Subject.WEB_ACL: {"WebACL": w.web_acl_name, "Region": region, "Rule": ALL_RULES} if w.web_acl_name is not None else None,
            Subject.EVENTS: {"RuleName": self._prefix() + SPOT_INTERRUPTIONS} if w.spot else None,
        }
        if subject is Subject.NAT:
            return [{"NatGatewayId": gateway} for gateway in w.nat_gateway_ids]
        if subject is Subject.CACHE:
            return [{"CacheClusterId": node} for node in w.cache_node_ids]
        found = single[subject]
        return [found] if found is not None else []

    def _create_topic(self, *, spot: bool) -> tuple[aws.sns.Topic, aws.sns.TopicPolicy]:
        args = self._args
        publishers = [CLOUDWATCH, BUDGETS, *([EVENTS] if spot else [])]
        key = aws.kms.Key(
            child_name(self._name, "key"),
            description=f"{args.tags.project}-{args.tags.stack} alert topic: CloudWatch alarms and budgets publish with it",
            enable_key_rotation=True,
            deletion_window_in_days=7,
            policy=pulumi.Output.from_input(args.account_id).apply(lambda account: key_policy(account, publishers)),
            tags=self._tags("alerts-key"),
            opts=self._child,
        )
        alias = aws.kms.Alias(child_name(self._name, "key-alias"), name=f"alias/{self._prefix()}alerts", target_key_id=key.key_id, opts=self._child)
        topic = aws.sns.Topic(
            child_name(self._name, "topic"),
            display_name=f"{args.tags.project} {args.tags.stack} alerts",
            # The alias, a literal known at preview; never alias/aws/sns (see components/alert_documents.py).
            kms_master_key_id=alias.name,
            tags=self._tags("alerts"),
            opts=self._child,
        )
        rule_name = self._prefix() + SPOT_INTERRUPTIONS
        policy = aws.sns.TopicPolicy(
            child_name(self._name, "topic-policy"),
            arn=topic.arn,
            policy=pulumi.Output.all(topic.name, args.account_id).apply(
                lambda values: topic_policy(
                    topic_arn(args.region, values[1], values[0]),
                    values[1],
                    args.region,
                    self._prefix(),
                    event_rule_arn(args.region, values[1], rule_name) if spot else None,
                )
            ),
            opts=self._child,
        )
        return topic, policy

    def _create_alarm(self, watch: Watch, instances: list[Dimensions], arn: pulumi.Output[str]) -> str:
        name = self._prefix() + watch.id
        aws.cloudwatch.MetricAlarm(
            child_name(self._name, watch.id),
            name=name,
            alarm_description=f"{watch.summary} Missing data: {watch.missing.value} ({watch.missing_reason}).",
            actions_enabled=True,
            alarm_actions=[arn],
            ok_actions=[arn],
            **alarm_arguments(watch, instances),
            tags=self._tags(watch.id),
            opts=self._child,
        )
        return name

    def _create_spot_rule(self, arn: pulumi.Output[str]) -> None:
        args = self._args
        rule = aws.cloudwatch.EventRule(
            child_name(self._name, SPOT_INTERRUPTIONS),
            name=self._prefix() + SPOT_INTERRUPTIONS,
            description="Fargate Spot interruptions of the stack's tasks, to the alert topic",
            event_pattern=pulumi.Output.all(args.watched.cluster_name, args.account_id).apply(
                lambda values: spot_event_pattern(cluster_arn(args.region, values[1], values[0]))
            ),
            tags=self._tags(SPOT_INTERRUPTIONS),
            opts=self._child,
        )
        aws.cloudwatch.EventTarget(
            child_name(self._name, "spot-target"),
            rule=rule.name,
            arn=arn,
            input_transformer={"input_paths": SPOT_INPUT_PATHS, "input_template": SPOT_INPUT_TEMPLATE},
            opts=self._child,
        )

    def _create_dashboard(self, built: list[tuple[Watch, list[Dimensions]]]) -> aws.cloudwatch.Dashboard:
        tiers: dict[str, list[tuple[Watch, list[Dimensions]]]] = {}
        for watch, instances in built:
            tiers.setdefault(watch.tier, []).append((watch, instances))
        rows = [(tier, tiers[tier]) for tier in ("compute", "data", "cache", "network") if tier in tiers]
        return aws.cloudwatch.Dashboard(
            child_name(self._name, "dashboard"),
            dashboard_name=f"{self._args.tags.project}-{self._args.tags.stack}",
            dashboard_body=pulumi.Output.json_dumps(dashboard_body(rows, self._args.region)),
            opts=self._child,
        )


def _slug(address: str) -> str:
    """A stable, kebab-case child name for an address: a subscription is replaced (and must be
    confirmed again) only when its own address changes, never when the list is reordered."""
    return re.sub(r"[^a-z0-9]+", "-", address.lower()).strip("-")
