"""Run the policy pack the way the Pulumi CLI does: spawn its __main__.py, read the port it
prints, and call the analyzer over gRPC for every resource and once for the stack."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tierup.synth.graph import SECRET, UNKNOWN, Resource, ResourceGraph
from tierup.synth.stackfile import StackConfig
from tierup_guardrails.verdicts import NOT_EVALUATED, Finding, Level

if TYPE_CHECKING:
    from pulumi_policy import PolicyResource

PACK_START_SECONDS = 30
# A pack starts beside the synthesis and then waits for its graph, so its start-up is off the
# critical path; at this lower priority it takes no CPU the synthesis wants (measured on 2 cores:
# `tierup check dev prod` 1.93 s -> 1.77 s wall, the same CPU). Scheduling only: the protocol
# and the answers are the same.
PACK_NICENESS = 10
# Every call to the pack has a deadline: a pack that hangs fails the check instead of blocking it.
CALL_SECONDS = 60
MANDATORY, ADVISORY = Level.MANDATORY.value, Level.ADVISORY.value


class PolicyPackError(Exception):
    """The pack could not be started or answered badly; the message is one line."""


@dataclass(frozen=True)
class PolicyReport:
    """What the pack said about one stack."""

    stack: str
    pack: str
    policy_count: int
    findings: tuple[Finding, ...]
    not_applicable: dict[str, str] = field(default_factory=dict)

    def at(self, level: str) -> list[Finding]:
        return [f for f in self.findings if f.level == level]

    def not_evaluated_at(self, level: str) -> list[Finding]:
        """Findings not evaluated (an unknown value) of policies whose own level is `level`."""
        return [f for f in self.at(NOT_EVALUATED) if f.policy_level == level]

    def counts(self) -> str:
        """ "violations: 2 mandatory, 1 advisory · not evaluated: 1 (1 mandatory, 0 advisory)"."""
        unknown = ", ".join(f"{len(self.not_evaluated_at(level))} {level}" for level in (MANDATORY, ADVISORY))
        violations = f"violations: {len(self.at(MANDATORY))} {MANDATORY}, {len(self.at(ADVISORY))} {ADVISORY}"
        return f"{violations} · {NOT_EVALUATED}: {len(self.at(NOT_EVALUATED))} ({unknown})"

    @property
    def passed(self) -> bool:
        """No mandatory violation, and no mandatory policy left undecided (fail closed)."""
        return not self.at(MANDATORY) and not self.not_evaluated_at(MANDATORY)


def pack_environment(config: StackConfig | None, *, dry_run: bool = True) -> dict[str, str]:
    """What the CLI hands a policy pack: the stack's config and identity (none when publishing)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    if config is None:
        return {**inherited, "PYTHONUNBUFFERED": "1"}
    return {
        **inherited,
        "PULUMI_CONFIG": json.dumps(config.values),
        "PULUMI_CONFIG_SECRET_KEYS": json.dumps(list(config.secret_keys)),
        "PULUMI_PROJECT": config.project,
        "PULUMI_STACK": config.stack,
        "PULUMI_DRY_RUN": "true" if dry_run else "false",
        "PYTHONUNBUFFERED": "1",
    }


class PolicyPackProcess:
    """The pack's analyzer server, started for one stack's config, stopped on exit."""

    def __init__(self, pack_dir: Path, config: StackConfig | None, *, dry_run: bool = True, python: str = sys.executable) -> None:
        """`config` None starts the pack as `pulumi policy publish` does: with no stack at all.
        `python` is the interpreter of the pack's own environment."""
        self._pack_dir = pack_dir.resolve()
        self._config = config
        self._dry_run = dry_run
        self._python = python
        self._process: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._started = threading.Event()
        self._startup_error = ""

    def start(self) -> PolicyPackProcess:
        """Spawn the pack; returns at once (the port is awaited by `analyze`)."""
        self._process = subprocess.Popen(
            [self._python, str(self._pack_dir / "__main__.py")],
            cwd=self._pack_dir,
            env=self._environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        lower_priority(self._process.pid)
        threading.Thread(target=self._read_port, daemon=True).start()
        return self

    def _environment(self) -> dict[str, str]:
        return pack_environment(self._config, dry_run=self._dry_run)

    def _read_port(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        line = self._process.stdout.readline().decode().strip()
        if line.isdigit():
            self._port = int(line)
        else:
            assert self._process.stderr is not None
            lines = self._process.stderr.read().decode().strip().splitlines()
            self._startup_error = lines[-1] if lines else f"the policy pack exited with {self._process.wait()}"
        self._started.set()

    def port(self) -> int:
        if not self._started.wait(PACK_START_SECONDS):
            raise PolicyPackError(f"the policy pack in {self._pack_dir} printed no port within {PACK_START_SECONDS} s")
        if self._port is None:
            raise PolicyPackError(f"the policy pack failed to start: {self._startup_error}")
        return self._port

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> PolicyPackProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def analyze(self, graph: ResourceGraph) -> PolicyReport:
        """Analyze every custom resource (inputs), then the whole stack (outputs and links)."""
        import grpc
        from google.protobuf import empty_pb2
        from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

        try:
            return self._analyze(graph, grpc, empty_pb2, analyzer_pb2, analyzer_pb2_grpc)
        except grpc.RpcError as error:
            details = (error.details() or str(error.code())).splitlines()[0]
            raise PolicyPackError(f"the policy pack failed: {details}") from None

    def policy_levels(self) -> dict[str, str]:
        """GetAnalyzerInfo: every policy's enforcement level as the pack reports it (what
        `pulumi policy publish` records)."""
        import grpc
        from google.protobuf import empty_pb2
        from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

        with grpc.insecure_channel(f"127.0.0.1:{self.port()}") as channel:
            info = analyzer_pb2_grpc.AnalyzerStub(channel).GetAnalyzerInfo(empty_pb2.Empty(), timeout=CALL_SECONDS)
        return {p.name: analyzer_pb2.EnforcementLevel.Name(p.enforcementLevel).lower() for p in info.policies}

    def _analyze(self, graph: ResourceGraph, grpc: Any, empty_pb2: Any, analyzer_pb2: Any, analyzer_pb2_grpc: Any) -> PolicyReport:
        with grpc.insecure_channel(f"127.0.0.1:{self.port()}") as channel:
            analyzer = analyzer_pb2_grpc.AnalyzerStub(channel)
            info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=CALL_SECONDS)
            policies = {p.name: p for p in info.policies}
            # Pipelined: every call is sent before the first answer is read, so the pack works
            # while the next requests are built; the answers are read back in graph order.
            pending: list[tuple[str | None, Any]] = [
                (resource.urn, analyzer.Analyze.future(_analyze_request(analyzer_pb2, graph, resource), timeout=CALL_SECONDS))
                for resource in graph
                if resource.custom
            ]
            stack_request = analyzer_pb2.AnalyzeStackRequest(resources=[_stack_resource(analyzer_pb2, graph, r) for r in graph])
            pending.append((None, analyzer.AnalyzeStack.future(stack_request, timeout=CALL_SECONDS)))
            responses = [(urn, call.result()) for urn, call in pending]
        findings: list[Finding] = []
        not_applicable: dict[str, str] = {}
        for urn, response in responses:
            findings += [_finding(analyzer_pb2, d, urn, policies) for d in response.diagnostics]
            not_applicable.update({n.policy_name: n.reason for n in response.not_applicable})
        return PolicyReport(
            stack=graph.stack,
            pack=info.name,
            policy_count=len(policies),
            findings=tuple(_unique(findings)),
            not_applicable=dict(sorted(not_applicable.items())),
        )


def import_client() -> None:
    """Import what analyzing a graph imports (gRPC, the analyzer's stubs, the engine's value
    encoding, pulumi-policy's proxy for the reachability proof): ~0.15 s the first stack otherwise
    waits for once its graph is in. Run in a thread while the stacks synthesize."""
    import grpc  # noqa: F401
    from google.protobuf import empty_pb2, struct_pb2  # noqa: F401
    from pulumi.runtime import rpc  # noqa: F401
    from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc  # noqa: F401
    from pulumi_policy.proxy import unknown_checking_proxy  # noqa: F401

    from tierup_guardrails import reachability  # noqa: F401


def lower_priority(pid: int) -> None:
    """Run the process at PACK_NICENESS, where the system has priorities (os.setpriority)."""
    if hasattr(os, "setpriority"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, PACK_NICENESS)


class PackServer:
    """A running `tierup.pack_server` for one pack folder: packs forked from one preloaded process
    (see that module), for checks of more stacks than there are cores."""

    def __init__(self, pack_dir: Path, *, python: str = sys.executable) -> None:
        self.pack_dir = pack_dir.resolve()
        self._process = subprocess.Popen(
            [python, "-m", "tierup.pack_server", str(self.pack_dir)],
            cwd=self.pack_dir,
            env=pack_environment(None),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        lower_priority(self._process.pid)  # the packs it forks inherit it
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._waiting: dict[int, ForkedPolicyPack] = {}
        self._reader = threading.Thread(target=self._read_answers, daemon=True)
        self._reader.start()

    def request(self, pack: ForkedPolicyPack, env: dict[str, str]) -> None:
        with self._lock:
            request_id = next(self._ids)
            self._waiting[request_id] = pack
            assert self._process.stdin is not None
            try:
                self._process.stdin.write(json.dumps({"id": request_id, "env": env}).encode() + b"\n")
                self._process.stdin.flush()
            except BrokenPipeError:
                pass  # the reader reports every pack still waiting

    def _read_answers(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            answer = json.loads(line)
            with self._lock:
                pack = self._waiting[answer["id"]] if "pid" in answer else self._waiting.pop(answer["id"])
            if "pid" in answer:
                pack.forked(answer["pid"])
            else:
                pack.started(answer.get("port"), answer.get("error", ""))
        with self._lock:
            left, self._waiting = list(self._waiting.values()), {}
        for pack in left:
            pack.started(None, f"the pack server exited with {self._process.wait()}")

    def close(self) -> None:
        """Close its input and wait until every pack has been reaped and it has exited."""
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._reader.join(PACK_START_SECONDS)
        if self._reader.is_alive():
            self._process.kill()  # a pack that never came up holds it: stop waiting for it
        self._process.wait()


class ForkedPolicyPack(PolicyPackProcess):
    """A pack forked by a PackServer; talked to and stopped like a spawned one."""

    def __init__(self, server: PackServer, config: StackConfig) -> None:
        super().__init__(server.pack_dir, config)
        self._server = server
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._stopped = False

    def start(self) -> ForkedPolicyPack:
        self._server.request(self, self._environment())
        return self

    def forked(self, pid: int) -> None:
        with self._lock:
            self._pid = pid
            stopped = self._stopped
        if stopped:
            self._kill()

    def started(self, port: str | None, error: str) -> None:
        if port is not None and port.isdigit():
            self._port = int(port)
        else:
            self._startup_error = error or f"the policy pack printed {port!r} instead of a port"
        self._started.set()

    def stop(self) -> None:
        # Possibly before the server has even said which pid it forked: then forked() kills it.
        with self._lock:
            self._stopped = True
        self._kill()

    def _kill(self) -> None:
        # Once only: the server reaps the pack as soon as it is gone, and a pid can be reused.
        with self._lock:
            pid, self._pid = self._pid, None
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _finding(analyzer_pb2: Any, diagnostic: Any, urn: str | None, policies: dict[str, Any]) -> Finding:
    policy = policies.get(diagnostic.policyName)
    # The SDK reports a policy that read an unknown value as an advisory "can't run" diagnostic.
    not_evaluated = diagnostic.message.startswith("can't run policy")
    level = NOT_EVALUATED if not_evaluated else analyzer_pb2.EnforcementLevel.Name(diagnostic.enforcementLevel).lower()
    # The SDK sends "<description>\n<violation>"; the violation alone says what to change.
    message = diagnostic.message.removeprefix(f"{diagnostic.description}\n") if diagnostic.description else diagnostic.message
    return Finding(
        policy=diagnostic.policyName,
        level=level,
        message=message,
        urn=diagnostic.urn or urn,
        severity=analyzer_pb2.PolicySeverity.Name(policy.severity).removeprefix("POLICY_SEVERITY_").lower() if policy else "",
        remediation=policy.remediation_steps if policy else "",
        policy_level=analyzer_pb2.EnforcementLevel.Name(policy.enforcementLevel).lower() if policy else "",
    )


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: dict[tuple[str, str | None, str], Finding] = {}
    for finding in findings:
        seen.setdefault((finding.policy, finding.urn, finding.message), finding)
    return list(seen.values())


def _struct(values: dict[str, Any]) -> Any:
    from google.protobuf import struct_pb2

    struct = struct_pb2.Struct()
    struct.update({key: _engine_value(value) for key, value in values.items()})
    return struct


def _engine_value(value: Any) -> Any:
    """Graph markers back into the engine's encoding: secrets wrapped, unknowns as sentinels."""
    from pulumi.runtime import rpc

    if value == SECRET:
        return {rpc._special_sig_key: rpc._special_secret_sig, "value": SECRET}
    if value == UNKNOWN:
        return rpc.UNKNOWN
    if isinstance(value, dict):
        return {k: _engine_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_engine_value(v) for v in value]
    return value


def _options(analyzer_pb2: Any, resource: Resource) -> Any:
    options = resource.options
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=options.protect,
        ignoreChanges=list(options.ignore_changes),
        deleteBeforeReplace=options.delete_before_replace,
        deleteBeforeReplaceDefined=options.delete_before_replace,
        aliases=list(options.aliases),
        parent=resource.parent or "",
    )


def _provider(analyzer_pb2: Any, graph: ResourceGraph, resource: Resource) -> Any:
    """The resource's provider as the CLI describes it: the explicit one with its inputs, or the
    package's default provider, configured from the stack (aws:region for AWS)."""
    explicit = graph.provider_of(resource)
    if explicit is not None:
        return analyzer_pb2.AnalyzerProviderResource(type=explicit.type, properties=_struct(explicit.inputs), urn=explicit.urn, name=explicit.name)
    package = resource.type.split(":")[0]
    properties = {"region": graph.region} if package == "aws" else {}
    provider_type = f"pulumi:providers:{package}"
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider_type, properties=_struct(properties), urn=f"urn:pulumi:{graph.stack}::{graph.project}::{provider_type}::default", name="default"
    )


def _analyze_request(analyzer_pb2: Any, graph: ResourceGraph, resource: Resource) -> Any:
    return analyzer_pb2.AnalyzeRequest(
        type=resource.type,
        properties=_struct(resource.inputs),
        urn=resource.urn,
        name=resource.name,
        options=_options(analyzer_pb2, resource),
        provider=_provider(analyzer_pb2, graph, resource),
    )


def _stack_resource(analyzer_pb2: Any, graph: ResourceGraph, resource: Resource) -> Any:
    return analyzer_pb2.AnalyzerResource(
        provider=_provider(analyzer_pb2, graph, resource) if resource.custom else None,
        type=resource.type,
        properties=_struct(resource.outputs if resource.custom else {}),
        urn=resource.urn,
        name=resource.name,
        options=_options(analyzer_pb2, resource),
        parent=resource.parent or "",
        dependencies=list(resource.dependencies),
        propertyDependencies={key: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(urns)) for key, urns in resource.property_dependencies.items()},
    )


def _policy_value(value: Any) -> Any:
    """Graph markers as the SDK holds them after deserializing: an unknown is its sentinel."""
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

    if value == UNKNOWN:
        return UNKNOWN_STRING_VALUE
    if isinstance(value, dict):
        return {k: _policy_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_policy_value(v) for v in value]
    return value


def policy_resources(resources: Iterable[Resource], outputs: Mapping[str, Mapping[str, Any]] | None = None) -> list[PolicyResource]:
    # Explicit providers only: a policy reads the default provider's region from the stack's config.
    """Graph resources as the analyzer server hands them to a stack policy, in process: outputs
    behind the SDK's unknown-checking proxy, parent, dependencies and property dependencies linked
    by URN. `outputs` replaces the outputs of the resources it names (tests seed graphs this way)."""
    from pulumi_policy import PolicyCustomTimeouts, PolicyProviderResource, PolicyResource, PolicyResourceOptions
    from pulumi_policy.proxy import unknown_checking_proxy

    given = list(resources)
    by_urn = {r.urn: r for r in given}

    def provider(resource: Resource) -> PolicyProviderResource | None:
        found = by_urn.get(resource.provider_urn or "")
        return PolicyProviderResource(found.type, dict(found.inputs), found.urn, found.name) if found else None

    replaced = outputs or {}
    built = {
        r.urn: PolicyResource(
            r.type,
            unknown_checking_proxy(_policy_value(dict(replaced.get(r.name, r.outputs)))),
            r.urn,
            r.name,
            PolicyResourceOptions(
                protect=r.options.protect,
                ignore_changes=list(r.options.ignore_changes),
                delete_before_replace=r.options.delete_before_replace,
                aliases=list(r.options.aliases),
                # What the analyzer server hands a policy for a resource without custom timeouts.
                custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
                additional_secret_outputs=[],
            ),
            provider(r),
            None,
            [],
            {},
        )
        for r in given
    }
    for r in given:
        built[r.urn].parent = built.get(r.parent) if r.parent else None
        built[r.urn].dependencies = [built[d] for d in r.dependencies if d in built]
        built[r.urn].property_dependencies = {k: [built[u] for u in urns if u in built] for k, urns in r.property_dependencies.items()}
    return list(built.values())
