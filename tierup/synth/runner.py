"""Synthesize stacks in parallel, one worker process each, and collect their graphs."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tierup.synth.graph import ResourceGraph


class SynthError(Exception):
    """A stack could not be synthesized; the message is the worker's one line."""


@dataclass(frozen=True)
class SynthRequest:
    """One stack to synthesize, optionally at another release than its file says."""

    stack: str
    release: str | None = None


def synthesize(project_dir: Path, stack: str, release: str | None = None) -> ResourceGraph:
    """The stack's ResourceGraph, computed in a fresh process."""
    command = [sys.executable, "-m", "tierup.synth.worker", str(project_dir), stack]
    if release is not None:
        command.append(release)
    completed = subprocess.run(command, capture_output=True, text=True, check=False, env=_worker_env())
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines() or [f"{stack}: synthesis failed with exit {completed.returncode}"]
        raise SynthError(lines[-1])
    return ResourceGraph.from_json(completed.stdout)


def synthesize_all(project_dir: Path, requests: list[SynthRequest]) -> list[ResourceGraph | SynthError]:
    """Graphs (or the error) for each request, in request order, computed in parallel."""

    def run(request: SynthRequest) -> ResourceGraph | SynthError:
        try:
            return synthesize(project_dir, request.stack, request.release)
        except SynthError as error:
            return error

    with ThreadPoolExecutor(max_workers=max(1, len(requests))) as pool:
        return list(pool.map(run, requests))


def _worker_env() -> dict[str, str]:
    # The worker must import this very tierup, installed or not.
    package_root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}
