"""Shared fixtures: the repository's project and synthesized graphs, computed once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tierup.synth.graph import ResourceGraph
from tierup.synth.runner import synthesize

PROJECT_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def project_dir() -> Path:
    return PROJECT_DIR


@pytest.fixture(scope="session")
def dev_graph() -> ResourceGraph:
    return synthesize(PROJECT_DIR, "dev")


@pytest.fixture(scope="session")
def prod_graph() -> ResourceGraph:
    return synthesize(PROJECT_DIR, "prod")


@pytest.fixture(scope="session")
def scale_graph() -> ResourceGraph:
    """The prod stack moved up to v2.0."""
    return synthesize(PROJECT_DIR, "prod", release="v2.0")


def make_project(root: Path, stack_files: dict[str, str], program: str | None = None) -> Path:
    """A copy of the project with its own stack files (and optionally its own program)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_DIR / "Pulumi.yaml", root / "Pulumi.yaml")
    if program is None:
        shutil.copy(PROJECT_DIR / "__main__.py", root / "__main__.py")
    else:
        (root / "__main__.py").write_text(program)
    for stack, text in stack_files.items():
        (root / f"Pulumi.{stack}.yaml").write_text(text)
    return root
