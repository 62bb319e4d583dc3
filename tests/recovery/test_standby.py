"""The recovery region's two postures: passive (nothing runs) and active (failed over)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_project
from tests.policies.harness import check_stack, rails
from tierup.synth.graph import ResourceGraph
from tierup.synth.runner import synthesize

ACTIVE = "config:\n  aws:region: us-east-1\n  tierup:release: v3.0\n  tierup:dr:\n    domain: api.example.org\n    standby: active\n"
DR = {"domain": "api.example.org"}


@pytest.fixture(scope="module")
def active_graph(tmp_path_factory: pytest.TempPathFactory) -> ResourceGraph:
    return synthesize(make_project(tmp_path_factory.mktemp("active"), {"active": ACTIVE}), "active")


def _in_recovery(graph: ResourceGraph, type_token: str) -> list[str]:
    return [r.name for r in graph.of_type(type_token) if graph.region_of(r) == "us-west-2"]


def test_an_active_standby_runs_a_writer_tasks_and_one_nat_gateway(active_graph: ResourceGraph) -> None:
    assert _in_recovery(active_graph, "aws:rds/clusterInstance:ClusterInstance") == ["dr-aurora-writer"]
    assert _in_recovery(active_graph, "aws:ec2/natGateway:NatGateway") == ["dr-network-nat-1"]
    service = next(r for r in active_graph if r.name == "dr-compute-service")
    assert service.inputs["desiredCount"] == 2


def test_the_recovery_region_may_have_one_nat_gateway_only_when_active(active_graph: ResourceGraph) -> None:
    resources = list(active_graph)
    assert check_stack("ec2-nat-gateway-count-within-release", rails("v3.0", dr={**DR, "standby": "active"}), resources).messages == []
    assert check_stack("ec2-nat-gateway-count-within-release", rails("v3.0", dr=DR), resources).messages == [
        "(stack): Remove 1 NAT gateway(s) in the recovery region us-west-2: release v3.0 allows 0 there and the stack has 1."
    ]


def test_only_the_primary_region_has_an_rds_proxy(project_dir: Path, active_graph: ResourceGraph) -> None:
    # RDS Proxy may target any cluster of a global database, but on a secondary without a writer
    # its read/write endpoint fails ("The target group doesn't have any associated read/write
    # instances"; Aurora User Guide, "Using RDS Proxy with Aurora global databases"). The app's
    # proxy targets the primary cluster; the recovery region reaches its cluster directly.
    passive_graph = synthesize(project_dir, "prod", "v3.0")
    for graph in (passive_graph, active_graph):
        assert _in_recovery(graph, "aws:rds/proxy:Proxy") == []
        (target,) = graph.of_type("aws:rds/proxyTarget:ProxyTarget")
        assert graph.region_of(target) == "us-east-1"
        assert (
            target.inputs["dbClusterIdentifier"]
            == next(r for r in graph.of_type("aws:rds/cluster:Cluster") if graph.region_of(r) == "us-east-1").outputs["clusterIdentifier"]
        )
