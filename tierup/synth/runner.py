"""Synthesize stacks in parallel and collect their graphs: through the synth server (one forked
child per stack) where it can run, else one worker process per stack."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tierup.synth import launch
from tierup.synth.graph import ResourceGraph
from tierup.synth.launch import server_available


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
    root = toolkit_root or launch.toolkit_root(project_dir)
    completed = subprocess.run(command, capture_output=True, text=True, check=False, env=launch.worker_env(root), cwd=root)
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


def start_synthesis(project_dir: Path, requests: list[SynthRequest], *, first_preview: bool = False) -> Synthesis:
    """Start every request at once; each future gives the graph or raises SynthError. The same
    graphs either way: through the synth server where the toolkit has one and os.fork exists (the
    imports paid once), else a worker process per stack."""
    root = launch.toolkit_root(project_dir)
    early = launch.started_early.pop(project_dir, None)
    if early is not None or server_available(root):
        server = SynthServer(project_dir, root, early)
        return Synthesis(server.submit(requests, first_preview=first_preview), server.wait)
    pool = ThreadPoolExecutor(max_workers=max(1, len(requests)))
    futures = [pool.submit(synthesize, project_dir, r.stack, r.release, toolkit_root=root, first_preview=first_preview) for r in requests]
    return Synthesis(futures, pool.shutdown)


@dataclass(frozen=True)
class Synthesis:
    """Graphs under way, one future per request, and how to wait for what computes them."""

    futures: list[Future[ResourceGraph]]
    wait: Callable[[], object]


class SynthServer:
    """A running `tierup.synth.server` for one project; see that module for the protocol."""

    def __init__(self, project_dir: Path, root: Path, process: subprocess.Popen[bytes] | None = None) -> None:
        """`process`: the server tierup.synth.launch started early for the project, if any."""
        self._project_dir = project_dir
        self._root = root
        self._process = process or launch.spawn_server(project_dir, root)

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
