"""Rendering `tierup diff`: for people, for the PR comment, and as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tierup.diff.command import StackDiff
from tierup.diff.compare import PropertyChange
from tierup.diff.migration import BACK_HERE, DO_FIRST, HERE, NEXT, SKIPPED, THIS_CHANGE, Runbook, RunbookStep
from tierup.render import WIDTH, columns, markdown_table, money, sentence, short_type, wrap, wrap_parts
from tierup.report import guardrail_lines

KINDS = ("added", "changed", "deleted")
STEP_TITLES = {"before": "before `pulumi up`", "downtime": "downtime", "after": "after `pulumi up`", "rollback": "rollback"}
LONG_PATH = 36
"""Values of a longer `path: ` continue under the path rather than under the value."""
NO_CHANGES = "no changes: both sides build the same resources with the same inputs"


def _shown(value: Any) -> str:
    """A value whole: a string as it is (quoted if it spans lines), anything else as JSON."""
    return value if isinstance(value, str) and "\n" not in value else json.dumps(value)


def _short(value: Any, limit: int = 30) -> str:
    text = _shown(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _signed(value: float) -> str:
    return f"+{money(value)}" if value >= 0 else money(value)


def cost_parts(result: StackDiff) -> list[str]:
    """The cost before and after with the change per tier, or one amount when nothing moves."""
    old, new = result.old_cost, result.new.cost
    if old.by_tier() == new.by_tier():
        return [f"cost: {money(new.total)}/month, unchanged"]
    tiers = sorted(set(old.by_tier()) | set(new.by_tier()))
    deltas = [f"{tier} {_signed(new.by_tier().get(tier, 0) - old.by_tier().get(tier, 0))}" for tier in tiers]
    return [f"cost: {money(old.total)} → {money(new.total)} ({_signed(result.cost_delta)}/month)", ", ".join(deltas)]


def cost_line(result: StackDiff) -> str:
    return " · ".join(cost_parts(result))


def property_lines(change: PropertyChange, indent: str = "      ") -> list[str]:
    """`path: old → new` whole: on one line if it fits, else the old value, then `→ new` under it,
    each wrapped under the value (or deeper in, when the path is long)."""
    prefix = f"{indent}{change.path}: "
    old, new = _shown(change.old), _shown(change.new)
    if len(prefix) + len(old) + 3 + len(new) <= WIDTH:
        return [f"{prefix}{old} → {new}"]
    hang = " " * len(prefix) if len(prefix) <= LONG_PATH else indent + "    "
    return [*wrap(old, prefix, hang), *wrap(f"→ {new}", hang, hang + "  ")]


def _change_lines(result: StackDiff) -> list[str]:
    lines: list[str] = []
    for kind in KINDS:
        changes = sorted(result.diff.of_kind(kind), key=lambda c: (c.tier, c.type, c.name))
        retagged = [c for c in changes if c.tags_only]
        changes = [c for c in changes if not c.tags_only]
        lines.append(
            f"  {kind} ({len(changes) + len(retagged)})" + (f", of which {len(retagged)} only retagged (tags.Release and the like)" if retagged else "")
        )
        rows = [(c.tier, short_type(c.type), c.name, c.severity if c.severity != "ok" else "") for c in changes]
        lines += columns(("tier", "type", "name", ""), rows, indent="    ")[1:] if rows else []
        for change in changes:
            if not (change.properties or change.old_urn or change.reasons):
                continue
            lines.append(f"    {change.name}:")
            if change.old_urn:
                lines += wrap(f"was {change.old_urn} (alias)", "      ", "          ")
            for prop in change.properties:
                lines += property_lines(prop)
            for reason in change.reasons:
                lines += wrap(reason, f"      {change.severity}: ")
    dangers = result.diff.dangers
    lines.append(f"  DANGER: {len(dangers)}" + ("" if dangers else " (no data at risk)"))
    for c in dangers:
        lines += wrap(f"{c.severity} {c.kind} {short_type(c.type)} {c.name}: {'; '.join(c.reasons)}", "    ", "      ")
    return lines


def diff_lines(result: StackDiff) -> list[str]:
    diff = result.diff
    if result.to_release:
        lines = [f"diff {diff.stack}: release {diff.old_release} → {diff.new_release}"]
    else:
        lines = wrap(f"diff {diff.stack}: {result.base_label} (release {diff.old_release}) → working tree (release {diff.new_release})", "", "  ")
    # Nothing to migrate when nothing changes: no counts, no checklist, only the new side's verdicts.
    lines += _change_lines(result) if diff.changes else [f"  {NO_CHANGES}"]
    lines += wrap_parts(cost_parts(result), "  ", "        ")
    lines += guardrail_lines(result.new.policies)
    if any(result.steps.values()):
        lines.append("  migration checklist:")
        for step, title in STEP_TITLES.items():
            lines.append(f"    {title}:")
            for item in result.steps[step]:
                lines += wrap(item, "      - ")
    if result.runbook:
        lines += runbook_lines(result.runbook)
    return lines


RUNBOOK_TITLE = "migration runbook: RDS → Aurora, one reviewed step at a time"
MARKS = {
    HERE: "{stack} is here",
    NEXT: "next",
    THIS_CHANGE: "this change",
    DO_FIRST: "do this first",
    SKIPPED: "SKIPPED",
    BACK_HERE: "this change goes back here",
}
COMMAND_INDENT = "        "


def mark_label(step: RunbookStep, stack: str) -> str:
    return MARKS[step.mark].format(stack=stack) if step.mark else ""


def command_lines(command: str, indent: str = COMMAND_INDENT) -> list[str]:
    """A command on one line, or broken before its options with ` \\` continuations so that the
    lines still paste into a shell (wrapped prose would not)."""
    if len(indent) + len(command) <= WIDTH:
        return [indent + command]
    lines, current = [], ""
    for part in command.replace(" --", "\0--").split("\0"):
        if current and len(indent) + len(current) + 1 + len(part) + 2 > WIDTH:
            lines.append(current + " \\")
            current = "  " + part
        else:
            current = f"{current} {part}" if current else part
    return [indent + line for line in [*lines, current]]


def runbook_lines(runbook: Runbook) -> list[str]:
    """The runbook after the checklist: every step with its commands, downtime and rollback."""
    lines = wrap(f"{RUNBOOK_TITLE} · {runbook.summary}", "  ", "    ")
    for danger in runbook.dangers:
        lines += wrap(danger, "    DANGER: ", "      ")
    for step in runbook.steps:
        label = mark_label(step, runbook.stack)
        lines += wrap(f"step {step.number}{f' [{label}]' if label else ''}: {step.title}", "    ", "      ")
        for command in step.commands:
            lines += command_lines(command)
        if step.commands:
            lines += wrap(f"downtime: {step.downtime}", "      ", "        ")
            lines += wrap(f"rollback: {step.rollback}", "      ", "        ")
    return lines


def runbook_markdown(runbook: Runbook) -> list[str]:
    # The summary starts with the stack's name: kept lowercase, as the stack is spelled.
    lines = [f"#### {sentence(RUNBOOK_TITLE).rstrip('.')}", "", f"{runbook.summary}.", ""]
    lines += [f"- :warning: **DANGER**: {danger}" for danger in runbook.dangers] + ([""] if runbook.dangers else [])
    for step in runbook.steps:
        label = mark_label(step, runbook.stack)
        lines += [f"**Step {step.number}: {step.title}**" + (f" — _{label}_" if label else ""), ""]
        if step.commands:
            lines += ["```sh", *step.commands, "```", "", f"- Downtime: {step.downtime}", f"- Rollback: {step.rollback}", ""]
    return lines


def runbook_json(runbook: Runbook | None) -> dict[str, Any] | None:
    if runbook is None:
        return None
    return {
        "at": runbook.at,
        "to": runbook.to,
        "summary": runbook.summary,
        "dangers": list(runbook.dangers),
        "steps": [
            {"number": s.number, "title": s.title, "mark": s.mark or None, "commands": list(s.commands), "downtime": s.downtime, "rollback": s.rollback}
            for s in runbook.steps
        ],
    }


def render_diff_text(results: Sequence[StackDiff]) -> str:
    return "\n\n".join("\n".join(diff_lines(result)) for result in results)


def render_diff_markdown(results: Sequence[StackDiff]) -> str:
    lines = ["## tierup diff", ""]
    for result in results:
        diff = result.diff
        mark = ":warning: DANGER" if result.dangerous else ":white_check_mark:"
        counts = ", ".join(f"{len(diff.of_kind(kind))} {kind}" for kind in KINDS) if diff.changes else NO_CHANGES
        lines += [f"### {mark} `{diff.stack}`: {result.base_label} → release {diff.new_release}", "", f"{sentence(counts)} {sentence(cost_line(result))}", ""]
        shown = [c for c in diff.changes if not c.tags_only]
        if shown:
            rows = [
                (
                    f"{change.severity if change.severity != 'ok' else ''} {change.kind}",
                    change.tier,
                    f"`{change.type}`",
                    f"`{change.name}`",
                    "; ".join([*(f"`{p.path}`: {_short(p.old)} → {_short(p.new)}" for p in change.properties[:4]), *change.reasons]),
                )
                for change in shown
            ]
            lines += [*markdown_table(("change", "tier", "type", "name", "notes"), rows), ""]
        if any(result.steps.values()):
            lines += ["<details><summary>Migration checklist</summary>", ""]
            for step, title in STEP_TITLES.items():
                lines += [f"**{title}**", ""] + [f"- {item}" for item in result.steps[step]] + [""]
            lines += ["</details>", ""]
        if result.runbook:
            lines += runbook_markdown(result.runbook)
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
                "runbook": runbook_json(result.runbook),
            }
        )
    return json.dumps({"diffs": documents}, indent=2, default=str)


DIFF_RENDERERS = {"table": render_diff_text, "markdown": render_diff_markdown, "json": render_diff_json}
