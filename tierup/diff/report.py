"""Rendering `tierup diff`: for people, for the PR comment, and as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tierup.cost.report import _money
from tierup.diff.command import StackDiff
from tierup.report import guardrail_lines
from tierup.summary import render_table

KINDS = ("added", "changed", "deleted")
STEP_TITLES = {"before": "before `pulumi up`", "downtime": "downtime", "after": "after `pulumi up`", "rollback": "rollback"}


def _short(value: Any, limit: int = 70) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _signed(value: float) -> str:
    return f"+{_money(value)}" if value >= 0 else _money(value)


def cost_line(result: StackDiff) -> str:
    old, new = result.old_cost, result.new.cost
    tiers = sorted(set(old.by_tier()) | set(new.by_tier()))
    deltas = [f"{tier} {_signed(new.by_tier().get(tier, 0) - old.by_tier().get(tier, 0))}" for tier in tiers]
    return f"cost: {_money(old.total)} → {_money(new.total)} ({_signed(result.cost_delta)}/month) · " + ", ".join(deltas)


def diff_lines(result: StackDiff) -> list[str]:
    diff = result.diff
    if result.to_release:
        lines = [f"diff {diff.stack}: release {diff.old_release} → {diff.new_release}"]
    else:
        lines = [f"diff {diff.stack}: {result.base_label} (release {diff.old_release}) → working tree (release {diff.new_release})"]
    for kind in KINDS:
        changes = sorted(diff.of_kind(kind), key=lambda c: (c.tier, c.type, c.name))
        retagged = [c for c in changes if c.tags_only]
        changes = [c for c in changes if not c.tags_only]
        lines.append(
            f"  {kind} ({len(changes) + len(retagged)})" + (f", of which {len(retagged)} only retagged (tags.Release and the like)" if retagged else "")
        )
        rows = [(c.tier, c.type, c.name, c.severity if c.severity != "ok" else "") for c in changes]
        lines += render_table(("tier", "type", "name", ""), rows, indent="    ")[1:] if rows else []
        for change in changes:
            if not (change.properties or change.old_urn or change.reasons):
                continue
            lines.append(f"    {change.name}:")
            if change.old_urn:
                lines.append(f"      was {change.old_urn} (alias)")
            lines += [f"      {p.path}: {_short(p.old)} → {_short(p.new)}" for p in change.properties]
            lines += [f"      {change.severity}: {reason}" for reason in change.reasons]
    dangers = diff.dangers
    lines.append(f"  DANGER: {len(dangers)}" + ("" if dangers else " (no data at risk)"))
    lines += [f"    {c.severity} {c.kind} {c.type} {c.name}: {'; '.join(c.reasons)}" for c in dangers]
    lines.append(f"  {cost_line(result)}")
    lines += guardrail_lines(result.new)
    lines.append("  migration checklist:")
    for step, title in STEP_TITLES.items():
        lines += [f"    {title}:"] + [f"      - {item}" for item in result.steps[step]]
    return lines


def render_diff_text(results: Sequence[StackDiff]) -> str:
    return "\n\n".join("\n".join(diff_lines(result)) for result in results)


def render_diff_markdown(results: Sequence[StackDiff]) -> str:
    lines = ["## tierup diff", ""]
    for result in results:
        diff = result.diff
        mark = ":warning: DANGER" if diff.dangers else ":white_check_mark:"
        counts = ", ".join(f"{len(diff.of_kind(kind))} {kind}" for kind in KINDS)
        lines += [f"### {mark} `{diff.stack}`: {result.base_label} → release {diff.new_release}", "", f"{counts}. {cost_line(result).capitalize()}.", ""]
        shown = [c for c in diff.changes if not c.tags_only]
        if shown:
            lines += ["| change | tier | type | name | notes |", "|---|---|---|---|---|"]
            for change in shown:
                notes = "; ".join([*(f"`{p.path}`: {_short(p.old, 30)} → {_short(p.new, 30)}" for p in change.properties[:4]), *change.reasons])
                lines.append(
                    f"| {change.severity if change.severity != 'ok' else ''} {change.kind} | {change.tier} | `{change.type}` | `{change.name}` | {notes} |"
                )
            lines.append("")
        lines += ["<details><summary>Migration checklist</summary>", ""]
        for step, title in STEP_TITLES.items():
            lines += [f"**{title}**", ""] + [f"- {item}" for item in result.steps[step]] + [""]
        lines += ["</details>", ""]
    return "\n".join(lines)


def render_diff_json(results: Sequence[StackDiff]) -> str:
    documents = []
    for result in results:
        diff = result.diff
        documents.append(
            {
                "stack": diff.stack,
                "base": result.base_label,
                "oldRelease": diff.old_release,
                "newRelease": diff.new_release,
                "changes": [
                    {
                        "kind": c.kind,
                        "tier": c.tier,
                        "type": c.type,
                        "name": c.name,
                        "urn": c.urn,
                        "oldUrn": c.old_urn,
                        "severity": c.severity,
                        "reasons": list(c.reasons),
                        "properties": [{"path": p.path, "old": p.old, "new": p.new} for p in c.properties],
                    }
                    for c in diff.changes
                ],
                "cost": {"old": result.old_cost.total, "new": result.new.cost.total, "delta": result.cost_delta},
                "policiesPassed": result.new.passed,
                "checklist": result.steps,
            }
        )
    return json.dumps({"diffs": documents}, indent=2, default=str)


DIFF_RENDERERS = {"table": render_diff_text, "markdown": render_diff_markdown, "json": render_diff_json}
