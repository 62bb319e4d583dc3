"""What each release promises, as limits the policy pack enforces (data, like the ladder).

The promises come from the release's own profile, not from the stack's overrides: a stack may
override a setting, and the guardrail then tells it that its release no longer holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from tierup_guardrails.modes import CacheMode, DataMigration, Ingress, Standby
from tierup_guardrails.settings.ladder import PROFILES
from tierup_guardrails.settings.model import Release, StackSettings, UsageSettings
from tierup_guardrails.thresholds import promised

# Instance classes each release may run (from the ladder's limits): what prices are refreshed for.
ALLOWED_DB_CLASSES: Mapping[Release, tuple[str, ...]] = MappingProxyType(
    {release: profile.limits.allowed_instance_classes for release, profile in PROFILES.items()}
)


@dataclass(frozen=True, kw_only=True)
class Guardrails:
    """The release's promises for one stack, as the checks need them."""

    release: Release
    max_nat_gateways: int
    """NAT gateways the release allows (one per AZ counts the stack's AZs)."""
    public_app_port: int | None
    """The app port the world may reach directly (v1.0 only); None from v1.5."""
    load_balancer_with_waf: bool
    """Tasks are private behind an ALB protected by WAF."""
    multi_az_database: bool
    min_backup_days: int
    protect_database: bool
    """Deletion protection and Pulumi `protect` on the database."""
    elasticache_allowed: bool
    allowed_instance_classes: tuple[str, ...]
    max_tasks: int
    flow_logs: bool
    container_insights: bool
    https_available: bool
    """A certificate is configured, so HTTP can (and must) redirect to HTTPS."""
    versioned_buckets: bool
    """Buckets keep noncurrent versions (and expire them) from v1.5."""
    user_pool_protected: bool
    """Cognito refuses to delete the user pool from v1.5."""
    monthly_budget_usd: float
    """The stack's budget (release default or tierup:budget.monthlyUsd) the estimate must fit."""
    region: str
    """Region whose price catalogue prices the estimate."""
    usage: UsageSettings
    """Usage the estimate assumes (release default or tierup:usage)."""
    promised_alarms: tuple[str, ...]
    """The alarms (and the Spot-interruption rule) the release promises where their subject exists."""
    disaster_recovery: bool = False
    """The release requires a recovery region holding a replica of the data, and only it allows
    one (the release profile's limits, whatever the stack sets)."""
    recovery_region: str | None = None
    """The stack's recovery region (tierup:dr.region or its default) when it keeps one."""
    data_migration: DataMigration = DataMigration.NONE
    """The stack's step on the way from RDS to Aurora (tierup:data.migration)."""
    recovery_passive: bool = True
    """The recovery region runs nothing (no tasks, no NAT): it promises no way out yet."""


def guardrails_for(settings: StackSettings) -> Guardrails:
    """The guardrails of the stack's release (its AZ count and app port from the stack)."""
    release = settings.release
    profile = PROFILES[release]
    public_tasks = profile.compute.ingress is Ingress.PUBLIC_IP
    return Guardrails(
        release=release,
        max_nat_gateways=profile.network.nat_strategy.gateway_count(settings.network.az_count),
        public_app_port=settings.app.port if public_tasks else None,
        load_balancer_with_waf=not public_tasks and profile.compute.waf,
        multi_az_database=profile.data.multi_az,
        min_backup_days=profile.limits.min_backup_days,
        protect_database=profile.data.protect,
        elasticache_allowed=profile.cache.mode is CacheMode.REDIS,
        allowed_instance_classes=profile.limits.allowed_instance_classes,
        max_tasks=profile.compute.max_tasks,
        flow_logs=profile.network.flow_logs,
        container_insights=profile.compute.container_insights,
        https_available=settings.app.certificate_arn is not None,
        versioned_buckets=profile.storage.versioning,
        user_pool_protected=profile.auth.deletion_protection,
        monthly_budget_usd=settings.budget.monthly_usd,
        region=settings.region,
        usage=settings.usage,
        promised_alarms=promised(profile),
        disaster_recovery=profile.limits.disaster_recovery,
        recovery_region=settings.dr.region if settings.dr.enabled else None,
        data_migration=settings.data.migration,
        recovery_passive=settings.dr.standby is Standby.PASSIVE,
    )
