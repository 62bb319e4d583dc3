"""The two sides of a diff: the stack at another release, or the stack at a git ref."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tierup.synth.stackfile import StackFileError


class GitRefError(Exception):
    """The base ref cannot be checked out; the message is one line."""


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)


@contextmanager
def worktree_at(project_dir: Path, ref: str) -> Iterator[Path]:
    """The project as it was at `ref`, in a temporary detached worktree removed afterwards."""
    top = _git(project_dir, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise GitRefError(f"{project_dir} is not in a git repository; --base needs one")
    commit = _git(project_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if commit.returncode != 0:
        raise GitRefError(f"--base {ref}: no such commit in {top.stdout.strip()}")
    root = Path(tempfile.mkdtemp(prefix="tierup-base-"))
    checkout = root / "tree"
    added = _git(project_dir, "worktree", "add", "--detach", str(checkout), commit.stdout.strip())
    if added.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise GitRefError(f"--base {ref}: git worktree add failed: {added.stderr.strip().splitlines()[-1]}")
    try:
        relative = project_dir.resolve().relative_to(Path(top.stdout.strip()).resolve())
        base_project = checkout / relative
        if not (base_project / "Pulumi.yaml").is_file():
            raise StackFileError(f"--base {ref}: the project did not exist at that commit")
        yield base_project
    finally:
        _git(project_dir, "worktree", "remove", "--force", str(checkout))
        shutil.rmtree(root, ignore_errors=True)
