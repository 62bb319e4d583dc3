"""Rendering an estimate: an aligned table for people, markdown for PR comments, and JSON in
Infracost's output format (version 0.2) so that Infracost's own `output`/`comment` can render it.

The JSON validates against Infracost's published schema (schema/infracost.schema.json in
github.com/infracost/infracost; the copy the tests use is tests/cost/infracost.schema.json).
Where tierup says more than that schema has fields for, it uses the places the schema leaves
open: each project's release and budget verdict are a warning diagnostic (`metadata.warnings`,
with the amounts in its `data`); why a component has no price is in its resource's `metadata`
(`notes`), and the component says `priceNotFound`. Usage-based stack lines (logs, Secrets Manager
calls, data out) appear as a pseudo-resource `tierup:stack/usage`. There is no earlier estimate,
so `pastBreakdown` is empty and `diff` is the whole breakdown, as Infracost's `diff` shows a new
project; there is no git metadata, so the VCS fields are empty as in Infracost's runs outside git.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import groupby

from tierup.render import columns, markdown_table, money, wrap, wrap_parts
from tierup_guardrails.cost.model import HOURS_PER_MONTH, PRICED, UNPRICED, CostLine, Estimate
from tierup_guardrails.settings.ladder import ROADMAP_BANDS
from tierup_guardrails.settings.model import Release


def budget_parts(estimate: Estimate) -> list[str]:
    """The estimate against the budget and the goal, in parts a line may break between."""
    verdict = "within budget" if estimate.within_budget else "OVER BUDGET"
    goal = "meets the goal" if estimate.total <= estimate.goal_usd else f"{money(estimate.total - estimate.goal_usd)} above the goal"
    parts = [
        f"cost: {money(estimate.total)}/month",
        f"budget {money(estimate.budget_usd)} ({verdict}, headroom {money(estimate.headroom)})",
        f"goal {money(estimate.goal_usd)} ({goal})",
    ]
    if estimate.ceiling != estimate.total:
        parts.append(f"ceiling at full scale {money(estimate.ceiling)}")
    parts += _roadmap_parts(estimate)
    if estimate.unpriced:
        parts.append(f"{len(estimate.unpriced)} unpriced item(s)")
    return parts


def _roadmap_parts(estimate: Estimate) -> list[str]:
    """Where the estimate falls in the roadmap's band for its release, where it names one."""
    band = ROADMAP_BANDS.get(Release(estimate.release)) if estimate.release in set(Release) else None
    if band is None:
        return []
    low, high = band
    where = "below it" if estimate.total < low else "above it" if estimate.total > high else "within it"
    return [f"roadmap band {money(low)}–{money(high)} ({where})"]


def budget_line(estimate: Estimate) -> str:
    return " · ".join(budget_parts(estimate))


def budget_lines(estimate: Estimate, indent: str = "  ") -> list[str]:
    """The budget line for people: wrapped between its parts, under the amount."""
    return wrap_parts(budget_parts(estimate), indent, " " * len(f"{indent}cost: "))


def shown_lines(estimate: Estimate) -> list[CostLine]:
    """The lines a reader is shown: each that costs something or has no price, by tier, the
    dearest resource first and its dearest item first."""
    shown = [line for line in estimate.lines if line.status == UNPRICED or line.monthly > 0]
    by_resource: dict[tuple[str, str], float] = {}
    for line in shown:
        by_resource[(line.tier, line.resource)] = by_resource.get((line.tier, line.resource), 0.0) + line.monthly
    return sorted(shown, key=lambda line: (line.tier, -by_resource[(line.tier, line.resource)], line.resource, -line.monthly))


def table_lines(estimate: Estimate) -> list[str]:
    """The shown lines under their tier (with its subtotal) and resource, then the total against
    the budget, and the notes on how a price was found."""
    rows: list[tuple[str, str, str, str]] = []
    subtotals = estimate.by_tier()
    for tier, in_tier in groupby(shown_lines(estimate), key=lambda line: line.tier):
        rows.append((tier, "", "", money(subtotals[tier])))
        for resource, items in groupby(in_tier, key=lambda line: line.resource):
            rows.append((f"  {resource}", "", "", ""))
            rows += [(f"    {line.shown_item}", _quantity(line), _unit_price(line), _line_cost(line)) for line in items]
    headline = (estimate.stack, f"release {estimate.release}", estimate.region, f"prices as of {estimate.catalogue_retrieved}", "730 h/month")
    lines = [
        *wrap_parts(headline, hang="  "),
        *columns(("tier / resource / item", "quantity", "unit price", "monthly"), rows, wrap_column=0, hang=2),
        "",
        *budget_lines(estimate),
    ]
    for note in sorted({f"{line.resource}: {line.note}" for line in estimate.lines if line.note and line.status != "free"}):
        lines += wrap(note, "  note: ")
    return lines


def _quantity(line: CostLine) -> str:
    return f"{line.quantity:,.2f} {line.unit}".strip()


def _unit_price(line: CostLine) -> str:
    """The price of one unit of the quantity beside it (quantity × unit price = monthly)."""
    return f"${line.price.usd:g}" if line.price else "—"


def _line_cost(line: CostLine) -> str:
    if line.status == UNPRICED:
        return "unpriced"
    ceiling = f" (≤ {money(line.monthly_ceiling)})" if line.monthly_ceiling != line.monthly else ""
    return f"{money(line.monthly)}{ceiling}"


def render_cost_text(estimates: Sequence[Estimate]) -> str:
    return "\n\n".join("\n".join(table_lines(estimate)) for estimate in estimates)


def render_cost_markdown(estimates: Sequence[Estimate]) -> str:
    summary = [
        (
            f"{':white_check_mark:' if e.within_budget else ':x:'} `{e.stack}`",
            e.release,
            *(money(amount) for amount in (e.total, e.budget_usd, e.headroom, e.goal_usd, e.ceiling)),
        )
        for e in estimates
    ]
    lines = ["## tierup cost", "", *markdown_table(("stack", "release", "monthly", "budget", "headroom", "goal", "at full scale"), summary)]
    for e in estimates:
        shown = shown_lines(e)
        rows = [(line.tier, f"`{line.resource}`", line.shown_item, _line_cost(line)) for line in shown]
        lines += ["", f"<details><summary>{e.stack}: {len(shown)} lines</summary>", "", *markdown_table(("tier", "resource", "item", "monthly"), rows)]
        lines += ["", "</details>"]
    return "\n".join(lines)


def infracost_json(estimates: Sequence[Estimate], now: datetime | None = None) -> dict[str, object]:
    """The estimates as an Infracost JSON document (output version 0.2)."""
    projects = [_project(e) for e in estimates]
    hourly, monthly = _decimal(sum(e.total for e in estimates) / HOURS_PER_MONTH), _decimal(sum(e.total for e in estimates))
    return {
        "version": INFRACOST_OUTPUT_VERSION,
        "metadata": {
            "infracostCommand": "breakdown",
            "vcsBranch": "",
            "vcsCommitSha": "",
            "vcsCommitAuthorName": "",
            "vcsCommitAuthorEmail": "",
            "vcsCommitTimestamp": NO_VCS_TIMESTAMP,
            "vcsCommitMessage": "",
        },
        "currency": "USD",
        "projects": projects,
        "totalHourlyCost": hourly,
        "totalMonthlyCost": monthly,
        "pastTotalHourlyCost": "0",
        "pastTotalMonthlyCost": "0",
        "diffTotalHourlyCost": hourly,
        "diffTotalMonthlyCost": monthly,
        "timeGenerated": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "summary": _sum_summaries([project["summary"] for project in projects]),  # type: ignore[misc]
    }


INFRACOST_OUTPUT_VERSION = "0.2"
NO_VCS_TIMESTAMP = "0001-01-01T00:00:00Z"
"""What Infracost writes for the commit time outside git (Go's zero time)."""


def _sum_summaries(summaries: list[dict[str, object]]) -> dict[str, object]:
    """Counts over all projects (the same resource name in two stacks is two resources)."""
    total: dict[str, object] = {}
    for summary in summaries:
        for key, value in summary.items():
            if isinstance(value, dict):
                merged = dict(total.get(key, {}))  # type: ignore[call-overload]
                for name, count in value.items():
                    merged[name] = merged.get(name, 0) + count
                total[key] = dict(sorted(merged.items()))
            else:
                total[key] = int(total.get(key, 0)) + int(value)  # type: ignore[call-overload]
    return total


def _project(estimate: Estimate) -> dict[str, object]:
    resources: dict[str, list[CostLine]] = {}
    for line in estimate.lines:
        resources.setdefault(f"{line.resource}\0{line.resource_type}", []).append(line)
    breakdown = _breakdown([_resource(key.split("\0")[0], key.split("\0")[1], lines) for key, lines in resources.items()], estimate.total)
    return {
        "name": f"tierup/{estimate.stack}",
        "displayName": estimate.stack,
        "metadata": {"path": f"Pulumi.{estimate.stack}.yaml", "type": "pulumi_stack", "warnings": [_budget_diagnostic(estimate)]},
        "pastBreakdown": _breakdown([], 0.0),
        "breakdown": breakdown,
        "diff": breakdown,
        "summary": _summary(list(estimate.lines)),
    }


def _breakdown(resources: list[dict[str, object]], monthly: float) -> dict[str, object]:
    return {
        "resources": resources,
        "totalHourlyCost": _decimal(monthly / HOURS_PER_MONTH),
        "totalMonthlyCost": _decimal(monthly),
        "totalMonthlyUsageCost": None,  # tierup does not split usage-based cost out of the total
    }


def _budget_diagnostic(estimate: Estimate) -> dict[str, object]:
    """The stack's release and budget verdict, in the one open-ended place a project has."""
    return {
        "code": 0,
        "message": f"release {estimate.release}: {budget_line(estimate)}",
        "data": {
            "stack": estimate.stack,
            "release": estimate.release,
            "region": estimate.region,
            "budget": estimate.budget_usd,
            "goal": estimate.goal_usd,
            "withinBudget": estimate.within_budget,
        },
        "isError": False,
    }


def _resource(name: str, resource_type: str, lines: list[CostLine]) -> dict[str, object]:
    shown = [line for line in lines if line.status != "free"]
    components = [
        {
            "name": line.shown_item,
            "unit": line.unit,
            "hourlyQuantity": _decimal(line.quantity / HOURS_PER_MONTH),
            "monthlyQuantity": _decimal(line.quantity),
            "price": _decimal(line.price.usd) if line.price else None,
            "hourlyCost": _decimal(line.monthly / HOURS_PER_MONTH) if line.status == PRICED else None,
            "monthlyCost": _decimal(line.monthly) if line.status == PRICED else None,
            "priceNotFound": line.status == UNPRICED,
        }
        for line in shown
    ]
    notes = {line.shown_item: line.note for line in shown if line.note}
    monthly = sum(line.monthly for line in lines)
    return {
        "name": name,
        "resourceType": resource_type,
        "tags": {},
        "metadata": {"tier": lines[0].tier, **({"notes": notes} if notes else {})},
        "hourlyCost": _decimal(monthly / HOURS_PER_MONTH) if components else None,
        "monthlyCost": _decimal(monthly) if components else None,
        "costComponents": components,
        "subresources": [],
    }


def _summary(lines: list[CostLine]) -> dict[str, object]:
    resources = {(line.resource, line.resource_type): line for line in lines}
    unpriced = {(line.resource, line.resource_type) for line in lines if line.status == UNPRICED}
    free = {key for key in resources if all(line.status == "free" for line in lines if (line.resource, line.resource_type) == key)}
    no_price_counts: dict[str, int] = {}
    for _, resource_type in free:
        no_price_counts[resource_type] = no_price_counts.get(resource_type, 0) + 1
    return {
        "totalDetectedResources": len(resources),
        "totalSupportedResources": len(resources) - len(unpriced),
        "totalUnsupportedResources": len(unpriced),
        "totalNoPriceResources": len(free),
        "noPriceResourceCounts": dict(sorted(no_price_counts.items())),
    }


def _decimal(value: float) -> str:
    return f"{value:.10f}".rstrip("0").rstrip(".") or "0"


def render_cost_json(estimates: Sequence[Estimate]) -> str:
    return json.dumps(infracost_json(estimates), indent=2)


COST_RENDERERS = {"table": render_cost_text, "markdown": render_cost_markdown, "json": render_cost_json}
