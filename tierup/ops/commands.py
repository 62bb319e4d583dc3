"""The operations commands end to end: stack settings, discovery, the check, the report."""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tierup.cost.from_graph import estimate_graph
from tierup.ops import advisor
from tierup.ops.audit import DRIFT, audit
from tierup.ops.aws import Aws, aws_errors
from tierup.ops.discovery import LiveStack, discover
from tierup.ops.endpoint import endpoint
from tierup.ops.spend import spend
from tierup.render import columns, wrap
from tierup.synth.runner import synthesize
from tierup.synth.stackfile import load_stack_config
from tierup_guardrails.cost.model import Estimate
from tierup_guardrails.settings import Release, StackSettings, load_settings
from tierup_guardrails.settings.guardrails import guardrails_for

EXIT_OK, EXIT_FAILED = 0, 1


@dataclass(frozen=True)
class Target:
    """A deployed stack: its settings from the stack file, and where its resources live."""

    project_dir: Path
    stack: str
    project: str
    settings: StackSettings
    aws: Aws


def target(project_dir: Path, stack: str, endpoint_url: str | None) -> Target:
    config = load_stack_config(project_dir, stack)
    settings = load_settings(config.values, config.secret_keys)
    return Target(project_dir, stack, config.project, settings, Aws(settings.region, endpoint_url))


def _live(t: Target) -> LiveStack:
    with aws_errors(t.aws.endpoint_url):
        return discover(t.aws, t.project, t.stack)


def advise(t: Target, days: int, output_format: str) -> tuple[str, int]:
    live = _live(t)
    with aws_errors(t.aws.endpoint_url):
        verdicts = advisor.evaluate(live, t.aws.client("cloudwatch"), t.settings.release, days)
    wanted = advisor.recommendation(verdicts, t.settings.release)
    cost = estimate_graph(synthesize(t.project_dir, t.stack, wanted.value)) if wanted else None
    command = f"pulumi config set -s {t.stack} tierup:release {wanted.value}" if wanted else None
    if output_format == "json":
        return json.dumps(_advice_document(t, days, verdicts, wanted, cost, command), indent=2), EXIT_OK
    lines = _advice_lines(t, days, verdicts, wanted, cost, command)
    return "\n".join(["```", *lines, "```"] if output_format == "markdown" else lines), EXIT_OK


def _advice_document(
    t: Target, days: int, verdicts: list[advisor.Verdict], wanted: Release | None, cost: Estimate | None, command: str | None
) -> dict[str, object]:
    rules = [
        {
            "rule": v.rule.id,
            "description": v.rule.description,
            "measured": v.measured,
            "threshold": v.rule.threshold,
            "unit": v.rule.unit,
            "verdict": v.verdict,
            "recommends": v.rule.recommends.value,
        }
        for v in verdicts
    ]
    recommendation = None if wanted is None else {"release": wanted.value, "monthly": cost.total if cost else None, "command": command}
    return {"stack": t.stack, "release": t.settings.release.value, "days": days, "rules": rules, "recommendation": recommendation}


def _advice_lines(t: Target, days: int, verdicts: list[advisor.Verdict], wanted: Release | None, cost: Estimate | None, command: str | None) -> list[str]:
    def verdict(v: advisor.Verdict) -> str:
        return v.verdict + (f" → {v.rule.recommends.value}" if v.verdict == advisor.TRIGGERED else "")

    # Each rule's description names its threshold (the JSON carries it apart): no column for it.
    rows = [(v.rule.description, verdict(v), v.measured) for v in verdicts]
    lines = [
        f"advise {t.stack} · release {t.settings.release.value} · {t.settings.region} · last {days} days",
        *columns(("rule", "verdict", "measured"), rows, wrap_column=2),
    ]
    if wanted is None or cost is None:
        triggered = any(v.verdict == advisor.TRIGGERED for v in verdicts)
        if triggered and t.settings.release is advisor.RELEASE_ORDER[-1]:
            lines += wrap(
                f"{t.settings.release.value} is the top of the ladder; scale within it (tierup:compute.maxTasks, tierup:data.instanceClass)",
                "  recommendation: ",
            )
        else:
            lines += wrap(f"stay on {t.settings.release.value}; no rule calls for more (rules without data are not counted)", "  recommendation: ")
        return lines
    actions = ", ".join(sorted({v.rule.action for v in verdicts if v.verdict == advisor.TRIGGERED}))
    now = estimate_graph(synthesize(t.project_dir, t.stack)).total
    lines += wrap(f"move to {wanted.value} ({actions})", "  recommendation: ")
    lines += wrap(f"${cost.total:,.2f}/month against a budget of ${cost.budget_usd:,.2f} (now ${now:,.2f})", "  its estimate: ")
    lines += wrap(f"`{command}` (then `tierup diff {t.stack} --to-release {wanted.value}`)", "  the change: ")
    return lines


def run_audit(t: Target) -> tuple[str, int]:
    live = _live(t)
    with aws_errors(t.aws.endpoint_url):
        account = t.aws.client("sts").get_caller_identity()["Account"]
        findings = audit(live, t.settings, guardrails_for(t.settings), waf=t.aws.client("wafv2"), budgets=t.aws.client("budgets"), account=account)
    drifted = [f for f in findings if f.verdict == DRIFT]
    rows = [(f.item, f.expected, f.actual, f.verdict) for f in findings]
    lines = [f"audit {t.stack} · release {t.settings.release.value} · {t.settings.region}"]
    lines += columns(("promise", "expected", "actual", "verdict"), rows, wrap_column=0)
    lines.append(f"  {len(drifted)} drift(s) from the release's promises" if drifted else "  no drift: the account keeps every promise of the release")
    return "\n".join(lines), EXIT_FAILED if drifted else EXIT_OK


def run_endpoint(t: Target) -> tuple[str, int]:
    live = _live(t)
    with aws_errors(t.aws.endpoint_url):
        return endpoint(live, t.aws.client("ecs"), t.aws.client("ec2")), EXIT_OK


def run_spend(t: Target, today: date) -> tuple[str, int]:
    with aws_errors(t.aws.endpoint_url):
        actual = spend(t.aws.client("ce"), t.stack, t.project, today)
    estimate = estimate_graph(synthesize(t.project_dir, t.stack))
    # Cost Explorer's End is exclusive: month to date covers the days before today.
    days_counted = today.day - 1
    projected = round(actual.month_to_date / days_counted * calendar.monthrange(today.year, today.month)[1], 2) if days_counted else 0.0
    rows = [
        ("month to date" + (" (estimated by AWS)" if actual.estimated else ""), f"${actual.month_to_date:,.2f}"),
        ("month to date, projected to a full month", f"${projected:,.2f}"),
        ("last month", f"${actual.last_month:,.2f}"),
        ("tierup estimate", f"${estimate.total:,.2f}"),
        ("difference (projected − estimate)", f"{projected - estimate.total:+,.2f}"),
    ]
    lines = [f"spend {t.stack} · cost allocation tag Stack={t.stack}", *columns(("", "USD"), rows)]
    return "\n".join(lines), EXIT_OK
