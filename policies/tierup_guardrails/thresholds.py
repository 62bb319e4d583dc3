"""The watched metrics and their thresholds, defined once: the alarms and the dashboard
(components/observability_tier.py), the guardrails, `tierup audit` and `tierup advise` all read
them here (pure: no Pulumi resources).

A row is a `Watch`: what it measures (CloudWatch metrics, or metric math over them), the
threshold and its direction, how missing data counts and why, and whether it is an alarm, a
trigger of `tierup advise` for moving up a release, or both. Which alarms a release promises is
a fact of the ladder (ReleaseLimits.alarms); an alarm is built where its subject exists."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from tierup_guardrails.modes import CacheMode, DataEngine, Ingress, NatStrategy
from tierup_guardrails.settings.model import Release, ReleaseProfile


class Missing(StrEnum):
    """CloudWatch's treat_missing_data: what a period without data counts as."""

    BREACHING = "breaching"
    NOT_BREACHING = "notBreaching"
    MISSING = "missing"
    """Neither: the alarm keeps its state, and goes to INSUFFICIENT_DATA when every period is
    empty (`tierup audit` reports an alarm left there for more than a day)."""


class Comparison(StrEnum):
    ABOVE = "GreaterThanThreshold"
    BELOW = "LessThanThreshold"


class Subject(StrEnum):
    """What a metric's dimensions point at; each is one resource's id or name (or several)."""

    SERVICE = "service"
    """ClusterName and ServiceName of the app's ECS service."""
    DATABASE = "database"
    """DBInstanceIdentifier of the instance the app writes to (RDS primary or Aurora writer)."""
    RDS_STORAGE = "rds-storage"
    """DBInstanceIdentifier of an RDS primary: Aurora reports no FreeStorageSpace (its storage grows by itself)."""
    SERVERLESS = "serverless"
    """DBInstanceIdentifier of the Aurora Serverless v2 writer (ACUUtilization)."""
    GLOBAL_DATABASE = "global-database"
    """DBClusterIdentifier of the Aurora cluster leading a global database."""
    REPLICA = "replica"
    """DBInstanceIdentifier of the read replica."""
    PROXY = "proxy"
    """ProxyName of the RDS Proxy."""
    LOAD_BALANCER = "load-balancer"
    """LoadBalancer: the ALB's ARN suffix (app/<name>/<id>)."""
    TARGETS = "targets"
    """TargetGroup and LoadBalancer: the target group's and the ALB's ARN suffixes."""
    WEB_ACL = "web-acl"
    """WebACL (the web ACL's name), Region, and Rule ALL."""
    NAT = "nat"
    """NatGatewayId, one metric per NAT gateway."""
    CACHE = "cache"
    """CacheClusterId, one metric per cache node (<replication group id>-001, -002, ...)."""
    EVENTS = "events"
    """RuleName of an EventBridge rule of the stack."""


PER_INSTANCE = frozenset({Subject.NAT, Subject.CACHE})
"""Subjects with one metric per instance: their alarms sum the instances with metric math."""

# The dimension names of each subject, in order (CloudWatch matches a metric by all of them).
DIMENSIONS: Mapping[Subject, tuple[str, ...]] = MappingProxyType(
    {
        Subject.SERVICE: ("ClusterName", "ServiceName"),
        Subject.DATABASE: ("DBInstanceIdentifier",),
        Subject.RDS_STORAGE: ("DBInstanceIdentifier",),
        Subject.SERVERLESS: ("DBInstanceIdentifier",),
        Subject.GLOBAL_DATABASE: ("DBClusterIdentifier",),
        Subject.REPLICA: ("DBInstanceIdentifier",),
        Subject.PROXY: ("ProxyName",),
        Subject.LOAD_BALANCER: ("LoadBalancer",),
        Subject.TARGETS: ("TargetGroup", "LoadBalancer"),
        Subject.WEB_ACL: ("WebACL", "Region", "Rule"),
        Subject.NAT: ("NatGatewayId",),
        Subject.CACHE: ("CacheClusterId",),
        Subject.EVENTS: ("RuleName",),
    }
)
# The resource types each dimension names: the guardrails follow an alarm's dimensions to one.
DIMENSION_TYPES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "ClusterName": ("aws:ecs/cluster:Cluster",),
        "ServiceName": ("aws:ecs/service:Service",),
        "DBInstanceIdentifier": ("aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance"),
        "DBClusterIdentifier": ("aws:rds/cluster:Cluster",),
        "ProxyName": ("aws:rds/proxy:Proxy",),
        "LoadBalancer": ("aws:lb/loadBalancer:LoadBalancer",),
        "TargetGroup": ("aws:lb/targetGroup:TargetGroup",),
        "WebACL": ("aws:wafv2/webAcl:WebAcl",),
        "NatGatewayId": ("aws:ec2/natGateway:NatGateway",),
        "CacheClusterId": ("aws:elasticache/replicationGroup:ReplicationGroup",),
        "RuleName": ("aws:cloudwatch/eventRule:EventRule",),
    }
)
FIXED_DIMENSIONS = frozenset({"Region", "Rule"})
"""Dimensions that name no resource: the region, and WAF's Rule ALL."""
ALL_RULES = "ALL"


@dataclass(frozen=True)
class Metric:
    """One CloudWatch metric of the subject; `id` names it in metric math."""

    id: str
    namespace: str
    name: str
    stat: str
    """Average, Maximum, Minimum, Sum, SampleCount, or a percentile such as p95."""


@dataclass(frozen=True)
class Advice:
    """What `tierup advise` says when the condition holds in most hours of its window."""

    description: str
    recommends: Release
    action: str


@dataclass(frozen=True, kw_only=True)
class Watch:
    """One row of the table: a condition on a subject's metrics, an alarm, an advisor trigger, or both."""

    id: str
    """Kebab-case; the alarm's name is <project>-<stack>-<id>."""
    tier: str
    """The dashboard row it is drawn in."""
    subject: Subject
    summary: str
    """What the alarm says when it fires (its description)."""
    metrics: tuple[Metric, ...]
    expression: str | None = None
    """Metric math over the metrics' ids; METRICS('id') sums a per-instance metric's instances."""
    comparison: Comparison
    threshold: float
    unit: str
    scale: float = 1
    """CloudWatch's unit per table unit (bytes per GiB): the alarm's threshold is threshold × scale."""
    period: int = 300
    evaluation_periods: int = 3
    datapoints: int = 3
    missing: Missing
    missing_reason: str
    alarm: bool = True
    """False for a row only `tierup advise` reads."""
    advice: Advice | None = None

    @property
    def alarm_threshold(self) -> float:
        return self.threshold * self.scale

    @property
    def math(self) -> bool:
        """Whether the alarm is metric math (a ratio, a difference, or a sum over instances)."""
        return self.expression is not None or self.subject in PER_INSTANCE

    def billed_metrics(self, instances: int = 1) -> int:
        """Metrics CloudWatch bills the alarm for: every metric of its expression."""
        return len(self.metrics) * (instances if self.subject in PER_INSTANCE else 1)


def _rds(name: str, stat: str) -> tuple[Metric, ...]:
    return (Metric("m", "AWS/RDS", name, stat),)


SPOT_INTERRUPTIONS = "spot-interruptions"
"""Not an alarm: ECS publishes no Spot-interruption metric. An EventBridge rule on the ECS task
state change whose stopCode is SpotInterruption (ECS Developer Guide, "Amazon ECS task state
change events") publishes each one to the alert topic; the dashboard draws the rule's matches."""
GIB = 1024**3


def _business_decision(watch_id: str, summary: str, advice: Advice) -> Watch:
    """A trigger of `tierup advise` that no metric measures: the seeds name a business fact."""
    return Watch(
        id=watch_id,
        tier="stack",
        subject=Subject.SERVICE,
        summary=summary,
        metrics=(),
        comparison=Comparison.ABOVE,
        threshold=0,
        unit="",
        missing=Missing.MISSING,
        missing_reason="a business decision, not a metric",
        alarm=False,
        advice=advice,
    )


WATCHES: tuple[Watch, ...] = (
    # The seeds' triggers for moving up a release first (`tierup advise` lists them in this order).
    Watch(
        id="db-cpu-above-70",
        tier="data",
        subject=Subject.DATABASE,
        summary="Database CPU above 70% for 15 minutes: add a cache or a larger class.",
        metrics=_rds("CPUUtilization", "Average"),
        comparison=Comparison.ABOVE,
        threshold=70,
        unit="%",
        missing=Missing.MISSING,
        missing_reason="RDS reports every minute while the instance runs; a gap is no verdict, and a day of it is an audit finding",
        advice=Advice("database CPU stays above 70%", Release.V2_0, "add a cache (ElastiCache arrives with v2.0)"),
    ),
    Watch(
        id="db-cpu-above-60",
        tier="data",
        subject=Subject.DATABASE,
        summary="Database CPU above 60%.",
        metrics=_rds("CPUUtilization", "Average"),
        comparison=Comparison.ABOVE,
        threshold=60,
        unit="%",
        missing=Missing.MISSING,
        missing_reason="advice only",
        alarm=False,
        advice=Advice("database CPU stays above 60%", Release.V2_0, "scale the database (larger class, read replica, proxy)"),
    ),
    Watch(
        id="latency-above-1s",
        tier="compute",
        subject=Subject.LOAD_BALANCER,
        summary="The targets' p95 response time above 1 s for 15 minutes.",
        metrics=(Metric("m", "AWS/ApplicationELB", "TargetResponseTime", "p95"),),
        comparison=Comparison.ABOVE,
        threshold=1.0,
        unit="s",
        missing=Missing.NOT_BREACHING,
        missing_reason="no requests, no response time: a quiet period is not a slow one",
        advice=Advice("p95 response time stays above 1 s", Release.V2_0, "add a cache and scale out"),
    ),
    Watch(
        id="db-conns-above-50",
        tier="data",
        subject=Subject.DATABASE,
        summary="More than 50 database connections for 15 minutes: add a proxy, or check for leaked connections.",
        metrics=_rds("DatabaseConnections", "Maximum"),
        comparison=Comparison.ABOVE,
        threshold=50,
        unit="connections",
        missing=Missing.MISSING,
        missing_reason="RDS reports every minute while the instance runs; a gap is no verdict, and a day of it is an audit finding",
        advice=Advice("more than 50 concurrent database sessions (users)", Release.V2_0, "add a cache and a proxy"),
    ),
    Watch(
        id="requests-above-1000-a-day",
        tier="compute",
        subject=Subject.LOAD_BALANCER,
        summary="More than 1,000 requests a day.",
        metrics=(Metric("m", "AWS/ApplicationELB", "RequestCount", "Sum"),),
        comparison=Comparison.ABOVE,
        threshold=1000,
        unit="requests/day",
        missing=Missing.NOT_BREACHING,
        missing_reason="advice only",
        alarm=False,
        advice=Advice("more than 1,000 requests a day", Release.V2_0, "add a cache"),
    ),
    _business_decision(
        "paying-users",
        "Paying users expect uptime.",
        Advice("paying users and uptime needs", Release.V1_5, "production readiness: Multi-AZ, private tasks, WAF"),
    ),
    _business_decision(
        "regional-sla",
        "An uptime SLA that one region cannot keep, or a requirement to serve from a second region.",
        Advice("an uptime SLA or a regional requirement", Release.V3_0, "a passive recovery region, Aurora, Route 53 failover (about $150/month more)"),
    ),
    Watch(
        id="tasks-at-maximum",
        tier="compute",
        subject=Subject.SERVICE,
        summary="The service runs at its maximum task count.",
        metrics=(Metric("m", "ECS/ContainerInsights", "RunningTaskCount", "Maximum"),),
        comparison=Comparison.ABOVE,
        threshold=0,
        unit="tasks",
        missing=Missing.MISSING,
        missing_reason="advice only",
        alarm=False,
        advice=Advice("the service's task count sits at its maximum", Release.V2_0, "raise the ceiling with Spot capacity"),
    ),
    Watch(
        id="cache-hits-below-50",
        tier="cache",
        subject=Subject.CACHE,
        summary="Cache hit rate under 50% for 15 minutes: the cache is too small or keys expire too early.",
        metrics=(Metric("hits", "AWS/ElastiCache", "CacheHits", "Sum"), Metric("misses", "AWS/ElastiCache", "CacheMisses", "Sum")),
        expression="100 * SUM(METRICS('hits')) / (SUM(METRICS('hits')) + SUM(METRICS('misses')))",
        comparison=Comparison.BELOW,
        threshold=50,
        unit="%",
        missing=Missing.NOT_BREACHING,
        missing_reason="no lookups, no rate (0/0 is no data point): an idle cache is not a cold one",
        advice=Advice("cache hit rate stays under 50%", Release.V2_0, "a dedicated cache with more memory"),
    ),
    # Alarms only.
    Watch(
        id="no-running-task",
        tier="compute",
        subject=Subject.SERVICE,
        summary="No task of the app is running for 3 minutes: the app is down.",
        # ECS publishes a service's metrics only while one of its tasks runs (ECS Developer Guide,
        # "Amazon ECS CloudWatch metrics"), so without Container Insights no data is the signal.
        metrics=(Metric("m", "AWS/ECS", "CPUUtilization", "SampleCount"),),
        comparison=Comparison.BELOW,
        threshold=1,
        unit="samples",
        period=60,
        missing=Missing.BREACHING,
        missing_reason="ECS reports a service's metrics only while a task runs: no data is no task",
    ),
    Watch(
        id="tasks-below-desired",
        tier="compute",
        subject=Subject.SERVICE,
        summary="The service runs fewer tasks than it wants for 5 minutes: tasks fail to start or keep stopping.",
        metrics=(
            Metric("desired", "ECS/ContainerInsights", "DesiredTaskCount", "Average"),
            Metric("running", "ECS/ContainerInsights", "RunningTaskCount", "Average"),
        ),
        expression="desired - running",
        comparison=Comparison.ABOVE,
        threshold=0,
        unit="tasks",
        period=60,
        evaluation_periods=5,
        datapoints=5,
        missing=Missing.BREACHING,
        missing_reason="Container Insights reports every minute; silence means the service or its reporting stopped",
    ),
    Watch(
        id="db-storage-low",
        tier="data",
        subject=Subject.RDS_STORAGE,
        summary="Less than 1 GiB of database storage free: storage autoscaling did not keep up or reached its ceiling.",
        metrics=_rds("FreeStorageSpace", "Minimum"),
        comparison=Comparison.BELOW,
        threshold=1,
        unit="GiB",
        scale=GIB,
        evaluation_periods=2,
        datapoints=2,
        missing=Missing.MISSING,
        missing_reason="RDS reports every minute while the instance runs; a gap is no verdict, and a day of it is an audit finding",
    ),
    Watch(
        id="ecs-cpu-above-85",
        tier="compute",
        subject=Subject.SERVICE,
        summary="The tasks' CPU above 85% for 15 minutes although autoscaling aims at its target: the ceiling is reached.",
        metrics=(Metric("m", "AWS/ECS", "CPUUtilization", "Average"),),
        comparison=Comparison.ABOVE,
        threshold=85,
        unit="%",
        missing=Missing.MISSING,
        missing_reason="no task, no CPU: the tasks alarm reports that",
    ),
    Watch(
        id="ecs-memory-above-85",
        tier="compute",
        subject=Subject.SERVICE,
        summary="The tasks' memory above 85% for 15 minutes: they will be stopped when it runs out.",
        metrics=(Metric("m", "AWS/ECS", "MemoryUtilization", "Average"),),
        comparison=Comparison.ABOVE,
        threshold=85,
        unit="%",
        missing=Missing.MISSING,
        missing_reason="no task, no memory: the tasks alarm reports that",
    ),
    Watch(
        id="alb-5xx-above-5pct",
        tier="compute",
        subject=Subject.LOAD_BALANCER,
        summary="More than 5% of requests answered with a 5xx (load balancer or targets) in 2 of 3 periods of 5 minutes.",
        # The 5XX counts are published only when non-zero: FILL makes a quiet period count as 0.
        metrics=(
            Metric("elb", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum"),
            Metric("target", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum"),
            Metric("requests", "AWS/ApplicationELB", "RequestCount", "Sum"),
        ),
        expression="100 * (FILL(elb, 0) + FILL(target, 0)) / requests",
        comparison=Comparison.ABOVE,
        threshold=5,
        unit="%",
        datapoints=2,
        missing=Missing.NOT_BREACHING,
        missing_reason="no requests, no rate",
    ),
    Watch(
        id="alb-unhealthy-hosts",
        tier="compute",
        subject=Subject.TARGETS,
        summary="A task fails the load balancer's health check for 3 minutes.",
        metrics=(Metric("m", "AWS/ApplicationELB", "UnHealthyHostCount", "Maximum"),),
        comparison=Comparison.ABOVE,
        threshold=0,
        unit="targets",
        period=60,
        missing=Missing.NOT_BREACHING,
        missing_reason="reported while targets are registered; no task at all is the tasks alarm's",
    ),
    Watch(
        id="nat-port-errors",
        tier="network",
        subject=Subject.NAT,
        summary="A NAT gateway could not allocate a source port: too many connections to one destination.",
        metrics=(Metric("errors", "AWS/NATGateway", "ErrorPortAllocation", "Sum"),),
        expression="SUM(METRICS('errors'))",
        comparison=Comparison.ABOVE,
        threshold=0,
        unit="errors",
        evaluation_periods=1,
        datapoints=1,
        missing=Missing.NOT_BREACHING,
        missing_reason="a gateway without traffic reports nothing, and has no errors",
    ),
    Watch(
        id="nat-packet-drops",
        tier="network",
        subject=Subject.NAT,
        summary="The NAT gateways drop more than 0.01% of packets for 15 minutes (AWS's suggested threshold).",
        metrics=(
            Metric("drops", "AWS/NATGateway", "PacketsDropCount", "Sum"),
            Metric("src", "AWS/NATGateway", "PacketsInFromSource", "Sum"),
            Metric("dst", "AWS/NATGateway", "PacketsInFromDestination", "Sum"),
        ),
        expression="100 * SUM(METRICS('drops')) / (SUM(METRICS('src')) + SUM(METRICS('dst')))",
        comparison=Comparison.ABOVE,
        threshold=0.01,
        unit="%",
        missing=Missing.NOT_BREACHING,
        missing_reason="a gateway without traffic reports nothing, and drops nothing",
    ),
    Watch(
        id="waf-blocked-spike",
        tier="compute",
        subject=Subject.WEB_ACL,
        summary="WAF blocked more than 300 requests in 5 minutes: an attack or a client gone wrong.",
        metrics=(Metric("m", "AWS/WAFV2", "BlockedRequests", "Sum"),),
        comparison=Comparison.ABOVE,
        threshold=300,
        unit="requests",
        evaluation_periods=1,
        datapoints=1,
        missing=Missing.NOT_BREACHING,
        missing_reason="WAF publishes BlockedRequests only when it blocks",
    ),
    Watch(
        id="replica-lag-high",
        tier="data",
        subject=Subject.REPLICA,
        summary="The read replica is more than 30 s behind for 5 minutes: reads from it are stale.",
        metrics=_rds("ReplicaLag", "Maximum"),
        comparison=Comparison.ABOVE,
        threshold=30,
        unit="s",
        period=60,
        evaluation_periods=5,
        datapoints=5,
        missing=Missing.BREACHING,
        missing_reason="a replica that stops reporting its lag has stopped replicating, or is down",
    ),
    Watch(
        id="aurora-acu-above-80",
        tier="data",
        subject=Subject.SERVERLESS,
        summary="The Aurora writer uses more than 80% of its maximum capacity for 15 minutes: raise tierup:data.auroraMaxAcu.",
        metrics=_rds("ACUUtilization", "Average"),
        comparison=Comparison.ABOVE,
        threshold=80,
        unit="%",
        missing=Missing.MISSING,
        missing_reason="Aurora reports every minute while the writer runs; a gap is no verdict, and a day of it is an audit finding",
    ),
    Watch(
        id="global-db-lag",
        tier="data",
        subject=Subject.GLOBAL_DATABASE,
        summary="The recovery region is more than 60 s behind for 5 minutes: a failover now would lose that much.",
        # Milliseconds (Aurora User Guide, "Monitoring Amazon Aurora global databases").
        metrics=(Metric("m", "AWS/RDS", "AuroraGlobalDBReplicationLag", "Maximum"),),
        comparison=Comparison.ABOVE,
        threshold=60,
        unit="s",
        scale=1000,
        period=60,
        evaluation_periods=5,
        datapoints=5,
        missing=Missing.BREACHING,
        missing_reason="a global database that stops reporting its lag has stopped replicating",
    ),
    Watch(
        id="proxy-wait-high",
        tier="data",
        subject=Subject.PROXY,
        summary="Clients wait more than 100 ms for a pooled connection for 15 minutes: the proxy's pool is saturated.",
        # Microseconds (RDS User Guide, "Monitoring RDS Proxy metrics with Amazon CloudWatch").
        metrics=(Metric("m", "AWS/RDS", "DatabaseConnectionsBorrowLatency", "Average"),),
        comparison=Comparison.ABOVE,
        threshold=100,
        unit="ms",
        scale=1000,
        missing=Missing.NOT_BREACHING,
        missing_reason="reported only once clients borrow connections",
    ),
    Watch(
        id="cache-evictions",
        tier="cache",
        subject=Subject.CACHE,
        summary="The cache evicts more than 100 keys per 5 minutes for 15 minutes: it is out of memory.",
        metrics=(Metric("evictions", "AWS/ElastiCache", "Evictions", "Sum"),),
        expression="SUM(METRICS('evictions'))",
        comparison=Comparison.ABOVE,
        threshold=100,
        unit="keys",
        missing=Missing.MISSING,
        missing_reason="ElastiCache reports every minute while a node runs; a gap is no verdict",
    ),
    Watch(
        id=SPOT_INTERRUPTIONS,
        tier="compute",
        subject=Subject.EVENTS,
        summary="A Fargate Spot task of the service was interrupted (AWS took the capacity back).",
        metrics=(Metric("m", "AWS/Events", "TriggeredRules", "Sum"),),
        comparison=Comparison.ABOVE,
        threshold=0,
        unit="interruptions",
        missing=Missing.NOT_BREACHING,
        missing_reason="the rule matches only interrupted tasks; each one is delivered by the rule itself",
        alarm=False,
    ),
)
BY_ID: Mapping[str, Watch] = MappingProxyType({watch.id: watch for watch in WATCHES})
ALARMS = tuple(watch for watch in WATCHES if watch.alarm)
ADVICE = tuple(watch for watch in WATCHES if watch.advice is not None)


def alarm_name(project: str, stack: str, watch_id: str) -> str:
    """The name of a watch's alarm (or event rule) in one stack; the guardrails and the audit look it up."""
    return f"{project}-{stack}-{watch_id}"


def subjects_of(profile: ReleaseProfile) -> frozenset[Subject]:
    """What a profile builds that alarms can watch."""
    behind_alb = profile.compute.ingress is Ingress.LOAD_BALANCER
    present = {
        Subject.SERVICE: True,
        Subject.DATABASE: True,
        Subject.RDS_STORAGE: profile.data.engine is DataEngine.POSTGRES,
        Subject.SERVERLESS: profile.data.engine is DataEngine.AURORA,
        Subject.GLOBAL_DATABASE: profile.dr.enabled,
        Subject.REPLICA: profile.data.read_replica,
        Subject.PROXY: profile.data.proxy,
        Subject.LOAD_BALANCER: behind_alb,
        Subject.TARGETS: behind_alb,
        Subject.WEB_ACL: behind_alb and profile.compute.waf,
        Subject.NAT: profile.network.nat_strategy is not NatStrategy.NONE,
        Subject.CACHE: profile.cache.mode is CacheMode.REDIS,
        Subject.EVENTS: profile.compute.spot_weight > 0,
    }
    return frozenset(subject for subject, here in present.items() if here)


def promised(profile: ReleaseProfile) -> tuple[str, ...]:
    """The alarms (and the Spot-interruption rule) the profile's release promises, where the
    profile builds their subject."""
    subjects = subjects_of(profile)
    return tuple(name for name in profile.limits.alarms if BY_ID[name].subject in subjects)
