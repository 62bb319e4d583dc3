"""The README's generated tables: the configuration (from the settings' own declarations) and the
alarms of each release (from the thresholds table the alarms and `tierup advise` read)."""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from pathlib import Path

from tierup.render import markdown_table
from tierup_guardrails.settings import PROFILES
from tierup_guardrails.settings.loader import NAMESPACE
from tierup_guardrails.settings.model import ReleaseProfile
from tierup_guardrails.thresholds import BY_ID, Comparison

README = Path("README.md")
START, END = "<!-- settings-table:start -->", "<!-- settings-table:end -->"
ALARMS_START, ALARMS_END = "<!-- alarms-table:start -->", "<!-- alarms-table:end -->"


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


def render_alarms_table() -> str:
    """One row per watched signal of any release: what it measures, when it fires, how missing
    data counts, and from which release it is promised."""
    releases = list(PROFILES)
    rows = []
    for watch_id in dict.fromkeys(name for release in releases for name in PROFILES[release].limits.alarms):
        watch = BY_ID[watch_id]
        metrics = ", ".join(f"{m.name} ({m.stat})" for m in watch.metrics)
        measured = f"`{watch.expression}` of {metrics}" if watch.expression else metrics
        measured = f"{watch.metrics[0].namespace} {measured}"
        sign = "<" if watch.comparison is Comparison.BELOW else ">"
        fires = f"{sign} {watch.threshold:g} {watch.unit}, {watch.datapoints} of {watch.evaluation_periods} × {watch.period} s"
        since = next(release.value for release in releases if watch_id in PROFILES[release].limits.alarms)
        missing = f"{watch.missing.value} ({watch.missing_reason})" if watch.alarm else "— (an EventBridge rule notifies each one)"
        rows.append((f"`{watch_id}`", watch.tier, measured, fires if watch.alarm else "each event", missing, since))
    return "\n".join(markdown_table(("alarm", "tier", "metric", "fires at", "missing data", "from"), rows))


def _replaced(readme: str, start: str, end: str, table: str) -> str:
    head, found, rest = readme.partition(start)
    if not found:
        return readme
    _, _, tail = rest.partition(end)
    return f"{head}{start}\n{table}\n{end}{tail}"


def readme_with_table(readme: str) -> str:
    """The README with its generated tables (between their markers) replaced by fresh ones."""
    return _replaced(_replaced(readme, START, END, render_settings_table()), ALARMS_START, ALARMS_END, render_alarms_table())


def write_settings_table(project_dir: Path) -> Path:
    path = project_dir / README
    path.write_text(readme_with_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    return path
