"""A watch's CloudWatch alarm arguments and dashboard widget, from the table row and the
dimension values of its subject (pure: the values may be Pulumi outputs, nothing is created)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tierup_guardrails.thresholds import PER_INSTANCE, Metric, Watch

Dimensions = Mapping[str, Any]
"""Dimension name → value (a string or an output) of one instance of a subject."""
RESULT = "result"
"""The id of an alarm's expression; it contains none of the table's metric ids, which
METRICS('<id>') matches by substring."""
WIDGET_WIDTH, WIDGET_HEIGHT, ROW = 8, 6, 24


def _query_id(metric: Metric, watch: Watch, index: int) -> str:
    return f"{metric.id}_{index}" if watch.subject in PER_INSTANCE else metric.id


def _stat(metric: Metric) -> dict[str, str]:
    """Percentiles are extended statistics for a single-metric alarm."""
    return {"extended_statistic": metric.stat} if metric.stat.startswith("p") else {"statistic": metric.stat}


def alarm_arguments(watch: Watch, instances: Sequence[Dimensions]) -> dict[str, Any]:
    """The metric part of a MetricAlarm's arguments: one metric, or metric math over every
    metric of every instance (billed per metric) with the expression as the result."""
    if not instances:
        raise ValueError(f"watch {watch.id} has no instance of its subject {watch.subject.value}")
    common = {
        "comparison_operator": watch.comparison.value,
        "threshold": watch.alarm_threshold,
        "evaluation_periods": watch.evaluation_periods,
        "datapoints_to_alarm": watch.datapoints,
        "treat_missing_data": watch.missing.value,
    }
    if not watch.math:
        (metric,) = watch.metrics
        (dimensions,) = instances
        return {**common, "namespace": metric.namespace, "metric_name": metric.name, "dimensions": dict(dimensions), "period": watch.period, **_stat(metric)}
    queries: list[dict[str, Any]] = [
        {
            "id": _query_id(metric, watch, index),
            "metric": {"namespace": metric.namespace, "metric_name": metric.name, "dimensions": dict(dimensions), "period": watch.period, "stat": metric.stat},
            "return_data": False,
        }
        for metric in watch.metrics
        for index, dimensions in enumerate(instances)
    ]
    queries.append({"id": RESULT, "expression": watch.expression, "label": watch.id, "return_data": True})
    return {**common, "metric_queries": queries}


def _widget_metrics(watch: Watch, instances: Sequence[Dimensions], region: str) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for metric in watch.metrics:
        for index, dimensions in enumerate(instances):
            flat = [item for name, value in dimensions.items() for item in (name, value)]
            options: dict[str, Any] = {"id": _query_id(metric, watch, index), "stat": metric.stat, "region": region}
            if watch.math:
                options["visible"] = False
            rows.append([metric.namespace, metric.name, *flat, options])
    if watch.math:
        rows.append([{"expression": watch.expression, "id": RESULT, "label": watch.id, "region": region}])
    return rows


def widget(watch: Watch, instances: Sequence[Dimensions], region: str, x: int, y: int) -> dict[str, Any]:
    """A graph of the watch's metric (or expression) with its threshold drawn across it."""
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": WIDGET_WIDTH,
        "height": WIDGET_HEIGHT,
        "properties": {
            "title": f"{watch.id} ({'<' if watch.comparison.value.startswith('Less') else '>'} {watch.threshold:g} {watch.unit})",
            "view": "timeSeries",
            "region": region,
            "period": watch.period,
            "metrics": _widget_metrics(watch, instances, region),
            "annotations": {"horizontal": [{"label": "alarm threshold", "value": watch.alarm_threshold}]},
        },
    }


def dashboard_body(rows: Sequence[tuple[str, Sequence[tuple[Watch, Sequence[Dimensions]]]]], region: str) -> dict[str, Any]:
    """The dashboard: a heading per tier, then its watches three to a row."""
    widgets: list[dict[str, Any]] = []
    y = 0
    for tier, watches in rows:
        widgets.append({"type": "text", "x": 0, "y": y, "width": ROW, "height": 1, "properties": {"markdown": f"## {tier}"}})
        y += 1
        for index, (watch, instances) in enumerate(watches):
            x = (index % (ROW // WIDGET_WIDTH)) * WIDGET_WIDTH
            if index and x == 0:
                y += WIDGET_HEIGHT
            widgets.append(widget(watch, instances, region, x, y))
        y += WIDGET_HEIGHT
    return {"widgets": widgets}
