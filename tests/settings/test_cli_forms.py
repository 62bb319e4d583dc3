"""Every documented `pulumi config set` form, read from a stack file written the way the CLI
writes it (plain, --path, --type, --secret), gives the same settings or a one-line error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tierup.synth.stackfile import load_stack_config
from tierup_guardrails.settings import ConfigError, StackSettings, load_settings

HEAD = "config:\n  aws:region: us-east-1\n  tierup:release: v1.5\n"


def settings_from(tmp_path: Path, body: str) -> StackSettings:
    (tmp_path / "Pulumi.yaml").write_text("name: tierup\nruntime: python\n")
    (tmp_path / "Pulumi.forms.yaml").write_text(HEAD + body)
    config = load_stack_config(tmp_path, "forms")
    return load_settings(config.values, config.secret_keys)


@pytest.mark.parametrize(
    ("form", "body"),
    [
        # pulumi config set --path tierup:data.engineVersion 16: the CLI stores a YAML integer.
        ("--path", "  tierup:data:\n    engineVersion: 15\n"),
        # pulumi config set --path --type string tierup:data.engineVersion 15
        ("--path --type string", '  tierup:data:\n    engineVersion: "15"\n'),
        # pulumi config set tierup:data '{"engineVersion": 15}': an object as JSON text.
        ("plain JSON object", "  tierup:data: '{\"engineVersion\": 15}'\n"),
    ],
)
def test_engine_version_in_every_form(tmp_path: Path, form: str, body: str) -> None:
    assert settings_from(tmp_path, body).data.engine_version == "15", form


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("  tierup:app:\n    user: 1000\n", "1000"),  # --path tierup:app.user 1000
        ('  tierup:app:\n    user: "1000:1000"\n', "1000:1000"),  # --path tierup:app.user 1000:1000 (YAML would read 1000:1000 as base 60 unquoted)
        ("  tierup:app:\n    user: nginx\n", "nginx"),
    ],
)
def test_app_user_as_the_cli_stores_it(tmp_path: Path, body: str, expected: str) -> None:
    assert settings_from(tmp_path, body).app.user == expected


def test_typed_path_values_keep_their_meaning(tmp_path: Path) -> None:
    # --path with true, 3 and 60.5 stores a bool, an int and a float; --type string stores text.
    body = (
        '  tierup:compute:\n    waf: true\n    maxTasks: 3\n    minTasks: "2"\n'
        '  tierup:network:\n    availabilityZones:\n    - use1-az1\n    - use1-az2\n    flowLogs: "false"\n'
        "  tierup:budget:\n    monthlyUsd: 160.5\n"
    )
    settings = settings_from(tmp_path, body)
    assert (settings.compute.waf, settings.compute.max_tasks, settings.compute.min_tasks) == (True, 3, 2)
    assert (settings.network.availability_zones, settings.network.flow_logs, settings.budget.monthly_usd) == (("use1-az1", "use1-az2"), False, 160.5)


def test_a_secret_set_under_tierup_is_refused_without_showing_it(tmp_path: Path) -> None:
    # pulumi config set --secret --path tierup:data.engineVersion 16
    with pytest.raises(ConfigError) as raised:
        settings_from(tmp_path, "  tierup:data:\n    engineVersion:\n      secure: v1:abcdefghijklmnop\n")
    assert str(raised.value) == (
        "tierup:data: (value hidden) is a secure value, which would end up in plaintext in a resource; "
        "allowed: plain values; pass secrets as Secrets Manager or SSM parameter ARNs in tierup:app.secrets"
    )
    assert "v1:abc" not in str(raised.value)


def test_a_bool_is_not_an_engine_version(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        settings_from(tmp_path, "  tierup:data:\n    engineVersion: true\n")
    assert str(raised.value) == "tierup:data.engineVersion: true is not allowed; allowed: a PostgreSQL major version: 14, 15, 16 or 17"
