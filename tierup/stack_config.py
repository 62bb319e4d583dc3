"""The program's side of config: read every key the engine hands over, load the settings."""

from __future__ import annotations

import pulumi

from tierup.engine_config import all_config, secret_keys
from tierup_guardrails.settings import ConfigError, StackSettings, load_settings


def load_stack_settings() -> StackSettings:
    """The stack's validated settings; a bad value stops the program with its one-line error."""
    try:
        return load_settings(all_config(), secret_keys())
    except ConfigError as error:
        # RunError makes the CLI print the message alone, without a Python traceback.
        raise pulumi.RunError(str(error)) from None
