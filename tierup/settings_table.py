"""The README's configuration table, generated from the settings' own declarations."""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from pathlib import Path

from tierup.render import markdown_table
from tierup_guardrails.settings import PROFILES
from tierup_guardrails.settings.loader import NAMESPACE
from tierup_guardrails.settings.model import ReleaseProfile

README = Path("README.md")
START, END = "<!-- settings-table:start -->", "<!-- settings-table:end -->"


def _shown(value: object) -> str:
    if isinstance(value, Enum):
        value = value.value
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return "`" + json.dumps([list(v) if isinstance(v, tuple) else v for v in value]) + "`"
    return f"`{value}`" if isinstance(value, str) and value else str(value)


def render_settings_table() -> str:
    """One row per setting: its key, what it does, and its value in each release."""
    releases = list(PROFILES)
    rows = []
    for section in dataclasses.fields(ReleaseProfile):
        if section.name == "limits":
            continue
        for field in dataclasses.fields(type(getattr(PROFILES[releases[0]], section.name))):
            values = [_shown(getattr(getattr(PROFILES[release], section.name), field.name)) for release in releases]
            rows.append((f"`{NAMESPACE}:{section.name}.{field.metadata['key']}`", field.metadata["doc"], *values))
    return "\n".join(markdown_table(("key", "what it sets", *(release.value for release in releases)), rows))


def readme_with_table(readme: str) -> str:
    """The README with its generated table (between the markers) replaced by a fresh one."""
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{render_settings_table()}\n{END}{tail}"


def write_settings_table(project_dir: Path) -> Path:
    path = project_dir / README
    path.write_text(readme_with_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    return path
