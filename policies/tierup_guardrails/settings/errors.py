"""The one error type of stack configuration: a single line naming key, value and what is allowed."""

from __future__ import annotations

import json

MISSING = object()
# Stands in for a value that must not be printed (it may be a secret).
HIDDEN = object()


def show_value(value: object) -> str:
    """Render a config value the way a user wrote it in YAML/JSON (strings quoted)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a parsed 50.0 was written 50
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)


class ConfigError(ValueError):
    """A stack config value that tierup refuses, with the key, the value and what is allowed."""

    def __init__(self, key: str, value: object, problem: str, allowed: str) -> None:
        self.key = key
        self.value = value
        self.problem = problem
        self.allowed = allowed
        # A key typed with a stray newline or tab must not break the one-line contract.
        shown_key = key if key.isprintable() else json.dumps(key)[1:-1]
        super().__init__(f"{shown_key}: {_describe(value, problem)}; allowed: {allowed}")


def _describe(value: object, problem: str) -> str:
    if value is MISSING:
        return "missing"
    return f"{'(value hidden)' if value is HIDDEN else show_value(value)} {problem}"
