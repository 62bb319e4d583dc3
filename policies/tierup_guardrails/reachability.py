"""Reachability: the release's promised paths are open and the forbidden ones closed, proven over
security groups, subnets, route tables and NAT gateways linked by property dependencies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pulumi_policy import Policy, PolicyResource, Severity

from tierup_guardrails.base import RailsSource, Settled, Spec, by_region, stack_policy
from tierup_guardrails.literal_inputs import Network
from tierup_guardrails.network_endpoints import CACHE, DATA_KINDS, DATABASE, PROXY, REPLICA, TASKS, Endpoint
from tierup_guardrails.network_groups import port_range
from tierup_guardrails.network_model import Model, build_model
from tierup_guardrails.reachability_hops import INTERNET, Hop, Violation, leak
from tierup_guardrails.settings.guardrails import Guardrails

OUTBOUND_PORT = 443
"""Image pulls, logs, secrets and AWS APIs: the tasks' one promised way out."""
# Addresses that never come from the internet: RFC 1918 and IPv6 unique-local space.
PRIVATE_SPACE = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))

PROMISED = Spec(
    name="vpc-reachability-promised-paths-open",
    description=(
        "Every path the release promises is open through security groups and routes: the edge to the tasks, "
        "the tasks to each database, proxy, replica and cache, and the tasks out to the internet on 443."
    ),
    severity=Severity.HIGH,
    remediation=(
        "Add the missing rule or route named in the message: egress on the source's group and ingress on the target's group, "
        "both referencing the other's group, and a default route through an internet or working NAT gateway for the way out."
    ),
    references=("reachability", "N8"),
)
FORBIDDEN = Spec(
    name="vpc-reachability-forbidden-paths-closed",
    description=(
        "Security groups themselves close every forbidden path, whatever the routes and public flags: no internet address reaches "
        "a database, proxy or cache (nor the tasks behind a load balancer), and only the tasks (and the proxy, for databases) reach data."
    ),
    severity=Severity.CRITICAL,
    remediation="Remove the rule named in the message; data stores admit only the app's security group (or the proxy's, for databases).",
    references=("reachability", "N6", "N7", "AwsSolutions-RDS8"),
    settled=(
        Settled(
            controls=("AwsSolutions-RDS8",),
            how="Stricter: data stores admit no address at all, only the app's (or the proxy's) group, where cdk-nag refuses 0.0.0.0/0 alone.",
        ),
    ),
)


# ---- promised paths ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Promise:
    """A promised path through a service's tasks: how the world reaches them, and where they reach."""

    tasks: Endpoint
    entries: tuple[tuple[Hop, ...], ...]
    """Ways in from the internet (one per listener port), each ending at the tasks."""
    backends: tuple[tuple[Hop, ...], ...]
    """Ways from the tasks to each data store (through the proxy where one targets it)."""
    outbound: Hop


def _entries(model: Model, rails: Guardrails, tasks: Endpoint) -> tuple[list[tuple[Hop, ...]], list[Violation]]:
    """The ways in to the tasks: straight to the app port, or through each load balancer that fronts them."""
    if rails.public_app_port is not None:
        return [(Hop(None, tasks, rails.public_app_port),)], []
    balancers = model.fronted_by.get(tasks.resource.urn, [])
    app_ports = model.target_ports.get(tasks.resource.urn) or tasks.ports
    missing: list[Violation] = []
    if not balancers or not app_ports:
        missing.append(
            (
                f"Put a load balancer in front of {tasks.name}: its listeners must forward to a target group the service registers with.",
                tasks.resource.urn,
            )
        )
    edge_ports = (80, 443) if rails.https_available else (80,)
    return [(Hop(None, lb, edge), Hop(lb, tasks, app)) for lb in balancers for edge in edge_ports for app in app_ports], missing


def _backends(model: Model, tasks: Endpoint) -> list[tuple[Hop, ...]]:
    """The ways from the tasks to each database (through its proxies, if any), replica and cache."""
    backends: list[tuple[Hop, ...]] = []
    for db in model.of_kind(DATABASE):
        port = db.ports[0]
        proxies = model.proxied_by.get(db.resource.urn, [])
        backends += [(Hop(tasks, proxy, proxy.ports[0]), Hop(proxy, db, port)) for proxy in proxies] or [(Hop(tasks, db, port),)]
    backends += [(Hop(tasks, store, store.ports[0]),) for store in model.of_kind(REPLICA, CACHE)]
    return backends


def promises(model: Model, rails: Guardrails) -> tuple[list[Promise], list[Violation]]:
    """The paths the release promises, per service, and what prevents naming them at all."""
    services = model.of_kind(TASKS)
    if not services:
        return [], [("Add the app's ECS service: every promised path starts or ends at its tasks.", None)]
    missing: list[Violation] = []
    found = []
    for tasks in services:
        entries, unfronted = _entries(model, rails, tasks)
        missing += unfronted
        found.append(Promise(tasks, tuple(entries), tuple(_backends(model, tasks)), Hop(tasks, None, OUTBOUND_PORT)))
    return found, missing


def _regions(resources: Sequence[PolicyResource], rails: Guardrails) -> list[tuple[Model, bool]]:
    """Each region's network on its own (a security group never spans two), and whether its
    tasks promise a way out: a passive recovery region has no NAT and nothing running."""
    return [
        (build_model(part), not (region == rails.recovery_region and rails.recovery_passive))
        for region, part in by_region(resources, rails.region).items()
        if part or region == rails.region
    ]


def _promised_violations(resources: Sequence[PolicyResource], rails: Guardrails) -> Iterable[Violation]:
    for model, outbound in _regions(resources, rails):
        yield from _promised_in(model, rails, outbound=outbound)


def _promised_in(model: Model, rails: Guardrails, *, outbound: bool) -> Iterable[Violation]:
    found, missing = promises(model, rails)
    yield from missing
    seen: set[Violation] = set()
    for promise in found:
        for hop in [hop for path in (*promise.entries, *promise.backends) for hop in path] + ([promise.outbound] if outbound else []):
            violation = hop.violation(model)
            if violation is not None and violation not in seen:
                seen.add(violation)
                yield violation


def _chain(hops: Sequence[Hop]) -> str:
    return " → ".join(f"{hop.target.name if hop.target else INTERNET}:{hop.port}" for hop in hops)


def _open(model: Model, path: Sequence[Hop]) -> bool:
    return all(hop.problem(model) is None for hop in path)


def proven_paths(resources: Sequence[PolicyResource], rails: Guardrails) -> list[str]:
    """One line per promised path that holds, e.g. `internet → compute-lb-alb:80 → compute-service:8080 → data-db:5432`."""
    return [line for model, outbound in _regions(resources, rails) for line in _proven_in(model, rails, outbound=outbound)]


def _proven_in(model: Model, rails: Guardrails, *, outbound: bool) -> list[str]:
    lines: list[str] = []
    for promise in promises(model, rails)[0]:
        # Ways in that differ only by the edge port share a line: `compute-lb-alb:80,443`.
        entries: dict[tuple[str, str], list[str]] = {}
        for path in promise.entries:
            if _open(model, path):
                first, rest = path[0], path[1:]
                assert first.target is not None
                entries.setdefault((first.target.name, f" → {_chain(rest)}" if rest else ""), []).append(str(first.port))
        heads = [f"{INTERNET} → {name}:{','.join(ports)}{tail}" for (name, tail), ports in entries.items()]
        backends = [path for path in promise.backends if _open(model, path)]
        if backends:
            lines += [f"{head} → {_chain(path)}" for head in heads or [promise.tasks.name] for path in backends]
        else:
            lines += heads
        if outbound and promise.outbound.problem(model) is None:
            lines.append(f"{promise.tasks.name} → {INTERNET}:{OUTBOUND_PORT}")
    return lines


# ---- forbidden paths ---------------------------------------------------------------------------


def _internet_cidr(model: Model, cidr: Network) -> bool:
    """A CIDR holding addresses outside the VPC and private address space: the internet."""
    inside = [*PRIVATE_SPACE, *model.vpc_cidrs]
    return not any(cidr.version == space.version and cidr.subnet_of(space) for space in inside)  # type: ignore[arg-type]


def _world_ingress(model: Model, target: Endpoint) -> Iterable[Violation]:
    for urn in target.groups:
        for rule in model.groups[urn].ingress:
            for cidr in rule.cidrs:
                if _internet_cidr(model, cidr):
                    yield (
                        f"Close internet → {target.name} on {rule.ports}: {rule.declared_by.name} admits {cidr} to {model.names[urn]}; "
                        "only the load balancer may face the internet.",
                        rule.declared_by.urn,
                    )


def _may_reach(source: Endpoint, target: Endpoint) -> bool:
    return source.kind == TASKS or (source.kind == PROXY and target.kind in (DATABASE, REPLICA))


def _unprovable_or_world_open(model: Model, target: Endpoint) -> Iterable[Violation]:
    """Why the paths into `target` cannot be proven closed, else the internet addresses its groups admit."""
    if not target.groups:
        yield f"Give {target.name} a security group of the stack's: without one the paths to it cannot be proven closed.", target.resource.urn
        return
    for name in model.unknown_rules(target):
        yield f"Make {name} known at preview: the paths into {target.name} cannot be proven closed without its ports and peers.", target.resource.urn
    yield from _world_ingress(model, target)


def _leaks_into_data(model: Model, target: Endpoint) -> Iterable[Violation]:
    """Every endpoint other than the tasks (and proxies, for databases) that the groups let reach `target`."""
    if not target.groups:
        return  # already reported: the paths into it cannot be proven closed
    for source in model.endpoints:
        if source is target or _may_reach(source, target):
            continue
        found = leak(model, source, target)
        if found is not None:
            low, high, out, into = found
            yield (
                f"Close {source.name} → {target.name} on {port_range(low, high)}: {out.declared_by.name} and {into.declared_by.name} let it through; "
                "only the app's tasks (and the proxy, for databases) may reach data.",
                source.resource.urn,
            )


def _forbidden_violations(resources: Sequence[PolicyResource], rails: Guardrails) -> Iterable[Violation]:
    model = build_model(resources)
    # Tasks behind a load balancer must not face the internet either; with a public app port they must.
    targets = model.of_kind(*DATA_KINDS) + (model.of_kind(TASKS) if rails.public_app_port is None else [])
    for target in targets:
        yield from _unprovable_or_world_open(model, target)
    for target in model.of_kind(*DATA_KINDS):
        yield from _leaks_into_data(model, target)


def policies(source: RailsSource) -> list[Policy]:
    return [
        stack_policy(PROMISED, _promised_violations, source),
        stack_policy(FORBIDDEN, _forbidden_violations, source),
    ]
