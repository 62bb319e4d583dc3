"""`tierup advise`: the seeds' rules for moving up a release, evaluated on live metrics.

The rules are the rows of tierup_guardrails.thresholds with advice: the same metrics and
thresholds the stack's alarms watch, so an alarm and the advice never disagree on a number."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tierup.ops.discovery import LiveStack
from tierup.ops.metrics import Series, hourly
from tierup_guardrails.settings.model import Release
from tierup_guardrails.thresholds import ADVICE, Watch

TRIGGERED, OK, NO_DATA = "TRIGGERED", "ok", "no data"
# A condition "stays" true when it holds in more than half of the window's hours.
STAYS = 0.5


@dataclass(frozen=True)
class Rule:
    """One of the seeds' triggers: a row of the thresholds table and the release it calls for."""

    id: str
    description: str
    threshold: float
    unit: str
    recommends: Release
    action: str
    watch: Watch

    @classmethod
    def of(cls, watch: Watch) -> Rule:
        advice = watch.advice
        if advice is None:
            raise ValueError(f"watch {watch.id} gives no advice")
        return cls(watch.id, advice.description, watch.threshold, watch.unit, advice.recommends, advice.action, watch)


RULES = tuple(Rule.of(watch) for watch in ADVICE)
RELEASE_ORDER = tuple(Release)  # the ladder, in order


@dataclass(frozen=True)
class Verdict:
    rule: Rule
    measured: str
    verdict: str


Evaluator = Callable[[Rule, LiveStack, Any, int], Verdict]


def _stays_above(rule: Rule, series: Series, shown: Callable[[float], str]) -> Verdict:
    if not series.has_data:
        return Verdict(rule, "no data", NO_DATA)
    share = series.share_above(rule.threshold)
    unit = rule.unit if rule.unit == "%" else f" {rule.unit}"
    measured = f"mean {shown(series.mean())}, above {rule.threshold:g}{unit} in {share:.0%} of hours"
    return Verdict(rule, measured, TRIGGERED if share > STAYS else OK)


def _database_series(live: LiveStack, cloudwatch: Any, rule: Rule, days: int) -> Series:
    primaries = [db for db in live.databases if not db.get("ReadReplicaSourceDBInstanceIdentifier")]
    if not primaries:
        return Series(())
    (metric,) = rule.watch.metrics
    return hourly(cloudwatch, metric.namespace, metric.name, {"DBInstanceIdentifier": primaries[0]["DBInstanceIdentifier"]}, metric.stat, days)


def _load_balancer_series(live: LiveStack, cloudwatch: Any, rule: Rule, days: int) -> Series:
    dimension = _load_balancer_dimension(live)
    (metric,) = rule.watch.metrics
    return hourly(cloudwatch, metric.namespace, metric.name, dimension, metric.stat, days) if dimension else Series(())


def _load_balancer_dimension(live: LiveStack) -> dict[str, str] | None:
    if not live.load_balancers:
        return None
    arn = live.load_balancers[0]["LoadBalancerArn"]
    return {"LoadBalancer": arn.split(":loadbalancer/", 1)[1]}


BUSINESS_DECISIONS = {
    "paying-users": "move when users pay and expect uptime",
    "regional-sla": "move when an SLA or a regulator asks for a second region",
}


def _evaluate(rule: Rule, live: LiveStack, cloudwatch: Any, days: int) -> Verdict:
    if rule.id in ("db-cpu-above-70", "db-cpu-above-60"):
        return _stays_above(rule, _database_series(live, cloudwatch, rule, days), lambda v: f"{v:.1f}%")
    if rule.id == "db-conns-above-50":
        return _stays_above(rule, _database_series(live, cloudwatch, rule, days), lambda v: f"{v:.0f}")
    if rule.id == "latency-above-1s":
        return _stays_above(rule, _load_balancer_series(live, cloudwatch, rule, days), lambda v: f"{v:.2f} s")
    if rule.id == "requests-above-1000-a-day":
        series = _load_balancer_series(live, cloudwatch, rule, days)
        if not series.has_data:
            return Verdict(rule, "no data", NO_DATA)
        per_day = sum(series.values) / days
        return Verdict(rule, f"{per_day:,.0f} requests/day", TRIGGERED if per_day > rule.threshold else OK)
    if rule.id in BUSINESS_DECISIONS:
        # The seeds' reasons for v1.5 and v3.0 are business facts, not metrics: say so rather than guess.
        return Verdict(rule, f"no data (a business decision: {BUSINESS_DECISIONS[rule.id]})", NO_DATA)
    if rule.id == "tasks-at-maximum":
        return _tasks_at_maximum(rule, live, cloudwatch, days)
    if rule.id == "cache-hits-below-50":
        return _cache_hit_rate(rule, live, cloudwatch, days)
    raise ValueError(f"no evaluator for rule {rule.id}")


def _cache_hit_rate(rule: Rule, live: LiveStack, cloudwatch: Any, days: int) -> Verdict:
    """The alarm's expression, hour by hour: 100 × hits / (hits + misses) over every node."""
    if not live.cache_groups:
        return Verdict(rule, "no data (the cache is PostgreSQL; no hit-rate metric)", NO_DATA)
    # Cache metrics are published per node (member cluster), not per replication group.
    nodes = live.cache_groups[0].get("MemberClusters") or []
    hits_metric, misses_metric = rule.watch.metrics
    hits = [hourly(cloudwatch, hits_metric.namespace, hits_metric.name, {"CacheClusterId": node}, hits_metric.stat, days) for node in nodes]
    misses = [hourly(cloudwatch, misses_metric.namespace, misses_metric.name, {"CacheClusterId": node}, misses_metric.stat, days) for node in nodes]
    looked_up = [sum(values) for values in zip(*(s.values for s in hits + misses), strict=False)]
    found = [sum(values) for values in zip(*(s.values for s in hits), strict=False)]
    rates = [100 * hit / total for hit, total in zip(found, looked_up, strict=False) if total]
    if not rates:
        return Verdict(rule, "no data", NO_DATA)
    share = sum(1 for rate in rates if rate < rule.threshold) / len(rates)
    mean = sum(rates) / len(rates)
    return Verdict(rule, f"mean {mean:.1f}%, under {rule.threshold:g}% in {share:.0%} of hours", TRIGGERED if share > STAYS else OK)


def _tasks_at_maximum(rule: Rule, live: LiveStack, cloudwatch: Any, days: int) -> Verdict:
    if not live.services or not live.clusters:
        return Verdict(rule, "no data", NO_DATA)
    service, cluster = live.services[0], live.clusters[0]
    maximum = max([t["MaxCapacity"] for t in live.scaling_targets] or [service.get("desiredCount", 1)])
    dimensions = {"ClusterName": cluster["clusterName"], "ServiceName": service["serviceName"]}
    (metric,) = rule.watch.metrics
    series = hourly(cloudwatch, metric.namespace, metric.name, dimensions, metric.stat, days)
    if not series.has_data:
        return Verdict(rule, "no data (Container Insights off?)", NO_DATA)
    share = sum(1 for v in series.values if v >= maximum) / len(series.values)
    return Verdict(rule, f"at {maximum:g} tasks (the maximum) in {share:.0%} of hours", TRIGGERED if share > STAYS else OK)


def evaluate(live: LiveStack, cloudwatch: Any, current: Release, days: int) -> list[Verdict]:
    """Every rule that could move the stack up; at the top of the ladder, every rule (they then
    call for scaling within the release)."""
    position = RELEASE_ORDER.index(current)
    rules = [rule for rule in RULES if RELEASE_ORDER.index(rule.recommends) > position] or list(RULES)
    return [_evaluate(rule, live, cloudwatch, days) for rule in rules]


def recommendation(verdicts: list[Verdict], current: Release) -> Release | None:
    """The highest release a triggered rule calls for, when it is above the current one."""
    wanted = [v.rule.recommends for v in verdicts if v.verdict == TRIGGERED]
    best = max(wanted, key=RELEASE_ORDER.index, default=None)
    return best if best is not None and RELEASE_ORDER.index(best) > RELEASE_ORDER.index(current) else None
