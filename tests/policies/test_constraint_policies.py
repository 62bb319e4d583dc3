"""What AWS refuses at apply time, and what blocks a move down or a destroy: each stack policy
passes on the synthesized stacks and fails, with its exact message, on a graph seeded with one
of the failures the first real `pulumi up` would have hit."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import make_project
from tests.policies.harness import check_stack, named, policy_resources, rails
from tierup.synth.graph import Resource, ResourceGraph
from tierup.synth.runner import synthesize


def seeded(graph: ResourceGraph, name: str, **outputs: object) -> list:
    """The graph's policy resources with one resource's outputs changed."""
    resource = named(graph, name)
    return policy_resources(list(graph), {resource.name: {**resource.outputs, **outputs}})


def test_the_master_password_is_generated_never_managed_by_rds(dev_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    for release, graph in (("v1.0", dev_graph), ("v2.0", scale_graph)):
        assert check_stack("rds-master-password-generated", rails(release), list(graph)).messages == []
    assert check_stack("rds-master-password-generated", rails("v1.0"), seeded(dev_graph, "data-db", manageMasterUserPassword=True)).messages == [
        "data-db: Remove manageMasterUserPassword: RDS refuses a read replica of an instance whose password it manages, "
        "and rotates it every 7 days under tasks that read it only at start."
    ]
    db = named(dev_graph, "data-db")
    literal = Resource(**{**vars(db), "property_dependencies": {k: v for k, v in db.property_dependencies.items() if k != "password"}})
    graph = [literal if r.name == "data-db" else r for r in dev_graph]
    assert check_stack("rds-master-password-generated", rails("v1.0"), graph).messages == [
        "data-db: Set password from a random.RandomPassword kept in the stack's secret, never from a literal or config."
    ]


def test_a_replica_of_a_managed_password_is_refused(scale_graph: ResourceGraph) -> None:
    assert check_stack("rds-replica-source-password-not-managed", rails("v2.0"), list(scale_graph)).messages == []
    assert check_stack("rds-replica-source-password-not-managed", rails("v2.0"), seeded(scale_graph, "data-db", manageMasterUserPassword=True)).messages == [
        "data-replica: Give data-db a generated password before replicating it: RDS refuses a replica of a managed master password."
    ]


def test_the_proxy_stays_out_of_zones_without_rds_proxy(scale_graph: ResourceGraph) -> None:
    assert check_stack("rds-proxy-subnets-in-supported-zones", rails("v2.0"), list(scale_graph)).messages == []
    moved = seeded(scale_graph, "network-isolated-2", availabilityZoneId="use1-az3")
    assert check_stack("rds-proxy-subnets-in-supported-zones", rails("v2.0"), moved).messages == [
        "data-proxy-proxy: Move network-isolated-2 out of use1-az3: RDS Proxy is not available there."
    ]


def test_the_platform_version_fits_spot_arm64_and_tmpfs(prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    # v2.0 runs ARM64 tasks on Fargate Spot with a tmpfs: both need platform 1.4.0, which LATEST is.
    assert check_stack("ecs-service-platform-fits-task", rails("v2.0"), list(scale_graph)).messages == []
    assert check_stack("ecs-service-platform-fits-task", rails("v2.0"), seeded(scale_graph, "compute-service", platformVersion="1.3.0")).messages == [
        "compute-service: Set platformVersion to LATEST or 1.4.0 and later: Fargate Spot runs ARM64 tasks from 1.4.0.",
        "compute-service: Set platformVersion to LATEST or 1.4.0 and later: tmpfs mounts need 1.4.0.",
    ]
    assert check_stack("ecs-service-platform-fits-task", rails("v1.5"), seeded(prod_graph, "compute-service", platformVersion="1.3.0")).messages == [
        "compute-service: Set platformVersion to LATEST or 1.4.0 and later: tmpfs mounts need 1.4.0."
    ]
    assert check_stack("ecs-service-platform-fits-task", rails("v1.5"), seeded(prod_graph, "compute-service", platformVersion="1.4.0")).messages == []


def test_the_alb_spans_two_zones(prod_graph: ResourceGraph) -> None:
    assert check_stack("lb-subnets-in-two-zones", rails("v1.5"), list(prod_graph)).messages == []
    same_zone = seeded(prod_graph, "network-public-2", availabilityZoneId="use1-az1")
    assert check_stack("lb-subnets-in-two-zones", rails("v1.5"), same_zone).messages == [
        "compute-lb-alb: Place the load balancer in subnets of at least two zones (it has use1-az1)."
    ]
    # A zone that cannot be read fails closed.
    unknown = seeded(prod_graph, "network-public-2", availabilityZoneId=None)
    assert check_stack("lb-subnets-in-two-zones", rails("v1.5"), unknown).messages == [
        "compute-lb-alb: Place the load balancer in subnets of at least two zones (it has use1-az1)."
    ]


def test_only_the_primary_database_is_protected(dev_graph: ResourceGraph, prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    for release, graph in (("v1.0", dev_graph), ("v1.5", prod_graph), ("v2.0", scale_graph)):
        assert check_stack("lifecycle-only-data-holders-protected", rails(release), list(graph)).messages == []
    assert check_stack(
        "lifecycle-only-data-holders-protected", rails("v1.5"), seeded(prod_graph, "compute-lb-alb", enableDeletionProtection=True)
    ).messages == [
        "compute-lb-alb: Remove enableDeletionProtection from compute-lb-alb: it holds no data, and moving down a release "
        "or `pulumi destroy` must be able to delete it."
    ]
    assert check_stack("lifecycle-only-data-holders-protected", rails("v2.0"), seeded(scale_graph, "data-replica", deletionProtection=True)).messages == [
        "data-replica: Remove deletionProtection from data-replica: it holds no data, and moving down a release or `pulumi destroy` must be able to delete it."
    ]
    replica = named(scale_graph, "data-replica")
    protected = [Resource(**{**vars(r), "options": type(r.options)(protect=True)}) if r is replica else r for r in scale_graph]
    assert check_stack("lifecycle-only-data-holders-protected", rails("v2.0"), protected).messages == [
        "data-replica: Remove protect from data-replica: it holds no data, and moving down a release or `pulumi destroy` must be able to delete it."
    ]


def test_a_budget_that_cannot_alert_is_reported(tmp_path: Path, dev_graph: ResourceGraph) -> None:
    assert check_stack("budgets-budget-alerts-reach-someone", rails("v1.0"), list(dev_graph)).messages == [
        "budget-monthly: Add tierup:alerts.emails: the budget notifies the alert topic, and no address is subscribed to it.",
        "budget-monthly: Activate the Stack cost allocation tag (tierup:budget.activateCostTags true, from the payer account, once AWS has seen "
        "the tag): until then the budget counts none of the stack's spend and never alerts.",
    ]
    stack = (
        "config:\n  aws:region: us-east-1\n  tierup:release: v1.0\n  tierup:budget:\n    activateCostTags: true\n"
        "  tierup:alerts:\n    emails: [ops@example.com]\n"
    )
    heard = synthesize(make_project(tmp_path, {"heard": stack}), "heard")
    assert check_stack("budgets-budget-alerts-reach-someone", rails("v1.0"), list(heard)).messages == []
