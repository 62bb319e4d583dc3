"""Shared fixtures: the repository's project and synthesized graphs, computed once per session."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from tierup.synth.graph import ResourceGraph
from tierup.synth.runner import synthesize

PROJECT_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """An AWS emulator (moto) on loopback for the whole session; tests reset it as they need."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


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
    shutil.copytree(PROJECT_DIR / "policies", root / "policies", ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    for stack, text in stack_files.items():
        (root / f"Pulumi.{stack}.yaml").write_text(text)
    return root


CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f2b3c4d-1111-2222-3333-444455556666"
APP_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-AbCdEf"
APP_PARAMETER = "arn:aws:ssm:us-east-1:123456789012:parameter/shop/api-key"


@pytest.fixture(scope="session")
def tls_graph(tmp_path_factory: pytest.TempPathFactory) -> ResourceGraph:
    """v1.5 with a certificate and secrets, as a team would configure production."""
    stack = (
        "config:\n  aws:region: us-east-1\n  tierup:release: v1.5\n  tierup:app:\n"
        f"    certificateArn: {CERTIFICATE}\n    environment:\n      NODE_ENV: production\n"
        f"    secrets:\n      STRIPE_KEY: {APP_SECRET}\n      API_KEY: {APP_PARAMETER}\n"
    )
    return synthesize(make_project(tmp_path_factory.mktemp("tls"), {"tls": stack}), "tls")
