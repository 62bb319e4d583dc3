"""The stack's network as the reachability proof sees it: security groups, endpoints, subnets,
default routes and NAT gateways, built from property dependencies and literal inputs only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pulumi_policy import PolicyResource

from tierup_guardrails.base import depends_on, of_type
from tierup_guardrails.literal_inputs import UNREADABLE, Network, literal, literal_items, network
from tierup_guardrails.network_endpoints import SUBNET, Endpoint, endpoints, fronted_by, proxied_by, target_ports
from tierup_guardrails.network_groups import Group, Rule, security_groups

VPC = "aws:ec2/vpc:Vpc"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"

DefaultRoute = tuple[str, PolicyResource]
"""("igw" | "nat", the gateway) for a 0.0.0.0/0 route."""


@dataclass
class Model:
    """The stack's network as the policies need it, built from property dependencies and literal inputs."""

    groups: dict[str, Group]
    subnet_cidrs: dict[str, Network | None]
    vpc_cidrs: list[Network]
    default_routes: dict[str, DefaultRoute]
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

    def rules(self, endpoint: Endpoint, direction: str) -> list[Rule]:
        """The endpoint's rules in one direction, across all of its groups."""
        return [rule for urn in endpoint.groups for rule in self.groups[urn].rules(direction)]

    def unknown_rules(self, endpoint: Endpoint) -> list[str]:
        return [name for urn in endpoint.groups for name in self.groups[urn].unknown]

    def route_kind(self, subnet: str) -> str:
        """How the subnet's default route leaves: "igw", "nat", or "" when it has none."""
        return self.default_routes.get(subnet, ("", None))[0]


def _default_routes_by_table(resources: Sequence[PolicyResource]) -> dict[str, DefaultRoute]:
    """Each route table's 0.0.0.0/0 route: a route resource wins over an inline one."""
    by_table: dict[str, DefaultRoute] = {}
    for route in of_type(resources, ROUTE):
        if literal(route.props, "destinationCidrBlock") != "0.0.0.0/0":
            continue
        gateways = [("igw", g) for g in of_type(depends_on(route, "gatewayId"), INTERNET_GATEWAY)]
        gateways += [("nat", g) for g in of_type(depends_on(route, "natGatewayId"), NAT_GATEWAY)]
        for table in depends_on(route, "routeTableId"):
            if gateways:
                by_table[table.urn] = gateways[0]
    for table in of_type(resources, ROUTE_TABLE):
        for entry in literal_items(table.props, "routes"):
            if isinstance(entry, Mapping) and entry.get("cidrBlock") == "0.0.0.0/0":
                # Inline routes share one dependency list: the entry's own field says which kind of gateway it names.
                kind, gateway_type = ("igw", INTERNET_GATEWAY) if entry.get("gatewayId") else ("nat", NAT_GATEWAY)
                for gateway in of_type(depends_on(table, "routes"), gateway_type)[:1]:
                    by_table.setdefault(table.urn, (kind, gateway))
    return by_table


def _default_routes(resources: Sequence[PolicyResource]) -> dict[str, DefaultRoute]:
    """Each subnet's 0.0.0.0/0 route, through its explicit route table association."""
    by_table = _default_routes_by_table(resources)
    routes: dict[str, DefaultRoute] = {}
    for association in of_type(resources, ROUTE_TABLE_ASSOCIATION):
        for table in depends_on(association, "routeTableId"):
            for subnet in of_type(depends_on(association, "subnetId"), SUBNET):
                if table.urn in by_table:
                    routes[subnet.urn] = by_table[table.urn]
    return routes


def _nat_problems(resources: Sequence[PolicyResource], routes: Mapping[str, DefaultRoute]) -> dict[str, str]:
    problems = {}
    for nat in of_type(resources, NAT_GATEWAY):
        subnets = of_type(depends_on(nat, "subnetId"), SUBNET)
        if literal(nat.props, "connectivityType") in ("private", UNREADABLE):
            problems[nat.urn] = f"NAT gateway {nat.name} is private (or its connectivityType is unknown at preview)"
        elif not subnets:
            problems[nat.urn] = f"NAT gateway {nat.name} has no subnet of the stack's"
        elif any(routes.get(s.urn, ("", None))[0] != "igw" for s in subnets):
            problems[nat.urn] = f"NAT gateway {nat.name} sits in {subnets[0].name}, which has no default route to an internet gateway"
    return problems


def build_model(resources: Sequence[PolicyResource]) -> Model:
    """The endpoints and the network between them, from property dependencies and literal inputs only."""
    routes = _default_routes(resources)
    found = endpoints(resources)
    by_urn = {e.resource.urn: e for e in found}
    return Model(
        groups=security_groups(resources),
        subnet_cidrs={s.urn: network(literal(s.props, "cidrBlock")) for s in of_type(resources, SUBNET)},
        vpc_cidrs=[n for n in (network(literal(v.props, "cidrBlock")) for v in of_type(resources, VPC)) if n is not None],
        default_routes=routes,
        nat_problems=_nat_problems(resources, routes),
        endpoints=found,
        names={r.urn: r.name for r in resources},
        fronted_by=fronted_by(resources, by_urn),
        target_ports=target_ports(resources),
        proxied_by=proxied_by(resources, by_urn),
    )
