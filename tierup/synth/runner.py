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


def synthesize(project_dir: Path, stack: str, release: str | None = None, *, toolkit_root: Path | None = None, first_preview: bool = False) -> ResourceGraph:
    """The stack's ResourceGraph, computed in a fresh process. `toolkit_root` runs another
    checkout's tierup (the base side of a diff synthesizes with the code of its own commit);
    `first_preview` leaves every computed output unknown, as a first `pulumi preview` does."""
    if toolkit_root is None and (project_dir / "tierup" / "synth" / "worker.py").is_file():
        toolkit_root = project_dir  # a checkout synthesizes with its own settings and components
    command = [sys.executable, "-m", "tierup.synth.worker", str(project_dir), stack]
    if release is not None:
        command.append(release)
    if first_preview:
        command.append("--first-preview")
    # `python -m` puts the working directory first on sys.path: run from the toolkit's own root.
    root = toolkit_root or Path(__file__).resolve().parents[2]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, env=_worker_env(root), cwd=root)
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


def _worker_env(toolkit_root: Path) -> dict[str, str]:
    # The worker must import this very tierup and tierup_guardrails (or the given checkout's),
    # installed or not: both roots go first on the path, ahead of any installed copy.
    roots = (str(toolkit_root), str(toolkit_root / "policies"))
    path = os.pathsep.join(p for p in (*roots, os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}
