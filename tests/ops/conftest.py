"""A moto server on a free loopback port for the whole session, reset before each test."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}
TAGS = [{"Key": "Project", "Value": "tierup"}]


@pytest.fixture()
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A boto3 client factory on the emulator, against an empty account."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST"), timeout=10).read()
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)

    def client(service: str) -> Any:
        return boto3.client(service, region_name="us-east-1", endpoint_url=moto_url, **{k.lower(): v for k, v in CREDENTIALS.items()})

    yield client


def run_tierup(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **CREDENTIALS} if env is None else env
    return subprocess.run([sys.executable, "-m", "tierup.cli", *args], cwd=cwd, capture_output=True, text=True, check=False, env=environment, timeout=120)


def stack_tags(stack: str, lower: bool = False) -> list[dict[str, str]]:
    tags = [{"Key": "Project", "Value": "tierup"}, {"Key": "Stack", "Value": stack}]
    return [{"key": t["Key"], "value": t["Value"]} for t in tags] if lower else tags
