"""The release ladder as data: one frozen profile per release (DESIGN.md, "The release ladder")."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from tierup_guardrails.modes import Architecture, CacheEngine, CacheMode, Ingress, NatStrategy
from tierup_guardrails.settings.model import (
    AppSettings,
    BudgetSettings,
    CacheSettings,
    ComputeSettings,
    DataSettings,
    NetworkSettings,
    Release,
    ReleaseLimits,
    ReleaseProfile,
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

_V1_0 = ReleaseProfile(
    # Burstable Graviton while small; a week of backups, Security Hub RDS.11's minimum (backup
    # storage up to the database's size is free, and Trivy's AVD-AWS-0077 refuses a single day).
    limits=ReleaseLimits(allowed_instance_classes=("db.t4g.micro", "db.t4g.small"), min_backup_days=7),
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
    budget=BudgetSettings(monthly_usd=45.0, goal_usd=30.0, alert_emails=()),
    usage=UsageSettings(
        nat_gb=0, alb_lcu=0, log_ingest_gb=1, log_storage_gb=1, waf_requests_million=0, secrets_api_10k=1, container_insights_metrics=0, data_out_gb=20
    ),
)

_V1_5 = ReleaseProfile(
    # AWS's recommended minimum for point-in-time recovery in production is 7 days.
    limits=ReleaseLimits(allowed_instance_classes=("db.t4g.micro", "db.t4g.small", "db.t4g.medium"), min_backup_days=7),
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
    budget=BudgetSettings(monthly_usd=150.0, goal_usd=120.0, alert_emails=()),
    usage=UsageSettings(
        nat_gb=20, alb_lcu=0.5, log_ingest_gb=4, log_storage_gb=4, waf_requests_million=1, secrets_api_10k=2, container_insights_metrics=10, data_out_gb=60
    ),
)

_V2_0 = ReleaseProfile(
    # General purpose and memory-optimised Graviton at scale.
    limits=ReleaseLimits(
        allowed_instance_classes=("db.t4g.small", "db.t4g.medium", "db.t4g.large", "db.m7g.large", "db.r6g.large", "db.r7g.large"),
        min_backup_days=7,
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
    budget=BudgetSettings(monthly_usd=350.0, goal_usd=250.0, alert_emails=()),
    usage=UsageSettings(
        nat_gb=50, alb_lcu=1, log_ingest_gb=10, log_storage_gb=20, waf_requests_million=5, secrets_api_10k=5, container_insights_metrics=20, data_out_gb=200
    ),
)

PROFILES: Mapping[Release, ReleaseProfile] = MappingProxyType({Release.V1_0: _V1_0, Release.V1_5: _V1_5, Release.V2_0: _V2_0})


def per_release(value: Callable[[ReleaseProfile], object]) -> str:
    """A fact of every release for a sentence: "1 in v1.0, 6 in v1.5, 10 in v2.0"."""
    return ", ".join(f"{value(profile)} in {release.value}" for release, profile in PROFILES.items())
