"""`tierup advise`: the seeds' rules for moving up a release, evaluated on live metrics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tierup.ops.discovery import LiveStack
from tierup.ops.metrics import Series, hourly
from tierup_guardrails.settings.model import Release

TRIGGERED, OK, NO_DATA = "TRIGGERED", "ok", "no data"
# A condition "stays" true when it holds in more than half of the window's hours.
STAYS = 0.5


@dataclass(frozen=True)
class Rule:
    """One of the seeds' triggers: a metric, its threshold, and the release it calls for."""

    id: str
    description: str
    threshold: float
    unit: str
    recommends: Release
    action: str


RULES = (
    Rule("db-cpu-above-70", "database CPU stays above 70%", 70, "%", Release.V2_0, "add a cache (ElastiCache arrives with v2.0)"),
    Rule("db-cpu-above-60", "database CPU stays above 60%", 60, "%", Release.V2_0, "scale the database (larger class, read replica, proxy)"),
    Rule("latency-above-1s", "response time stays above 1 s", 1.0, "s", Release.V2_0, "add a cache and scale out"),
    Rule("concurrent-users-above-50", "more than 50 concurrent database sessions (users)", 50, "connections", Release.V2_0, "add a cache and a proxy"),
    Rule("requests-above-1000-a-day", "more than 1,000 requests a day", 1000, "requests/day", Release.V2_0, "add a cache"),
    Rule("paying-users", "paying users and uptime needs", 0, "", Release.V1_5, "production readiness: Multi-AZ, private tasks, WAF"),
    Rule("tasks-at-maximum", "the service's task count sits at its maximum", 0, "tasks", Release.V2_0, "raise the ceiling with Spot capacity"),
    Rule("cache-hit-rate-below-50", "cache hit rate stays under 50%", 50, "%", Release.V2_0, "a dedicated cache with more memory"),
)
RELEASE_ORDER = (Release.V1_0, Release.V1_5, Release.V2_0)


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
    measured = f"mean {shown(series.mean())}, above {rule.threshold:g}{rule.unit if rule.unit != 's' else ' s'} in {share:.0%} of hours"
    return Verdict(rule, measured, TRIGGERED if share > STAYS else OK)


def _database_series(live: LiveStack, cloudwatch: Any, metric: str, statistic: str, days: int) -> Series:
    primaries = [db for db in live.databases if not db.get("ReadReplicaSourceDBInstanceIdentifier")]
    if not primaries:
        return Series(())
    return hourly(cloudwatch, "AWS/RDS", metric, {"DBInstanceIdentifier": primaries[0]["DBInstanceIdentifier"]}, statistic, days)


def _load_balancer_dimension(live: LiveStack) -> dict[str, str] | None:
    if not live.load_balancers:
        return None
    arn = live.load_balancers[0]["LoadBalancerArn"]
    return {"LoadBalancer": arn.split(":loadbalancer/", 1)[1]}


def _evaluate(rule: Rule, live: LiveStack, cloudwatch: Any, days: int) -> Verdict:
    if rule.id.startswith("db-cpu"):
        return _stays_above(rule, _database_series(live, cloudwatch, "CPUUtilization", "Average", days), lambda v: f"{v:.1f}%")
    if rule.id == "concurrent-users-above-50":
        return _stays_above(rule, _database_series(live, cloudwatch, "DatabaseConnections", "Maximum", days), lambda v: f"{v:.0f}")
    if rule.id == "latency-above-1s":
        dimension = _load_balancer_dimension(live)
        series = hourly(cloudwatch, "AWS/ApplicationELB", "TargetResponseTime", dimension, "Average", days) if dimension else Series(())
        return _stays_above(rule, series, lambda v: f"{v:.2f} s")
    if rule.id == "requests-above-1000-a-day":
        dimension = _load_balancer_dimension(live)
        series = hourly(cloudwatch, "AWS/ApplicationELB", "RequestCount", dimension, "Sum", days) if dimension else Series(())
        if not series.has_data:
            return Verdict(rule, "no data", NO_DATA)
        per_day = sum(series.values) / days
        return Verdict(rule, f"{per_day:,.0f} requests/day", TRIGGERED if per_day > rule.threshold else OK)
    if rule.id == "paying-users":
        # The seeds' reason for v1.5 is a business fact, not a metric: say so rather than guess.
        return Verdict(rule, "no data (a business decision: move when users pay and expect uptime)", NO_DATA)
    if rule.id == "tasks-at-maximum":
        return _tasks_at_maximum(rule, live, cloudwatch, days)
    if rule.id == "cache-hit-rate-below-50":
        if not live.cache_groups:
            return Verdict(rule, "no data (the cache is PostgreSQL; no hit-rate metric)", NO_DATA)
        # CacheHitRate is published per cache node cluster, not per replication group.
        members = live.cache_groups[0].get("MemberClusters") or []
        series = hourly(cloudwatch, "AWS/ElastiCache", "CacheHitRate", {"CacheClusterId": members[0]}, "Average", days) if members else Series(())
        if not series.has_data:
            return Verdict(rule, "no data", NO_DATA)
        share = sum(1 for v in series.values if v < rule.threshold) / len(series.values)
        return Verdict(rule, f"mean {series.mean():.1f}%, under 50% in {share:.0%} of hours", TRIGGERED if share > STAYS else OK)
    raise ValueError(f"no evaluator for rule {rule.id}")


def _tasks_at_maximum(rule: Rule, live: LiveStack, cloudwatch: Any, days: int) -> Verdict:
    if not live.services or not live.clusters:
        return Verdict(rule, "no data", NO_DATA)
    service, cluster = live.services[0], live.clusters[0]
    maximum = max([t["MaxCapacity"] for t in live.scaling_targets] or [service.get("desiredCount", 1)])
    dimensions = {"ClusterName": cluster["clusterName"], "ServiceName": service["serviceName"]}
    series = hourly(cloudwatch, "ECS/ContainerInsights", "RunningTaskCount", dimensions, "Maximum", days)
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
