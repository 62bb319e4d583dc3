"""`tierup e2e` without a cloud: preconditions, the exact pulumi commands in order, cleanup on
failure, and the probe's retries and timeout, with a fake runner, clock and probe."""

from __future__ import annotations

import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.stub import Stubber

from tierup import cli
from tierup.e2e import Completed, Options, World, http_status, run_e2e
from tierup.ops.aws import OpsError

PROJECT_DIR = Path(__file__).resolve().parents[1]
STACK = "e2e-abc123"
START = 1767225600.0  # 2026-01-01T00:00:00Z
DEV = """\
# a comment the copy drops
config:
  aws:region: us-east-1
  tierup:release: v1.5
  tierup:app:
    healthCheckPath: /healthz
"""
OUTPUTS = '{"release": "v1.0", "clusterName": "tierup-e2e-abc123-cluster", "serviceName": "app", "appUrl": null, "dbSecretArn": "[secret]"}'
NO_TASK = "no load balancer and no running task with a public IP for stack e2e-abc123; is the service running?"
TASK = "http://203.0.113.10:8080"


class Clock:
    def __init__(self) -> None:
        self.now = START
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakePulumi:
    """Answers like the CLI: `stack init` writes the stack file with its own salt, up and destroy
    take minutes of the fake clock; `stack rm` leaves the file for e2e to remove."""

    def __init__(self, project_dir: Path, clock: Clock, fail: Sequence[str] = (), outputs: str = OUTPUTS) -> None:
        self.project_dir, self.clock, self.fail, self.outputs = project_dir, clock, set(fail), outputs
        self.commands: list[str] = []
        self.stack_file_at_up: dict[str, Any] = {}
        self.probed: list[str] = []  # the URLs the fake probe was asked about

    def __call__(self, command: Sequence[str], capture: bool) -> Completed:
        self.commands.append(" ".join(command) + (" (captured)" if capture else ""))
        verb = command[2] if command[1] == "stack" else command[1]
        if verb == "init":
            (self.project_dir / f"Pulumi.{STACK}.yaml").write_text("encryptionsalt: v1:c2FsdA==:v1:abc\n")
        elif verb == "up":
            self.stack_file_at_up = yaml.safe_load((self.project_dir / f"Pulumi.{STACK}.yaml").read_text())
            self.clock.now += 540
            if "interrupt" in self.fail:
                raise KeyboardInterrupt  # Ctrl-C while pulumi up runs
        elif verb == "destroy":
            self.clock.now += 300
        code = 255 if verb in self.fail else 0
        return Completed(code, self.outputs if verb == "output" and code == 0 else "")


class Sts:
    def __init__(self) -> None:
        self.regions: list[str] = []

    def __call__(self, region: str) -> Sts:
        self.regions.append(region)
        return self

    def get_caller_identity(self) -> dict[str, str]:
        return {"UserId": "AIDAEXAMPLE", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/ci"}


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(PROJECT_DIR / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.dev.yaml").write_text(DEV)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def world(pulumi: FakePulumi, clock: Clock, answers: Sequence[int | str] = (200,), locations: Sequence[str] = (TASK,), sts: Any = None) -> World:
    """A world where the task is found at `locations` in turn (the last one stays) and answers
    `answers` in turn; OpsError stands for a task that is not running yet."""
    located, answered = list(locations), list(answers)

    def locate(project_dir: Path, stack: str) -> str:
        assert (project_dir, stack) == (pulumi.project_dir, STACK)
        location = located.pop(0) if len(located) > 1 else located[0]
        if location == "not running":
            raise OpsError(NO_TASK)
        return location

    def probe(url: str) -> int | str:
        pulumi.probed.append(url)
        return answered.pop(0) if len(answered) > 1 else answered[0]

    return World(
        run=pulumi,
        which=lambda name: f"/usr/local/bin/{name}",
        sts=sts or Sts(),
        locate_app=locate,
        probe=probe,
        clock=clock,
        sleep=clock.sleep,
        new_stack_name=lambda: STACK,
    )


def lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.splitlines()


INIT = "pulumi stack init e2e-abc123 --no-select"
UP = "pulumi up --yes --skip-preview=false -s e2e-abc123 --policy-pack policies"
OUTPUT = "pulumi stack output --json -s e2e-abc123 (captured)"
DESTROY = "pulumi destroy --yes -s e2e-abc123"
RM = "pulumi stack rm --yes -s e2e-abc123"


def test_without_the_pulumi_cli_the_run_is_skipped(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    pulumi = FakePulumi(project, clock)
    code = run_e2e(project, Options(), World(run=pulumi, which=lambda name: None))
    assert (code, lines(capsys), pulumi.commands) == (0, ["e2e: skipped — the Pulumi CLI is not installed (https://www.pulumi.com/docs/install/)"], [])


def test_when_sts_refuses_the_credentials_the_run_is_skipped(project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-2")  # the environment's region wins over the stack file's
    client = boto3.client("sts", region_name="eu-west-2", aws_access_key_id="testing", aws_secret_access_key="testing")
    regions: list[str] = []
    pulumi = FakePulumi(project, Clock())
    with Stubber(client) as stubber:
        stubber.add_client_error("get_caller_identity", "ExpiredToken", "The security token included in the request is expired", 403)
        code = run_e2e(project, Options(), World(run=pulumi, which=lambda name: "/usr/bin/pulumi", sts=lambda region: regions.append(region) or client))
    assert (code, pulumi.commands, regions) == (0, [], ["eu-west-2"])
    assert lines(capsys) == [
        "e2e: skipped — no AWS credentials (aws sts get-caller-identity failed: An error occurred (ExpiredToken) when calling the GetCallerIdentity "
        "operation: The security token included in the request is expired)"
    ]


def test_without_any_credentials_the_run_is_skipped(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # The real boto3 credential chain with nothing to find: no variables, no files, no instance role.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    pulumi = FakePulumi(project, Clock())
    assert run_e2e(project, Options(), World(run=pulumi, which=lambda name: "/usr/bin/pulumi")) == 0
    assert (lines(capsys), pulumi.commands) == (["e2e: skipped — no AWS credentials (aws sts get-caller-identity failed: Unable to locate credentials)"], [])


def test_the_cli_runs_e2e_and_skips_without_pulumi_on_the_path(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert cli.main(["--project-dir", str(project), "e2e", "--db-health-path", "/db", "--timeout", "60"]) == 0
    assert lines(capsys) == ["e2e: skipped — the Pulumi CLI is not installed (https://www.pulumi.com/docs/install/)"]


def test_a_passing_run_deploys_probes_and_cleans_up_in_order(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clock, sts = Clock(), Sts()
    pulumi = FakePulumi(project, clock)
    run = world(pulumi, clock, answers=["no answer (Connection refused)", "no answer (Connection refused)", 200], locations=["not running", TASK], sts=sts)
    assert run_e2e(project, Options(), run) == 0
    assert pulumi.commands == [INIT, UP, OUTPUT, DESTROY, RM]
    assert sts.regions == ["us-east-1"]  # no AWS_REGION: the dev stack's aws:region
    # The copy keeps what `pulumi stack init` wrote (the salt) and moves the release to v1.0.
    assert pulumi.stack_file_at_up == {
        "encryptionsalt": "v1:c2FsdA==:v1:abc",
        "config": {"aws:region": "us-east-1", "tierup:app": {"healthCheckPath": "/healthz"}, "tierup:release": "v1.0"},
    }
    assert pulumi.probed == [f"{TASK}/healthz"] * 3
    assert not (project / f"Pulumi.{STACK}.yaml").exists()
    assert lines(capsys) == [
        "e2e: 00:00:00Z stack e2e-abc123: Pulumi.dev.yaml at release v1.0, deployed to us-east-1",
        "e2e: 00:00:00Z pulumi stack init: ok",
        "e2e: 00:00:00Z config: Pulumi.e2e-abc123.yaml has the config of Pulumi.dev.yaml with tierup:release v1.0",
        "e2e: 00:00:00Z pulumi up with the policy pack policies/ …",
        "e2e: 00:09:00Z pulumi up: ok",
        "e2e: 00:09:00Z outputs: release v1.0, cluster tierup-e2e-abc123-cluster, service app",
        f"e2e: 00:09:00Z app health: waiting: {NO_TASK}",
        "e2e: 00:09:10Z app health: waiting: http://203.0.113.10:8080/healthz: no answer (Connection refused)",
        "e2e: 00:09:30Z app health: http://203.0.113.10:8080/healthz answered HTTP 200 after 4 attempt(s), 30 s",
        "e2e: 00:09:30Z database check skipped: the default placeholder app (nginx) has no database health path; "
        "set --db-health-path to the app's path that queries the database",
        "e2e: 00:09:30Z pulumi destroy …",
        "e2e: 00:14:30Z pulumi destroy: ok",
        "e2e: 00:14:30Z pulumi stack rm: ok",
        "e2e: 00:14:30Z removed Pulumi.e2e-abc123.yaml; a deleted database leaves its final snapshot tierup-e2e-abc123-db-final-* (delete it when done)",
        "e2e: 00:14:30Z passed: up, probe, destroy",
    ]


def test_a_failed_up_is_still_destroyed_and_fails_the_run(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    pulumi = FakePulumi(project, clock, fail=["up"])
    assert run_e2e(project, Options(), world(pulumi, clock)) == 1
    assert pulumi.commands == [INIT, UP, DESTROY, RM]
    assert not (project / f"Pulumi.{STACK}.yaml").exists()
    output = lines(capsys)
    assert output[4] == "e2e: 00:09:00Z pulumi up: failed (exit 255)"
    assert output[-1] == "e2e: 00:14:00Z FAILED: up"


def test_an_interrupted_up_is_still_destroyed(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    pulumi = FakePulumi(project, clock, fail=["interrupt"])
    assert run_e2e(project, Options(), world(pulumi, clock)) == 1
    assert pulumi.commands == [INIT, UP, DESTROY, RM]
    assert lines(capsys)[4:6] == ["e2e: 00:09:00Z interrupted; destroying what was created", "e2e: 00:09:00Z pulumi destroy …"]


def test_a_failed_destroy_keeps_the_stack_and_says_how_to_finish(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    pulumi = FakePulumi(project, clock, fail=["destroy"])
    assert run_e2e(project, Options(), world(pulumi, clock)) == 1
    assert pulumi.commands == [INIT, UP, OUTPUT, DESTROY]
    assert (project / f"Pulumi.{STACK}.yaml").exists()
    assert lines(capsys)[-3:] == [
        "e2e: 00:14:00Z pulumi destroy: failed (exit 255)",
        "e2e: 00:14:00Z kept stack e2e-abc123 and Pulumi.e2e-abc123.yaml; finish with: pulumi destroy --yes -s e2e-abc123 && pulumi stack rm --yes -s e2e-abc123",
        "e2e: 00:14:00Z FAILED: destroy",
    ]


def test_a_failed_stack_init_creates_nothing_to_destroy(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    pulumi = FakePulumi(project, clock, fail=["init"])
    assert run_e2e(project, Options(), world(pulumi, clock)) == 1
    assert pulumi.commands == [INIT]
    assert lines(capsys)[-1] == "e2e: 00:00:00Z pulumi stack init: failed (exit 255)"


def test_the_probe_gives_up_at_the_timeout_and_the_stack_is_destroyed(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    pulumi = FakePulumi(project, clock)
    assert run_e2e(project, Options(timeout_s=60, interval_s=10), world(pulumi, clock, answers=[503])) == 1
    assert (pulumi.commands, clock.sleeps, len(pulumi.probed)) == ([INIT, UP, OUTPUT, DESTROY, RM], [10] * 6, 7)
    output = lines(capsys)
    assert output[6:9] == [
        "e2e: 00:09:00Z app health: waiting: http://203.0.113.10:8080/healthz answered HTTP 503",
        "e2e: 00:10:00Z app health: gave up after 60 s and 7 attempt(s); last: http://203.0.113.10:8080/healthz answered HTTP 503",
        "e2e: 00:10:00Z pulumi destroy …",
    ]
    assert output[-1] == "e2e: 00:15:00Z FAILED: probe"


def test_the_database_path_must_answer_2xx_where_the_health_path_may_redirect(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    pulumi = FakePulumi(project, clock)
    assert run_e2e(project, Options(db_health_path="db/ping"), world(pulumi, clock, answers=[302, 302, 500, 200])) == 0
    assert pulumi.probed == [f"{TASK}/healthz", f"{TASK}/db/ping", f"{TASK}/db/ping", f"{TASK}/db/ping"]
    assert lines(capsys)[6:10] == [
        "e2e: 00:09:00Z app health: http://203.0.113.10:8080/healthz answered HTTP 302 after 1 attempt(s), 0 s",
        "e2e: 00:09:00Z database health: waiting: http://203.0.113.10:8080/db/ping answered HTTP 302",
        "e2e: 00:09:10Z database health: waiting: http://203.0.113.10:8080/db/ping answered HTTP 500",
        "e2e: 00:09:20Z database health: http://203.0.113.10:8080/db/ping answered HTTP 200 after 3 attempt(s), 20 s",
    ]


def test_unreadable_outputs_fail_the_probe_and_print_nothing_of_them(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    pulumi = FakePulumi(project, clock, outputs="error: [secret] is not json")
    assert run_e2e(project, Options(), world(pulumi, clock)) == 1
    output = lines(capsys)
    assert output[5] == "e2e: 00:09:00Z pulumi stack output: not a JSON object; cannot tell where the app answers"
    assert output[-1] == "e2e: 00:14:00Z FAILED: probe" and not any("[secret]" in line for line in output)


def test_a_failed_stack_output_fails_the_probe(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    pulumi = FakePulumi(project, clock, fail=["output"])
    assert run_e2e(project, Options(), world(pulumi, clock)) == 1
    assert pulumi.commands == [INIT, UP, OUTPUT, DESTROY, RM] and pulumi.probed == []
    assert lines(capsys)[5] == "e2e: 00:09:00Z pulumi stack output: failed (exit 255); cannot tell where the app answers"


def test_a_load_balancer_url_in_the_outputs_is_probed_without_asking_aws(project: Path) -> None:
    clock = Clock()
    pulumi = FakePulumi(project, clock, outputs='{"release": "v1.5", "appUrl": "http://tierup-alb-1.us-east-1.elb.amazonaws.com"}')
    assert run_e2e(project, Options(), world(pulumi, clock, locations=["not running"])) == 0
    assert pulumi.probed == ["http://tierup-alb-1.us-east-1.elb.amazonaws.com/healthz"]


def test_a_secure_value_in_the_dev_stack_is_refused_before_anything_is_created(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "Pulumi.dev.yaml").write_text(DEV + "  aws:secretKey:\n    secure: v1:AAAA\n")
    clock = Clock()
    pulumi = FakePulumi(project, clock)
    assert run_e2e(project, Options(), world(pulumi, clock)) == 2
    assert pulumi.commands == []
    assert capsys.readouterr().err == (
        "tierup: dev: aws:secretKey: a secure value cannot be copied to a throwaway stack; use plain config or the environment\n"
    )


@pytest.fixture()
def web() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status = {"/ok": 200, "/moved": 302, "/down": 503}[self.path]
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_status_reports_the_status_without_following_redirects(web: str) -> None:
    assert (http_status(f"{web}/ok"), http_status(f"{web}/moved"), http_status(f"{web}/down")) == (200, 302, 503)


def test_http_status_says_why_nothing_answered() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    assert http_status(f"http://127.0.0.1:{port}/", timeout_s=2) == "no answer ([Errno 111] Connection refused)"


FAKE_PULUMI = """\
#!/bin/sh
# Stands in for the Pulumi CLI: logs its arguments and answers the way the real one does.
echo "$*" >> "$E2E_LOG"
case "$1 $2" in
  "stack init") printf 'encryptionsalt: v1:c2FsdA==:v1:abc\\n' > "Pulumi.$3.yaml" ;;
  "stack output") echo '{"release": "v1.0", "appUrl": null, "dbSecretArn": "[secret]"}' ;;
  "stack rm") rm -f "Pulumi.$5.yaml" ;;
esac
"""


def test_the_command_runs_the_real_runner_sts_and_endpoint_lookup(project: Path, tmp_path: Path, moto_url: str) -> None:
    # Everything real but the cloud: `tierup e2e` in a process, a stand-in `pulumi` on PATH,
    # STS and the task lookup of `tierup endpoint` against moto (an empty account: no task).
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pulumi").write_text(FAKE_PULUMI)
    (bin_dir / "pulumi").chmod(0o755)
    log = tmp_path / "pulumi.log"
    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_ENDPOINT_URL": moto_url}
    environment = {**os.environ, **credentials, "PATH": f"{bin_dir}:{os.environ['PATH']}", "E2E_LOG": str(log)}
    result = subprocess.run(
        [sys.executable, "-m", "tierup.cli", "--project-dir", str(project), "e2e", "--timeout", "0"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stderr) == (1, ""), result.stderr
    stack = re.fullmatch(r"e2e: \d\d:\d\d:\d\dZ stack (e2e-[0-9a-f]{6}): .*", result.stdout.splitlines()[0]).group(1)  # type: ignore[union-attr]
    assert log.read_text().splitlines() == [
        f"stack init {stack} --no-select",
        f"up --yes --skip-preview=false -s {stack} --policy-pack policies",
        f"stack output --json -s {stack}",
        f"destroy --yes -s {stack}",
        f"stack rm --yes -s {stack}",
    ]
    # moto's backends are process-wide: other tests of this worker may have left tagged resources.
    not_deployed = (
        f"no resources tagged Project=tierup, Stack={stack} in us-east-1; deploy the stack first \\(pulumi up -s {stack}\\)"
        f"|no load balancer and no running task with a public IP for stack {stack}; is the service running\\?"
    )
    gave_up = f"app health: gave up after [0-9]+ s and 1 attempt\\(s\\); last: ({not_deployed})"
    summary = [line[15:] for line in result.stdout.splitlines() if "app health" in line or "FAILED" in line][-2:]
    assert re.fullmatch(gave_up, summary[0]) and summary[1] == "FAILED: probe", summary
    assert "[secret]" not in result.stdout and not list(project.glob("Pulumi.e2e-*.yaml"))
