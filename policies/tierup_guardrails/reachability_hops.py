"""Whether one hop is open: TCP from an endpoint (or the internet) to another endpoint (or the
internet) on one port, through both security groups, the listeners and the default routes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tierup_guardrails.literal_inputs import Network
from tierup_guardrails.network_endpoints import LOAD_BALANCER, TASKS, Endpoint
from tierup_guardrails.network_groups import Rule
from tierup_guardrails.network_model import Model

INTERNET = "internet"
REVOKED_EGRESS = "(the provider revokes AWS's default allow-all egress)"

Violation = tuple[str, str | None]


def _cidr_reaches(model: Model, cidr: Network, endpoint: Endpoint, *, every: bool) -> bool:
    """Whether the CIDR holds every (or, for `every=False`, any) address the endpoint may use."""
    subnets = [model.subnet_cidrs.get(s) for s in endpoint.subnets]
    known = [p for p in subnets if p is not None]
    places = known if subnets and len(known) == len(subnets) else model.vpc_cidrs  # subnets unknown: anywhere in the VPC
    if not places:
        return cidr.prefixlen == 0

    def holds(place: Network) -> bool:
        if place.version != cidr.version:
            return False
        return place.subnet_of(cidr) if every else place.overlaps(cidr)  # type: ignore[arg-type]

    return all(map(holds, places)) if every else any(map(holds, places))


def _names_peer(model: Model, rule: Rule, peer: Endpoint, *, every: bool) -> bool:
    """Whether the rule's peer groups or CIDRs take in the peer endpoint (all of its addresses, or some)."""
    return bool(rule.groups & set(peer.groups)) or any(_cidr_reaches(model, c, peer, every=every) for c in rule.cidrs)


def _lets_through(model: Model, endpoint: Endpoint, direction: str, peer: Endpoint, port: int) -> bool:
    return any(rule.covers(port) and _names_peer(model, rule, peer, every=True) for rule in model.rules(endpoint, direction))


def _world(rules: Iterable[Rule], port: int) -> bool:
    return any(rule.covers(port) and any(c.prefixlen == 0 for c in rule.cidrs) for rule in rules)


def _unresolved(model: Model, endpoint: Endpoint) -> str | None:
    if not endpoint.groups:
        return f"{endpoint.name}'s security groups cannot be resolved from the program's resources (pass them as resource outputs, never as literal ids)"
    unknown = model.unknown_rules(endpoint)
    if unknown:
        return f"{', '.join(unknown)} on {model.group_names(endpoint)} cannot be read at preview"
    return None


def _listens(target: Endpoint, port: int) -> str | None:
    if target.kind == LOAD_BALANCER and port not in target.ports:
        return f"{target.name} has no listener on {port}"
    if target.kind == TASKS and port not in target.ports:
        return f"the task definition maps no container port {port}"
    return None


def _subnet_list(model: Model, urns: Iterable[str]) -> str:
    return ", ".join(model.names[u] for u in urns)


def hop_problem(model: Model, source: Endpoint, target: Endpoint, port: int) -> str | None:
    """Why TCP from `source` to `target` on `port` is refused, or None when the hop is open."""
    for endpoint in (source, target):
        reason = _unresolved(model, endpoint)
        if reason:
            return reason
    if not _lets_through(model, source, "egress", target, port):
        return f"{model.group_names(source)} has no egress to {target.name} on {port} {REVOKED_EGRESS}"
    if not _lets_through(model, target, "ingress", source, port):
        return f"{model.group_names(target)} admits nothing from {source.name} on {port}"
    return _listens(target, port)


def inbound_problem(model: Model, target: Endpoint, port: int) -> str | None:
    """Why the internet cannot open TCP to `target` on `port`, or None when it can."""
    reason = _unresolved(model, target)
    if reason:
        return reason
    if not target.internet_facing:
        return {
            TASKS: "the tasks get no public IP (set networkConfiguration.assignPublicIp to true)",
            LOAD_BALANCER: "the load balancer is internal (set internal to false)",
        }.get(target.kind, f"{target.name} is not publicly accessible")
    if not target.subnets:
        return f"{target.name}'s subnets cannot be resolved from the program's resources"
    unrouted = [s for s in target.subnets if model.route_kind(s) != "igw"]
    if unrouted:
        return f"{_subnet_list(model, unrouted)} {'has' if len(unrouted) == 1 else 'have'} no default route to an internet gateway"
    if not _world(model.rules(target, "ingress"), port):
        return f"{model.group_names(target)} admits nothing from 0.0.0.0/0 on {port}"
    return _listens(target, port)


def outbound_problem(model: Model, source: Endpoint, port: int) -> str | None:
    """Why `source` cannot open TCP to the internet on `port`, or None when it can."""
    reason = _unresolved(model, source)
    if reason:
        return reason
    if not _world(model.rules(source, "egress"), port):
        return f"{model.group_names(source)} has no egress to 0.0.0.0/0 on {port} {REVOKED_EGRESS}"
    if not source.subnets:
        return f"{source.name}'s subnets cannot be resolved from the program's resources"
    for subnet in source.subnets:
        kind, gateway = model.default_routes.get(subnet, ("", None))
        if kind == "igw" and not source.internet_facing:
            return f"{model.names[subnet]} routes to the internet gateway, but the tasks get no public IP"
        if kind == "nat" and gateway is not None and gateway.urn in model.nat_problems:
            return model.nat_problems[gateway.urn]
        if kind not in ("igw", "nat"):
            unrouted = [s for s in source.subnets if model.route_kind(s) not in ("igw", "nat")]
            verb = "has" if len(unrouted) == 1 else "have"
            return f"{_subnet_list(model, unrouted)} {verb} no default route through an internet gateway or a NAT gateway"
    return None


@dataclass(frozen=True)
class Hop:
    """One step of a promised path: from `source` (None: the internet) to `target` (None: the internet)."""

    source: Endpoint | None
    target: Endpoint | None
    port: int

    def problem(self, model: Model) -> str | None:
        if self.source is None and self.target is not None:
            return inbound_problem(model, self.target, self.port)
        if self.target is None and self.source is not None:
            return outbound_problem(model, self.source, self.port)
        assert self.source is not None and self.target is not None
        return hop_problem(model, self.source, self.target, self.port)

    def violation(self, model: Model) -> Violation | None:
        reason = self.problem(model)
        if reason is None:
            return None
        source = self.source.name if self.source else INTERNET
        target = self.target.name if self.target else INTERNET
        reported = self.source or self.target
        assert reported is not None
        return f"Open {source} → {target} on {self.port}: {reason}.", reported.resource.urn


def leak(model: Model, source: Endpoint, target: Endpoint) -> tuple[int, int, Rule, Rule] | None:
    """The first port range both `source`'s egress and `target`'s ingress let through, to any of their addresses."""
    for out in model.rules(source, "egress"):
        if not _names_peer(model, out, target, every=False):
            continue
        for into in model.rules(target, "ingress"):
            if not _names_peer(model, into, source, every=False):
                continue
            low, high = max(out.low, into.low), min(out.high, into.high)
            if low <= high:
                return low, high, out, into
    return None
