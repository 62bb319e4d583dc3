"""Reachability: the release's promised paths are open and the forbidden ones closed, proven over
security groups, subnets, route tables and NAT gateways linked by property dependencies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pulumi_policy import Policy, PolicyResource, Severity
from pulumi_policy.proxy import UnknownValueError

from policies.base import Spec, as_list, depends_on, json_document, number, of_type, stack_policy, truthy
from tierup.settings.guardrails import Guardrails

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
ECS_SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
DB_INSTANCE = "aws:rds/instance:Instance"
DB_SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
DB_PROXY = "aws:rds/proxy:Proxy"
DB_PROXY_TARGET = "aws:rds/proxyTarget:ProxyTarget"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_SUBNET_GROUP = "aws:elasticache/subnetGroup:SubnetGroup"

INTERNET = "internet"
OUTBOUND_PORT = 443
"""Image pulls, logs, secrets and AWS APIs: the tasks' one promised way out."""
ALL_TCP_PROTOCOLS = ("-1", "all")
TCP_PROTOCOLS = ("tcp", "6", *ALL_TCP_PROTOCOLS)
PROXY_PORTS = {"POSTGRESQL": 5432, "MYSQL": 3306, "SQLSERVER": 1433}
# Addresses that never come from the internet: RFC 1918 and IPv6 unique-local space.
PRIVATE_SPACE = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))
REVOKED_EGRESS = "(the provider revokes AWS's default allow-all egress)"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

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
)

Violation = tuple[str, str | None]


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
        return _ports(self.low, self.high)


@dataclass
class Group:
    """A security group and the rules attached to it (inline or as rule resources)."""

    resource: PolicyResource
    ingress: list[Rule] = field(default_factory=list)
    egress: list[Rule] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    """Names of rules whose ports or peers are unknown at preview."""


@dataclass(frozen=True)
class Endpoint:
    """Something that sends or receives traffic: the tasks of a service, an ALB, a data store."""

    resource: PolicyResource
    kind: str
    groups: tuple[str, ...]
    subnets: tuple[str, ...]
    ports: tuple[int, ...]
    """Ports it listens on (listeners, container ports, the database's port)."""
    internet_facing: bool

    @property
    def name(self) -> str:
        return self.resource.name


TASKS, LOAD_BALANCER, DATABASE, REPLICA, PROXY, CACHE = "tasks", "load balancer", "database", "replica", "proxy", "cache"
DATA_KINDS = (DATABASE, REPLICA, PROXY, CACHE)


@dataclass
class Model:
    """The stack's network as the policies need it, built from property dependencies and literal inputs."""

    groups: dict[str, Group]
    subnet_cidrs: dict[str, Network | None]
    vpc_cidrs: list[Network]
    default_routes: dict[str, tuple[str, PolicyResource]]
    """Subnet URN → ("igw" | "nat", gateway) for its 0.0.0.0/0 route."""
    nat_problems: dict[str, str]
    """NAT gateway URN → why it cannot reach the internet."""
    endpoints: list[Endpoint]
    names: dict[str, str]
    fronted_by: dict[str, list[Endpoint]]
    """Service URN → the load balancers whose listeners forward to its target groups."""
    target_ports: dict[str, tuple[int, ...]]
    """Service URN → container ports it registers with a target group."""
    proxied_by: dict[str, list[Endpoint]]
    """Database URN → the proxies that target it."""

    def of_kind(self, *kinds: str) -> list[Endpoint]:
        return [e for e in self.endpoints if e.kind in kinds]

    def group_names(self, endpoint: Endpoint) -> str:
        return " and ".join(self.names[urn] for urn in endpoint.groups)


# ---- the model ---------------------------------------------------------------------------------


UNREADABLE = object()
"""What `_literal` returns for a value the preview cannot know yet."""


def _literal(props: Mapping[str, object], key: str) -> object:
    """An input as the program wrote it (None when absent), or UNREADABLE when unknown at preview."""
    try:
        return props.get(key)
    except UnknownValueError:
        return UNREADABLE


def _network(value: object) -> Network | None:
    try:
        return ipaddress.ip_network(str(value), strict=False) if value else None
    except ValueError:
        return None


def _typed(deps: Iterable[PolicyResource], *types: str) -> list[PolicyResource]:
    return [d for d in deps if d.resource_type in types]


def _rule(declared_by: PolicyResource, spec: Mapping[str, object], peers: Iterable[str], owner: str) -> Rule | None:
    """A TCP rule from the fields the three rule shapes share; None for UDP/ICMP."""
    protocol = str(spec.get("ipProtocol", spec.get("protocol", "")) or "").lower()
    if protocol not in TCP_PROTOCOLS:
        return None
    low, high = (0, 65535) if protocol in ALL_TCP_PROTOCOLS else (int(number(spec.get("fromPort", 0))), int(number(spec.get("toPort", 65535))))
    literal = [spec.get("cidrIpv4"), spec.get("cidrIpv6"), *as_list(spec.get("cidrBlocks")), *as_list(spec.get("ipv6CidrBlocks"))]
    cidrs = tuple(n for n in (_network(c) for c in literal) if n is not None)
    groups = set(peers) | ({owner} if truthy(spec, "self") else set())
    return Rule(declared_by, low, high, frozenset(groups), cidrs)


def _add_rule(group: Group, direction: str, declared_by: PolicyResource, spec: Mapping[str, object], peers: Iterable[str]) -> None:
    try:
        rule = _rule(declared_by, spec, peers, group.resource.urn)
    except (UnknownValueError, ValueError):
        group.unknown.append(declared_by.name)
        return
    if rule is not None:
        (group.ingress if direction == "ingress" else group.egress).append(rule)


def _groups(resources: Sequence[PolicyResource]) -> dict[str, Group]:
    groups = {g.urn: Group(g) for g in of_type(resources, SECURITY_GROUP)}
    for group in groups.values():
        for direction in ("ingress", "egress"):
            # Inline rules share one dependency list: each rule is read as referencing all of its groups.
            peers = [d.urn for d in _typed(depends_on(group.resource, direction), SECURITY_GROUP)]
            entries = _literal(group.resource.props, direction)
            if entries is UNREADABLE:
                group.unknown.append(f"{group.resource.name}.{direction}")
                continue
            for entry in as_list(entries):
                if isinstance(entry, Mapping):
                    _add_rule(group, direction, group.resource, entry, peers if entry.get("securityGroups") else [])
    for rule in of_type(resources, SG_INGRESS_RULE, SG_EGRESS_RULE, SG_RULE):
        for owner in _typed(depends_on(rule, "securityGroupId"), SECURITY_GROUP):
            peers = [d.urn for key in ("referencedSecurityGroupId", "sourceSecurityGroupId") for d in _typed(depends_on(rule, key), SECURITY_GROUP)]
            direction = {SG_INGRESS_RULE: "ingress", SG_EGRESS_RULE: "egress"}.get(rule.resource_type) or _literal(rule.props, "type")
            if direction not in ("ingress", "egress"):
                groups[owner.urn].unknown.append(rule.name)
                continue
            _add_rule(groups[owner.urn], str(direction), rule, rule.props, peers)
    return groups


def _default_routes(resources: Sequence[PolicyResource]) -> dict[str, tuple[str, PolicyResource]]:
    """Each subnet's 0.0.0.0/0 route, through its explicit route table association."""
    by_table: dict[str, tuple[str, PolicyResource]] = {}
    for route in of_type(resources, ROUTE):
        if _literal(route.props, "destinationCidrBlock") != "0.0.0.0/0":
            continue
        gateways = [("igw", g) for g in _typed(depends_on(route, "gatewayId"), INTERNET_GATEWAY)]
        gateways += [("nat", g) for g in _typed(depends_on(route, "natGatewayId"), NAT_GATEWAY)]
        for table in depends_on(route, "routeTableId"):
            if gateways:
                by_table[table.urn] = gateways[0]
    for table in of_type(resources, ROUTE_TABLE):
        entries = _literal(table.props, "routes")
        for entry in as_list(entries) if entries is not UNREADABLE else []:
            if isinstance(entry, Mapping) and entry.get("cidrBlock") == "0.0.0.0/0":
                deps = depends_on(table, "routes")
                kind, types = ("igw", INTERNET_GATEWAY) if entry.get("gatewayId") else ("nat", NAT_GATEWAY)
                for gateway in _typed(deps, types)[:1]:
                    by_table.setdefault(table.urn, (kind, gateway))
    routes: dict[str, tuple[str, PolicyResource]] = {}
    for association in of_type(resources, ROUTE_TABLE_ASSOCIATION):
        for table in depends_on(association, "routeTableId"):
            for subnet in _typed(depends_on(association, "subnetId"), SUBNET):
                if table.urn in by_table:
                    routes[subnet.urn] = by_table[table.urn]
    return routes


def _nat_problems(resources: Sequence[PolicyResource], routes: Mapping[str, tuple[str, PolicyResource]], names: Mapping[str, str]) -> dict[str, str]:
    problems = {}
    for nat in of_type(resources, NAT_GATEWAY):
        subnets = _typed(depends_on(nat, "subnetId"), SUBNET)
        if _literal(nat.props, "connectivityType") in ("private", UNREADABLE):
            problems[nat.urn] = f"NAT gateway {nat.name} is private (or its connectivityType is unknown at preview)"
        elif not subnets:
            problems[nat.urn] = f"NAT gateway {nat.name} has no subnet of the stack's"
        elif any(routes.get(s.urn, ("", None))[0] != "igw" for s in subnets):
            problems[nat.urn] = f"NAT gateway {nat.name} sits in {names[subnets[0].urn]}, which has no default route to an internet gateway"
    return problems


def _subnets_of_group(resource: PolicyResource, key: str, group_type: str) -> list[PolicyResource]:
    return [s for g in _typed(depends_on(resource, key), group_type) for s in _typed(depends_on(g, "subnetIds"), SUBNET)]


def _container_ports(service: PolicyResource) -> tuple[int, ...]:
    ports: list[int] = []
    for task in _typed(depends_on(service, "taskDefinition"), TASK_DEFINITION):
        text = _literal(task.props, "containerDefinitions")
        definitions = json_document({"containerDefinitions": text}, "containerDefinitions") if text is not UNREADABLE else None
        for container in as_list(definitions):
            for mapping in as_list(container.get("portMappings") if isinstance(container, Mapping) else None):
                if isinstance(mapping, Mapping) and mapping.get("containerPort") is not None:
                    ports.append(int(number(mapping["containerPort"])))
    return tuple(sorted(set(ports)))


def _endpoint(
    resource: PolicyResource, kind: str, groups: Iterable[PolicyResource], subnets: Iterable[PolicyResource], ports: Iterable[int], public: bool
) -> Endpoint:
    return Endpoint(
        resource,
        kind,
        tuple(dict.fromkeys(g.urn for g in groups if g.resource_type == SECURITY_GROUP)),
        tuple(dict.fromkeys(s.urn for s in subnets if s.resource_type == SUBNET)),
        tuple(ports),
        public,
    )


def _literal_port_of(props: Mapping[str, object], key: str) -> int | None:
    value = _literal(props, key)
    return None if value is None or value is UNREADABLE else int(number(value))


def _literal_port(resource: PolicyResource, default: int) -> int:
    port = _literal_port_of(resource.props, "port")
    return default if port is None else port


def _endpoints(resources: Sequence[PolicyResource]) -> list[Endpoint]:
    endpoints = []
    for service in of_type(resources, ECS_SERVICE):
        deps = depends_on(service, "networkConfiguration")
        settings = _literal(service.props, "networkConfiguration")
        public = isinstance(settings, Mapping) and _literal(settings, "assignPublicIp") is True
        endpoints.append(_endpoint(service, TASKS, deps, deps, _container_ports(service), public))
    for lb in of_type(resources, *LOAD_BALANCERS):
        ports = sorted({_literal_port(listener, 0) for listener in of_type(resources, *LISTENERS) if lb in depends_on(listener, "loadBalancerArn")})
        public = _literal(lb.props, "internal") in (None, False)
        endpoints.append(_endpoint(lb, LOAD_BALANCER, depends_on(lb, "securityGroups"), depends_on(lb, "subnets"), ports, public))
    for db in of_type(resources, DB_INSTANCE):
        sources = _typed(depends_on(db, "replicateSourceDb"), DB_INSTANCE)
        replica = bool(sources) or _literal(db.props, "replicateSourceDb") is not None
        # A replica in the source's region lives in the source's subnet group unless it names its own.
        subnets = _subnets_of_group(db, "dbSubnetGroupName", DB_SUBNET_GROUP) or [
            s for src in sources for s in _subnets_of_group(src, "dbSubnetGroupName", DB_SUBNET_GROUP)
        ]
        public = _literal(db.props, "publiclyAccessible") is True
        endpoints.append(_endpoint(db, REPLICA if replica else DATABASE, depends_on(db, "vpcSecurityGroupIds"), subnets, (_literal_port(db, 5432),), public))
    for proxy in of_type(resources, DB_PROXY):
        port = PROXY_PORTS.get(str(_literal(proxy.props, "engineFamily")), 5432)
        endpoints.append(_endpoint(proxy, PROXY, depends_on(proxy, "vpcSecurityGroupIds"), depends_on(proxy, "vpcSubnetIds"), (port,), False))
    for cache in of_type(resources, REPLICATION_GROUP):
        subnets = _subnets_of_group(cache, "subnetGroupName", CACHE_SUBNET_GROUP)
        endpoints.append(_endpoint(cache, CACHE, depends_on(cache, "securityGroupIds"), subnets, (_literal_port(cache, 6379),), False))
    return endpoints


def build_model(resources: Sequence[PolicyResource]) -> Model:
    """The endpoints and the network between them, from property dependencies and literal inputs only."""
    names = {r.urn: r.name for r in resources}
    routes = _default_routes(resources)
    endpoints = _endpoints(resources)
    by_urn = {e.resource.urn: e for e in endpoints}
    fronted_by: dict[str, list[Endpoint]] = {}
    target_ports: dict[str, tuple[int, ...]] = {}
    for service in of_type(resources, ECS_SERVICE):
        targets = {t.urn for t in depends_on(service, "loadBalancers")}
        blocks = _literal(service.props, "loadBalancers")
        ports = {_literal_port_of(b, "containerPort") for b in (as_list(blocks) if blocks is not UNREADABLE else []) if isinstance(b, Mapping)}
        target_ports[service.urn] = tuple(sorted(p for p in ports if p is not None))
        for listener in of_type(resources, *LISTENERS):
            if targets & {t.urn for t in depends_on(listener, "defaultActions")}:
                for lb in depends_on(listener, "loadBalancerArn"):
                    if lb.urn in by_urn and by_urn[lb.urn] not in fronted_by.setdefault(service.urn, []):
                        fronted_by[service.urn].append(by_urn[lb.urn])
    proxied_by: dict[str, list[Endpoint]] = {}
    for target in of_type(resources, DB_PROXY_TARGET):
        for db in depends_on(target, "dbInstanceIdentifier"):
            proxied_by.setdefault(db.urn, []).extend(by_urn[p.urn] for p in depends_on(target, "dbProxyName") if p.urn in by_urn)
    return Model(
        groups=_groups(resources),
        subnet_cidrs={s.urn: _network(_literal(s.props, "cidrBlock")) for s in of_type(resources, SUBNET)},
        vpc_cidrs=[n for n in (_network(_literal(v.props, "cidrBlock")) for v in of_type(resources, VPC)) if n is not None],
        default_routes=routes,
        nat_problems=_nat_problems(resources, routes, names),
        endpoints=endpoints,
        names=names,
        fronted_by=fronted_by,
        target_ports=target_ports,
        proxied_by=proxied_by,
    )


# ---- hops --------------------------------------------------------------------------------------


def _ports(low: int, high: int) -> str:
    return "all ports" if (low, high) == (0, 65535) else str(low) if low == high else f"{low}-{high}"


def _cidr_reaches(model: Model, cidr: Network, endpoint: Endpoint, *, every: bool) -> bool:
    """Whether the CIDR holds every (or, for `every=False`, any) address the endpoint may use."""
    places = [model.subnet_cidrs.get(s) for s in endpoint.subnets]
    if not places or any(p is None for p in places):
        places = list(model.vpc_cidrs)  # subnets unknown: anywhere in the VPC
    if not places:
        return cidr.prefixlen == 0
    test = (lambda p: p.version == cidr.version and p.subnet_of(cidr)) if every else (lambda p: p.version == cidr.version and p.overlaps(cidr))
    return all(map(test, places)) if every else any(map(test, places))


def _rules(model: Model, endpoint: Endpoint, direction: str) -> list[Rule]:
    return [rule for urn in endpoint.groups for rule in getattr(model.groups[urn], direction)]


def _unknown_rules(model: Model, endpoint: Endpoint) -> list[str]:
    return [name for urn in endpoint.groups for name in model.groups[urn].unknown]


def _unresolved(model: Model, endpoint: Endpoint) -> str | None:
    if not endpoint.groups:
        return f"{endpoint.name}'s security groups cannot be resolved from the program's resources (pass them as resource outputs, never as literal ids)"
    unknown = _unknown_rules(model, endpoint)
    if unknown:
        return f"{', '.join(unknown)} on {model.group_names(endpoint)} cannot be read at preview"
    return None


def _egress_to(model: Model, source: Endpoint, target: Endpoint, port: int) -> bool:
    return any(
        rule.covers(port) and (rule.groups & set(target.groups) or any(_cidr_reaches(model, c, target, every=True) for c in rule.cidrs))
        for rule in _rules(model, source, "egress")
    )


def _ingress_from(model: Model, target: Endpoint, source: Endpoint, port: int) -> bool:
    return any(
        rule.covers(port) and (rule.groups & set(source.groups) or any(_cidr_reaches(model, c, source, every=True) for c in rule.cidrs))
        for rule in _rules(model, target, "ingress")
    )


def _world(rules: Iterable[Rule], port: int) -> bool:
    return any(rule.covers(port) and any(c.prefixlen == 0 for c in rule.cidrs) for rule in rules)


def _listens(model: Model, target: Endpoint, port: int) -> str | None:
    if target.kind == LOAD_BALANCER and port not in target.ports:
        return f"{target.name} has no listener on {port}"
    if target.kind == TASKS and port not in target.ports:
        return f"the task definition maps no container port {port}"
    return None


def hop_problem(model: Model, source: Endpoint, target: Endpoint, port: int) -> str | None:
    """Why TCP from `source` to `target` on `port` is refused, or None when the hop is open."""
    for endpoint in (source, target):
        reason = _unresolved(model, endpoint)
        if reason:
            return reason
    if not _egress_to(model, source, target, port):
        return f"{model.group_names(source)} has no egress to {target.name} on {port} {REVOKED_EGRESS}"
    if not _ingress_from(model, target, source, port):
        return f"{model.group_names(target)} admits nothing from {source.name} on {port}"
    return _listens(model, target, port)


def _subnet_list(model: Model, urns: Iterable[str]) -> str:
    return ", ".join(model.names[u] for u in urns)


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
    unrouted = [s for s in target.subnets if model.default_routes.get(s, ("", None))[0] != "igw"]
    if unrouted:
        return f"{_subnet_list(model, unrouted)} {'has' if len(unrouted) == 1 else 'have'} no default route to an internet gateway"
    if not _world(_rules(model, target, "ingress"), port):
        return f"{model.group_names(target)} admits nothing from 0.0.0.0/0 on {port}"
    return _listens(model, target, port)


def outbound_problem(model: Model, source: Endpoint, port: int) -> str | None:
    """Why `source` cannot open TCP to the internet on `port`, or None when it can."""
    reason = _unresolved(model, source)
    if reason:
        return reason
    if not _world(_rules(model, source, "egress"), port):
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
            unrouted = [s for s in source.subnets if model.default_routes.get(s, ("", None))[0] not in ("igw", "nat")]
            verb = "has" if len(unrouted) == 1 else "have"
            return f"{_subnet_list(model, unrouted)} {verb} no default route through an internet gateway or a NAT gateway"
    return None


# ---- promised paths ----------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Promise:
    """A promised path through a service's tasks: how the world reaches them, and where they reach."""

    tasks: Endpoint
    entries: tuple[tuple[Hop, ...], ...]
    """Ways in from the internet (one per listener port), each ending at the tasks."""
    backends: tuple[tuple[Hop, ...], ...]
    """Ways from the tasks to each data store (through the proxy where one targets it)."""
    outbound: Hop


def promises(model: Model, rails: Guardrails) -> tuple[list[Promise], list[Violation]]:
    """The paths the release promises, per service, and what prevents naming them at all."""
    services = model.of_kind(TASKS)
    if not services:
        return [], [("Add the app's ECS service: every promised path starts or ends at its tasks.", None)]
    missing: list[Violation] = []
    found = []
    for tasks in services:
        entries: list[tuple[Hop, ...]] = []
        if rails.public_app_port is not None:
            entries.append((Hop(None, tasks, rails.public_app_port),))
        else:
            balancers = model.fronted_by.get(tasks.resource.urn, [])
            app_ports = model.target_ports.get(tasks.resource.urn) or tasks.ports
            if not balancers or not app_ports:
                missing.append(
                    (
                        f"Put a load balancer in front of {tasks.name}: its listeners must forward to a target group the service registers with.",
                        tasks.resource.urn,
                    )
                )
            edge_ports = (80, 443) if rails.https_available else (80,)
            entries += [(Hop(None, lb, edge), Hop(lb, tasks, app)) for lb in balancers for edge in edge_ports for app in app_ports]
        backends: list[tuple[Hop, ...]] = []
        for db in model.of_kind(DATABASE):
            port = db.ports[0]
            proxies = model.proxied_by.get(db.resource.urn, [])
            backends += [(Hop(tasks, proxy, proxy.ports[0]), Hop(proxy, db, port)) for proxy in proxies] or [(Hop(tasks, db, port),)]
        backends += [(Hop(tasks, store, store.ports[0]),) for store in model.of_kind(REPLICA, CACHE)]
        found.append(Promise(tasks, tuple(entries), tuple(backends), Hop(tasks, None, OUTBOUND_PORT)))
    return found, missing


def _promised_violations(resources: Sequence[PolicyResource], rails: Guardrails) -> Iterable[Violation]:
    model = build_model(resources)
    found, missing = promises(model, rails)
    yield from missing
    seen: set[Violation] = set()
    for promise in found:
        for hop in [hop for path in (*promise.entries, *promise.backends) for hop in path] + [promise.outbound]:
            violation = hop.violation(model)
            if violation is not None and violation not in seen:
                seen.add(violation)
                yield violation


def _chain(hops: Sequence[Hop]) -> str:
    return " → ".join(f"{hop.target.name if hop.target else INTERNET}:{hop.port}" for hop in hops)


def proven_paths(resources: Sequence[PolicyResource], rails: Guardrails) -> list[str]:
    """One line per promised path that holds, e.g. `internet → compute-lb-alb:80 → compute-service:8080 → data-db:5432`."""
    model = build_model(resources)
    lines: list[str] = []
    for promise in promises(model, rails)[0]:
        # Ways in that differ only by the edge port share a line: `compute-lb-alb:80,443`.
        entries: dict[tuple[str, str], list[str]] = {}
        for path in promise.entries:
            if all(hop.problem(model) is None for hop in path):
                first, rest = path[0], path[1:]
                assert first.target is not None
                entries.setdefault((first.target.name, f" → {_chain(rest)}" if rest else ""), []).append(str(first.port))
        heads = [f"{INTERNET} → {name}:{','.join(ports)}{tail}" for (name, tail), ports in entries.items()]
        backends = [path for path in promise.backends if all(hop.problem(model) is None for hop in path)]
        if backends:
            lines += [f"{head} → {_chain(path)}" for head in heads or [promise.tasks.name] for path in backends]
        else:
            lines += heads
        if promise.outbound.problem(model) is None:
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


def _leak(model: Model, source: Endpoint, target: Endpoint) -> tuple[int, int, Rule, Rule] | None:
    """The first port range both `source`'s egress and `target`'s ingress let through."""
    for out in _rules(model, source, "egress"):
        if not (out.groups & set(target.groups) or any(_cidr_reaches(model, c, target, every=False) for c in out.cidrs)):
            continue
        for into in _rules(model, target, "ingress"):
            if not (into.groups & set(source.groups) or any(_cidr_reaches(model, c, source, every=False) for c in into.cidrs)):
                continue
            low, high = max(out.low, into.low), min(out.high, into.high)
            if low <= high:
                return low, high, out, into
    return None


def _may_reach(source: Endpoint, target: Endpoint) -> bool:
    return source.kind == TASKS or (source.kind == PROXY and target.kind in (DATABASE, REPLICA))


def _forbidden_violations(resources: Sequence[PolicyResource], rails: Guardrails) -> Iterable[Violation]:
    model = build_model(resources)
    targets = model.of_kind(*DATA_KINDS) + (model.of_kind(TASKS) if rails.public_app_port is None else [])
    for target in targets:
        if not target.groups:
            yield f"Give {target.name} a security group of the stack's: without one the paths to it cannot be proven closed.", target.resource.urn
            continue
        for name in _unknown_rules(model, target):
            yield f"Make {name} known at preview: the paths into {target.name} cannot be proven closed without its ports and peers.", target.resource.urn
        yield from _world_ingress(model, target)
    for target in model.of_kind(*DATA_KINDS):
        for source in model.endpoints:
            if source is target or _may_reach(source, target) or not target.groups:
                continue
            leak = _leak(model, source, target)
            if leak is not None:
                low, high, out, into = leak
                yield (
                    f"Close {source.name} → {target.name} on {_ports(low, high)}: {out.declared_by.name} and {into.declared_by.name} let it through; "
                    "only the app's tasks (and the proxy, for databases) may reach data.",
                    source.resource.urn,
                )


def policies(rails: Guardrails) -> list[Policy]:
    return [
        stack_policy(PROMISED, _promised_violations, rails),
        stack_policy(FORBIDDEN, _forbidden_violations, rails),
    ]
