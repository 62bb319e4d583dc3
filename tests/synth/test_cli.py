"""`tierup synth` and `tierup check` as a user runs them: exit codes and exact lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_project

GOOD = "config:\n  aws:region: us-east-1\n  tierup:release: v1.0\n"


def tierup(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tierup.cli", *args], cwd=cwd, capture_output=True, text=True, check=False)


def assert_one_line_error(result: subprocess.CompletedProcess[str], line: str) -> None:
    assert (result.returncode, result.stdout, result.stderr) == (2, "", line + "\n")


def test_unknown_stack(project_dir: Path) -> None:
    assert_one_line_error(tierup(project_dir, "synth", "qa"), "tierup: qa: no stack 'qa': Pulumi.qa.yaml does not exist; stacks here: dev, prod")


def test_malformed_stack_yaml(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"bad": "config:\n  tierup:release: v1.0\n   aws:region: x\n"})
    assert_one_line_error(
        tierup(project, "synth", "bad"),
        "tierup: bad: Pulumi.bad.yaml: malformed YAML at line 3, column 14: mapping values are not allowed here",
    )


def test_unknown_release_in_the_stack_file(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"old": "config:\n  aws:region: us-east-1\n  tierup:release: v0.9\n"})
    assert_one_line_error(tierup(project, "synth", "old"), 'tierup: old: tierup:release: "v0.9" is not allowed; allowed: v1.0, v1.5, v2.0, v3.0')


def test_unknown_release_on_the_command_line(project_dir: Path) -> None:
    assert_one_line_error(
        tierup(project_dir, "synth", "dev", "--release", "v3"), 'tierup: dev: tierup:release: "v3" is not allowed; allowed: v1.0, v1.5, v2.0, v3.0'
    )


def test_a_failing_program_is_one_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"dev": GOOD}, program="import pulumi\n\nratio = 1 / 0\n")
    assert_one_line_error(tierup(project, "synth", "dev"), "tierup: dev: the program failed at __main__.py:3: ZeroDivisionError: division by zero")


def test_synth_json_is_the_graph(project_dir: Path) -> None:
    result = tierup(project_dir, "synth", "prod", "--release", "v2.0", "--format", "json")
    assert result.returncode == 0, result.stderr
    graph = json.loads(result.stdout)
    assert (graph["stack"], graph["release"], graph["settings"]["network"]["nat_strategy"]) == ("prod", "v2.0", "one-per-az")
    assert sum(r["type"] == "aws:ec2/natGateway:NatGateway" for r in graph["resources"]) == 2


def test_synth_table_lists_summary_then_resources(project_dir: Path) -> None:
    result = tierup(project_dir, "synth", "dev")
    lines = result.stdout.splitlines()
    assert result.returncode == 0
    assert lines[0] == "dev · release v1.0 · us-east-1 · 2 AZs (use1-az1, use1-az2) · 0 NAT gateways · 77 resources"
    assert "    - no NAT gateway" in lines
    # Types as `pulumi preview` shows them, so that every line fits 100 columns.
    assert any(line.split() == ["network", "aws:ec2:Subnet", "network-public-1"] for line in lines)
    assert "  tier           type                                            name [options]" in lines
    assert "  data           aws:rds:Instance                                data-db" in lines
    assert max(len(line) for line in lines) <= 100


def test_check_summarizes_every_stack(project_dir: Path) -> None:
    result = tierup(project_dir, "check")
    assert (result.returncode, result.stderr) == (0, "")
    headlines = [line for line in result.stdout.splitlines() if " · release " in line]
    assert headlines == [
        "dev · release v1.0 · us-east-1 · 2 AZs (use1-az1, use1-az2) · 0 NAT gateways · 77 resources",
        "prod · release v1.5 · us-east-1 · 2 AZs (use1-az1, use1-az2) · 1 NAT gateway · 107 resources",
    ]
    assert "    - one NAT gateway" in result.stdout.splitlines()


def test_check_reports_a_bad_stack_beside_the_good_ones(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"good": GOOD, "bad": "config:\n  aws:region: us-east-1\n  tierup:release: v1.0\n  tierup:compute:\n    cpu: 3\n"})
    result = tierup(project, "check")
    assert result.returncode == 2
    assert "tierup: bad: tierup:compute.cpu: 3 is not allowed; allowed: 256, 512, 1024, 2048, 4096, 8192, 16384" in result.stdout.splitlines()
    assert "good · release v1.0 · us-east-1" in result.stdout


@pytest.mark.parametrize("command", ["synth", "check", "cost", "diff", "advise", "audit", "endpoint", "spend", "prices", "catalogue", "e2e"])
def test_every_command_explains_itself_with_an_example_and_its_exit_codes(command: str, project_dir: Path) -> None:
    result = tierup(project_dir, command, "--help")
    assert result.returncode == 0
    assert f"example:\n  tierup {command}" in result.stdout
    assert "exit codes: 0 " in result.stdout
