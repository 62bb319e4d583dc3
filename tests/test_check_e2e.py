"""`tierup check` end to end: synthesis, the policy pack spawned as the CLI spawns it, the
analyzer gRPC calls, the report and the exit code."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_project
from tierup.policy_runner import PACK_NICENESS, PolicyPackProcess
from tierup.synth.graph import UNKNOWN, ResourceGraph
from tierup.synth.stackfile import load_stack_config
from tierup_guardrails.verdicts import NOT_EVALUATED

PROGRAM = (Path(__file__).resolve().parents[1] / "__main__.py").read_text()


def tierup(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tierup.cli", *args], cwd=cwd, capture_output=True, text=True, check=False)


def mandatory_lines(output: str) -> list[str]:
    """Each mandatory finding on one line again (its wrapped lines joined), without its fix."""
    found: list[str] = []
    continues = False
    for line in output.splitlines():
        if line.startswith("    mandatory "):
            found.append(line.strip())
            continues = True
        elif continues and line.startswith(" " * 18) and not line.strip().startswith("fix: "):
            found[-1] += " " + line.strip()
        else:
            continues = False
    return found


def test_the_shipped_stacks_pass(project_dir: Path) -> None:
    result = tierup(project_dir, "check", "--format", "json")
    assert (result.returncode, result.stderr) == (0, "")
    report = json.loads(result.stdout)
    assert [(s["stack"], s["release"], s["passed"]) for s in report["stacks"]] == [("dev", "v1.0", True), ("prod", "v1.5", True)]
    assert report["schemaVersion"] == "2" and all(s["policyPackName"] == "tierup-guardrails" for s in report["stacks"])
    assert all(f["enforcementLevel"] != "mandatory" for s in report["stacks"] for f in s["findings"])
    finding = next(f for s in report["stacks"] for f in s["findings"] if f["policyName"] == "lb-listener-http-redirects-to-https")
    assert (finding["resourceUrn"].rsplit("::", 1)[1], finding["type"], finding["policyPackName"], finding["enforcementLevel"], finding["evaluated"]) == (
        "compute-lb-http",
        "aws:lb/listener:Listener",
        "tierup-guardrails",
        "advisory",
        True,
    )
    assert report["stacks"][0]["policies"] == report["stacks"][1]["policies"] >= 40


def test_prod_at_v2_0_passes_too(project_dir: Path) -> None:
    result = tierup(project_dir, "check", "prod", "--release", "v2.0")
    assert result.returncode == 0, result.stdout
    assert "guardrails: PASS" in result.stdout


def test_misconfigured_stacks_fail_naming_the_policy(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "nat": "config:\n  aws:region: us-east-1\n  tierup:release: v1.0\n  tierup:network:\n    natStrategy: single\n",
            "single": "config:\n  aws:region: us-east-1\n  tierup:release: v1.5\n  tierup:data:\n    multiAz: false\n",
        },
    )
    result = tierup(project, "check")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    start = lines.index("    mandatory     ec2-nat-gateway-count-within-release  (stack): Remove 1 NAT gateway(s): release")
    assert lines[start + 1 : start + 4] == [
        "                  v1.0 allows 0 and the stack has 1.",
        "                  fix: Set tierup:network.natStrategy back to the release's strategy, or move the",
        "                       stack to the release that needs it.",
    ]
    assert "mandatory     rds-multi-az  data-db: Set multiAz to true on the database from release v1.5." in mandatory_lines(result.stdout)
    assert "nat · release v1.0" in result.stdout and "guardrails: FAIL" in result.stdout


def test_a_program_with_a_plaintext_secret_and_open_ssh_fails(tmp_path: Path) -> None:
    seeded = PROGRAM.replace("environment={**dict(app.environment),", 'environment={"API_TOKEN": "plaintext-token", **dict(app.environment),')
    seeded += (
        "\nimport pulumi_aws as aws\n"
        'aws.vpc.SecurityGroupIngressRule("ssh", security_group_id=network.app_security_group_id, ip_protocol="tcp",\n'
        '    from_port=22, to_port=22, cidr_ipv4="0.0.0.0/0", tags=tags.for_resource("compute", "ssh"))\n'
    )
    assert seeded.count("API_TOKEN") == 1
    project = make_project(tmp_path, {"dev": "config:\n  aws:region: us-east-1\n  tierup:release: v1.0\n"}, program=seeded)
    result = tierup(project, "check", "dev")
    assert result.returncode == 1
    assert sorted(mandatory_lines(result.stdout)) == [
        "mandatory     ec2-security-group-no-admin-ports-from-world  ssh: Remove the rule admitting port 22 from anywhere.",
        "mandatory     ec2-security-group-world-ingress-only-at-edge  ssh: Close port 22 to the internet: only the load balancer may be reached from anywhere, on 80 and 443.",
        "mandatory     ecs-task-no-plaintext-secrets  compute-task: Move API_TOKEN of container app from environment to secrets (valueFrom).",
    ]


def test_the_same_secret_in_config_is_stopped_before_the_program_runs(tmp_path: Path) -> None:
    project = make_project(
        tmp_path, {"dev": "config:\n  aws:region: us-east-1\n  tierup:release: v1.0\n  tierup:app:\n    environment:\n      API_TOKEN: abc\n"}
    )
    result = tierup(project, "check", "dev")
    assert result.returncode == 2
    assert result.stdout.strip() == (
        "tierup: dev: tierup:app.environment.API_TOKEN: (value hidden) is a plaintext value under a secret-looking name; "
        "allowed: a Secrets Manager or SSM parameter ARN under tierup:app.secrets.API_TOKEN"
    )
    assert "abc" not in result.stdout + result.stderr


def test_markdown_is_a_pr_comment(project_dir: Path) -> None:
    result = tierup(project_dir, "check", "prod", "--format", "markdown")
    lines = result.stdout.splitlines()
    assert lines[0] == "## tierup check"
    assert lines[2] == "### :white_check_mark: `prod` · release v1.5 · 107 resources"
    assert (
        "| advisory | `lb-listener-http-redirects-to-https` | `compute-lb-http` | Redirect HTTP to HTTPS instead of serving it (set tierup:app.certificateArn). |"
        in lines
    )


def test_an_unknown_value_is_reported_not_evaluated(project_dir: Path, dev_graph: ResourceGraph) -> None:
    resources = tuple(dataclasses.replace(r, inputs={**r.inputs, "publiclyAccessible": UNKNOWN}) if r.name == "data-db" else r for r in dev_graph)
    with PolicyPackProcess(project_dir / "policies", load_stack_config(project_dir, "dev")) as pack:
        report = pack.analyze(dataclasses.replace(dev_graph, resources=resources))
    (finding,) = [f for f in report.findings if f.policy == "rds-no-public-access"]
    assert (finding.level, finding.urn) == (NOT_EVALUATED, "urn:pulumi:dev::tierup::tierup:index:DataTier$aws:rds/instance:Instance::data-db")
    # The wire carries one unknown sentinel; the SDK names it a string value.
    assert finding.message == (
        "can't run policy 'rds-no-public-access' from policy pack 'tierup-guardrails@v0.0.1' during preview: "
        "string value at .publiclyAccessible can't be known during preview"
    )
    # A mandatory policy that cannot decide fails the check (fail closed), counted as such.
    assert (finding.policy_level, report.passed, len(report.not_evaluated_at("mandatory"))) == ("mandatory", False, 1)


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="no process priorities here")
def test_a_pack_runs_at_a_lower_priority_than_the_synthesis(project_dir: Path) -> None:
    own = os.getpriority(os.PRIO_PROCESS, 0)
    with PolicyPackProcess(project_dir / "policies", load_stack_config(project_dir, "dev")) as pack:
        pack.port()
        assert pack._process is not None
        assert os.getpriority(os.PRIO_PROCESS, pack._process.pid) == min(own + PACK_NICENESS, 19)


def test_a_pack_that_cannot_start_is_one_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"dev": "config:\n  aws:region: us-east-1\n  tierup:release: v1.0\n"})
    (project / "policies" / "__main__.py").write_text("raise SystemExit('policy pack refused to start')\n")
    result = tierup(project, "check", "dev")
    assert (result.returncode, result.stdout.strip()) == (2, "tierup: dev: the policy pack failed to start: policy pack refused to start")


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_every_format_reports_a_config_error(tmp_path: Path, fmt: str) -> None:
    project = make_project(tmp_path, {"bad": "config:\n  aws:region: us-east-1\n  tierup:release: v9\n"})
    result = tierup(project, "check", "--format", fmt)
    assert result.returncode == 2
    message = 'bad: tierup:release: "v9" is not allowed; allowed: v1.0, v1.5, v2.0'
    assert message in (json.loads(result.stdout)["stacks"][0]["error"] if fmt == "json" else result.stdout)


def test_a_stack_over_its_budget_fails_check_and_cost(tmp_path: Path) -> None:
    project = make_project(
        tmp_path, {"tight": "config:\n  aws:region: us-east-1\n  tierup:release: v1.5\n  tierup:budget:\n    monthlyUsd: 100\n    goalUsd: 90\n"}
    )
    result = tierup(project, "check")
    assert result.returncode == 1
    assert result.stdout.splitlines()[-2:] == [
        "  cost: $116.68/month · budget $100.00 (OVER BUDGET, headroom -$16.68)",
        "        goal $90.00 ($26.68 above the goal) · ceiling at full scale $145.51",
    ]
    assert [line.split()[1] for line in mandatory_lines(result.stdout)] == ["cost-estimate-within-budget"]
    assert tierup(project, "cost", "tight").returncode == 1


def test_a_region_without_a_price_catalogue_is_one_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"ca": "config:\n  aws:region: ca-central-1\n  tierup:release: v1.0\n"})
    result = tierup(project, "cost", "ca")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "tierup: no price catalogue for ca-central-1; available: ap-southeast-1, ap-southeast-2, eu-west-2, us-east-1, us-west-2 "
        "(build one with `tierup prices refresh --region ca-central-1`)\n"
    )


def test_diff_against_a_base_outside_git_is_one_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"dev": "config:\n  aws:region: us-east-1\n  tierup:release: v1.0\n"})
    result = tierup(project, "diff", "dev", "--base", "HEAD")
    assert (result.returncode, result.stderr) == (2, f"tierup: {project} is not in a git repository; --base needs one\n")


def test_the_readme_sample_is_a_real_run(project_dir: Path) -> None:
    """Every line the README shows of `tierup check prod` (but its "..." elisions) is in a real run."""
    readme = (project_dir / "README.md").read_text(encoding="utf-8")
    sample = readme.split("```\nprod · release", 1)[1].split("```", 1)[0]
    shown = [line for line in ("prod · release" + sample).splitlines() if line.strip() and line.strip() != "..."]
    result = subprocess.run([sys.executable, "-m", "tierup.cli", "check", "prod"], capture_output=True, text=True, cwd=project_dir, check=False)
    real = result.stdout.splitlines()
    assert [line for line in shown if line not in real] == []
