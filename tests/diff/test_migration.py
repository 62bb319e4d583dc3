"""The RDS → Aurora migration runbook in `tierup diff`, on hand-built v3.0 graphs (the Aurora
components are not in the program yet): the one-shot jump is DANGER and prints every step, one
step at a time is marked, and going back says what it costs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.diff.migration_graphs import at_step
from tierup import cli
from tierup.check import StackCheck
from tierup.cost.from_graph import estimate_graph
from tierup.diff import command
from tierup.diff.checklist import checklist
from tierup.diff.command import StackDiff, _finish
from tierup.diff.compare import compare
from tierup.diff.migration import BACK_HERE, DO_FIRST, HERE, NEXT, SKIPPED, THIS_CHANGE, Runbook, position, runbook
from tierup.diff.report import command_lines, render_diff_json, render_diff_markdown, render_diff_text, runbook_lines
from tierup.policy_runner import PolicyReport
from tierup.render import WIDTH
from tierup.synth.graph import Resource, ResourceGraph

STEPS = ("replicating", "promoted", "retiring", "none")


def _runbook(old: ResourceGraph, new: ResourceGraph) -> Runbook:
    found = runbook(old, new)
    assert found is not None
    return found


def _marks(found: Runbook) -> dict[int, str]:
    return {step.number: step.mark for step in found.steps if step.mark}


def _stack_diff(old: ResourceGraph, new: ResourceGraph) -> StackDiff:
    """What `diff_to_release` returns, with the new side's guardrails all passing."""
    checked = StackCheck(graph=new, policies=PolicyReport(stack=new.stack, pack="tierup", policy_count=0, findings=()), cost=estimate_graph(new))
    return _finish(old, checked, f"{old.stack} at {old.release}", to_release=True)


def test_the_settings_say_where_a_stack_is(prod_graph: ResourceGraph) -> None:
    assert [position(prod_graph), *(position(at_step(prod_graph, step)) for step in STEPS)] == [0, 1, 3, 4, 5]


def test_no_runbook_for_a_stack_that_stays_on_rds_or_on_aurora(prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    assert runbook(prod_graph, scale_graph) is None
    assert runbook(at_step(prod_graph, "none"), at_step(prod_graph, "none")) is None


def test_the_one_shot_jump_to_v3_0_is_danger_and_prints_the_runbook(prod_graph: ResourceGraph) -> None:
    new = at_step(prod_graph, "none")
    assert ("deleted", "data-db") in [(c.kind, c.name) for c in compare(prod_graph, new).dangers]
    found = _runbook(prod_graph, new)
    assert (found.at, found.to, found.skipped) == (0, 5, (1, 2, 3, 4))
    assert _marks(found) == {0: HERE, 1: SKIPPED, 2: SKIPPED, 3: SKIPPED, 4: SKIPPED, 5: THIS_CHANGE}
    lines = runbook_lines(found)
    assert lines[:4] == [
        "  migration runbook: RDS → Aurora, one reviewed step at a time · prod is at step 0; this change",
        "    jumps to step 5, the next step is 1",
        "    DANGER: this change skips steps 1, 2, 3, 4 of the migration runbook: apply one step per",
        "      `pulumi up`",
    ]
    titles = [line for line in lines if line.startswith("    step ")]
    assert titles == [
        "    step 0 [prod is here]: On RDS: the data is in the RDS instance tierup-prod-db",
        "    step 1 [SKIPPED]: Create an Aurora read replica of the RDS instance, and the recovery region",
        "    step 2 [SKIPPED]: Stop writes, let the replica catch up, promote it (AWS CLI; no setting records",
        "    step 3 [SKIPPED]: Point the app at Aurora; add the global database and its secondary in the",
        "    step 4 [SKIPPED]: Lift the RDS instance's protection (it keeps running, unused)",
        "    step 5 [this change]: Delete the RDS instance and its replica; AWS takes the final snapshot",
    ]
    for command_line in (
        "        pulumi config set -s prod tierup:release v3.0",
        "        pulumi config set -s prod --path tierup:data.migration replicating",
        '        ECS_CLUSTER="$(pulumi stack output -s prod clusterName)"',
        '        aws ecs update-service --cluster "$ECS_CLUSTER" --service "$ECS_SERVICE" --desired-count 0',
        "        aws rds promote-read-replica-db-cluster --db-cluster-identifier tierup-prod-aurora",
        "        aws rds wait db-cluster-available --db-cluster-identifier tierup-prod-aurora",
        '        aws ecs update-service --cluster "$ECS_CLUSTER" --service "$ECS_SERVICE" --desired-count 2',
        "        pulumi config set -s prod --path tierup:data.migration retiring",
        "        pulumi config set -s prod --path tierup:data.migration none",
        "        aws rds describe-db-snapshots --db-instance-identifier tierup-prod-db --snapshot-type manual",
    ):
        assert command_line in lines, command_line
    assert "      rollback: `pulumi config set -s prod tierup:release v1.5`," in lines
    assert max(len(line) for line in lines) <= WIDTH


def test_the_jump_exits_3_and_every_format_carries_the_runbook(
    prod_graph: ResourceGraph, project_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    result = _stack_diff(prod_graph, at_step(prod_graph, "none"))
    monkeypatch.setattr(command, "diff_to_release", lambda *_: result)
    assert cli.main(["--project-dir", str(project_dir), "diff", "prod", "--to-release", "v3.0"]) == 3
    text = capsys.readouterr().out.splitlines()
    # After the change list, the cost, the guardrails and the checklist.
    assert text.index("  migration checklist:") < text.index("    step 0 [prod is here]: On RDS: the data is in the RDS instance tierup-prod-db")
    assert text[text.index("  migration checklist:") + 2].startswith("      - Stop: do not apply this in one `pulumi up`: this change skips steps")
    markdown = render_diff_markdown([result]).splitlines()
    assert "### :warning: DANGER `prod`: prod at v1.5 → release v3.0" in markdown
    assert "#### Migration runbook: RDS → Aurora, one reviewed step at a time" in markdown
    assert "prod is at step 0; this change jumps to step 5, the next step is 1." in markdown
    assert "**Step 2: Stop writes, let the replica catch up, promote it (AWS CLI; no setting records this step)** — _SKIPPED_" in markdown
    document = json.loads(render_diff_json([result]))["diffs"][0]["runbook"]
    assert (document["at"], document["to"], [s["mark"] for s in document["steps"]]) == (0, 5, ["current", "skipped", "skipped", "skipped", "skipped", "change"])
    assert document["steps"][2]["commands"][4] == "aws rds promote-read-replica-db-cluster --db-cluster-identifier tierup-prod-aurora"
    assert render_diff_text([result]).count("migration runbook: RDS → Aurora") == 1


def test_the_jump_s_checklist_does_not_lift_the_database_s_protection(prod_graph: ResourceGraph) -> None:
    new = at_step(prod_graph, "none")
    before = checklist(compare(prod_graph, new), prod_graph, new, runbook(prod_graph, new))["before"]
    assert before[0].startswith("Stop: do not apply this in one `pulumi up`")
    assert not [step for step in before if "Lift the protection" in step or "create-db-snapshot" in step]


@pytest.mark.parametrize(("old", "new", "to"), [(None, "replicating", 1), ("replicating", "promoted", 3), ("promoted", "retiring", 4), ("retiring", "none", 5)])
def test_one_step_at_a_time_is_marked_and_skips_nothing(prod_graph: ResourceGraph, old: str | None, new: str, to: int) -> None:
    before = prod_graph if old is None else at_step(prod_graph, old)
    found = _runbook(before, at_step(prod_graph, new))
    at = position(before)
    assert (found.dangers, found.summary) == ((), f"prod is at step {at}; this change goes to step {to}")
    assert _marks(found) == {at: HERE, to: THIS_CHANGE, **({2: DO_FIRST} if to == 3 else {})}


def test_replicating_to_promoted_is_safe_and_says_it_is_step_3(prod_graph: ResourceGraph) -> None:
    result = _stack_diff(at_step(prod_graph, "replicating"), at_step(prod_graph, "promoted"))
    assert not result.dangerous
    assert result.steps["before"][0] == (
        "This change is step 3 of the migration runbook below: run that step's commands; its DANGER lines, if any, are what it deletes."
    )
    assert "    step 2 [do this first]: Stop writes, let the replica catch up, promote it (AWS CLI; no setting" in render_diff_text([result]).splitlines()


def test_the_last_step_deletes_the_instance_on_purpose(prod_graph: ResourceGraph) -> None:
    result = _stack_diff(at_step(prod_graph, "retiring"), at_step(prod_graph, "none"))
    # Deleting the RDS instance is still DANGER (exit 3): data goes, after the final snapshot.
    assert result.dangerous and result.runbook is not None and result.runbook.dangers == ()
    (step5,) = [s for s in result.runbook.steps if s.number == 5]
    assert step5.rollback == (
        "none through tierup: restore tierup-prod-db-final-<suffix> to a new RDS instance by hand "
        "(`aws rds restore-db-instance-from-db-snapshot`) and point the app at it."
    )


def test_going_back_from_promoted_warns_about_the_writes_on_aurora(prod_graph: ResourceGraph) -> None:
    found = _runbook(at_step(prod_graph, "promoted"), at_step(prod_graph, "replicating"))
    assert (found.summary, _marks(found), found.dangers) == (
        "prod is at step 3; this change goes back to step 1 (step 3's rollback)",
        {1: BACK_HERE, 3: HERE},
        (),
    )
    assert "a promoted cluster cannot become a replica again" in found.steps[3].rollback
    assert "writes made on Aurora since are NOT on RDS" in found.steps[3].rollback


def test_going_back_once_the_instance_is_gone_is_danger(prod_graph: ResourceGraph) -> None:
    found = _runbook(at_step(prod_graph, "none"), at_step(prod_graph, "retiring"))
    assert found.dangers == ("the RDS instance is gone: going back creates an empty one; restore its final snapshot instead",)


def test_in_the_middle_of_the_migration_the_next_step_is_shown(prod_graph: ResourceGraph) -> None:
    found = _runbook(at_step(prod_graph, "replicating"), at_step(prod_graph, "replicating"))
    assert (found.summary, _marks(found)) == ("prod is at step 1; the next step is 2", {1: HERE, 2: NEXT})


def test_commands_use_the_names_in_the_graph(prod_graph: ResourceGraph) -> None:
    def renamed(resource: Resource) -> Resource:
        extra = {"aws:rds/cluster:Cluster": {"clusterIdentifier": "shop-aurora"}, "aws:ecs/service:Service": {"name": "shop-api"}}
        return Resource(**{**vars(resource), "inputs": {**resource.inputs, **extra.get(resource.type, {})}})

    new = at_step(prod_graph, "replicating")
    new = ResourceGraph(**{**vars(new), "resources": tuple(renamed(r) for r in new)})
    commands = _runbook(prod_graph, new).steps[2].commands
    assert commands[:2] == ('ECS_CLUSTER="$(pulumi stack output -s prod clusterName)"', "ECS_SERVICE=shop-api")
    assert "aws rds promote-read-replica-db-cluster --db-cluster-identifier shop-aurora" in commands


def test_a_long_command_breaks_before_an_option_so_that_it_still_pastes() -> None:
    long = "aws rds describe-db-clusters --db-cluster-identifier tierup-production-stack-aurora --query 'DBClusters[0].Status'"
    assert command_lines(long) == [
        "        aws rds describe-db-clusters --db-cluster-identifier tierup-production-stack-aurora \\",
        "          --query 'DBClusters[0].Status'",
    ]


def test_replacing_or_deleting_the_aurora_cluster_is_danger(prod_graph: ResourceGraph) -> None:
    aurora = at_step(prod_graph, "none")
    moved = ResourceGraph(
        **{**vars(aurora), "resources": tuple(
            Resource(**{**vars(r), "inputs": {**r.inputs, "storageEncrypted": False}}) if r.name == "data-aurora" else r for r in aurora
        )}
    )  # fmt: skip
    assert [(c.name, c.reasons) for c in compare(aurora, moved).dangers] == [
        ("data-aurora", ("storageEncrypted changes: the provider replaces the Cluster (data lost)",))
    ]
    # Rolling step 1 back deletes the replica cluster: flagged like the RDS replica is, with the
    # runbook saying it holds no data of its own.
    back = compare(at_step(prod_graph, "replicating"), prod_graph)
    assert ("deleted", "data-aurora") in [(c.kind, c.name) for c in back.dangers]


def test_the_checklist_points_at_the_runbook_for_downtime_and_rollback(prod_graph: ResourceGraph) -> None:
    steps = _stack_diff(at_step(prod_graph, "replicating"), at_step(prod_graph, "promoted")).steps
    assert steps["downtime"][0] == "As the migration runbook below says for each step (writes stop from step 2 to the end of step 3)."
    assert steps["rollback"] == ["Only as the migration runbook below says: each of its steps has its own way back."]
