"""Starting the synth server's process, with nothing imported that the start does not need: the
console script (tierup.entry) starts it before the rest of the toolkit loads, so its imports, the
longest step of `tierup check`, begin as early as they can (~0.05 s sooner than through
tierup.synth.runner, which imports YAML, JSON and the graph first)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# TIERUP_SYNTH_SERVER=0 synthesizes every stack in a worker process of its own, as before the server.
SERVER_SWITCH = "TIERUP_SYNTH_SERVER"


def project_dir_above(start: Path) -> Path | None:
    """The nearest directory at or above `start` holding Pulumi.yaml, if any."""
    return next((directory for directory in (start, *start.parents) if (directory / "Pulumi.yaml").is_file()), None)


def toolkit_root(project_dir: Path) -> Path:
    """Whose tierup synthesizes the project: a checkout its own (it synthesizes with its own
    settings and components), any other project this one's."""
    if (project_dir / "tierup" / "synth" / "worker.py").is_file():
        return project_dir
    return Path(__file__).resolve().parents[2]


def worker_env(root: Path) -> dict[str, str]:
    """The worker must import this very tierup and tierup_guardrails (or the given checkout's),
    installed or not: both roots go first on the path, ahead of any installed copy."""
    roots = (str(root), str(root / "policies"))
    path = os.pathsep.join(p for p in (*roots, os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def server_available(root: Path) -> bool:
    # A checkout from before the server (the base of a diff) has none; neither has a system without fork.
    switched_off = os.environ.get(SERVER_SWITCH) == "0"
    return hasattr(os, "fork") and not switched_off and (root / "tierup" / "synth" / "server.py").is_file()


def spawn_server(project_dir: Path, root: Path) -> subprocess.Popen[bytes]:
    """`python -m tierup.synth.server PROJECT_DIR`, its protocol on stdin and stdout."""
    return subprocess.Popen(
        [sys.executable, "-m", "tierup.synth.server", str(project_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        # Its own failures surface as the worker path's messages (tierup.synth.runner falls back).
        stderr=subprocess.DEVNULL,
        env=worker_env(root),
        cwd=root,
    )


# Servers started before the toolkit's own imports, for the synthesis to come (tierup.synth.runner).
started_early: dict[Path, subprocess.Popen[bytes]] = {}


def start_server_early(project_dir: Path) -> None:
    """Start the project's synth server now. Unused (its input closed at exit), it ends without a
    request."""
    root = toolkit_root(project_dir)
    if (project_dir / "Pulumi.yaml").is_file() and server_available(root):
        started_early[project_dir] = spawn_server(project_dir, root)
