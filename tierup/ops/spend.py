"""`tierup spend`: what the stack actually cost (Cost Explorer), beside the estimate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True)
class Spend:
    month_to_date: float
    last_month: float
    estimated: bool
    """Cost Explorer marks the current month as an estimate until it closes."""


def _month_bounds(today: date) -> tuple[date, date, date]:
    first = today.replace(day=1)
    previous_first = (first - timedelta(days=1)).replace(day=1)
    return previous_first, first, today


def _total(ce: Any, start: date, end: date, stack: str, project: str) -> tuple[float, bool]:
    if end <= start:
        return 0.0, True
    response = ce.get_cost_and_usage(
        TimePeriod={"Start": start.isoformat(), "End": end.isoformat()},
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
        Filter={"And": [{"Tags": {"Key": "Stack", "Values": [stack]}}, {"Tags": {"Key": "Project", "Values": [project]}}]},
    )
    results = response.get("ResultsByTime", [])
    total = sum(float(r["Total"]["UnblendedCost"]["Amount"]) for r in results if "UnblendedCost" in r.get("Total", {}))
    return round(total, 2), any(r.get("Estimated") for r in results)


def spend(ce: Any, stack: str, project: str, today: date) -> Spend:
    previous_first, first, today = _month_bounds(today)
    month_to_date, estimated = _total(ce, first, today, stack, project)
    last_month, _ = _total(ce, previous_first, first, stack, project)
    return Spend(month_to_date=month_to_date, last_month=last_month, estimated=estimated)
