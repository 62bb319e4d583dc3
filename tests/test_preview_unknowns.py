"""`tierup check --preview-unknowns`: the stacks as a first `pulumi preview` sees them (every id,
ARN and endpoint unknown) still get a decision from every mandatory policy, and one that cannot
decide fails the check instead of passing it."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from tierup.policy_runner import PolicyPackProcess
from tierup.synth.graph import UNKNOWN, Resource, ResourceGraph
from tierup.synth.runner import synthesize
from tierup.synth.stackfile import load_stack_config
from tierup_guardrails.pack import all_policies


@pytest.fixture(scope="module")
def first_preview(project_dir: Path) -> ResourceGraph:
    return synthesize(project_dir, "prod", "v2.0", first_preview=True)


def named(graph: ResourceGraph, name: str) -> Resource:
    return next(r for r in graph if r.name == name)


def test_what_aws_assigns_is_unknown_and_what_the_program_writes_is_known(first_preview: ResourceGraph) -> None:
    assert (named(first_preview, "data-db").outputs["address"], named(first_preview, "data-db").id) == (UNKNOWN, None)
    assert named(first_preview, "data-proxy-proxy").outputs["endpoint"] == UNKNOWN
    assert named(first_preview, "compute-service").inputs["networkConfiguration"]["subnets"] == UNKNOWN
    # Built from names and the account (an invoke), so the guardrails can read them at once.
    for name, key in (("compute-task", "containerDefinitions"), ("compute-execution-policy", "policy"), ("data-proxy-read-secret", "policy")):
        assert named(first_preview, name).inputs[key] not in (UNKNOWN, None), name


@pytest.mark.parametrize(("stack", "release"), [("dev", None), ("prod", None), ("prod", "v2.0"), ("prod", "v3.0")])
def test_no_mandatory_policy_is_left_undecided(project_dir: Path, stack: str, release: str | None) -> None:
    command = [sys.executable, "-m", "tierup.cli", "check", stack, "--preview-unknowns", *(["--release", release] if release else [])]
    result = subprocess.run(command, capture_output=True, text=True, cwd=project_dir, check=False)
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    (start,) = [index for index, line in enumerate(lines) if line.startswith("  guardrails:")]
    assert lines[start].startswith(f"  guardrails: PASS · {len(all_policies())} policies · violations: 0 mandatory, ")
    assert lines[start + 1].startswith("              not evaluated: 0 (0 mandatory, 0 advisory) · ")


def test_a_mandatory_policy_that_cannot_decide_fails_closed(project_dir: Path, first_preview: ResourceGraph) -> None:
    # A task definition built from an unknown value, as the first wave's was.
    unknown = tuple(dataclasses.replace(r, inputs={**r.inputs, "containerDefinitions": UNKNOWN}) if r.name == "compute-task" else r for r in first_preview)
    with PolicyPackProcess(project_dir / "policies", load_stack_config(project_dir, "prod", "v2.0")) as pack:
        report = pack.analyze(dataclasses.replace(first_preview, resources=unknown))
    undecided = sorted(f.policy for f in report.not_evaluated_at("mandatory"))
    assert undecided == [
        "ecs-task-logging-configured",
        "ecs-task-no-plaintext-secrets",
        "ecs-task-not-privileged",
        "ecs-task-read-only-root-filesystem",
        "ecs-task-writable-paths-prepared",
    ]
    assert report.passed is False
    assert report.counts() == "violations: 0 mandatory, 3 advisory · not evaluated: 5 (5 mandatory, 0 advisory)"
