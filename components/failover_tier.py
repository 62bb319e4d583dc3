"""FailoverTier: the app's name in Route 53, answered by the primary region's load balancer while
its health check passes and by the recovery region's otherwise (v3.0)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.naming import child_name
from tierup_guardrails.tags import StackTags

TIER = "failover"
# Three failed checks 30 s apart: about 90 s from an outage to the recovery region's answers
# (Route 53 Developer Guide, "How Amazon Route 53 determines whether a health check is healthy").
FAILURE_THRESHOLD, REQUEST_INTERVAL = 3, 30


@dataclass(frozen=True, kw_only=True)
class FailoverTierArgs:
    """The name, the zone holding it, and the two load balancers it fails over between."""

    domain: str
    hosted_zone_id: str | None
    """None creates a public zone for the domain (delegate it from its parent)."""
    health_check_path: str
    https: bool
    """Whether the primary's load balancer serves HTTPS (it has a certificate)."""
    primary_dns_name: pulumi.Input[str]
    primary_zone_id: pulumi.Input[str]
    recovery_dns_name: pulumi.Input[str]
    recovery_zone_id: pulumi.Input[str]
    tags: StackTags


class FailoverTier(pulumi.ComponentResource):
    """A hosted zone (unless given), an HTTP(S) health check on the primary's load balancer, and
    PRIMARY and SECONDARY failover alias records of the domain."""

    name_servers: pulumi.Output[Sequence[str]]
    """The created zone's name servers (empty when the zone was given)."""
    health_check_id: pulumi.Output[str]

    def __init__(self, name: str, args: FailoverTierArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tierup:index:FailoverTier", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        def tags(role: str) -> dict[str, str]:
            return args.tags.for_resource(TIER, role)

        zone = None if args.hosted_zone_id else aws.route53.Zone(child_name(name, "zone"), name=args.domain, tags=tags("zone"), opts=child)
        zone_id: pulumi.Input[str] = args.hosted_zone_id or zone.zone_id  # type: ignore[union-attr]  # one of the two is set
        health = aws.route53.HealthCheck(
            child_name(name, "primary-health"),
            type="HTTPS" if args.https else "HTTP",
            fqdn=args.primary_dns_name,
            port=443 if args.https else 80,
            resource_path=args.health_check_path,
            failure_threshold=FAILURE_THRESHOLD,
            request_interval=REQUEST_INTERVAL,
            tags=tags("primary-health"),
            opts=child,
        )
        _failover_record(child_name(name, "primary"), zone_id, args.domain, "PRIMARY", args.primary_dns_name, args.primary_zone_id, health.id, child)
        # The recovery record is not evaluated: a passive standby answers 503 until it is
        # activated, and evaluating it would send everyone back to the failed primary (Route 53
        # answers the primary when both records are unhealthy).
        _failover_record(child_name(name, "recovery"), zone_id, args.domain, "SECONDARY", args.recovery_dns_name, args.recovery_zone_id, None, child)
        self.name_servers = zone.name_servers if zone else pulumi.Output.from_input([])
        self.health_check_id = health.id
        self.register_outputs({"name_servers": self.name_servers, "health_check_id": self.health_check_id})


def _failover_record(
    name: str,
    zone_id: pulumi.Input[str],
    domain: str,
    role: str,
    dns_name: pulumi.Input[str],
    alias_zone_id: pulumi.Input[str],
    health_check_id: pulumi.Input[str] | None,
    opts: pulumi.ResourceOptions,
) -> aws.route53.Record:
    """An A alias of `domain` to a load balancer, answered as the PRIMARY or the SECONDARY of a
    failover pair: the primary while its health check passes (and its target is healthy)."""
    return aws.route53.Record(
        name,
        zone_id=zone_id,
        name=domain,
        type="A",
        set_identifier=role.lower(),
        failover_routing_policies=[{"type": role}],
        health_check_id=health_check_id,
        aliases=[{"name": dns_name, "zone_id": alias_zone_id, "evaluate_target_health": health_check_id is not None}],
        opts=opts,
    )
