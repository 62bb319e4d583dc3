"""LoadBalancer: the internet-facing edge of the app (ALB, listeners, target group, WAF)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.naming import child_name
from components.security_rules import tcp_rule
from tierup_guardrails.tags import StackTags

TIER = "compute"
# TLS 1.3 with 1.2 as the floor (CKV_AWS_103, L2).
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
# Requests per IP per 5 minutes before WAF blocks: generous for people, low for scripts.
RATE_LIMIT_PER_5_MIN = 2000
MANAGED_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")
# The common rule set blocks request bodies over 8 KB (AWS WAF Developer Guide, "Core rule set
# (CRS) managed rule group"); unless the stack asks for that, the rule only counts.
LARGE_BODY_RULE = "SizeRestrictions_BODY"


@dataclass(frozen=True, kw_only=True)
class LoadBalancerArgs:
    """Where the ALB lives and what it forwards to."""

    vpc_id: pulumi.Input[str]
    """VPC of the ALB and its target group."""
    public_subnet_ids: pulumi.Input[Sequence[str]]
    """Public subnets in at least two AZs (ELB.13)."""
    app_port: int
    """Port the tasks listen on (and the health check's port)."""
    app_security_group_id: pulumi.Input[str]
    """The tasks' group: the ALB's only egress, to the app port."""
    health_check_path: str
    """Path the target group probes."""
    certificate_arn: str | None
    """ACM certificate: HTTPS on 443 and HTTP redirected to it; None serves plain HTTP."""
    waf: bool
    """Associate a WAFv2 web ACL with AWS managed rules and a rate limit."""
    waf_block_large_bodies: bool
    """Let the common rule set block request bodies over 8 KB; False counts them only."""
    tags: StackTags
    """The stack's shared tags."""


class LoadBalancer(pulumi.ComponentResource):
    """An internet-facing ALB (invalid headers dropped, defensive desync mitigation) with its
    security group (80/443 from anywhere, egress to the app's group on the app port only), an
    `ip` target group with a
    health check, an HTTP listener (redirect to HTTPS when a certificate is set, else forward),
    an HTTPS listener with a TLS 1.2+ policy when a certificate is set, and optionally a WAFv2
    web ACL (common + known-bad-inputs managed rules, per-IP rate limit) associated with it."""

    arn: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    target_group_arn: pulumi.Output[str]
    url: pulumi.Output[str]
    arn_suffix: pulumi.Output[str]
    """app/<name>/<id>: the LoadBalancer dimension of the ALB's CloudWatch metrics."""
    target_group_suffix: pulumi.Output[str]
    """targetgroup/<name>/<id>: the TargetGroup dimension."""
    web_acl_name: pulumi.Output[str] | None
    """The WebACL dimension of WAF's metrics; None without WAF."""

    def __init__(self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tierup:index:LoadBalancer", name, None, opts)
        self._name = name
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)

        security_group = self._create_security_group()
        alb = aws.lb.LoadBalancer(
            child_name(name, "alb"),
            load_balancer_type="application",
            internal=False,
            subnets=args.public_subnet_ids,
            security_groups=[security_group.id],
            drop_invalid_header_fields=True,
            # No deletion protection: the ALB holds no data, and moving down to v1.0 or
            # `pulumi destroy` must be able to delete it (a settled difference from ELB.6).
            enable_deletion_protection=False,
            desync_mitigation_mode="defensive",
            tags=self._tags("alb"),
            opts=self._child,
        )
        target_group = aws.lb.TargetGroup(
            child_name(name, "targets"),
            port=args.app_port,
            protocol="HTTP",
            target_type="ip",
            vpc_id=args.vpc_id,
            deregistration_delay=30,
            health_check={"path": args.health_check_path, "matcher": "200-399", "interval": 15, "healthy_threshold": 2, "unhealthy_threshold": 3},
            tags=self._tags("targets"),
            opts=self._child,
        )
        self.listeners = self._create_listeners(alb, target_group)
        acl = self._create_waf(alb) if args.waf else None

        self.arn = alb.arn
        self.dns_name = alb.dns_name
        self.zone_id = alb.zone_id
        self.security_group_id = security_group.id
        self.target_group_arn = target_group.arn
        scheme = "https" if args.certificate_arn else "http"
        self.url = alb.dns_name.apply(lambda dns: f"{scheme}://{dns}")
        self.arn_suffix = alb.arn_suffix
        self.target_group_suffix = target_group.arn_suffix
        self.web_acl_name = acl.name if acl else None
        self.register_outputs(
            {
                "arn": self.arn,
                "dns_name": self.dns_name,
                "target_group_arn": self.target_group_arn,
                "url": self.url,
                "arn_suffix": self.arn_suffix,
                "target_group_suffix": self.target_group_suffix,
                "web_acl_name": self.web_acl_name,
            }
        )

    def _tags(self, role: str) -> dict[str, str]:
        return self._args.tags.for_resource(TIER, role)

    def _create_security_group(self) -> aws.ec2.SecurityGroup:
        group = aws.ec2.SecurityGroup(
            child_name(self._name, "sg"),
            vpc_id=self._args.vpc_id,
            description="ALB: HTTP and HTTPS from the internet",
            tags=self._tags("alb-sg"),
            opts=self._child,
        )
        ports = (80, 443) if self._args.certificate_arn else (80,)
        for port in ports:
            tcp_rule(
                child_name(self._name, f"ingress-{port}"),
                direction="ingress",
                group_id=group.id,
                cidr="0.0.0.0/0",
                ports=(port, port),
                description=f"Internet to the ALB on {port}",
                tags=self._tags(f"alb-ingress-{port}"),
                opts=self._child,
            )
        # The provider revokes AWS's default allow-all egress on every group it creates
        # (terraform-provider-aws, internal/service/ec2/vpc_security_group.go,
        # resourceSecurityGroupCreate): without this rule health checks never reach the tasks.
        app_port = self._args.app_port
        tcp_rule(
            child_name(self._name, "to-app"),
            direction="egress",
            group_id=group.id,
            peer_group_id=self._args.app_security_group_id,
            ports=(app_port, app_port),
            description="ALB to the app's tasks: requests and health checks",
            tags=self._tags("alb-to-app"),
            opts=self._child,
        )
        return group

    def _create_listeners(self, alb: aws.lb.LoadBalancer, target_group: aws.lb.TargetGroup) -> list[aws.lb.Listener]:
        forward: aws.lb.ListenerDefaultActionArgsDict = {"type": "forward", "target_group_arn": target_group.arn}
        certificate = self._args.certificate_arn
        redirect: aws.lb.ListenerDefaultActionArgsDict = {"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}}
        listeners = [
            aws.lb.Listener(
                child_name(self._name, "http"),
                load_balancer_arn=alb.arn,
                port=80,
                protocol="HTTP",
                default_actions=[redirect if certificate else forward],
                tags=self._tags("http"),
                opts=self._child,
            )
        ]
        if certificate:
            listeners.append(
                aws.lb.Listener(
                    child_name(self._name, "https"),
                    load_balancer_arn=alb.arn,
                    port=443,
                    protocol="HTTPS",
                    ssl_policy=TLS_POLICY,
                    certificate_arn=certificate,
                    default_actions=[forward],
                    tags=self._tags("https"),
                    opts=self._child,
                )
            )
        return listeners

    def _create_waf(self, alb: aws.lb.LoadBalancer) -> aws.wafv2.WebAcl:
        rules: list[aws.wafv2.WebAclRuleArgsDict] = [
            {
                "name": group,
                "priority": priority,
                "override_action": {"none": {}},
                "statement": {"managed_rule_group_statement": self._managed_rule_group(group)},
                "visibility_config": _visibility(group),
            }
            for priority, group in enumerate(MANAGED_RULE_GROUPS, start=1)
        ]
        rules.append(
            {
                "name": "rate-limit-per-ip",
                "priority": len(rules) + 1,
                "action": {"block": {}},
                "statement": {"rate_based_statement": {"limit": RATE_LIMIT_PER_5_MIN, "aggregate_key_type": "IP"}},
                "visibility_config": _visibility("rate-limit-per-ip"),
            }
        )
        acl = aws.wafv2.WebAcl(
            child_name(self._name, "waf"),
            scope="REGIONAL",
            default_action={"allow": {}},
            rules=rules,
            visibility_config=_visibility("web-acl"),
            tags=self._tags("waf"),
            opts=self._child,
        )
        aws.wafv2.WebAclAssociation(child_name(self._name, "waf-association"), resource_arn=alb.arn, web_acl_arn=acl.arn, opts=self._child)
        return acl

    def _managed_rule_group(self, group: str) -> aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgsDict:
        statement: aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgsDict = {"name": group, "vendor_name": "AWS"}
        if group == "AWSManagedRulesCommonRuleSet" and not self._args.waf_block_large_bodies:
            statement["rule_action_overrides"] = [{"name": LARGE_BODY_RULE, "action_to_use": {"count": {}}}]
        return statement


def _visibility(metric: str) -> aws.wafv2.WebAclVisibilityConfigArgsDict:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}
