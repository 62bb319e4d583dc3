"""`tierup e2e`: deploy a throwaway v1.0 copy of the dev stack for real, probe the app, destroy it."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from tierup.ops.aws import OpsError
from tierup.synth.stackfile import load_stack_config
from tierup_guardrails.settings import ConfigError, load_settings

BASE_STACK = "dev"
RELEASE = "v1.0"
POLICY_PACK = "policies"
INSTALL_URL = "https://www.pulumi.com/docs/install/"
NO_DATABASE_PATH = (
    "database check skipped: the default placeholder app (nginx) has no database health path; set --db-health-path to the app's path that queries the database"
)


@dataclass(frozen=True)
class Completed:
    """What a command left behind: its exit code and, when captured, its standard output."""

    returncode: int
    stdout: str = ""


Runner = Callable[[Sequence[str], bool], Completed]
"""Runs a command in the project directory; `True` captures its output instead of showing it."""


@dataclass(frozen=True, kw_only=True)
class Options:
    """How long to wait for the app, and which of its paths proves the database answers."""

    db_health_path: str | None = None
    """A path of the app that queries the database; None skips the database check."""
    timeout_s: float = 600
    """How long each probe may keep trying."""
    interval_s: float = 10
    """Pause between two attempts of a probe."""


@dataclass(frozen=True, kw_only=True)
class World:
    """Everything the run touches outside this process; the tests pass fakes."""

    run: Runner
    which: Callable[[str], str | None] = shutil.which
    sts: Callable[[str], Any] = lambda region: _boto3_client("sts", region)
    locate_app: Callable[[Path, str], str] = lambda project_dir, stack: _task_endpoint(project_dir, stack)
    probe: Callable[[str], int | str] = lambda url: http_status(url)
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    new_stack_name: Callable[[], str] = lambda: f"e2e-{secrets.token_hex(3)}"


def pulumi_runner(project_dir: Path) -> Runner:
    """The real runner: commands run in the project, with the caller's environment (and so its
    PULUMI_CONFIG_PASSPHRASE or PULUMI_ACCESS_TOKEN, never one made up here) and no stdin, so a
    missing passphrase is an error rather than a prompt that never returns."""

    def run(command: Sequence[str], capture: bool) -> Completed:
        environment = {**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"}
        output = subprocess.PIPE if capture else None
        with subprocess.Popen(list(command), cwd=project_dir, env=environment, stdin=subprocess.DEVNULL, stdout=output, text=True) as process:
            try:
                stdout, _ = process.communicate()
            except KeyboardInterrupt:
                # pulumi got the same Ctrl-C and cancels cleanly; killing it (as subprocess.run
                # would) leaves the stack locked mid-update, and then destroy cannot run.
                process.wait()
                raise
        return Completed(process.returncode, stdout or "")

    return run


def run_e2e(project_dir: Path, options: Options, world: World) -> int:
    """The whole run; 0 when it passed or was skipped, 1 when a step failed (up, a probe, destroy,
    stack rm) or the run was interrupted, 2 when the dev stack's config is invalid."""
    if world.which("pulumi") is None:
        print(f"e2e: skipped — the Pulumi CLI is not installed ({INSTALL_URL})")
        return 0
    base = load_stack_config(project_dir, BASE_STACK, release=RELEASE)
    try:
        settings = load_settings(base.values, base.secret_keys)
    except ConfigError as error:
        print(f"tierup: {BASE_STACK}: {error}", file=sys.stderr)
        return 2
    if base.secret_keys:
        # Their ciphertext is bound to the dev stack's key; a copy would not decrypt.
        keys = ", ".join(base.secret_keys)
        print(f"tierup: {BASE_STACK}: {keys}: a secure value cannot be copied to a throwaway stack; use plain config or the environment", file=sys.stderr)
        return 2
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or settings.region
    problem = _identity_problem(world.sts, region)
    if problem is not None:
        print(f"e2e: skipped — no AWS credentials (aws sts get-caller-identity failed: {problem})")
        return 0

    log = _Log(world.clock)
    stack = world.new_stack_name()
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    log.say(f"stack {stack}: Pulumi.{BASE_STACK}.yaml at release {RELEASE}, deployed to {settings.region}")
    if not log.step("pulumi stack init", world.run(["pulumi", "stack", "init", stack, "--no-select"], False)):
        return 1
    failed: list[str] = []
    try:
        copy_config(project_dir, base.project, stack)
        log.say(f"config: {stack_file.name} has the config of Pulumi.{BASE_STACK}.yaml with tierup:release {RELEASE}")
        log.say(f"pulumi up with the policy pack {POLICY_PACK}/ …")
        if not log.step("pulumi up", world.run(["pulumi", "up", "--yes", "--skip-preview=false", "-s", stack, "--policy-pack", POLICY_PACK], False)):
            failed.append("up")
        elif not _check_app(project_dir, stack, settings.app.health_check_path, options, world, log):
            failed.append("probe")
    except KeyboardInterrupt:
        log.say("interrupted; destroying what was created")
        failed.append("interrupted")
    finally:
        log.say("pulumi destroy …")
        if log.step("pulumi destroy", world.run(["pulumi", "destroy", "--yes", "-s", stack], False)):
            if not log.step("pulumi stack rm", world.run(["pulumi", "stack", "rm", "--yes", "-s", stack], False)):
                failed.append("stack rm")
            stack_file.unlink(missing_ok=True)
            log.say(f"removed {stack_file.name}; a deleted database leaves its final snapshot {base.project}-{stack}-db-final-* (delete it when done)")
        else:
            failed.append("destroy")
            log.say(f"kept stack {stack} and {stack_file.name}; finish with: pulumi destroy --yes -s {stack} && pulumi stack rm --yes -s {stack}")
    log.say(f"FAILED: {', '.join(failed)}" if failed else "passed: up, probe, destroy")
    return 1 if failed else 0


def copy_config(project_dir: Path, project: str, stack: str) -> None:
    """Give the throwaway stack the dev stack's config at RELEASE. What `pulumi stack init` wrote
    in its file besides config is kept: it may be the stack's own encryption salt or key."""
    config = _read_yaml(project_dir / f"Pulumi.{BASE_STACK}.yaml").get("config") or {}
    copied = {key: value for key, value in config.items() if (key if ":" in str(key) else f"{project}:{key}") != "tierup:release"}
    path = project_dir / f"Pulumi.{stack}.yaml"
    document = _read_yaml(path) if path.is_file() else {}
    document["config"] = {**copied, "tierup:release": RELEASE}
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def wait_until_answering(label: str, locate: Callable[[], str], path: str, accept: range, options: Options, world: World, log: _Log) -> str | None:
    """Probe `<base URL><path>` until its status is in `accept` or the timeout passes; the base
    URL is looked up on every attempt (a task's address changes when it is replaced). Returns
    the base URL that answered, or None after saying why it gave up."""
    started, attempts, last = world.clock(), 0, ""
    while True:
        attempts += 1
        base, status, answer = _attempt(locate, path, world.probe)
        elapsed = world.clock() - started
        if status in accept:
            log.say(f"{label}: {answer} after {attempts} attempt(s), {elapsed:.0f} s")
            return base
        if answer != last:
            log.say(f"{label}: waiting: {answer}")
            last = answer
        if elapsed >= options.timeout_s:
            log.say(f"{label}: gave up after {elapsed:.0f} s and {attempts} attempt(s); last: {answer}")
            return None
        world.sleep(options.interval_s)


def _attempt(locate: Callable[[], str], path: str, probe: Callable[[str], int | str]) -> tuple[str, int | None, str]:
    """One look: the base URL, the HTTP status (None without one) and what to tell the user."""
    try:
        base = locate()
    except OpsError as error:  # e.g. the task is not running yet
        return "", None, str(error)
    status = probe(base + path)
    if isinstance(status, str):
        return base, None, f"{base}{path}: {status}"
    return base, status, f"{base}{path} answered HTTP {status}"


def http_status(url: str, timeout_s: float = 5) -> int | str:
    """The HTTP status of a GET (a redirect is an answer, not followed), or why there is none."""
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(url, timeout=timeout_s) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except urllib.error.URLError as error:
        return f"no answer ({error.reason})"
    except (OSError, http.client.HTTPException) as error:
        return f"no answer ({str(error) or type(error).__name__})"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Log:
    """One timestamped line per step, flushed so it lands between pulumi's own output."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock

    def say(self, text: str) -> None:
        stamp = datetime.fromtimestamp(self._clock(), UTC).strftime("%H:%M:%SZ")
        print(f"e2e: {stamp} {text}", flush=True)

    def step(self, name: str, result: Completed) -> bool:
        self.say(f"{name}: ok" if result.returncode == 0 else f"{name}: failed (exit {result.returncode})")
        return result.returncode == 0


def _check_app(project_dir: Path, stack: str, health_path: str, options: Options, world: World, log: _Log) -> bool:
    result = world.run(["pulumi", "stack", "output", "--json", "-s", stack], True)
    try:
        outputs = json.loads(result.stdout) if result.returncode == 0 else None
    except json.JSONDecodeError:
        outputs = None
    if not isinstance(outputs, dict):
        problem = f"failed (exit {result.returncode})" if result.returncode else "not a JSON object"
        log.say(f"pulumi stack output: {problem}; cannot tell where the app answers")
        return False
    log.say(f"outputs: release {outputs.get('release')}, cluster {outputs.get('clusterName')}, service {outputs.get('serviceName')}")
    app_url = outputs.get("appUrl")  # a load balancer's URL; v1.0 has none, so ask AWS for the task

    def locate() -> str:
        return str(app_url) if app_url else world.locate_app(project_dir, stack)

    base = wait_until_answering("app health", locate, health_path, range(200, 400), options, world, log)
    if base is None:
        return False
    if options.db_health_path is None:
        log.say(NO_DATABASE_PATH)
        return True
    db_path = "/" + options.db_health_path.lstrip("/")
    return wait_until_answering("database health", lambda: base, db_path, range(200, 300), options, world, log) is not None


def _identity_problem(sts: Callable[[str], Any], region: str) -> str | None:
    """Why STS GetCallerIdentity fails with the standard credential chain, or None if it works."""
    import botocore.exceptions

    try:
        sts(region).get_caller_identity()
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        return str(error)
    return None


def _task_endpoint(project_dir: Path, stack: str) -> str:
    # `tierup endpoint` already finds the running task's public IP (ECS → ENI → EC2).
    from tierup.ops import commands as ops

    url, _ = ops.run_endpoint(ops.target(project_dir, stack, None))
    return url


def _boto3_client(service: str, region: str) -> Any:
    import boto3

    # A session of its own: boto3's default session keeps the credentials it resolved first,
    # and the run must see the environment as it is now.
    return boto3.session.Session().client(service, region_name=region)


def _read_yaml(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return document if isinstance(document, dict) else {}
