"""The program's side of config: read every key the engine hands over, load the settings."""

from __future__ import annotations

import pulumi
from pulumi.runtime import config as runtime_config

from tierup_guardrails.settings import ConfigError, StackSettings, load_settings


def current_stack_config() -> dict[str, object]:
    """Every config value of the running stack, as the CLI (environment) or mocks set it."""
    return {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}


def current_secret_keys() -> set[str]:
    """Config keys holding `secure:` values, from the CLI's environment or the mocks."""
    return set(runtime_config.get_config_secret_keys_env()) | set(runtime_config._SECRET_KEYS.get())


def load_stack_settings() -> StackSettings:
    """The stack's validated settings; a bad value stops the program with its one-line error."""
    try:
        return load_settings(current_stack_config(), current_secret_keys())
    except ConfigError as error:
        # RunError makes the CLI print the message alone, without a Python traceback.
        raise pulumi.RunError(str(error)) from None
