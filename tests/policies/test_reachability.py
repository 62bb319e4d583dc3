"""The reachability proof: every release's synthesized stack opens the promised paths and closes
the forbidden ones; a graph seeded with one broken rule, route or link fails naming the hop."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from pulumi_policy.proxy import UNKNOWN_NUMBER_VALUE

from tests.conftest import CERTIFICATE
from tests.policies.harness import check_stack, named, policy_resources, rails
from tests.test_check_e2e import tierup
from tierup.synth.graph import Resource, ResourceGraph
from tierup_guardrails.reachability import proven_paths

REVOKED = "(the provider revokes AWS's default allow-all egress)"


def without(graph: ResourceGraph, *names: str) -> list[Resource]:
    return [r for r in graph if r.name not in names]


def seeded(graph: ResourceGraph, name: str, **outputs: object) -> list:
    resource = named(graph, name)
    return policy_resources(list(graph), {name: {**resource.outputs, **outputs}})


def unlinked(graph: ResourceGraph, name: str, key: str, *dropped: str) -> list[Resource]:
    """The graph with some of one input's property dependencies removed (all of them if none named)."""
    resource = named(graph, name)
    gone = {named(graph, d).urn for d in dropped}
    kept = tuple(u for u in resource.property_dependencies[key] if dropped and u not in gone)
    changed = dataclasses.replace(resource, property_dependencies={**resource.property_dependencies, key: kept})
    return [changed if r.name == name else r for r in graph]


def rule(graph: ResourceGraph, name: str, owner: str, direction: str, port: int, *, peer: str | None = None, cidr: str | None = None) -> Resource:
    """A new aws.vpc security-group rule on `owner`, admitting (or sending to) a peer group or a CIDR."""
    template = named(graph, "data-from-app")
    kind = "SecurityGroupIngressRule" if direction == "ingress" else "SecurityGroupEgressRule"
    links = {"securityGroupId": (named(graph, owner).urn,), **({"referencedSecurityGroupId": (named(graph, peer).urn,)} if peer else {})}
    outputs = {"ipProtocol": "tcp", "fromPort": port, "toPort": port, "securityGroupId": f"{owner}-id", **({"cidrIpv4": cidr} if cidr else {})}
    return dataclasses.replace(
        template,
        urn=template.urn.rsplit("::", 1)[0].replace("SecurityGroupIngressRule", kind) + f"::{name}",
        type=f"aws:vpc/securityGroup{direction.capitalize()}Rule:{kind}",
        name=name,
        inputs=outputs,
        outputs=outputs,
        dependencies=tuple(u for urns in links.values() for u in urns),
        property_dependencies=links,
    )


@pytest.mark.parametrize("release", ["v1.0", "v1.5", "v2.0"])
def test_every_release_proves_its_paths(release: str, dev_graph: ResourceGraph, prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    graph = {"v1.0": dev_graph, "v1.5": prod_graph, "v2.0": scale_graph}[release]
    assert check_stack("vpc-reachability-promised-paths-open", rails(release), list(graph)).messages == []
    assert check_stack("vpc-reachability-forbidden-paths-closed", rails(release), list(graph)).messages == []


def test_the_proven_paths_read_as_lines(dev_graph: ResourceGraph, prod_graph: ResourceGraph, scale_graph: ResourceGraph, tls_graph: ResourceGraph) -> None:
    assert proven_paths(policy_resources(list(prod_graph)), rails("v1.5")) == [
        "internet → compute-lb-alb:80 → compute-service:8080 → data-db:5432",
        "compute-service → internet:443",
    ]
    assert proven_paths(policy_resources(list(tls_graph)), rails("v1.5", app={"certificateArn": CERTIFICATE})) == [
        "internet → compute-lb-alb:80,443 → compute-service:8080 → data-db:5432",
        "compute-service → internet:443",
    ]
    assert proven_paths(policy_resources(list(dev_graph)), rails("v1.0")) == [
        "internet → compute-service:8080 → data-db:5432",
        "compute-service → internet:443",
    ]
    assert proven_paths(policy_resources(list(scale_graph)), rails("v2.0")) == [
        "internet → compute-lb-alb:80 → compute-service:8080 → data-proxy-proxy:5432 → data-db:5432",
        "internet → compute-lb-alb:80 → compute-service:8080 → data-replica:5432",
        "internet → compute-lb-alb:80 → compute-service:8080 → cache-group:6379",
        "compute-service → internet:443",
    ]
    # A broken way in leaves the paths that start at the tasks.
    assert proven_paths(policy_resources(without(prod_graph, "compute-lb-to-app")), rails("v1.5")) == [
        "compute-service → data-db:5432",
        "compute-service → internet:443",
    ]


def test_the_alb_needs_its_own_egress_to_the_app(prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    expected = [f"compute-lb-alb: Open compute-lb-alb → compute-service on 8080: compute-lb-sg has no egress to compute-service on 8080 {REVOKED}."]
    assert check_stack("vpc-reachability-promised-paths-open", rails("v1.5"), without(prod_graph, "compute-lb-to-app")).messages == expected
    assert check_stack("vpc-reachability-promised-paths-open", rails("v2.0"), without(scale_graph, "compute-lb-to-app")).messages == expected


def test_the_https_listener_is_promised_once_a_certificate_is_set(tls_graph: ResourceGraph) -> None:
    tls = rails("v1.5", app={"certificateArn": CERTIFICATE})
    assert check_stack("vpc-reachability-promised-paths-open", tls, list(tls_graph)).messages == []
    assert check_stack("vpc-reachability-promised-paths-open", tls, without(tls_graph, "compute-lb-ingress-443")).messages == [
        "compute-lb-alb: Open internet → compute-lb-alb on 443: compute-lb-sg admits nothing from 0.0.0.0/0 on 443."
    ]
    assert check_stack("vpc-reachability-promised-paths-open", tls, seeded(tls_graph, "compute-lb-https", port=8443)).messages == [
        "compute-lb-alb: Open internet → compute-lb-alb on 443: compute-lb-alb has no listener on 443."
    ]
    # HTTP only redirects: without the HTTPS listener nothing forwards to the tasks.
    assert check_stack("vpc-reachability-promised-paths-open", tls, without(tls_graph, "compute-lb-https")).messages == [
        "compute-service: Put a load balancer in front of compute-service: its listeners must forward to a target group the service registers with."
    ]


def test_the_database_must_admit_the_tasks(prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    assert check_stack("vpc-reachability-promised-paths-open", rails("v1.5"), without(prod_graph, "data-from-app")).messages == [
        "compute-service: Open compute-service → data-db on 5432: data-sg admits nothing from compute-service on 5432."
    ]
    # From v2.0 the primary is reached through the proxy; the replica still needs the app's rule.
    assert check_stack("vpc-reachability-promised-paths-open", rails("v2.0"), without(scale_graph, "data-from-app")).messages == [
        "compute-service: Open compute-service → data-replica on 5432: data-sg admits nothing from compute-service on 5432."
    ]
    assert check_stack("vpc-reachability-promised-paths-open", rails("v2.0"), without(scale_graph, "data-proxy-to-database")).messages == [
        f"data-proxy-proxy: Open data-proxy-proxy → data-db on 5432: data-proxy-sg has no egress to data-db on 5432 {REVOKED}."
    ]
    assert check_stack("vpc-reachability-promised-paths-open", rails("v2.0"), without(scale_graph, "cache-from-app")).messages == [
        "compute-service: Open compute-service → cache-group on 6379: cache-sg admits nothing from compute-service on 6379."
    ]


def test_the_internet_never_reaches_data(prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    world = rule(prod_graph, "data-from-world", "data-sg", "ingress", 5432, cidr="0.0.0.0/0")
    assert check_stack("vpc-reachability-forbidden-paths-closed", rails("v1.5"), [*prod_graph, world]).messages == [
        "data-from-world: Close internet → data-db on 5432: data-from-world admits 0.0.0.0/0 to data-sg; only the load balancer may face the internet."
    ]
    # A CIDR inside the VPC is not the internet (data-ingress-only-from-app refuses it for other reasons).
    inside = rule(prod_graph, "data-from-vpc", "data-sg", "ingress", 5432, cidr="10.0.0.0/16")
    assert check_stack("vpc-reachability-forbidden-paths-closed", rails("v1.5"), [*prod_graph, inside]).messages == []
    office = rule(scale_graph, "cache-from-office", "cache-sg", "ingress", 6379, cidr="203.0.113.0/24")
    assert check_stack("vpc-reachability-forbidden-paths-closed", rails("v2.0"), [*scale_graph, office]).messages == [
        "cache-from-office: Close internet → cache-group on 6379: cache-from-office admits 203.0.113.0/24 to cache-sg; only the load balancer may face the internet."
    ]


def test_only_the_tasks_and_the_proxy_reach_data(prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    egress = rule(prod_graph, "compute-lb-to-db", "compute-lb-sg", "egress", 5432, peer="data-sg")
    ingress = rule(prod_graph, "data-from-lb", "data-sg", "ingress", 5432, peer="compute-lb-sg")
    assert check_stack("vpc-reachability-forbidden-paths-closed", rails("v1.5"), [*prod_graph, egress, ingress]).messages == [
        "compute-lb-alb: Close compute-lb-alb → data-db on 5432: compute-lb-to-db and data-from-lb let it through; "
        "only the app's tasks (and the proxy, for databases) may reach data."
    ]
    # Either side alone keeps the path closed.
    assert check_stack("vpc-reachability-forbidden-paths-closed", rails("v1.5"), [*prod_graph, ingress]).messages == []
    to_cache = rule(scale_graph, "data-proxy-to-cache", "data-proxy-sg", "egress", 6379, peer="cache-sg")
    from_proxy = rule(scale_graph, "cache-from-proxy", "cache-sg", "ingress", 6379, peer="data-proxy-sg")
    assert check_stack("vpc-reachability-forbidden-paths-closed", rails("v2.0"), [*scale_graph, to_cache, from_proxy]).messages == [
        "data-proxy-proxy: Close data-proxy-proxy → cache-group on 6379: data-proxy-to-cache and cache-from-proxy let it through; "
        "only the app's tasks (and the proxy, for databases) may reach data."
    ]


def test_tasks_behind_the_alb_refuse_the_internet(dev_graph: ResourceGraph) -> None:
    # The MVP's public task is what v1.5 forbids: no load balancer, and the app port open to the world.
    assert check_stack("vpc-reachability-forbidden-paths-closed", rails("v1.5"), list(dev_graph)).messages == [
        "compute-app-ingress: Close internet → compute-service on 8080: compute-app-ingress admits 0.0.0.0/0 to network-app-sg; "
        "only the load balancer may face the internet."
    ]
    assert check_stack("vpc-reachability-promised-paths-open", rails("v1.5"), list(dev_graph)).messages == [
        "compute-service: Put a load balancer in front of compute-service: its listeners must forward to a target group the service registers with."
    ]


def test_the_mvp_task_needs_its_public_ip(dev_graph: ResourceGraph) -> None:
    service = named(dev_graph, "compute-service")
    private = seeded(dev_graph, "compute-service", networkConfiguration={**service.outputs["networkConfiguration"], "assignPublicIp": False})
    assert check_stack("vpc-reachability-promised-paths-open", rails("v1.0"), private).messages == [
        "compute-service: Open internet → compute-service on 8080: the tasks get no public IP (set networkConfiguration.assignPublicIp to true).",
        "compute-service: Open compute-service → internet on 443: network-public-1 routes to the internet gateway, but the tasks get no public IP.",
    ]
    assert check_stack("vpc-reachability-promised-paths-open", rails("v1.0"), without(dev_graph, "compute-app-ingress")).messages == [
        "compute-service: Open internet → compute-service on 8080: network-app-sg admits nothing from 0.0.0.0/0 on 8080."
    ]


def test_private_tasks_need_a_working_nat_gateway(prod_graph: ResourceGraph) -> None:
    unrouted = without(prod_graph, "network-private-1-default-route", "network-private-2-default-route")
    assert check_stack("vpc-reachability-promised-paths-open", rails("v1.5"), unrouted).messages == [
        "compute-service: Open compute-service → internet on 443: network-private-1, network-private-2 have no default route "
        "through an internet gateway or a NAT gateway."
    ]
    stranded = without(prod_graph, "network-public-default-route")
    assert check_stack("vpc-reachability-promised-paths-open", rails("v1.5"), stranded).messages == [
        "compute-lb-alb: Open internet → compute-lb-alb on 80: network-public-1, network-public-2 have no default route to an internet gateway.",
        "compute-service: Open compute-service → internet on 443: NAT gateway network-nat-1 sits in network-public-1, "
        "which has no default route to an internet gateway.",
    ]
    assert check_stack("vpc-reachability-promised-paths-open", rails("v1.5"), without(prod_graph, "compute-egress-https")).messages == [
        f"compute-service: Open compute-service → internet on 443: network-app-sg has no egress to 0.0.0.0/0 on 443 {REVOKED}."
    ]


def test_unresolved_security_groups_fail_closed(prod_graph: ResourceGraph) -> None:
    unknown_groups = "compute-service's security groups cannot be resolved from the program's resources (pass them as resource outputs, never as literal ids)"
    service_unlinked = unlinked(prod_graph, "compute-service", "networkConfiguration", "network-app-sg")
    assert check_stack("vpc-reachability-promised-paths-open", rails("v1.5"), service_unlinked).messages == [
        f"compute-lb-alb: Open compute-lb-alb → compute-service on 8080: {unknown_groups}.",
        f"compute-service: Open compute-service → data-db on 5432: {unknown_groups}.",
        f"compute-service: Open compute-service → internet on 443: {unknown_groups}.",
    ]
    assert check_stack("vpc-reachability-forbidden-paths-closed", rails("v1.5"), service_unlinked).messages == [
        "compute-service: Give compute-service a security group of the stack's: without one the paths to it cannot be proven closed."
    ]
    db_unlinked = unlinked(prod_graph, "data-db", "vpcSecurityGroupIds")
    assert check_stack("vpc-reachability-forbidden-paths-closed", rails("v1.5"), db_unlinked).messages == [
        "data-db: Give data-db a security group of the stack's: without one the paths to it cannot be proven closed."
    ]
    assert check_stack("vpc-reachability-promised-paths-open", rails("v1.5"), []).messages == [
        "(stack): Add the app's ECS service: every promised path starts or ends at its tasks."
    ]


def test_an_unknown_rule_fails_closed(prod_graph: ResourceGraph) -> None:
    unknown = seeded(prod_graph, "data-from-app", fromPort=UNKNOWN_NUMBER_VALUE)
    assert check_stack("vpc-reachability-promised-paths-open", rails("v1.5"), unknown).messages == [
        "compute-service: Open compute-service → data-db on 5432: data-from-app on data-sg cannot be read at preview."
    ]
    assert check_stack("vpc-reachability-forbidden-paths-closed", rails("v1.5"), unknown).messages == [
        "data-db: Make data-from-app known at preview: the paths into data-db cannot be proven closed without its ports and peers."
    ]


def test_tierup_check_prints_the_proven_paths(project_dir: Path) -> None:
    table = tierup(project_dir, "check", "prod")
    assert table.returncode == 0, table.stdout
    lines = table.stdout.splitlines()
    start = lines.index("  reachability: 2 promised paths proven")
    # Right after the guardrails' block (its verdict, then indented findings and fixes).
    guardrails = max(index for index, line in enumerate(lines[:start]) if line.startswith("  guardrails: "))
    assert all(line.startswith("    ") for line in lines[guardrails + 1 : start])
    assert lines[start + 1 : start + 3] == ["    internet → compute-lb-alb:80 → compute-service:8080 → data-db:5432", "    compute-service → internet:443"]
    assert lines[start + 3].startswith("  cost: ")
    report = json.loads(tierup(project_dir, "check", "dev", "--format", "json").stdout)
    assert report["stacks"][0]["reachability"] == ["internet → compute-service:8080 → data-db:5432", "compute-service → internet:443"]
    markdown = tierup(project_dir, "check", "dev", "--format", "markdown").stdout.splitlines()
    start = markdown.index("Reachability proven:")
    assert markdown[start + 1 : start + 5] == ["", "- `internet → compute-service:8080 → data-db:5432`", "- `compute-service → internet:443`", ""]
