"""The one place tierup reads the Pulumi SDK's config store beyond its public API.

`pulumi.Config` reads one known key at a time; listing every key of the stack (to refuse a
misspelt `tierup:*` key) and the keys holding secure values has no public API. Checked against
the pulumi Python SDK 3.272.0 (pulumi/runtime/config.py): the CLI hands the config to the program
in PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS (get_config_env, get_config_secret_keys_env), and
`set_all_config` (mocks, tests) fills the CONFIG and _SECRET_KEYS context variables.
"""

from __future__ import annotations

from pulumi.runtime import config as runtime_config


def all_config() -> dict[str, object]:
    """Every config value of the running stack, as the CLI (environment) or mocks set it."""
    return {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}


def secret_keys() -> set[str]:
    """Config keys holding `secure:` values, from the CLI's environment or the mocks."""
    return set(runtime_config.get_config_secret_keys_env()) | set(runtime_config._SECRET_KEYS.get())
