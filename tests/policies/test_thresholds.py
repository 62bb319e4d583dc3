"""The thresholds table: one row per signal, read by the alarms, the dashboard, the guardrails,
`tierup audit` and `tierup advise` alike (pure, exact values)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tierup.ops import advisor
from tierup.ops.discovery import LiveStack
from tierup_guardrails.settings import PROFILES, Release
from tierup_guardrails.thresholds import ADVICE, ALARMS, BY_ID, PER_INSTANCE, WATCHES, Missing, promised

RELEASES = (Release.V1_0, Release.V1_5, Release.V2_0)


def test_rows_are_unique_and_short_enough_to_name_resources() -> None:
    assert len(BY_ID) == len(WATCHES)
    for watch in WATCHES:
        # An alarm's resource, alerts-<id>, fits the synth table's name column (100 columns in all).
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", watch.id) and (len(watch.id) <= 19 or not watch.alarm), watch.id
        assert watch.summary.endswith(".") and watch.missing_reason, watch.id


def test_the_ladder_promises_only_rows_of_the_table_and_each_release_only_adds() -> None:
    promised_by = [PROFILES[release].limits.alarms for release in RELEASES]
    assert all(name in BY_ID for names in promised_by for name in names)
    assert set(promised_by[0]) <= set(promised_by[1]) <= set(promised_by[2])
    assert [len(promised(PROFILES[release])) for release in RELEASES] == [4, 13, 18]


def test_math_names_its_own_metrics_and_the_result_matches_none() -> None:
    for watch in ALARMS:
        if watch.expression is None:
            assert len(watch.metrics) == 1 and watch.subject not in PER_INSTANCE, watch.id
            continue
        ids = {metric.id for metric in watch.metrics}
        named = set(re.findall(r"METRICS\('([a-z]+)'\)", watch.expression)) | (set(re.findall(r"\b([a-z]+)\b", watch.expression)) & ids)
        assert named == ids, watch.id
        # METRICS('x') matches ids containing x: no id may contain another, nor "result".
        assert not [(a, b) for a in ids for b in ids | {"result"} if a != b and a in b], watch.id


def test_missing_data_is_chosen_per_metric() -> None:
    assert {watch.id: watch.missing for watch in ALARMS if watch.missing is Missing.BREACHING} == {
        "no-running-task": Missing.BREACHING,
        "tasks-below-desired": Missing.BREACHING,
        "replica-lag-high": Missing.BREACHING,
        "global-db-lag": Missing.BREACHING,
    }


def test_the_advisor_reads_the_same_rows_as_the_alarms() -> None:
    assert [rule.id for rule in advisor.RULES] == [watch.id for watch in ADVICE]
    shared = {rule.id: (rule.threshold, rule.watch.metrics) for rule in advisor.RULES if rule.watch.alarm}
    assert shared == {
        watch_id: (BY_ID[watch_id].threshold, BY_ID[watch_id].metrics)
        for watch_id in ("db-cpu-above-70", "latency-above-1s", "db-conns-above-50", "cache-hits-below-50")
    }
    assert [rule.id for rule in advisor.RULES][:2] == ["db-cpu-above-70", "db-cpu-above-60"]


class _CloudWatch:
    """GetMetricStatistics in CloudWatch's response shape, from fixed hourly values per metric."""

    def __init__(self, values: dict[tuple[str, str], list[float]]) -> None:
        self.values = values

    def get_metric_statistics(self, **request: Any) -> dict[str, Any]:
        key = (request["MetricName"], request["Dimensions"][0]["Value"])
        stat = request["Statistics"][0]
        return {"Datapoints": [{"Timestamp": datetime(2026, 11, 22, hour, tzinfo=UTC), stat: v} for hour, v in enumerate(self.values.get(key, []))]}


def test_the_advisor_computes_the_alarm_s_hit_rate_over_every_node() -> None:
    (rule,) = [r for r in advisor.RULES if r.id == "cache-hits-below-50"]
    live = LiveStack(project="tierup", stack="prod", region="us-east-1", cache_groups=[{"MemberClusters": ["g-001", "g-002"]}])
    # Hour 1: 30 hits of 100 lookups (30%); hour 2: 160 of 200 (80%); hour 3: 10 of 100 (10%).
    cloudwatch = _CloudWatch(
        {
            ("CacheHits", "g-001"): [20, 100, 5],
            ("CacheHits", "g-002"): [10, 60, 5],
            ("CacheMisses", "g-001"): [40, 20, 50],
            ("CacheMisses", "g-002"): [30, 20, 40],
        }
    )
    verdict = advisor._evaluate(rule, live, cloudwatch, 1)
    assert (verdict.measured, verdict.verdict) == ("mean 40.0%, under 50% in 67% of hours", advisor.TRIGGERED)
