"""The typed, frozen settings of a stack: one slice per tier, plus the budget."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tierup_guardrails.modes import Architecture, CacheEngine, CacheMode, Ingress, NatStrategy


class Release(StrEnum):
    """A rung of the release ladder; its value is what `tierup:release` holds."""

    V1_0 = "v1.0"
    V1_5 = "v1.5"
    V2_0 = "v2.0"


@dataclass(frozen=True, kw_only=True)
class NetworkSettings:
    """The VPC, its subnet plan and its egress."""

    cidr: str
    """VPC IPv4 range; the subnet plan is carved from it identically in every release."""
    az_count: int
    """How many AZs the subnets span."""
    availability_zones: tuple[str, ...] = ()
    """Zone IDs (use1-az1) or AZ names (us-east-1a) in slot order (slot i always gets the same
    CIDRs); empty in a profile, where the region's supported zone IDs are used."""
    nat_strategy: NatStrategy
    """NAT gateways for the private subnets: none, one shared, or one per AZ."""
    flow_logs: bool
    """Whether VPC flow logs go to CloudWatch Logs."""
    log_retention_days: int
    """Retention of the flow log group."""


@dataclass(frozen=True, kw_only=True)
class ComputeSettings:
    """The ECS Fargate service running the app."""

    cpu: int
    """Task CPU units (256 = 0.25 vCPU)."""
    memory: int
    """Task memory in MiB; must pair with cpu as Fargate allows."""
    architecture: Architecture
    """CPU architecture of the task."""
    ingress: Ingress
    """Public IP on the task (v1.0) or private tasks behind an ALB."""
    waf: bool
    """Whether a WAFv2 web ACL protects the load balancer."""
    waf_block_large_bodies: bool = False
    """Whether WAF's common rule set blocks request bodies over 8 KB (it only counts them when false)."""
    min_tasks: int
    """Lower bound of the service's task count (the count itself when fixed)."""
    max_tasks: int
    """Upper bound of the service's task count under autoscaling."""
    cpu_target_percent: int
    """Average CPU utilisation the autoscaler aims for."""
    on_demand_base: int
    """Tasks always run on on-demand FARGATE before any weighting applies."""
    spot_weight: int
    """Relative weight of FARGATE_SPOT beyond the base; 0 means no Spot."""
    container_insights: bool
    """Whether the ECS cluster has Container Insights."""
    log_retention_days: int
    """Retention of the app's log group."""

    @property
    def autoscaling(self) -> bool:
        """True when the task count may move between min and max."""
        return self.max_tasks > self.min_tasks


@dataclass(frozen=True, kw_only=True)
class DataSettings:
    """The PostgreSQL database."""

    engine_version: str
    """PostgreSQL major version."""
    instance_class: str
    """RDS instance class of the primary (and replica)."""
    allocated_storage_gb: int
    """Initial gp3 storage."""
    max_allocated_storage_gb: int
    """Ceiling for storage autoscaling."""
    multi_az: bool
    """Whether the primary has a synchronous standby in another AZ."""
    backup_retention_days: int
    """Days of automated backups and point-in-time recovery."""
    performance_insights: bool
    """Whether Performance Insights is on (free 7-day tier)."""
    protect: bool
    """Whether Pulumi refuses to delete or replace the database."""
    read_replica: bool
    """Whether a read replica is created."""
    proxy: bool
    """Whether an RDS Proxy fronts the database."""
    log_retention_days: int
    """Retention of the exported PostgreSQL logs."""
    credential_version: int = 1
    """Generation of the generated master password; raising it sets a new one and restarts the tasks."""


@dataclass(frozen=True, kw_only=True)
class CacheSettings:
    """The cache: PostgreSQL itself, or ElastiCache."""

    mode: CacheMode
    """postgres (no AWS resources) or redis (a replication group)."""
    engine: CacheEngine
    """ElastiCache engine when mode is redis."""
    node_type: str
    """ElastiCache node type when mode is redis."""
    nodes: int
    """Cache nodes when mode is redis; two or more enable failover."""


@dataclass(frozen=True, kw_only=True)
class BudgetSettings:
    """What the stack may cost per month, and who hears when it will not fit."""

    monthly_usd: float
    """The estimate must fit under this; a real AWS budget alerts at it."""
    goal_usd: float
    """What the release aims for; reported beside the estimate."""
    alert_emails: tuple[str, ...]
    """Recipients of budget notifications."""
    activate_cost_tags: bool = False
    """Activate the cost allocation tags; AWS accepts this only once it has seen the tags on
    billed resources (up to 24 hours after the first deploy), so it is asked for later."""


@dataclass(frozen=True, kw_only=True)
class AppSettings:
    """The container the platform runs; the same in every release."""

    image: str
    """Container image reference."""
    port: int
    """TCP port the container listens on."""
    health_check_path: str
    """HTTP path the load balancer probes."""
    environment: tuple[tuple[str, str], ...]
    """Plain environment variables (name, value), sorted; never secrets."""
    secrets: tuple[tuple[str, str], ...]
    """Secret environment variables (name, Secrets Manager or SSM parameter ARN), sorted."""
    user: str | None
    """User (uid or uid:gid) the container runs as; None keeps the image's user."""
    writable_paths: tuple[str, ...] = ("/tmp",)
    """Paths the image writes to; each becomes a tmpfs mount the app's user can write."""
    certificate_arn: str | None
    """ACM certificate for HTTPS on the load balancer; None serves plain HTTP."""


@dataclass(frozen=True, kw_only=True)
class UsageSettings:
    """Monthly usage the estimate assumes for what is billed by use (like Infracost's usage file)."""

    nat_gb: float
    """GB processed by the NAT gateways, all together."""
    alb_lcu: float
    """Average load balancer capacity units in use."""
    log_ingest_gb: float
    """GB ingested into CloudWatch Logs (app, flow and database logs)."""
    log_storage_gb: float
    """GB kept in CloudWatch Logs on average."""
    waf_requests_million: float
    """Millions of requests inspected by WAF."""
    secrets_api_10k: float
    """Tens of thousands of Secrets Manager API calls."""
    container_insights_metrics: int
    """Custom metrics Container Insights publishes for the cluster and service."""
    data_out_gb: float
    """GB sent to the internet (the first 100 GB a month are free)."""


@dataclass(frozen=True, kw_only=True)
class ReleaseLimits:
    """What a release allows, whatever a stack overrides: the guardrails enforce these."""

    allowed_instance_classes: tuple[str, ...]
    """Database instance classes the release may run."""
    min_backup_days: int
    """Fewest days of automated backups (AWS recommends 7 for point-in-time recovery in production)."""


@dataclass(frozen=True, kw_only=True)
class ReleaseProfile:
    """Everything one release sets, before stack overrides."""

    limits: ReleaseLimits
    network: NetworkSettings
    app: AppSettings
    compute: ComputeSettings
    data: DataSettings
    cache: CacheSettings
    budget: BudgetSettings
    usage: UsageSettings


@dataclass(frozen=True, kw_only=True)
class StackSettings(ReleaseProfile):
    """A release profile with the stack's overrides applied and validated."""

    release: Release
    region: str
