"""Alerting guardrails: the release's alarms exist, each one notifies the stack's alert topic
on ALARM and OK, watches resources the stack creates, and the topic is encrypted with a key
its publishers can use and lets only them publish.

They follow property dependencies (an alarm's actions to the topic, its dimensions to the
resources they name, the topic to its key), which a first preview knows although the ids and
ARNs they carry are still unknown."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from pulumi_policy import Policy, PolicyResource, Severity

from tierup_guardrails.base import (
    Props,
    RailsSource,
    Spec,
    allow_statements,
    as_list,
    depends_on,
    has_key,
    json_document,
    of_type,
    policy_statements,
    resource_policy,
    service_principals,
    stack_policy,
    truthy,
)
from tierup_guardrails.settings.guardrails import Guardrails
from tierup_guardrails.thresholds import BY_ID, DIMENSION_TYPES, SPOT_INTERRUPTIONS

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
AWS_MANAGED_SNS_KEY = "alias/aws/sns"
PUBLISHERS = ("budgets.amazonaws.com", "cloudwatch.amazonaws.com", "events.amazonaws.com")
NOUNS = {
    "aws:ecs/cluster:Cluster": "ECS cluster",
    "aws:ecs/service:Service": "ECS service",
    "aws:rds/instance:Instance": "database instance",
    "aws:rds/clusterInstance:ClusterInstance": "database instance",
    "aws:rds/cluster:Cluster": "Aurora cluster",
    "aws:rds/proxy:Proxy": "RDS Proxy",
    "aws:lb/loadBalancer:LoadBalancer": "load balancer",
    "aws:lb/targetGroup:TargetGroup": "target group",
    "aws:wafv2/webAcl:WebAcl": "web ACL",
    "aws:ec2/natGateway:NatGateway": "NAT gateway",
    "aws:elasticache/replicationGroup:ReplicationGroup": "cache replication group",
    EVENT_RULE: "EventBridge rule",
}
# Where a resource of each type keeps the name or id a literal dimension would carry.
NAME_KEYS = ("identifier", "clusterIdentifier", "name", "replicationGroupId", "arnSuffix")

ACTIONS = Spec(
    name="cloudwatch-alarm-actions-to-topic",
    description="Every alarm is switched on and sends both its ALARM and its OK notifications to the stack's alert topic.",
    severity=Severity.HIGH,
    remediation="Build alarms with components.observability_tier: alarmActions and okActions are the topic's ARN, actionsEnabled true.",
    references=("CloudWatch.15", "CloudWatch.17", "alerting"),
)
PROMISED = Spec(
    name="cloudwatch-promised-alarms-exist",
    description="Every alarm the release promises (tierup_guardrails.thresholds) exists where its subject does, and v2.0's Spot rule notifies the topic.",
    severity=Severity.HIGH,
    remediation="Keep the ObservabilityTier in the program with the release's alarms (ReleaseLimits.alarms).",
    references=("alerting", "release-ladder"),
)
DIMENSIONS_EXIST = Spec(
    name="cloudwatch-alarm-dimensions-exist",
    description="Every alarm's dimensions name resources of the stack (followed through property dependencies), never a resource it does not create.",
    severity=Severity.MEDIUM,
    remediation="Give the alarm the ids and names from the watched tiers' outputs (components.observability_tier.Watched).",
    references=("alerting",),
)
TOPIC_ENCRYPTED = Spec(
    name="sns-topic-encrypted-for-its-publishers",
    description="Every SNS topic is encrypted with a customer managed KMS key of the stack that each publishing service may use (not alias/aws/sns).",
    severity=Severity.HIGH,
    remediation="Encrypt the topic with the stack's alert key (its alias); its key policy grants kms:Decrypt and kms:GenerateDataKey* to the publishers.",
    references=("SNS.1", "CKV_AWS_26", "AVD-AWS-0095", "AVD-AWS-0136"),
)
PUBLISHERS_LIMITED = Spec(
    name="sns-topic-publishers-limited",
    description="An SNS topic's policy allows only CloudWatch, AWS Budgets and EventBridge to publish, each under a source condition.",
    severity=Severity.HIGH,
    remediation="Build the topic policy with components.alert_documents.topic_policy.",
    references=("alerting", "confused-deputy"),
)
KEY_ROTATION = Spec(
    name="kms-key-rotation-enabled",
    description="Every customer managed KMS key rotates its key material yearly.",
    severity=Severity.MEDIUM,
    remediation="Set enableKeyRotation to true on the key.",
    references=("K1", "CKV_AWS_7", "AVD-AWS-0065", "KMS.4"),
)


def _to_topic(resource: PolicyResource, key: str) -> bool:
    return any(dep.resource_type == TOPIC for dep in depends_on(resource, key))


def _actions_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for alarm in of_type(resources, ALARM):
        if alarm.props.get("actionsEnabled") is False:
            yield f"Set actionsEnabled to true on {alarm.name}: its notifications are switched off.", alarm.urn
        missing = [key for key in ("alarmActions", "okActions") if not _to_topic(alarm, key)]
        if missing:
            yield f"Send {' and '.join(missing)} of {alarm.name} to the stack's alert topic: an alarm that notifies no one fires unheard.", alarm.urn


def _promised_violations(resources: Sequence[PolicyResource], rails: Guardrails) -> Iterable[tuple[str, str | None]]:
    alarms = {str(a.props.get("name")) for a in of_type(resources, ALARM) if has_key(a.props, "name")}
    for watch_id in rails.promised_alarms:
        watch = BY_ID[watch_id]
        if watch_id == SPOT_INTERRUPTIONS:
            if not _spot_rule_notifies(resources):
                yield (
                    f"Add the EventBridge rule {watch_id} with the alert topic as its target, which release {rails.release.value} promises: {watch.summary}",
                    None,
                )
        elif not any(name.endswith(f"-{watch_id}") for name in alarms):
            yield f"Add the alarm {watch_id}, which release {rails.release.value} promises: {watch.summary}", None


def _spot_rule_notifies(resources: Sequence[PolicyResource]) -> bool:
    rules = {r.urn for r in of_type(resources, EVENT_RULE) if str(r.props.get("name", "")).endswith(f"-{SPOT_INTERRUPTIONS}")}
    return any(any(dep.urn in rules for dep in depends_on(target, "rule")) and _to_topic(target, "arn") for target in of_type(resources, EVENT_TARGET))


def _dimension_names(alarm: PolicyResource) -> list[tuple[str, str, Mapping[str, object]]]:
    """(input, dimension name, the dimensions holding it) of the alarm's metric and of every
    metric of its math. Values are read only when needed: a first preview may not know them."""
    dimensions = _mapping(alarm.props.get("dimensions"))
    found = [("dimensions", name, dimensions) for name in dimensions]
    for query in as_list(alarm.props.get("metricQueries")):
        inner = _mapping(_mapping(_mapping(query).get("metric")).get("dimensions"))
        found += [("metricQueries", name, inner) for name in inner]
    return found


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _names_of(resource: PolicyResource) -> set[str]:
    return {str(resource.props[key]) for key in NAME_KEYS if has_key(resource.props, key) and isinstance(resource.props.get(key), str)}


def _node_of(value: str, groups: set[str], dimension: str) -> bool:
    """Whether a CacheClusterId names a node of one of the groups (<group id>-001, -002, ...)."""
    return dimension == "CacheClusterId" and any(re.fullmatch(re.escape(group) + r"-[0-9]{3}", value) for group in groups)


def _dimension_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for alarm in of_type(resources, ALARM):
        reported = set()
        for key, dimension, holder in _dimension_names(alarm):
            wanted = DIMENSION_TYPES.get(dimension)
            if wanted is None or dimension in reported:
                continue
            if any(dep.resource_type in wanted for dep in depends_on(alarm, key)):
                continue
            # A literal dimension is accepted when it is the name or id of such a resource.
            value = holder.get(dimension)
            names = {name for kind in wanted for r in of_type(resources, kind) for name in _names_of(r)}
            if isinstance(value, str) and (value in names or _node_of(value, names, dimension)):
                continue
            reported.add(dimension)
            yield (
                f"Point the {dimension} dimension of {alarm.name} at a {NOUNS[wanted[0]]} of this stack: {value!r} is none it creates, "
                "so the alarm would watch a metric that never reports.",
                alarm.urn,
            )


def _topic_key(resources: Sequence[PolicyResource], topic: PolicyResource) -> PolicyResource | None:
    """The stack's key the topic is encrypted with: through its alias, or directly."""
    for dep in depends_on(topic, "kmsMasterKeyId"):
        if dep.resource_type == KEY:
            return dep
        if dep.resource_type == ALIAS:
            keys = [d for d in depends_on(dep, "targetKeyId") if d.resource_type == KEY]
            if keys:
                return keys[0]
    return None


def _granted_services(key: PolicyResource) -> set[str]:
    granted: set[str] = set()
    for statement in allow_statements(json_document(key.props, "policy")):
        actions = {str(a) for a in as_list(statement.get("Action"))}
        uses = {"kms:*"} & actions or ({"kms:Decrypt"} <= actions and bool({"kms:GenerateDataKey*", "kms:GenerateDataKey"} & actions))
        if uses:
            granted |= service_principals(statement)
    return granted


def _publishers(resources: Sequence[PolicyResource], topic: PolicyResource) -> set[str]:
    """The services the topic's policies let publish."""
    found: set[str] = set()
    for policy in of_type(resources, TOPIC_POLICY):
        if any(dep.urn == topic.urn for dep in depends_on(policy, "arn")):
            for statement in allow_statements(json_document(policy.props, "policy")):
                found |= service_principals(statement)
    return found


def _encryption_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for topic in of_type(resources, TOPIC):
        if not has_key(topic.props, "kmsMasterKeyId"):
            yield f"Encrypt {topic.name} with the stack's alert key (kmsMasterKeyId): alerts name the stack's resources and failures.", topic.urn
            continue
        key = _topic_key(resources, topic)
        if key is None:
            literal = topic.props.get("kmsMasterKeyId")
            if str(literal).endswith(AWS_MANAGED_SNS_KEY):
                yield (
                    f"Encrypt {topic.name} with a customer managed key, not {AWS_MANAGED_SNS_KEY}: its policy cannot let CloudWatch alarms "
                    "or AWS Budgets use it, so their notifications would be dropped.",
                    topic.urn,
                )
            else:
                yield f"Encrypt {topic.name} with a KMS key of this stack, whose policy the pack can check.", topic.urn
            continue
        missing = sorted(_publishers(resources, topic) - _granted_services(key))
        if missing:
            yield (
                f"Let {', '.join(missing)} use {key.name} (kms:Decrypt and kms:GenerateDataKey* in its policy): "
                f"they publish to {topic.name}, and without the key their messages are dropped.",
                key.urn,
            )


def _publisher_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for policy in of_type(resources, TOPIC_POLICY):
        for index, statement in enumerate(policy_statements(json_document(policy.props, "policy")), start=1):
            if statement.get("Effect") != "Allow":
                continue
            sid = statement.get("Sid") or f"statement {index}"
            principal = statement.get("Principal")
            others = principal == "*" or bool(set(_mapping(principal)) - {"Service"}) or bool(service_principals(statement) - set(PUBLISHERS))
            if others:
                yield f"Let only {', '.join(PUBLISHERS)} publish in {sid} of {policy.name}: it allows {principal}.", policy.urn
            elif not statement.get("Condition"):
                yield f"Add a source condition (aws:SourceAccount or aws:SourceArn) to {sid} of {policy.name}: any account's alarms could publish.", policy.urn


def _rotation_violations(props: Props, _: Guardrails) -> Iterable[str]:
    if not truthy(props, "enableKeyRotation"):
        yield "Set enableKeyRotation to true on the key: KMS then rotates its material every year."


def policies(source: RailsSource) -> list[Policy]:
    return [
        stack_policy(PROMISED, _promised_violations, source),
        stack_policy(ACTIONS, _actions_violations, source),
        stack_policy(DIMENSIONS_EXIST, _dimension_violations, source),
        stack_policy(TOPIC_ENCRYPTED, _encryption_violations, source),
        stack_policy(PUBLISHERS_LIMITED, _publisher_violations, source),
        resource_policy(KEY_ROTATION, (KEY,), _rotation_violations, source),
    ]
