"""Reading a Pulumi project's stack files the way the CLI hands them to a program."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tierup.synth.graph import SECRET
from tierup.synth.launch import project_dir_above


class StackFileError(Exception):
    """A project or stack file that cannot be used; the message is one line for the user."""


@dataclass(frozen=True)
class StackConfig:
    """A stack's config as the engine passes it: `ns:key` → string, plus the secret keys."""

    project: str
    stack: str
    values: dict[str, str]
    secret_keys: tuple[str, ...]


def find_project_dir(start: Path) -> Path:
    """The nearest directory at or above `start` holding Pulumi.yaml."""
    found = project_dir_above(start)
    if found is not None:
        return found
    raise StackFileError(f"no Pulumi.yaml in {start} or any parent directory; run tierup inside a Pulumi project")


def list_stacks(project_dir: Path) -> list[str]:
    """Stack names with a Pulumi.<stack>.yaml in the project, sorted."""
    return sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in project_dir.glob("Pulumi.*.yaml"))


def project_name(project_dir: Path) -> str:
    document = _read_yaml(project_dir / "Pulumi.yaml")
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise StackFileError(f"{project_dir / 'Pulumi.yaml'}: the project has no name")
    return name


def load_stack_config(project_dir: Path, stack: str, release: str | None = None) -> StackConfig:
    """The stack's config with `secure:` values replaced by a marked placeholder: they cannot
    be decrypted offline, and a placeholder keeps plaintext out of every graph and log.
    `release` stands in for the file's `tierup:release` (checks and diffs one release up)."""
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = ", ".join(list_stacks(project_dir)) or "none"
        raise StackFileError(f"no stack {stack!r}: {path.name} does not exist; stacks here: {known}")
    config = _read_yaml(path).get("config") or {}
    if not isinstance(config, dict):
        raise StackFileError(f"{path.name}: 'config' must be a mapping of namespace:key to value")
    project = project_name(project_dir)
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for raw_key, raw_value in config.items():
        key = raw_key if ":" in str(raw_key) else f"{project}:{raw_key}"
        value, secret = _without_secure_values(raw_value)
        values[key] = _as_engine_string(value)
        if secret:
            secret_keys.append(key)
    if release is not None:
        values["tierup:release"] = release
    return StackConfig(project=project, stack=stack, values=values, secret_keys=tuple(secret_keys))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise StackFileError(f"{path.name}: malformed YAML{where}: {problem}") from None
    except OSError as error:
        raise StackFileError(f"{path}: cannot be read: {error.strerror}") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise StackFileError(f"{path.name}: expected a mapping at the top level")
    return document


def _without_secure_values(value: Any) -> tuple[Any, bool]:
    """The value with every `{secure: ...}` replaced by the placeholder, and whether any was."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET, True
        pairs = [(k, _without_secure_values(v)) for k, v in value.items()]
        return {k: v for k, (v, _) in pairs}, any(s for _, (_, s) in pairs)
    if isinstance(value, list):
        items = [_without_secure_values(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def _as_engine_string(value: Any) -> str:
    # The CLI passes scalars as their text and objects/lists as JSON.
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)
