"""Every move up and down the ladder, and every destroy, can run: nothing protected is on the
delete or replace side unless it holds data, and then the explicit steps are printed."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from tierup.diff.checklist import checklist
from tierup.diff.compare import compare
from tierup.diff.lifecycle import Blocker, blockers, destroy_blockers, destroy_steps, protection_of
from tierup.synth.graph import Resource, ResourceGraph, ResourceOptions
from tierup.synth.runner import SynthRequest, synthesize_all

RELEASES = ("v1.0", "v1.5", "v2.0")
STACKS = ("dev", "prod")


@pytest.fixture(scope="module")
def ladder(project_dir: Path) -> dict[tuple[str, str], ResourceGraph]:
    """Every stack at every release."""
    requests = [SynthRequest(stack, release) for stack in STACKS for release in RELEASES]
    graphs = synthesize_all(project_dir, requests)
    assert all(isinstance(g, ResourceGraph) for g in graphs), graphs
    return {(r.stack, r.release): g for r, g in zip(requests, graphs, strict=True)}  # type: ignore[misc]


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize(("old", "new"), list(itertools.permutations(RELEASES, 2)))
def test_every_transition_deletes_nothing_protected(stack: str, old: str, new: str, ladder: dict[tuple[str, str], ResourceGraph]) -> None:
    before, after = ladder[(stack, old)], ladder[(stack, new)]
    assert blockers(before, compare(before, after)) == [], f"{stack} {old} → {new}"


@pytest.mark.parametrize(("stack", "release"), list(itertools.product(STACKS, RELEASES)))
def test_only_data_holders_are_ever_protected(stack: str, release: str, ladder: dict[tuple[str, str], ResourceGraph]) -> None:
    graph = ladder[(stack, release)]
    protected = {r.name: protection_of(r) for r in graph if r.custom and protection_of(r)}
    expected = {} if release == "v1.0" else {"data-db": ("protect", "deletionProtection"), "auth-users": ("deletionProtection",)}
    assert protected == expected


def test_a_protected_resource_that_holds_no_data_stops_the_move_down(ladder: dict[tuple[str, str], ResourceGraph]) -> None:
    # The first wave shipped the ALB with deletion protection: v1.5 → v1.0 then failed to delete it.
    prod, mvp = ladder[("prod", "v1.5")], ladder[("prod", "v1.0")]
    old = _with(prod, "compute-lb-alb", inputs={"enableDeletionProtection": True})
    diff = compare(old, mvp)
    assert blockers(old, diff) == [Blocker("compute-lb-alb", "aws:lb/loadBalancer:LoadBalancer", ("enableDeletionProtection",), False, "compute-lb-alb")]
    assert (
        "Stop: compute-lb-alb (aws:lb/loadBalancer:LoadBalancer) carries enableDeletionProtection but holds no data; remove that from the program first."
        in checklist(diff, old, mvp)["before"]
    )


def test_a_protected_replica_stops_the_move_down_from_v2_0(ladder: dict[tuple[str, str], ResourceGraph]) -> None:
    scale, prod = ladder[("prod", "v2.0")], ladder[("prod", "v1.5")]
    old = _with(scale, "data-replica", options=ResourceOptions(protect=True))
    assert [b.name for b in blockers(old, compare(old, prod))] == ["data-replica"]


def test_destroy_runs_in_one_step_on_dev_and_needs_the_explicit_steps_on_prod(ladder: dict[tuple[str, str], ResourceGraph]) -> None:
    assert destroy_blockers(ladder[("dev", "v1.0")]) == []
    empty = [
        f"Copy what you keep from {bucket} and empty it, every version (its name is in `pulumi stack output -s {stack}`): "
        f"`aws s3 sync s3://<bucket> ./{bucket}-backup`, then `aws s3 rm s3://<bucket> --recursive` and delete its versions; "
        f"otherwise `pulumi destroy -s {stack}` stops at it."
        for stack in ("dev", "prod")
        for bucket in ("frontend-site", "storage-uploads")
    ]
    assert destroy_steps(ladder[("dev", "v1.0")]) == [
        *empty[:2],
        "Nothing is protected: then `pulumi destroy -s dev` deletes the stack in one step (the database after a final snapshot).",
    ]
    assert destroy_steps(ladder[("prod", "v1.5")]) == [
        *empty[2:],
        "Export the users of auth-users if you keep them: `aws cognito-idp list-users --user-pool-id <userPoolId output>`; "
        "passwords cannot be exported, so users reset theirs in a new pool.",
        "Take a manual snapshot of data-db: `aws rds create-db-snapshot --db-instance-identifier tierup-prod-db "
        "--db-snapshot-identifier tierup-prod-db-before-delete`.",
        "Lift the protection of auth-users, data-db in an update of its own: `pulumi config set -s prod --path tierup:auth.deletionProtection false` "
        "and `pulumi config set -s prod --path tierup:data.protect false`, then `pulumi up -s prod` (in place: protection turns off, nothing is deleted).",
        "Then run `pulumi destroy -s prod`; RDS keeps a final snapshot named <identifier>-final-<suffix>.",
    ]


def test_the_lifted_protection_is_an_in_place_change(ladder: dict[tuple[str, str], ResourceGraph]) -> None:
    # The first step of a prod destroy: protect false changes the database in place, deletes nothing.
    prod = ladder[("prod", "v1.5")]
    lifted = _with(prod, "data-db", inputs={"deletionProtection": False}, options=ResourceOptions(protect=False, ignore_changes=("allocatedStorage",)))
    lifted = _with(lifted, "auth-users", inputs={"deletionProtection": "INACTIVE"})
    diff = compare(prod, lifted)
    assert (diff.of_kind("deleted"), diff.dangers) == ([], [])
    changed = [(c.name, [p.path for p in c.properties]) for c in diff.of_kind("changed")]
    assert changed == [("auth-users", ["deletionProtection"]), ("data-db", ["deletionProtection"])]
    assert destroy_blockers(lifted) == []


def test_tierup_diff_destroy_prints_the_steps_and_exits_3_for_protected_data(project_dir: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "tierup.cli", "diff", "prod", "--destroy"], capture_output=True, text=True, cwd=project_dir, check=False)
    assert (result.returncode, result.stderr) == (3, "")
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "destroy prod: release v1.5 · 107 resources deleted",
        "  protected  auth-users  aws:cognito:UserPool  (deletionProtection)",
        "  protected  data-db  aws:rds:Instance  (protect, deletionProtection)",
        "  steps:",
    ]
    dev = subprocess.run([sys.executable, "-m", "tierup.cli", "diff", "dev", "--destroy"], capture_output=True, text=True, cwd=project_dir, check=False)
    assert (dev.returncode, dev.stdout.splitlines()[0]) == (0, "destroy dev: release v1.0 · 77 resources deleted")


def _with(graph: ResourceGraph, name: str, *, inputs: dict[str, object] | None = None, options: ResourceOptions | None = None) -> ResourceGraph:
    """The graph with one resource's inputs (and options) changed."""

    def changed(resource: Resource) -> Resource:
        if resource.name != name:
            return resource
        return Resource(**{**vars(resource), "inputs": {**resource.inputs, **(inputs or {})}, "options": options or resource.options})

    return ResourceGraph(**{**vars(graph), "resources": tuple(changed(r) for r in graph)})


def test_a_stack_deployed_with_the_managed_password_moves_in_place(ladder: dict[tuple[str, str], ResourceGraph]) -> None:
    # The first wave's database: RDS-managed password, no generated one. Today's program changes it in place.
    prod = ladder[("prod", "v1.5")]
    old = _with(prod, "data-db", inputs={"manageMasterUserPassword": True})
    diff = compare(old, prod)
    (db,) = [c for c in diff.of_kind("changed") if c.name == "data-db"]
    assert (db.severity, [p.path for p in db.properties]) == ("WARN", ["manageMasterUserPassword"])
    steps = checklist(diff, old, prod)
    assert (
        "The database's password moves from RDS's managed secret to the stack's own (dbSecretArn); RDS applies it at once and the "
        "service's new tasks read it right after: run this in a quiet hour, and point any other client at the new secret."
    ) in steps["before"]
    assert (
        "data-db: the master password moves from RDS's managed secret to the stack's own: RDS sets it at once, and the app's connections fail "
        "until its new tasks (started right after) read the new secret."
    ) in steps["downtime"]
