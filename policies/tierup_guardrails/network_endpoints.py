"""What sends and receives traffic: the tasks of each service, load balancers, databases, replicas,
proxies and caches, with their groups, subnets and ports, and which fronts or proxies which."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pulumi_policy import PolicyResource

from tierup_guardrails.base import as_list, depends_on, json_document, number, of_type
from tierup_guardrails.data_holders import AURORA_CLUSTER
from tierup_guardrails.literal_inputs import UNREADABLE, literal, literal_items, literal_port
from tierup_guardrails.network_groups import SECURITY_GROUP

SUBNET = "aws:ec2/subnet:Subnet"
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

PROXY_PORTS = {"POSTGRESQL": 5432, "MYSQL": 3306, "SQLSERVER": 1433}

TASKS, LOAD_BALANCER, DATABASE, REPLICA, PROXY, CACHE = "tasks", "load balancer", "database", "replica", "proxy", "cache"
DATA_KINDS = (DATABASE, REPLICA, PROXY, CACHE)


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


def _port(resource: PolicyResource, default: int) -> int:
    port = literal_port(resource.props, "port")
    return default if port is None else port


def _subnets_of_group(resource: PolicyResource, key: str, group_type: str) -> list[PolicyResource]:
    return [s for g in of_type(depends_on(resource, key), group_type) for s in of_type(depends_on(g, "subnetIds"), SUBNET)]


def _container_ports(service: PolicyResource) -> tuple[int, ...]:
    ports: list[int] = []
    for task in of_type(depends_on(service, "taskDefinition"), TASK_DEFINITION):
        text = literal(task.props, "containerDefinitions")
        definitions = json_document({"containerDefinitions": text}, "containerDefinitions") if text is not UNREADABLE else None
        for container in as_list(definitions):
            for mapping in as_list(container.get("portMappings") if isinstance(container, Mapping) else None):
                if isinstance(mapping, Mapping) and mapping.get("containerPort") is not None:
                    ports.append(int(number(mapping["containerPort"])))
    return tuple(sorted(set(ports)))


def _services(resources: Sequence[PolicyResource]) -> Iterable[Endpoint]:
    for service in of_type(resources, ECS_SERVICE):
        deps = depends_on(service, "networkConfiguration")
        settings = literal(service.props, "networkConfiguration")
        public = isinstance(settings, Mapping) and literal(settings, "assignPublicIp") is True
        yield _endpoint(service, TASKS, deps, deps, _container_ports(service), public)


def _load_balancers(resources: Sequence[PolicyResource]) -> Iterable[Endpoint]:
    for lb in of_type(resources, *LOAD_BALANCERS):
        ports = sorted({_port(listener, 0) for listener in of_type(resources, *LISTENERS) if lb in depends_on(listener, "loadBalancerArn")})
        public = literal(lb.props, "internal") in (None, False)
        yield _endpoint(lb, LOAD_BALANCER, depends_on(lb, "securityGroups"), depends_on(lb, "subnets"), ports, public)


def _databases(resources: Sequence[PolicyResource]) -> Iterable[Endpoint]:
    for db in of_type(resources, DB_INSTANCE):
        sources = of_type(depends_on(db, "replicateSourceDb"), DB_INSTANCE)
        replica = bool(sources) or literal(db.props, "replicateSourceDb") is not None
        # A replica in the source's region lives in the source's subnet group unless it names its own.
        subnets = _subnets_of_group(db, "dbSubnetGroupName", DB_SUBNET_GROUP) or [
            s for src in sources for s in _subnets_of_group(src, "dbSubnetGroupName", DB_SUBNET_GROUP)
        ]
        public = literal(db.props, "publiclyAccessible") is True
        yield _endpoint(db, REPLICA if replica else DATABASE, depends_on(db, "vpcSecurityGroupIds"), subnets, (_port(db, 5432),), public)
    # An Aurora cluster is reached at its endpoints, in its subnet group and groups; a replica of
    # the RDS instance (while the data moves) or a global secondary is a replica.
    for cluster in of_type(resources, AURORA_CLUSTER):
        replica = any(literal(cluster.props, key) is not None for key in ("replicationSourceIdentifier", "globalClusterIdentifier"))
        subnets = _subnets_of_group(cluster, "dbSubnetGroupName", DB_SUBNET_GROUP)
        yield _endpoint(cluster, REPLICA if replica else DATABASE, depends_on(cluster, "vpcSecurityGroupIds"), subnets, (_port(cluster, 5432),), False)


def _proxies_and_caches(resources: Sequence[PolicyResource]) -> Iterable[Endpoint]:
    for proxy in of_type(resources, DB_PROXY):
        port = PROXY_PORTS.get(str(literal(proxy.props, "engineFamily")), 5432)
        yield _endpoint(proxy, PROXY, depends_on(proxy, "vpcSecurityGroupIds"), depends_on(proxy, "vpcSubnetIds"), (port,), False)
    for cache in of_type(resources, REPLICATION_GROUP):
        subnets = _subnets_of_group(cache, "subnetGroupName", CACHE_SUBNET_GROUP)
        yield _endpoint(cache, CACHE, depends_on(cache, "securityGroupIds"), subnets, (_port(cache, 6379),), False)


def endpoints(resources: Sequence[PolicyResource]) -> list[Endpoint]:
    """Every endpoint of the stack, services first, then load balancers, databases, proxies and caches."""
    return [*_services(resources), *_load_balancers(resources), *_databases(resources), *_proxies_and_caches(resources)]


def target_ports(resources: Sequence[PolicyResource]) -> dict[str, tuple[int, ...]]:
    """Service URN → container ports it registers with a target group."""
    found = {}
    for service in of_type(resources, ECS_SERVICE):
        ports = {literal_port(block, "containerPort") for block in literal_items(service.props, "loadBalancers") if isinstance(block, Mapping)}
        found[service.urn] = tuple(sorted(p for p in ports if p is not None))
    return found


def fronted_by(resources: Sequence[PolicyResource], by_urn: Mapping[str, Endpoint]) -> dict[str, list[Endpoint]]:
    """Service URN → the load balancers whose listeners forward to its target groups."""
    found: dict[str, list[Endpoint]] = {}
    for service in of_type(resources, ECS_SERVICE):
        targets = {t.urn for t in depends_on(service, "loadBalancers")}
        for listener in of_type(resources, *LISTENERS):
            if targets & {t.urn for t in depends_on(listener, "defaultActions")}:
                for lb in depends_on(listener, "loadBalancerArn"):
                    if lb.urn in by_urn and by_urn[lb.urn] not in found.setdefault(service.urn, []):
                        found[service.urn].append(by_urn[lb.urn])
    return found


def proxied_by(resources: Sequence[PolicyResource], by_urn: Mapping[str, Endpoint]) -> dict[str, list[Endpoint]]:
    """Database URN → the proxies that target it."""
    found: dict[str, list[Endpoint]] = {}
    for target in of_type(resources, DB_PROXY_TARGET):
        for db in [*depends_on(target, "dbInstanceIdentifier"), *depends_on(target, "dbClusterIdentifier")]:
            found.setdefault(db.urn, []).extend(by_urn[p.urn] for p in depends_on(target, "dbProxyName") if p.urn in by_urn)
    return found
