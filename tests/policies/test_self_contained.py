"""The pack as `pulumi policy publish` ships it: a copy of policies/ alone, in a virtualenv made
from policies/requirements.txt only, answers with no stack config and gives the same verdicts as
`tierup check` on both stacks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tierup.policy_runner import PolicyPackProcess
from tierup.synth.graph import ResourceGraph
from tierup.synth.stackfile import load_stack_config
from tierup_guardrails.pack import all_policies

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(the copied pack, the python of its own fresh virtualenv)."""
    root = tmp_path_factory.mktemp("published")
    pack = root / "pack"
    shutil.copytree(PROJECT_DIR / "policies", pack, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    python = str(root / "venv" / "bin" / "python")
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    subprocess.run([python, "-m", "pip", "install", "--quiet", "-r", str(pack / "requirements.txt")], check=True, env=clean)
    return pack, python


def test_the_copy_cannot_see_the_project(published: tuple[Path, str]) -> None:
    pack, python = published
    probe = "import importlib.util as u; print([n for n in ('tierup', 'components', 'pulumi_aws') if u.find_spec(n)])"
    result = subprocess.run([python, "-c", probe], cwd=pack, capture_output=True, text=True, check=True, env={"PATH": os.environ["PATH"]})
    assert result.stdout.strip() == "[]"


def test_with_no_stack_config_it_starts_and_every_policy_is_mandatory(published: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    pack, python = published
    monkeypatch.delenv("PYTHONPATH", raising=False)
    with PolicyPackProcess(pack, None, python=python) as process:
        levels = process.policy_levels()
    assert len(levels) == len(all_policies()) and set(levels.values()) == {"mandatory"}
    assert "tierup-stack-config-valid" in levels


def test_with_no_stack_config_the_analysis_fails_closed(published: tuple[Path, str], dev_graph: ResourceGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    pack, python = published
    monkeypatch.delenv("PYTHONPATH", raising=False)
    with PolicyPackProcess(pack, None, python=python) as process:
        report = process.analyze(dev_graph)
    assert [(f.policy, f.level, f.message) for f in report.findings] == [
        (
            "tierup-stack-config-valid",
            "mandatory",
            "Fix the stack's config: tierup:release: missing; allowed: v1.0, v1.5, v2.0, v3.0.",
        )
    ]
    assert report.not_applicable["rds-multi-az"] == "the stack's tierup config is missing or invalid (see tierup-stack-config-valid)"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_copy_gives_the_verdicts_of_tierup_check(
    stack: str, published: tuple[Path, str], request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack, python = published
    graph: ResourceGraph = request.getfixturevalue(f"{stack}_graph")
    config = load_stack_config(PROJECT_DIR, stack)
    with PolicyPackProcess(PROJECT_DIR / "policies", config) as in_repo:
        expected = in_repo.analyze(graph)
    monkeypatch.delenv("PYTHONPATH", raising=False)
    with PolicyPackProcess(pack, config, python=python) as copy:
        report = copy.analyze(graph)
    assert report == expected
    assert report.passed and report.policy_count == len(all_policies())
