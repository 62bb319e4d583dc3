"""Security groups and the TCP rules attached to them, inline or as separate rule resources."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from tierup_guardrails.base import as_list, depends_on, number, of_type, truthy
from tierup_guardrails.literal_inputs import UNREADABLE, Network, literal, network

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"

ALL_TCP_PROTOCOLS = ("-1", "all")
TCP_PROTOCOLS = ("tcp", "6", *ALL_TCP_PROTOCOLS)
DIRECTIONS = ("ingress", "egress")


def port_range(low: int, high: int) -> str:
    return "all ports" if (low, high) == (0, 65535) else str(low) if low == high else f"{low}-{high}"


@dataclass(frozen=True)
class Rule:
    """One direction of one security-group rule, as far as TCP goes."""

    declared_by: PolicyResource
    low: int
    high: int
    groups: frozenset[str]
    """URNs of the peer groups the rule references."""
    cidrs: tuple[Network, ...]

    def covers(self, port: int) -> bool:
        return self.low <= port <= self.high

    @property
    def ports(self) -> str:
        return port_range(self.low, self.high)


@dataclass
class Group:
    """A security group and the rules attached to it (inline or as rule resources)."""

    resource: PolicyResource
    ingress: list[Rule] = field(default_factory=list)
    egress: list[Rule] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    """Names of rules whose ports or peers are unknown at preview."""

    def rules(self, direction: str) -> list[Rule]:
        return self.ingress if direction == "ingress" else self.egress


def _rule(declared_by: PolicyResource, spec: Mapping[str, object], peers: Iterable[str], owner: str) -> Rule | None:
    """A TCP rule from the fields the three rule shapes share; None for UDP/ICMP."""
    protocol = str(spec.get("ipProtocol", spec.get("protocol", "")) or "").lower()
    if protocol not in TCP_PROTOCOLS:
        return None
    low, high = (0, 65535) if protocol in ALL_TCP_PROTOCOLS else (int(number(spec.get("fromPort", 0))), int(number(spec.get("toPort", 65535))))
    written = [spec.get("cidrIpv4"), spec.get("cidrIpv6"), *as_list(spec.get("cidrBlocks")), *as_list(spec.get("ipv6CidrBlocks"))]
    cidrs = tuple(n for n in (network(c) for c in written) if n is not None)
    groups = set(peers) | ({owner} if truthy(spec, "self") else set())
    return Rule(declared_by, low, high, frozenset(groups), cidrs)


def _add_rule(group: Group, direction: str, declared_by: PolicyResource, spec: Mapping[str, object], peers: Iterable[str]) -> None:
    try:
        rule = _rule(declared_by, spec, peers, group.resource.urn)
    except (UnknownValueError, ValueError):
        group.unknown.append(declared_by.name)
        return
    if rule is not None:
        group.rules(direction).append(rule)


def _add_inline_rules(group: Group) -> None:
    for direction in DIRECTIONS:
        # Inline rules share one dependency list: each rule is read as referencing all of its groups.
        peers = [d.urn for d in of_type(depends_on(group.resource, direction), SECURITY_GROUP)]
        entries = literal(group.resource.props, direction)
        if entries is UNREADABLE:
            group.unknown.append(f"{group.resource.name}.{direction}")
            continue
        for entry in as_list(entries):
            if isinstance(entry, Mapping):
                _add_rule(group, direction, group.resource, entry, peers if entry.get("securityGroups") else [])


def _add_rule_resource(groups: Mapping[str, Group], rule: PolicyResource) -> None:
    for owner in of_type(depends_on(rule, "securityGroupId"), SECURITY_GROUP):
        peers = [d.urn for key in ("referencedSecurityGroupId", "sourceSecurityGroupId") for d in of_type(depends_on(rule, key), SECURITY_GROUP)]
        direction: object = {SG_INGRESS_RULE: "ingress", SG_EGRESS_RULE: "egress"}.get(rule.resource_type) or literal(rule.props, "type")
        if direction not in DIRECTIONS:
            groups[owner.urn].unknown.append(rule.name)
            continue
        _add_rule(groups[owner.urn], str(direction), rule, rule.props, peers)


def security_groups(resources: Sequence[PolicyResource]) -> dict[str, Group]:
    """Every security group of the stack by URN, with its inline rules first, then its rule resources."""
    groups = {g.urn: Group(g) for g in of_type(resources, SECURITY_GROUP)}
    for group in groups.values():
        _add_inline_rules(group)
    for rule in of_type(resources, SG_INGRESS_RULE, SG_EGRESS_RULE, SG_RULE):
        _add_rule_resource(groups, rule)
    return groups
