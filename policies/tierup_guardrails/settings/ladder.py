"""The release ladder as data: one frozen profile per release (DESIGN.md, "The release ladder")."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from types import MappingProxyType

from tierup_guardrails.modes import Architecture, CacheEngine, CacheMode, DataEngine, Ingress, MfaMode, NatStrategy, PriceClass, UserPoolTier
from tierup_guardrails.settings.model import (
    AlertsSettings,
    AppSettings,
    AuthSettings,
    BudgetSettings,
    CacheSettings,
    ComputeSettings,
    DataSettings,
    DisasterRecoverySettings,
    EmailSettings,
    FrontendSettings,
    NetworkSettings,
    Release,
    ReleaseLimits,
    ReleaseProfile,
    StorageSettings,
    UsageSettings,
)

# Fixed from v1.0 on purpose: every release carves the same subnets from it.
_VPC_CIDR = "10.0.0.0/16"

# A placeholder app that runs as is under the platform's hardening: NGINX's unprivileged image
# listens on 8080 as uid 101 and writes only to /tmp (its pid file and temp paths), a tmpfs
# mount (components/container.py).
_APP = AppSettings(
    image="public.ecr.aws/nginx/nginx-unprivileged:stable-alpine",
    port=8080,
    health_check_path="/",
    environment=(),
    secrets=(),
    user="101",
    writable_paths=("/tmp",),
    certificate_arn=None,
)

# The frontend is the same in every release: North America and Europe edges, client-side routing.
_FRONTEND = FrontendSettings(price_class=PriceClass.PRICE_CLASS_100, spa_fallback=True, domain=None, certificate_arn=None, api_origin=None)
# No email identity until the stack names its domain (an identity needs DNS records to verify).
_EMAIL = EmailSettings(domain=None)
# No recovery region below v3.0 (DESIGN.md, "The release ladder": about $150/month).
_NO_DR = DisasterRecoverySettings()
# Cognito's Essentials plan is AWS's default for new pools; its first 10,000 monthly active users
# are free. Authenticator-app MFA is free and optional for users from v1.0.
_AUTH_V1_0 = AuthSettings(
    tier=UserPoolTier.ESSENTIALS,
    mfa=MfaMode.OPTIONAL,
    deletion_protection=False,
    password_min_length=12,
    access_token_minutes=60,
    refresh_token_days=30,
)

# The alarms each release promises (rows of tierup_guardrails.thresholds). v1.0's four fit in
# CloudWatch's ten free alarm metrics; without Container Insights, "fewer tasks than desired"
# (the service wants one) is "no task running". A release only adds alarms: moving up never
# deletes one, and "no task running" stays beside v1.5's finer "fewer tasks than desired".
_ALARMS_V1_0 = ("no-running-task", "db-cpu-above-70", "db-storage-low", "db-conns-above-50")
_ALARMS_V1_5 = (
    *_ALARMS_V1_0,
    "tasks-below-desired",
    "ecs-cpu-above-85",
    "ecs-memory-above-85",
    "alb-5xx-above-5pct",
    "latency-above-1s",
    "alb-unhealthy-hosts",
    "nat-port-errors",
    "nat-packet-drops",
    "waf-blocked-spike",
)
_ALARMS_V2_0 = (
    *_ALARMS_V1_5,
    "replica-lag-high",
    "proxy-wait-high",
    "cache-hits-below-50",
    "cache-evictions",
    "spot-interruptions",
)
# Nobody is subscribed until the stack names its addresses (each confirms a subscription email).
_ALERTS_V1_0 = AlertsSettings(emails=(), dashboard=False)
_ALERTS_V1_5 = AlertsSettings(emails=(), dashboard=True)

_V1_0 = ReleaseProfile(
    # Burstable Graviton while small; a week of backups, Security Hub RDS.11's minimum (backup
    # storage up to the database's size is free, and Trivy's AVD-AWS-0077 refuses a single day).
    limits=ReleaseLimits(allowed_instance_classes=("db.t4g.micro", "db.t4g.small"), min_backup_days=7, alarms=_ALARMS_V1_0),
    network=NetworkSettings(
        cidr=_VPC_CIDR,
        az_count=2,
        nat_strategy=NatStrategy.NONE,
        flow_logs=False,
        log_retention_days=7,
    ),
    app=_APP,
    compute=ComputeSettings(
        cpu=256,
        memory=512,
        architecture=Architecture.ARM64,
        ingress=Ingress.PUBLIC_IP,
        waf=False,
        min_tasks=1,
        max_tasks=1,
        cpu_target_percent=60,
        on_demand_base=0,
        spot_weight=0,
        container_insights=False,
        log_retention_days=7,
    ),
    data=DataSettings(
        engine_version="16",
        instance_class="db.t4g.micro",
        allocated_storage_gb=20,
        max_allocated_storage_gb=100,
        multi_az=False,
        # Backup storage up to the database's size is free, so even the MVP keeps a week.
        backup_retention_days=7,
        performance_insights=False,
        protect=False,
        read_replica=False,
        proxy=False,
        log_retention_days=7,
    ),
    cache=CacheSettings(
        mode=CacheMode.POSTGRES,
        engine=CacheEngine.VALKEY,
        node_type="cache.t4g.micro",
        nodes=1,
    ),
    frontend=_FRONTEND,
    # Unfinished multipart uploads are billed and invisible: removed after a week from v1.0.
    storage=StorageSettings(versioning=False, noncurrent_expiry_days=30, abort_multipart_days=7, intelligent_tiering=False),
    auth=_AUTH_V1_0,
    email=_EMAIL,
    dr=_NO_DR,
    budget=BudgetSettings(monthly_usd=45.0, goal_usd=30.0),
    alerts=_ALERTS_V1_0,
    usage=UsageSettings(
        nat_gb=0,
        alb_lcu=0,
        log_ingest_gb=1,
        log_storage_gb=1,
        waf_requests_million=0,
        secrets_api_10k=1,
        container_insights_metrics=0,
        data_out_gb=20,
        cdn_data_out_gb=20,
        cdn_requests_10k=50,
        storage_gb=5,
        storage_requests_1k=10,
        storage_reads_1k=100,
        storage_objects_1k=5,
        monthly_active_users=500,
        emails_1k=2,
        alert_deliveries=50,
    ),
)

_V1_5 = ReleaseProfile(
    # AWS's recommended minimum for point-in-time recovery in production is 7 days.
    limits=ReleaseLimits(allowed_instance_classes=("db.t4g.micro", "db.t4g.small", "db.t4g.medium"), min_backup_days=7, alarms=_ALARMS_V1_5),
    network=NetworkSettings(
        cidr=_VPC_CIDR,
        az_count=2,
        nat_strategy=NatStrategy.SINGLE,
        flow_logs=True,
        log_retention_days=30,
    ),
    app=_APP,
    compute=ComputeSettings(
        cpu=256,
        memory=512,
        architecture=Architecture.ARM64,
        ingress=Ingress.LOAD_BALANCER,
        waf=True,
        min_tasks=2,
        max_tasks=6,
        cpu_target_percent=60,
        on_demand_base=0,
        spot_weight=0,
        container_insights=True,
        log_retention_days=30,
    ),
    data=DataSettings(
        engine_version="16",
        instance_class="db.t4g.micro",
        allocated_storage_gb=20,
        max_allocated_storage_gb=200,
        multi_az=True,
        backup_retention_days=14,
        performance_insights=True,
        protect=True,
        read_replica=False,
        proxy=False,
        log_retention_days=30,
    ),
    cache=_V1_0.cache,
    frontend=_FRONTEND,
    storage=StorageSettings(versioning=True, noncurrent_expiry_days=30, abort_multipart_days=7, intelligent_tiering=False),
    # The pool holds the users from production on: Cognito refuses to delete it.
    auth=replace(_AUTH_V1_0, deletion_protection=True),
    email=_EMAIL,
    dr=_NO_DR,
    budget=BudgetSettings(monthly_usd=150.0, goal_usd=120.0),
    alerts=_ALERTS_V1_5,
    usage=UsageSettings(
        nat_gb=20,
        # An LCU is 1 GB processed an hour or 25 new connections a second (ELB pricing): the
        # 60 GB a month sent out below is 0.08 GB an hour, and 3,000 users open about one
        # connection a second; 0.1 LCU keeps the same traffic as the other lines (was 0.5).
        alb_lcu=0.1,
        log_ingest_gb=4,
        log_storage_gb=4,
        waf_requests_million=1,
        secrets_api_10k=2,
        container_insights_metrics=10,
        data_out_gb=60,
        cdn_data_out_gb=100,
        cdn_requests_10k=300,
        storage_gb=50,
        storage_requests_1k=50,
        storage_reads_1k=500,
        storage_objects_1k=50,
        monthly_active_users=3000,
        emails_1k=10,
        alert_deliveries=200,
    ),
)

_V2_0 = ReleaseProfile(
    # General purpose and memory-optimised Graviton at scale.
    limits=ReleaseLimits(
        allowed_instance_classes=("db.t4g.small", "db.t4g.medium", "db.t4g.large", "db.m7g.large", "db.r6g.large", "db.r7g.large"),
        min_backup_days=7,
        alarms=_ALARMS_V2_0,
    ),
    network=NetworkSettings(
        cidr=_VPC_CIDR,
        # Two AZs keep the goal in reach (each AZ adds a NAT gateway); azCount 3 is allowed.
        az_count=2,
        nat_strategy=NatStrategy.ONE_PER_AZ,
        flow_logs=True,
        log_retention_days=90,
    ),
    app=_APP,
    compute=ComputeSettings(
        cpu=512,
        memory=1024,
        # Fargate Spot runs ARM64 tasks on platform version 1.4.0 (ECS API Reference,
        # CapacityProviderStrategyItem); the service asks for LATEST.
        architecture=Architecture.ARM64,
        ingress=Ingress.LOAD_BALANCER,
        waf=True,
        min_tasks=2,
        max_tasks=10,
        cpu_target_percent=60,
        on_demand_base=1,
        spot_weight=3,
        container_insights=True,
        log_retention_days=90,
    ),
    data=DataSettings(
        engine_version="16",
        instance_class="db.t4g.small",
        allocated_storage_gb=20,
        max_allocated_storage_gb=500,
        multi_az=True,
        backup_retention_days=14,
        performance_insights=True,
        protect=True,
        read_replica=True,
        proxy=True,
        log_retention_days=90,
    ),
    cache=CacheSettings(
        mode=CacheMode.REDIS,
        engine=CacheEngine.VALKEY,
        node_type="cache.t4g.micro",
        nodes=2,
    ),
    frontend=_FRONTEND,
    # Uploads nobody reads for 30 days move to cheaper tiers by themselves.
    storage=StorageSettings(versioning=True, noncurrent_expiry_days=30, abort_multipart_days=7, intelligent_tiering=True),
    auth=replace(_AUTH_V1_0, deletion_protection=True),
    email=_EMAIL,
    dr=_NO_DR,
    budget=BudgetSettings(monthly_usd=350.0, goal_usd=250.0),
    alerts=_ALERTS_V1_5,
    usage=UsageSettings(
        nat_gb=50,
        # 200 GB out a month is 0.27 GB an hour, 10,000 users about three connections a second
        # (was 1 LCU, five times the traffic the other lines assume).
        alb_lcu=0.3,
        log_ingest_gb=10,
        log_storage_gb=20,
        waf_requests_million=5,
        secrets_api_10k=5,
        container_insights_metrics=20,
        data_out_gb=200,
        cdn_data_out_gb=500,
        cdn_requests_10k=2000,
        storage_gb=200,
        storage_requests_1k=200,
        storage_reads_1k=2000,
        storage_objects_1k=200,
        monthly_active_users=10000,
        emails_1k=50,
        alert_deliveries=500,
    ),
)

# Aurora has no FreeStorageSpace: db-storage-low stays promised where an RDS instance is.
_ALARMS_V3_0 = (*_ALARMS_V2_0, "aurora-acu-above-80", "global-db-lag")

_V3_0 = replace(
    _V2_0,
    # Aurora Serverless v2 ("db.serverless") next to the classes v2.0 allows, which the RDS
    # instance keeps while the data moves; 30 days of backups (the seeds' hobby-to-enterprise
    # strategy) and a recovery region with a replica of the data.
    limits=ReleaseLimits(
        allowed_instance_classes=(*_V2_0.limits.allowed_instance_classes, "db.serverless"),
        min_backup_days=30,
        alarms=_ALARMS_V3_0,
        disaster_recovery=True,
    ),
    data=replace(
        _V2_0.data,
        engine=DataEngine.AURORA,
        # Serverless v2 between 0.5 and 8 ACUs: at the seeds' load (about one ACU on average) a
        # writer and a reader cost about $175/month against $380 for two db.r6g.large (the
        # smallest class Aurora global databases run on besides Serverless v2).
        aurora_min_acu=0.5,
        aurora_max_acu=8,
        backup_retention_days=30,
        log_retention_days=90,
    ),
    dr=DisasterRecoverySettings(enabled=True),
    budget=BudgetSettings(monthly_usd=700.0, goal_usd=600.0),
    usage=replace(
        _V2_0.usage,
        aurora_average_acu=1,
        aurora_io_million=50,
        replicated_writes_million=20,
        cross_region_gb=20,
        # The cluster volume holds what v2.0's 20 GB instance holds; 30 days of backups keep
        # about one more volume of changed pages beyond the free copy (an assumption).
        aurora_storage_gb=20,
        aurora_backup_gb=20,
    ),
)

PROFILES: Mapping[Release, ReleaseProfile] = MappingProxyType({Release.V1_0: _V1_0, Release.V1_5: _V1_5, Release.V2_0: _V2_0, Release.V3_0: _V3_0})


def per_release(value: Callable[[ReleaseProfile], object]) -> str:
    """A fact of every release for a sentence: "1 in v1.0, 6 in v1.5, 10 in v2.0"."""
    return ", ".join(f"{value(profile)} in {release.value}" for release, profile in PROFILES.items())


# The monthly cost the roadmap names for a release where it names a band (DESIGN.md, the seeds:
# "v3.0 (about $500-700/month)"); reported beside the estimate, never enforced (the budget is).
ROADMAP_BANDS: Mapping[Release, tuple[float, float]] = MappingProxyType({Release.V3_0: (500.0, 700.0)})
