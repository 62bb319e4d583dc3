"""The typed, frozen settings of a stack: one slice per tier, plus the budget and usage.

Each field is declared once, with its config key, its parser and its one-line doc (`setting`):
the loader, the README's configuration table and the components all read it from here, so a
new setting is one field here plus its value in each release of the ladder.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field
from enum import StrEnum
from typing import Any

from tierup_guardrails.modes import (
    Architecture,
    CacheEngine,
    CacheMode,
    DataEngine,
    DataMigration,
    Ingress,
    MfaMode,
    NatStrategy,
    PriceClass,
    Standby,
    UserPoolTier,
)
from tierup_guardrails.settings.fargate import FARGATE_MEMORY_BY_CPU
from tierup_guardrails.settings.fields import (
    LOG_RETENTION_DAYS,
    Parser,
    amount_up_to,
    int_between,
    list_of,
    mapping_of,
    member_of,
    number_between,
    one_of_ints,
    optional,
    parse_bool,
    private_cidr,
    scalar_text,
    text_matching,
)
from tierup_guardrails.subnet_plan import AZ_SLOTS

MAX_TASKS = 50
MAX_STORAGE_GB = 65536
RETENTION = one_of_ints(LOG_RETENTION_DAYS, "a CloudWatch retention: " + ", ".join(map(str, LOG_RETENTION_DAYS)))
ZONE_PATTERN = r"[a-z0-9-]+[a-z]|[a-z]{3,6}[0-9]-az[0-9]{1,2}"
ENV_NAME = r"[A-Za-z_][A-Za-z0-9_]{0,254}"
HOSTNAME = text_matching(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", "a lowercase DNS name such as app.example.com")
HTTPS_URL = text_matching(r"https://[^\s]{1,1000}|http://localhost(:[0-9]{1,5})?(/[^\s]*)?", "an https:// URL (http:// only for localhost)")
EMAIL = text_matching(r"[^@\s]+@[^@\s]+\.[^@\s]+", "an email address")
SECRET_ARN = text_matching(
    r"arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+|ssm:[a-z0-9-]+:[0-9]{12}:parameter/[A-Za-z0-9/_.-]+)",
    "a Secrets Manager secret ARN or an SSM parameter ARN",
)


def setting(key: str, parse: Parser, doc: str, default: Any = MISSING) -> Any:
    """A settings field: its key under `tierup:<slice>`, the parser of its raw config value and
    its one-line doc, declared once."""
    metadata = {"key": key, "parse": parse, "doc": doc}
    return field(metadata=metadata) if default is MISSING else field(default=default, metadata=metadata)


class Release(StrEnum):
    """A rung of the release ladder; its value is what `tierup:release` holds."""

    V1_0 = "v1.0"
    V1_5 = "v1.5"
    V2_0 = "v2.0"
    V3_0 = "v3.0"


@dataclass(frozen=True, kw_only=True)
class NetworkSettings:
    """The VPC, its subnet plan and its egress."""

    cidr: str = setting("cidr", private_cidr, "VPC IPv4 range; the subnet plan is carved from it identically in every release.")
    az_count: int = setting("azCount", int_between(2, AZ_SLOTS), "How many AZs the subnets span.")
    availability_zones: tuple[str, ...] = setting(
        "availabilityZones",
        list_of(text_matching(ZONE_PATTERN, "a zone ID such as use1-az1, or an AZ name such as us-east-1a"), min_items=2, max_items=AZ_SLOTS),
        "Zone IDs (use1-az1) or AZ names (us-east-1a) in slot order (slot i always gets the same CIDRs); "
        "empty in a profile, where the region's supported zone IDs are used.",
        default=(),
    )
    nat_strategy: NatStrategy = setting("natStrategy", member_of(NatStrategy), "NAT gateways for the private subnets: none, one shared, or one per AZ.")
    flow_logs: bool = setting("flowLogs", parse_bool, "Whether VPC flow logs go to CloudWatch Logs.")
    log_retention_days: int = setting("logRetentionDays", RETENTION, "Retention of the flow log group.")


@dataclass(frozen=True, kw_only=True)
class ComputeSettings:
    """The ECS Fargate service running the app."""

    cpu: int = setting("cpu", one_of_ints(tuple(FARGATE_MEMORY_BY_CPU), ", ".join(map(str, FARGATE_MEMORY_BY_CPU))), "Task CPU units (256 = 0.25 vCPU).")
    memory: int = setting("memory", int_between(512, 122880), "Task memory in MiB; must pair with cpu as Fargate allows.")
    architecture: Architecture = setting("architecture", member_of(Architecture), "CPU architecture of the task.")
    ingress: Ingress = setting("ingress", member_of(Ingress), "Public IP on the task (v1.0) or private tasks behind an ALB.")
    waf: bool = setting("waf", parse_bool, "Whether a WAFv2 web ACL protects the load balancer.")
    waf_block_large_bodies: bool = setting(
        "wafBlockLargeBodies", parse_bool, "Whether WAF's common rule set blocks request bodies over 8 KB (it only counts them when false).", default=False
    )
    min_tasks: int = setting("minTasks", int_between(1, MAX_TASKS), "Lower bound of the service's task count (the count itself when fixed).")
    max_tasks: int = setting("maxTasks", int_between(1, MAX_TASKS), "Upper bound of the service's task count under autoscaling.")
    cpu_target_percent: int = setting("cpuTargetPercent", int_between(10, 90), "Average CPU utilisation the autoscaler aims for.")
    on_demand_base: int = setting("onDemandBase", int_between(0, MAX_TASKS), "Tasks always run on on-demand FARGATE before any weighting applies.")
    spot_weight: int = setting("spotWeight", int_between(0, 10), "Relative weight of FARGATE_SPOT beyond the base; 0 means no Spot.")
    container_insights: bool = setting("containerInsights", parse_bool, "Whether the ECS cluster has Container Insights.")
    log_retention_days: int = setting("logRetentionDays", RETENTION, "Retention of the app's log group.")

    @property
    def autoscaling(self) -> bool:
        """True when the task count may move between min and max."""
        return self.max_tasks > self.min_tasks


@dataclass(frozen=True, kw_only=True)
class DataSettings:
    """The PostgreSQL database."""

    engine_version: str = setting("engineVersion", text_matching(r"1[4-7]", "a PostgreSQL major version: 14, 15, 16 or 17"), "PostgreSQL major version.")
    instance_class: str = setting(
        "instanceClass",
        text_matching(r"db\.[a-z0-9]+\.[a-z0-9]+", "an RDS instance class such as db.t4g.micro"),
        "RDS instance class of the primary (and replica).",
    )
    # gp3 for PostgreSQL: 20 GiB to 64 TiB (RDS User Guide, "Amazon RDS DB instance storage"); the
    # ceiling must stay 10% above the allocation.
    allocated_storage_gb: int = setting("allocatedStorageGb", int_between(20, MAX_STORAGE_GB * 10 // 11), "Initial gp3 storage.")
    max_allocated_storage_gb: int = setting("maxAllocatedStorageGb", int_between(22, MAX_STORAGE_GB), "Ceiling for storage autoscaling.")
    multi_az: bool = setting("multiAz", parse_bool, "Whether the primary has a synchronous standby in another AZ.")
    backup_retention_days: int = setting("backupRetentionDays", int_between(1, 35), "Days of automated backups and point-in-time recovery.")
    performance_insights: bool = setting("performanceInsights", parse_bool, "Whether Performance Insights is on (free 7-day tier).")
    protect: bool = setting("protect", parse_bool, "Whether Pulumi refuses to delete or replace the database.")
    read_replica: bool = setting("readReplica", parse_bool, "Whether a read replica is created.")
    proxy: bool = setting("proxy", parse_bool, "Whether an RDS Proxy fronts the database.")
    log_retention_days: int = setting("logRetentionDays", RETENTION, "Retention of the exported PostgreSQL logs.")
    credential_version: int = setting(
        "credentialVersion", int_between(1, 1000), "Generation of the generated master password; raising it sets a new one and restarts the tasks.", default=1
    )
    engine: DataEngine = setting(
        "engine", member_of(DataEngine), "postgres (an RDS instance, v1.0-v2.0) or aurora-postgresql (an Aurora cluster, v3.0).", default=DataEngine.POSTGRES
    )
    migration: DataMigration = setting(
        "migration",
        member_of(DataMigration),
        'Step of the move from RDS to Aurora (README, "Moving to v3.0"): none, replicating, promoted, retiring.',
        default=DataMigration.NONE,
    )
    aurora_min_acu: float = setting(
        "auroraMinAcu", number_between(0.5, 256), "Fewest Aurora Serverless v2 capacity units per instance (0.5 ACU is about 1 GiB of memory).", default=0.5
    )
    aurora_max_acu: float = setting("auroraMaxAcu", number_between(1, 256), "Most Aurora Serverless v2 capacity units per instance.", default=8)


@dataclass(frozen=True, kw_only=True)
class CacheSettings:
    """The cache: PostgreSQL itself, or ElastiCache."""

    mode: CacheMode = setting("mode", member_of(CacheMode), "postgres (no AWS resources) or redis (a replication group).")
    engine: CacheEngine = setting("engine", member_of(CacheEngine), "ElastiCache engine when mode is redis.")
    node_type: str = setting(
        "nodeType",
        text_matching(r"cache\.[a-z0-9]+\.[a-z0-9]+", "an ElastiCache node type such as cache.t4g.micro"),
        "ElastiCache node type when mode is redis.",
    )
    nodes: int = setting("nodes", int_between(1, 6), "Cache nodes when mode is redis; two or more enable failover.")


@dataclass(frozen=True, kw_only=True)
class DisasterRecoverySettings:
    """The passive second region (v3.0): a standby network and service, a secondary of the
    Aurora global database, replicated buckets and secrets, and a Route 53 failover name."""

    enabled: bool = setting("enabled", parse_bool, "Whether the stack keeps a disaster-recovery region (v3.0 only: about $150/month).", default=False)
    region: str | None = setting(
        "region",
        optional(text_matching(r"[a-z]{2}-[a-z]+-[0-9]", "an AWS region name such as ap-southeast-1")),
        "The recovery region; None picks the primary's neighbour (ap-southeast-1 next to an Asia-Pacific primary, us-west-2 next to an "
        "American one, eu-west-1 next to a European one).",
        default=None,
    )
    cidr: str = setting("cidr", private_cidr, "VPC range in the recovery region, apart from the primary's so the two can be peered.", default="10.1.0.0/16")
    standby: Standby = setting(
        "standby", member_of(Standby), "passive (nothing runs: no tasks, no database instance, no NAT) or active (failed over).", default=Standby.PASSIVE
    )
    domain: str | None = setting("domain", optional(HOSTNAME), "The app's host name that Route 53 fails over between the regions.", default=None)
    hosted_zone_id: str | None = setting(
        "hostedZoneId",
        optional(text_matching(r"Z[A-Z0-9]{1,32}", "a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ")),
        "Existing public hosted zone holding domain; None creates one (delegate its name servers, output failoverNameServers).",
        default=None,
    )
    certificate_arn: str | None = setting(
        "certificateArn",
        optional(text_matching(r"arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+", "an ACM certificate ARN")),
        "ACM certificate in the recovery region covering domain (certificates are regional); required when tierup:app.certificateArn is set.",
        default=None,
    )


@dataclass(frozen=True, kw_only=True)
class BudgetSettings:
    """What the stack may cost per month; its alerts go to the stack's alert topic (AlertsSettings)."""

    monthly_usd: float = setting("monthlyUsd", number_between(0, 100_000), "The estimate must fit under this; a real AWS budget alerts at it.")
    goal_usd: float = setting("goalUsd", number_between(0, 100_000), "What the release aims for; reported beside the estimate.")
    activate_cost_tags: bool = setting(
        "activateCostTags",
        parse_bool,
        "Activate the cost allocation tags; AWS accepts this only once it has seen the tags on billed resources "
        "(up to a day after the first deploy), and only from the payer account.",
        default=False,
    )


@dataclass(frozen=True, kw_only=True)
class AlertsSettings:
    """Who hears when an alarm fires or the budget will not fit, and what they can look at."""

    emails: tuple[str, ...] = setting(
        "emails",
        list_of(EMAIL, min_items=0, max_items=10),
        "Addresses subscribed to the stack's alert topic: every alarm and budget notification (each confirms once).",
    )
    dashboard: bool = setting("dashboard", parse_bool, "Whether a CloudWatch dashboard draws the watched metrics, grouped by tier.")


@dataclass(frozen=True, kw_only=True)
class AppSettings:
    """The container the platform runs; the same in every release."""

    image: str = setting("image", text_matching(r"[a-z0-9][A-Za-z0-9._/:@-]{0,254}", "an image reference such as repo/name:tag"), "Container image reference.")
    port: int = setting("port", int_between(1024, 65535), "TCP port the container listens on.")
    health_check_path: str = setting(
        "healthCheckPath", text_matching(r"/[A-Za-z0-9._~/?=&%-]{0,1023}", "a path starting with /"), "HTTP path the load balancer probes."
    )
    environment: tuple[tuple[str, str], ...] = setting(
        "environment", mapping_of(ENV_NAME, scalar_text, max_items=100), "Plain environment variables (name, value), sorted; never secrets."
    )
    secrets: tuple[tuple[str, str], ...] = setting(
        "secrets", mapping_of(ENV_NAME, SECRET_ARN, max_items=50), "Secret environment variables (name, Secrets Manager or SSM parameter ARN), sorted."
    )
    user: str | None = setting(
        "user",
        optional(text_matching(r"[0-9]{1,10}(:[0-9]{1,10})?|[a-z_][a-z0-9_-]{0,31}", "a uid, uid:gid or user name")),
        "User (uid or uid:gid) the container runs as; None keeps the image's user.",
    )
    writable_paths: tuple[str, ...] = setting(
        "writablePaths",
        list_of(text_matching(r"/[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*", "an absolute path below / such as /tmp"), min_items=0, max_items=10),
        "Paths the image writes to; each becomes a tmpfs mount the app's user can write.",
        default=("/tmp",),
    )
    writable_mib: int = setting(
        "writableMib", int_between(1, 1024), "Room of each writable path, in MiB of the task's memory (a tmpfs takes what it holds).", default=64
    )
    certificate_arn: str | None = setting(
        "certificateArn",
        optional(text_matching(r"arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+", "an ACM certificate ARN")),
        "ACM certificate for HTTPS on the load balancer; None serves plain HTTP.",
    )


@dataclass(frozen=True, kw_only=True)
class FrontendSettings:
    """The single-page app's static files: a private bucket served through CloudFront."""

    price_class: PriceClass = setting("priceClass", member_of(PriceClass), "CloudFront edge locations that serve the frontend.")
    spa_fallback: bool = setting("spaFallback", parse_bool, "Whether a missing path (S3's 403/404) serves /index.html with 200, for client-side routing.")
    domain: str | None = setting("domain", optional(HOSTNAME), "Custom domain of the frontend (needs certificateArn); None serves the cloudfront.net name.")
    certificate_arn: str | None = setting(
        "certificateArn",
        optional(
            text_matching(r"arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/[A-Za-z0-9-]+", "an ACM certificate ARN in us-east-1 (CloudFront's region)")
        ),
        "ACM certificate covering the custom domain; CloudFront accepts only certificates in us-east-1.",
    )
    api_origin: str | None = setting(
        "apiOrigin",
        optional(HOSTNAME),
        "Host name of the load balancer that tierup:app.certificateArn covers: /api/* goes there over HTTPS; None keeps the API off the CDN.",
    )


@dataclass(frozen=True, kw_only=True)
class StorageSettings:
    """What every bucket of the stack keeps, and the app's uploads bucket."""

    versioning: bool = setting("versioning", parse_bool, "Whether buckets keep overwritten and deleted objects as noncurrent versions.")
    noncurrent_expiry_days: int = setting("noncurrentExpiryDays", int_between(1, 3650), "Days a noncurrent version is kept when versioning is on.")
    abort_multipart_days: int = setting(
        "abortMultipartDays", int_between(1, 365), "Days after which an unfinished multipart upload (billed, invisible) is removed."
    )
    intelligent_tiering: bool = setting("intelligentTiering", parse_bool, "Whether uploads move to S3 Intelligent-Tiering (billed per object monitored).")
    uploads_prefix: str = setting(
        "uploadsPrefix",
        text_matching(r"[a-z0-9][a-z0-9._-]{0,62}/", "a key prefix such as uploads/"),
        "Key prefix the app may read and write.",
        default="uploads/",
    )


@dataclass(frozen=True, kw_only=True)
class AuthSettings:
    """The Cognito user pool the app signs users in with."""

    tier: UserPoolTier = setting("tier", member_of(UserPoolTier), "Cognito feature plan, which sets the price per monthly active user.")
    mfa: MfaMode = setting("mfa", member_of(MfaMode), "Multi-factor authentication with an authenticator app: off, optional or required.")
    deletion_protection: bool = setting("deletionProtection", parse_bool, "Whether Cognito refuses to delete the pool (it holds the users).")
    password_min_length: int = setting("passwordMinLength", int_between(8, 99), "Shortest password the pool accepts.")
    access_token_minutes: int = setting("accessTokenMinutes", int_between(5, 1440), "Lifetime of access and ID tokens.")
    refresh_token_days: int = setting("refreshTokenDays", int_between(1, 3650), "Lifetime of refresh tokens.")
    callback_urls: tuple[str, ...] = setting(
        "callbackUrls", list_of(HTTPS_URL, min_items=0, max_items=20), "Sign-in redirect URLs besides the frontend's own URL.", default=()
    )


@dataclass(frozen=True, kw_only=True)
class EmailSettings:
    """The domain the app sends email from, through SES."""

    domain: str | None = setting("domain", optional(HOSTNAME), "Domain the app sends from (DKIM-verified); None creates no email identity.", default=None)


@dataclass(frozen=True, kw_only=True)
class UsageSettings:
    """Monthly usage the estimate assumes for what is billed by use (like Infracost's usage file)."""

    nat_gb: float = setting("natGb", amount_up_to(1_000_000), "GB processed by the NAT gateways, all together.")
    alb_lcu: float = setting("albLcu", amount_up_to(10_000), "Average load balancer capacity units in use.")
    log_ingest_gb: float = setting("logIngestGb", amount_up_to(1_000_000), "GB ingested into CloudWatch Logs (app, flow and database logs).")
    log_storage_gb: float = setting("logStorageGb", amount_up_to(1_000_000), "GB kept in CloudWatch Logs on average.")
    waf_requests_million: float = setting("wafRequestsMillion", amount_up_to(1_000_000), "Millions of requests inspected by WAF.")
    secrets_api_10k: float = setting("secretsApi10k", amount_up_to(1_000_000), "Tens of thousands of Secrets Manager API calls.")
    container_insights_metrics: int = setting(
        "containerInsightsMetrics", int_between(0, 100_000), "Custom metrics Container Insights publishes for the cluster and service."
    )
    data_out_gb: float = setting("dataOutGb", amount_up_to(1_000_000), "GB sent to the internet (the first 100 GB a month are free).")
    cdn_data_out_gb: float = setting("cdnDataOutGb", amount_up_to(1_000_000), "GB CloudFront sends to viewers (the first 1,024 GB a month are free).")
    cdn_requests_10k: float = setting(
        "cdnRequests10k", amount_up_to(1_000_000), "Tens of thousands of HTTPS requests to CloudFront (the first 1,000 a month are free)."
    )
    storage_gb: float = setting("storageGb", amount_up_to(1_000_000), "GB stored in the stack's buckets, noncurrent versions included.")
    storage_requests_1k: float = setting("storageRequests1k", amount_up_to(1_000_000), "Thousands of PUT/COPY/POST/LIST requests to the buckets.")
    storage_reads_1k: float = setting("storageReads1k", amount_up_to(1_000_000), "Thousands of GET requests to the buckets (CloudFront's misses included).")
    storage_objects_1k: float = setting("storageObjects1k", amount_up_to(1_000_000), "Thousands of uploaded objects (Intelligent-Tiering monitors each).")
    monthly_active_users: int = setting("monthlyActiveUsers", int_between(0, 100_000_000), "Users who sign in during a month (Cognito bills beyond 10,000).")
    emails_1k: float = setting("emails1k", amount_up_to(1_000_000), "Thousands of emails sent through SES.")
    alert_deliveries: int = setting(
        "alertDeliveries", int_between(0, 10_000_000), "Alert emails SNS delivers (notifications × addresses; the first 1,000 a month are free)."
    )
    aurora_average_acu: float = setting(
        "auroraAverageAcu", amount_up_to(256), "Average Aurora Serverless v2 capacity units each running instance uses.", default=0
    )
    aurora_io_million: float = setting("auroraIoMillion", amount_up_to(1_000_000), "Millions of Aurora I/O requests (Standard storage).", default=0)
    replicated_writes_million: float = setting(
        "replicatedWritesMillion", amount_up_to(1_000_000), "Millions of write I/Os the Aurora global database copies to the recovery region.", default=0
    )
    cross_region_gb: float = setting("crossRegionGb", amount_up_to(1_000_000), "GB copied to the recovery region each month (bucket replication).", default=0)
    aurora_storage_gb: float = setting(
        "auroraStorageGb", amount_up_to(1_000_000), "GB in the Aurora cluster volume (each region of a global database stores a copy).", default=0
    )
    aurora_backup_gb: float = setting(
        "auroraBackupGb", amount_up_to(1_000_000), "GB of Aurora backups beyond the free allowance (one copy of the volume).", default=0
    )


@dataclass(frozen=True, kw_only=True)
class ReleaseLimits:
    """What a release allows, whatever a stack overrides: the guardrails enforce these."""

    allowed_instance_classes: tuple[str, ...]
    """Database instance classes the release may run."""
    min_backup_days: int
    """Fewest days of automated backups (AWS recommends 7 for point-in-time recovery in production)."""
    alarms: tuple[str, ...]
    """The alarms the release promises (ids in tierup_guardrails.thresholds), each where its subject exists."""
    disaster_recovery: bool = False
    """The release requires a recovery region with a replica of the data, and only it allows one (cost)."""


@dataclass(frozen=True, kw_only=True)
class ReleaseProfile:
    """Everything one release sets, before stack overrides."""

    limits: ReleaseLimits
    network: NetworkSettings
    app: AppSettings
    compute: ComputeSettings
    data: DataSettings
    cache: CacheSettings
    frontend: FrontendSettings
    storage: StorageSettings
    auth: AuthSettings
    email: EmailSettings
    dr: DisasterRecoverySettings
    usage: UsageSettings
    budget: BudgetSettings
    alerts: AlertsSettings


@dataclass(frozen=True, kw_only=True)
class StackSettings(ReleaseProfile):
    """A release profile with the stack's overrides applied and validated."""

    release: Release
    region: str
