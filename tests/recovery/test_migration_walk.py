"""The way from v2.0 (RDS) to v3.0 (Aurora, a recovery region) and back, one reviewed `pulumi up`
at a time: no step replaces a data holder, and only the last one deletes the RDS instance, after
the step before it lifted its protection."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_project
from tierup.diff.compare import compare
from tierup.synth.graph import ResourceGraph
from tierup.synth.runner import synthesize
from tierup_guardrails.data_holders import is_data_holder

STEPS = {
    "v20": "  tierup:release: v2.0\n",
    "replicating": "  tierup:release: v3.0\n  tierup:data:\n    migration: replicating\n",
    "promoted": "  tierup:release: v3.0\n  tierup:data:\n    migration: promoted\n",
    "retiring": "  tierup:release: v3.0\n  tierup:data:\n    migration: retiring\n",
    "v30": "  tierup:release: v3.0\n",
}
HEADER = "config:\n  aws:region: us-east-1\n  tierup:dr:\n    domain: api.walk.example.org\n"


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ResourceGraph]:
    # One stack, "walk", at each step (URNs carry the stack's name): a project per step.
    graphs: dict[str, ResourceGraph] = {}
    for step, text in STEPS.items():
        project = make_project(tmp_path_factory.mktemp(step), {"walk": HEADER + text})
        graphs[step] = synthesize(project, "walk")
    return graphs


def _named(graph: ResourceGraph, name: str) -> bool:
    return any(r.name == name for r in graph)


def _holder_dangers(before: ResourceGraph, after: ResourceGraph) -> list[tuple[str, str, tuple[str, ...]]]:
    """Dangerous changes to what holds data (a replica holds none: it is rebuilt from its source)."""
    inputs = {r.urn: r.inputs for r in (*after, *before)}  # as the resource is before the step
    diff = compare(before, after)
    return [(c.kind, c.name, c.reasons) for c in diff.dangers if is_data_holder(c.type, inputs[c.old_urn or c.urn])]


@pytest.mark.parametrize(("before", "after"), [("v20", "replicating"), ("replicating", "promoted"), ("promoted", "retiring")])
def test_each_step_forward_replaces_and_deletes_nothing_that_holds_data(walk: dict[str, ResourceGraph], before: str, after: str) -> None:
    assert _holder_dangers(walk[before], walk[after]) == []


def test_stepping_back_from_retiring_replaces_and_deletes_nothing_that_holds_data(walk: dict[str, ResourceGraph]) -> None:
    assert _holder_dangers(walk["retiring"], walk["promoted"]) == []


def test_stepping_back_from_replicating_deletes_only_the_recovery_regions_copies(walk: dict[str, ResourceGraph]) -> None:
    # The recovery region's buckets hold replicas of the primary's objects; S3 refuses to delete
    # them while they hold any (force_destroy is off), so the runbook empties them first.
    reason = ("deleted, or renamed without an alias: its data goes with it",)
    assert _holder_dangers(walk["replicating"], walk["v20"]) == [("deleted", "frontend-site-replica", reason), ("deleted", "storage-uploads-replica", reason)]


def test_stepping_back_deletes_only_the_replica_cluster(walk: dict[str, ResourceGraph]) -> None:
    deleted = {c.name for c in compare(walk["replicating"], walk["v20"]).of_kind("deleted") if c.type.startswith("aws:rds/")}
    assert deleted == {"data-aurora", "data-aurora-params", "data-aurora-writer", "data-aurora-reader"}


def test_the_last_step_deletes_the_rds_instance_its_predecessor_unprotected(walk: dict[str, ResourceGraph]) -> None:
    assert _holder_dangers(walk["retiring"], walk["v30"]) == [("deleted", "data-db", ("deleted, or renamed without an alias: its data goes with it",))]
    retiring_db = next(r for r in walk["retiring"] if r.name == "data-db")
    assert (retiring_db.options.protect, retiring_db.inputs["deletionProtection"], retiring_db.inputs["skipFinalSnapshot"]) == (False, False, False)
    assert str(retiring_db.inputs["finalSnapshotIdentifier"]).startswith("tierup-walk-db-final-")


def test_stepping_back_after_the_promotion_is_refused(walk: dict[str, ResourceGraph]) -> None:
    assert _holder_dangers(walk["promoted"], walk["replicating"]) == [
        ("changed", "data-aurora", ("a promoted Aurora cluster cannot become a replica again: the provider refuses the update",))
    ]


def test_while_replicating_the_app_stays_on_rds_and_aurora_replicates_it(walk: dict[str, ResourceGraph]) -> None:
    graph = walk["replicating"]
    aurora = next(r for r in graph if r.name == "data-aurora")
    db = next(r for r in graph if r.name == "data-db")
    assert aurora.property_dependencies["replicationSourceIdentifier"] == (db.urn,)
    assert "masterPassword" not in aurora.inputs and "masterUsername" not in aurora.inputs
    assert (aurora.options.protect, aurora.inputs["deletionProtection"]) == (False, False)
    assert not _named(graph, "data-global") and not _named(graph, "dr-aurora")
    target = next(r for r in graph if r.name == "data-proxy-primary")
    assert target.property_dependencies["dbInstanceIdentifier"] == (db.urn,)


def test_once_promoted_the_app_and_the_global_database_follow_aurora(walk: dict[str, ResourceGraph]) -> None:
    graph = walk["promoted"]
    aurora = next(r for r in graph if r.name == "data-aurora")
    assert "replicationSourceIdentifier" not in aurora.inputs
    assert (aurora.options.protect, aurora.inputs["deletionProtection"]) == (True, True)
    assert _named(graph, "data-global") and _named(graph, "dr-aurora") and _named(graph, "data-db")
    target = next(r for r in graph if r.name == "data-proxy-primary")
    assert target.property_dependencies["dbClusterIdentifier"] == (aurora.urn,)
    db = next(r for r in graph if r.name == "data-db")
    assert (db.options.protect, db.inputs["deletionProtection"]) == (True, True)


def test_v3_0_has_both_regions_through_an_explicit_provider(walk: dict[str, ResourceGraph]) -> None:
    graph = walk["v30"]
    providers = graph.of_type("pulumi:providers:aws")
    assert [(p.name, p.inputs["region"]) for p in providers] == [("recovery-region", "us-west-2")]
    regions = {graph.region_of(r) for r in graph if r.custom}
    assert regions == {"us-east-1", "us-west-2"}
    secondary = next(r for r in graph if r.name == "dr-aurora")
    assert graph.region_of(secondary) == "us-west-2"
    key = next(r for r in graph if r.name == "dr-db-key")
    assert secondary.property_dependencies["kmsKeyId"] == (key.urn,) and graph.region_of(key) == "us-west-2"
    assert not _named(graph, "data-db")


def test_project_dir_is_untouched(project_dir: Path) -> None:
    assert not (project_dir / "Pulumi.walk.yaml").exists()


def test_the_proxy_lets_go_of_the_instance_before_it_targets_the_cluster(walk: dict[str, ResourceGraph]) -> None:
    # One target per proxy: create-before-delete would register the cluster beside the instance.
    change = next(c for c in compare(walk["replicating"], walk["promoted"]).changes if c.name == "data-proxy-primary")
    assert {p.path for p in change.properties} == {"dbClusterIdentifier", "dbInstanceIdentifier"}
    target = next(r for r in walk["promoted"] if r.name == "data-proxy-primary")
    assert target.options.delete_before_replace is True


def test_versions_aws_requires_to_match_come_from_what_runs(walk: dict[str, ResourceGraph]) -> None:
    # The replica's Aurora minor may not be below the RDS instance's; a secondary runs exactly the
    # global database's version (Aurora User Guide; the provider's aws_rds_global_cluster docs).
    replicating = walk["replicating"]
    db = next(r for r in replicating if r.name == "data-db")
    aurora = next(r for r in replicating if r.name == "data-aurora")
    assert (aurora.inputs["engineVersion"], aurora.property_dependencies["engineVersion"]) == ("16.8", (db.urn,))
    assert next(r for r in walk["promoted"] if r.name == "data-aurora").inputs["engineVersion"] == "16"
    final = walk["v30"]
    secondary = next(r for r in final if r.name == "dr-aurora")
    global_cluster = next(r for r in final if r.name == "data-global")
    assert (secondary.inputs["engineVersion"], secondary.property_dependencies["engineVersion"]) == ("16.8", (global_cluster.urn,))
