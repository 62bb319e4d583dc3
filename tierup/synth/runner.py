"""Synthesize stacks in parallel and collect their graphs: through the synth server (one forked
child per stack) where it can run, else one worker process per stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tierup.synth.graph import ResourceGraph


class SynthError(Exception):
    """A stack could not be synthesized; the message is the worker's one line."""


@dataclass(frozen=True)
class SynthRequest:
    """One stack to synthesize, optionally at another release than its file says."""

    stack: str
    release: str | None = None


def synthesize(project_dir: Path, stack: str, release: str | None = None, *, toolkit_root: Path | None = None, first_preview: bool = False) -> ResourceGraph:
    """The stack's ResourceGraph, computed in a fresh process. `toolkit_root` runs another
    checkout's tierup (the base side of a diff synthesizes with the code of its own commit);
    `first_preview` leaves every computed output unknown, as a first `pulumi preview` does."""
    command = [sys.executable, "-m", "tierup.synth.worker", str(project_dir), stack]
    if release is not None:
        command.append(release)
    if first_preview:
        command.append("--first-preview")
    # `python -m` puts the working directory first on sys.path: run from the toolkit's own root.
    root = toolkit_root or _toolkit_root(project_dir)
    completed = subprocess.run(command, capture_output=True, text=True, check=False, env=_worker_env(root), cwd=root)
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines() or [f"{stack}: synthesis failed with exit {completed.returncode}"]
        raise SynthError(lines[-1])
    return ResourceGraph.from_json(completed.stdout)


def synthesize_all(project_dir: Path, requests: list[SynthRequest]) -> list[ResourceGraph | SynthError]:
    """Graphs (or the error) for each request, in request order, computed in parallel."""
    synthesis = start_synthesis(project_dir, requests)
    results: list[ResourceGraph | SynthError] = []
    for future in synthesis.futures:
        try:
            results.append(future.result())
        except SynthError as error:
            results.append(error)
    synthesis.wait()
    return results


# TIERUP_SYNTH_SERVER=0 synthesizes every stack in a worker process of its own, as before the server.
SERVER_SWITCH = "TIERUP_SYNTH_SERVER"


def start_synthesis(project_dir: Path, requests: list[SynthRequest], *, first_preview: bool = False) -> Synthesis:
    """Start every request at once; each future gives the graph or raises SynthError. The same
    graphs either way: through the synth server where the toolkit has one and os.fork exists (the
    imports paid once), else a worker process per stack."""
    root = _toolkit_root(project_dir)
    server = _started_early.pop(project_dir, None)
    if server is not None or server_available(root):
        server = server or SynthServer(project_dir, root)
        return Synthesis(server.submit(requests, first_preview=first_preview), server.wait)
    pool = ThreadPoolExecutor(max_workers=max(1, len(requests)))
    futures = [pool.submit(synthesize, project_dir, r.stack, r.release, toolkit_root=root, first_preview=first_preview) for r in requests]
    return Synthesis(futures, pool.shutdown)


@dataclass(frozen=True)
class Synthesis:
    """Graphs under way, one future per request, and how to wait for what computes them."""

    futures: list[Future[ResourceGraph]]
    wait: Callable[[], object]


# A server started before the toolkit's own imports (tierup.entry), for the start_synthesis to come.
_started_early: dict[Path, SynthServer] = {}


def start_server_early(project_dir: Path) -> None:
    """Start the project's synth server now: its imports, the longest step of `tierup check`,
    overlap the toolkit's. Unused (its input closed at exit), it ends without a request."""
    root = _toolkit_root(project_dir)
    if (project_dir / "Pulumi.yaml").is_file() and server_available(root):
        _started_early[project_dir] = SynthServer(project_dir, root)


def server_available(toolkit_root: Path) -> bool:
    # A checkout from before the server (the base of a diff) has none; neither has a system without fork.
    switched_off = os.environ.get(SERVER_SWITCH) == "0"
    return hasattr(os, "fork") and not switched_off and (toolkit_root / "tierup" / "synth" / "server.py").is_file()


class SynthServer:
    """A running `tierup.synth.server` for one project; see that module for the protocol."""

    def __init__(self, project_dir: Path, toolkit_root: Path) -> None:
        self._project_dir = project_dir
        self._root = toolkit_root
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tierup.synth.server", str(project_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # Its own failures surface as the worker path's messages (see _fall_back).
            stderr=subprocess.DEVNULL,
            env=_worker_env(toolkit_root),
            cwd=toolkit_root,
        )

    def submit(self, requests: list[SynthRequest], *, first_preview: bool = False) -> list[Future[ResourceGraph]]:
        """Send every request and close the server's input; frames resolve the futures as they come."""
        futures: dict[int, tuple[SynthRequest, Future[ResourceGraph]]] = {i: (r, Future()) for i, r in enumerate(requests)}
        assert self._process.stdin is not None
        try:
            for index, request in enumerate(requests):
                line = {"id": index, "stack": request.stack, "release": request.release, "first_preview": first_preview}
                self._process.stdin.write(json.dumps(line).encode() + b"\n")
            self._process.stdin.close()
        except BrokenPipeError:
            pass  # the server is gone: the reader finds no frames and falls back
        self._reader = threading.Thread(target=self._read_frames, args=(futures, first_preview), daemon=True)
        self._reader.start()
        return [future for _, future in futures.values()]

    def wait(self) -> None:
        """Until every frame is read and the server has exited (its CPU then counts as the caller's)."""
        self._reader.join()

    def _read_frames(self, futures: dict[int, tuple[SynthRequest, Future[ResourceGraph]]], first_preview: bool) -> None:
        assert self._process.stdout is not None
        for index, status, payload in _frames(self._process.stdout):
            _, future = futures.pop(index)
            if status == "ok":
                future.set_result(ResourceGraph.from_json(payload))
            else:
                future.set_exception(SynthError(payload))
        self._process.wait()
        self._fall_back(futures, first_preview)

    def _fall_back(self, unanswered: dict[int, tuple[SynthRequest, Future[ResourceGraph]]], first_preview: bool) -> None:
        # A server that died (or never started) answers nothing more: those stacks get the worker
        # process they would have had without it, and with it the worker's own error messages.
        for request, future in unanswered.values():
            try:
                future.set_result(synthesize(self._project_dir, request.stack, request.release, toolkit_root=self._root, first_preview=first_preview))
            except SynthError as error:
                future.set_exception(error)


def _frames(stream: IO[bytes]) -> Iterator[tuple[int, str, str]]:
    """(id, status, payload) per frame until the stream ends; a truncated frame ends it too."""
    while header := stream.readline():
        fields = json.loads(header)
        payload = stream.read(fields["length"])
        if len(payload) < fields["length"]:
            return
        yield fields["id"], fields["status"], payload.decode()


def _toolkit_root(project_dir: Path) -> Path:
    if (project_dir / "tierup" / "synth" / "worker.py").is_file():
        return project_dir  # a checkout synthesizes with its own settings and components
    return Path(__file__).resolve().parents[2]


def _worker_env(toolkit_root: Path) -> dict[str, str]:
    # The worker must import this very tierup and tierup_guardrails (or the given checkout's),
    # installed or not: both roots go first on the path, ahead of any installed copy.
    roots = (str(toolkit_root), str(toolkit_root / "policies"))
    path = os.pathsep.join(p for p in (*roots, os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}
