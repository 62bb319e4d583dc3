"""load_settings: the stack's `tierup:*` config merged into its release profile, validated."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from tierup_guardrails.modes import Ingress
from tierup_guardrails.settings.errors import HIDDEN, MISSING, ConfigError, show_value
from tierup_guardrails.settings.fargate import FARGATE_MEMORY_BY_CPU, describe_memory_choices
from tierup_guardrails.settings.fields import Parser, decode_json, member_of, text_matching
from tierup_guardrails.settings.ladder import PROFILES
from tierup_guardrails.settings.model import (
    MAX_STORAGE_GB,
    MAX_TASKS,
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
    ReleaseProfile,
    StackSettings,
    StorageSettings,
    UsageSettings,
)
from tierup_guardrails.settings.recovery import checked_data, checked_recovery
from tierup_guardrails.subnet_plan import MAX_VPC_PREFIX
from tierup_guardrails.zones import REGION_ZONE_IDS, UNSUPPORTED_ZONE_IDS, default_zones, is_zone_id

Slice = TypeVar(
    "Slice",
    NetworkSettings,
    AppSettings,
    UsageSettings,
    ComputeSettings,
    DataSettings,
    CacheSettings,
    FrontendSettings,
    StorageSettings,
    AuthSettings,
    EmailSettings,
    BudgetSettings,
    AlertsSettings,
    DisasterRecoverySettings,
)

NAMESPACE = "tierup"
REGION_KEY = "aws:region"
_region = text_matching(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]", "an AWS region name such as us-east-1")


@dataclass(frozen=True)
class _Section:
    """One object-valued config key (`tierup:<name>`) overriding one profile slice."""

    name: str
    fields: Mapping[str, tuple[str, Parser]]

    @property
    def key(self) -> str:
        return f"{NAMESPACE}:{self.name}"


# Names that announce a secret: their value belongs in `secrets` (valueFrom), never in plain env.
# The data and cache tiers hand the app these (DB_HOST, REDIS_HOST, ...); the stack may not.
PLATFORM_ENV_PREFIXES = ("DB_", "CACHE_", "REDIS_", "STORAGE_", "COGNITO_", "EMAIL_")
SECRET_LOOKING_NAME = re.compile(r"(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY|AUTH)")


def _section(name: str) -> _Section:
    """The config key `tierup:<name>` of one profile slice, with the fields its dataclass declares."""
    slice_type = type(getattr(PROFILES[Release.V1_0], name))
    return _Section(name, {f.metadata["key"]: (f.name, f.metadata["parse"]) for f in dataclasses.fields(slice_type) if "key" in f.metadata})


# Every slice of a profile but its limits, which no stack overrides.
_SECTIONS = tuple(_section(f.name) for f in dataclasses.fields(ReleaseProfile) if f.name != "limits")

# Keys that moved: the old name is refused with the new one (the loader refuses unknown keys).
MOVED_KEYS = {"tierup:budget.alertEmails": ("tierup:alerts.emails", "one address list now hears the alarms and the budget alike")}

RELEASE_KEY = f"{NAMESPACE}:release"
ALLOWED_KEYS = (RELEASE_KEY, *(section.key for section in _SECTIONS))


def load_settings(config: Mapping[str, object], secret_keys: Iterable[str] = ()) -> StackSettings:
    """Validate a stack's config (`namespace:key` → value, as in Pulumi.<stack>.yaml or as the
    CLI hands it to the program) and merge its `tierup:*` overrides into the release profile.
    `secret_keys` are the keys holding `secure:` values, which tierup never accepts."""
    _reject_unknown_keys(config)
    _reject_secure_values(secret_keys)
    release = member_of(Release)(RELEASE_KEY, config.get(RELEASE_KEY, MISSING))
    region = _require(config, REGION_KEY, _region)
    profile = PROFILES[release]
    slices = {section.name: _override(getattr(profile, section.name), section, config.get(section.key)) for section in _SECTIONS}
    return StackSettings(
        release=release,
        region=region,
        limits=profile.limits,
        network=_checked_network(slices["network"], region, config),
        app=_checked_app(slices["app"]),
        compute=_checked_compute(slices["compute"]),
        data=checked_data(_checked_data(slices["data"]), profile.limits),
        cache=slices["cache"],
        frontend=_checked_frontend(slices["frontend"], slices["compute"], slices["app"]),
        storage=slices["storage"],
        auth=slices["auth"],
        email=slices["email"],
        dr=checked_recovery(slices["dr"], profile.limits, region, slices["network"].cidr, slices["data"], slices["storage"], slices["app"]),
        budget=_checked_budget(slices["budget"]),
        usage=slices["usage"],
        alerts=slices["alerts"],
    )


def _require(config: Mapping[str, object], key: str, parse: Parser) -> str:
    if key not in config:
        raise ConfigError(key, MISSING, "", "an AWS region name such as us-east-1")
    return str(parse(key, config[key]))


def _reject_unknown_keys(config: Mapping[str, object]) -> None:
    for key in config:
        if key.startswith(f"{NAMESPACE}:") and key not in ALLOWED_KEYS:
            raise ConfigError(key, config[key], "is under an unknown key", "keys " + ", ".join(ALLOWED_KEYS))


def _reject_secure_values(secret_keys: Iterable[str]) -> None:
    for key in secret_keys:
        if key.startswith(f"{NAMESPACE}:"):
            raise ConfigError(
                key,
                HIDDEN,
                "is a secure value, which would end up in plaintext in a resource",
                "plain values; pass secrets as Secrets Manager or SSM parameter ARNs in tierup:app.secrets",
            )


def _override(base: Slice, section: _Section, raw: object) -> Slice:
    """The profile slice with the section's overrides applied, each field parsed."""
    if raw is None:
        return base
    values = decode_json(raw) if isinstance(raw, str) else raw
    allowed = "an object with keys " + ", ".join(section.fields)
    if not isinstance(values, dict):
        raise ConfigError(section.key, raw, "is not an object", allowed)
    changes: dict[str, Any] = {}  # each value typed by its field's parser
    for name, value in values.items():
        moved = MOVED_KEYS.get(f"{section.key}.{name}")
        if moved is not None:
            raise ConfigError(f"{section.key}.{name}", value, f"has moved to {moved[0]} ({moved[1]})", f"{moved[0]}: {show_value(value)}")
        if name not in section.fields:
            raise ConfigError(f"{section.key}.{name}", value, "is under an unknown key", allowed)
        attr, parse = section.fields[name]
        changes[attr] = parse(f"{section.key}.{name}", value)
    return dataclasses.replace(base, **changes)


def _checked_network(network: NetworkSettings, region: str, config: Mapping[str, object]) -> NetworkSettings:
    key = "tierup:network"
    prefix = int(network.cidr.split("/")[1])
    if prefix > MAX_VPC_PREFIX:
        raise ConfigError(
            f"{key}.cidr",
            network.cidr,
            "cannot hold the subnet plan (12 subnets, each 1/16 of the range, /28 at least)",
            f"a prefix from /16 to /{MAX_VPC_PREFIX}",
        )
    zones = network.availability_zones
    if not zones:
        return dataclasses.replace(network, availability_zones=default_zones(region, network.az_count))
    for index, zone in enumerate(zones):
        _check_zone(f"{key}.availabilityZones[{index}]", zone, region)
    if len(set(zones)) != len(zones):
        raise ConfigError(f"{key}.availabilityZones", list(zones), "repeats an AZ", "distinct AZ names")
    overrides = _object(config.get(key))
    if "azCount" in overrides and network.az_count != len(zones):
        raise ConfigError(
            f"{key}.azCount",
            network.az_count,
            f"differs from the {len(zones)} availabilityZones given",
            f"{len(zones)} or leave azCount unset",
        )
    return dataclasses.replace(network, az_count=len(zones))


def _check_zone(key: str, zone: str, region: str) -> None:
    known_ids = REGION_ZONE_IDS.get(region, ())
    if zone in UNSUPPORTED_ZONE_IDS:
        supported = ", ".join(z for z in known_ids if z not in UNSUPPORTED_ZONE_IDS)
        raise ConfigError(key, zone, f"is not supported: {UNSUPPORTED_ZONE_IDS[zone]}", f"another zone of {region}: {supported}")
    if is_zone_id(zone):
        if known_ids and zone not in known_ids:
            raise ConfigError(key, zone, f"is not a zone ID of {region}", ", ".join(z for z in known_ids if z not in UNSUPPORTED_ZONE_IDS))
        return
    if not re.fullmatch(re.escape(region) + "[a-z]", zone):
        raise ConfigError(key, zone, f"is not an AZ of {region}", f"zone IDs such as {default_zones(region, 1)[0]}, or names {region}a, {region}b, ...")


def _object(raw: object) -> dict[str, object]:
    value = decode_json(raw) if isinstance(raw, str) else raw
    return value if isinstance(value, dict) else {}


def _checked_app(app: AppSettings) -> AppSettings:
    for name, _ in app.environment:
        if SECRET_LOOKING_NAME.search(name):
            raise ConfigError(
                f"tierup:app.environment.{name}",
                HIDDEN,
                "is a plaintext value under a secret-looking name",
                f"a Secrets Manager or SSM parameter ARN under tierup:app.secrets.{name}",
            )
    for name, value in app.environment:
        if name.startswith(PLATFORM_ENV_PREFIXES):
            raise ConfigError(
                f"tierup:app.environment.{name}", value, "is set by the platform", "names that do not start with " + ", ".join(PLATFORM_ENV_PREFIXES)
            )
    clashes = sorted({name for name, _ in app.environment} & {name for name, _ in app.secrets})
    if clashes:
        raise ConfigError(f"tierup:app.secrets.{clashes[0]}", clashes[0], "is also set in environment", "each name in one of environment or secrets")
    return app


def _checked_compute(compute: ComputeSettings) -> ComputeSettings:
    key = "tierup:compute"
    memories = FARGATE_MEMORY_BY_CPU[compute.cpu]
    if compute.memory not in memories:
        raise ConfigError(f"{key}.memory", compute.memory, f"is not allowed with cpu {compute.cpu}", describe_memory_choices(memories))
    if compute.max_tasks < compute.min_tasks:
        raise ConfigError(
            f"{key}.maxTasks",
            compute.max_tasks,
            f"is below minTasks {compute.min_tasks}",
            f"an integer from {compute.min_tasks} to {MAX_TASKS}",
        )
    if compute.on_demand_base > compute.max_tasks:
        raise ConfigError(
            f"{key}.onDemandBase",
            compute.on_demand_base,
            f"is above maxTasks {compute.max_tasks}",
            f"an integer from 0 to {compute.max_tasks}",
        )
    return compute


def _checked_data(data: DataSettings) -> DataSettings:
    # RDS refuses a storage-autoscaling ceiling less than 10% above the allocated storage
    # ("InvalidParameterCombination: The maximum allocated storage must be increased by at least
    # 10 percent", ModifyDBInstance/CreateDBInstance, MaxAllocatedStorage).
    floor = min_autoscaling_ceiling_gb(data.allocated_storage_gb)
    if data.max_allocated_storage_gb < floor:
        raise ConfigError(
            "tierup:data.maxAllocatedStorageGb",
            data.max_allocated_storage_gb,
            f"is less than 10% above allocatedStorageGb {data.allocated_storage_gb}, which RDS refuses",
            f"an integer from {floor} to {MAX_STORAGE_GB}",
        )
    return data


def min_autoscaling_ceiling_gb(allocated_gb: int) -> int:
    """The smallest MaxAllocatedStorage RDS accepts above `allocated_gb` (at least 10% more)."""
    return -(-allocated_gb * 11 // 10)  # integer ceiling: 100 × 1.1 is 110.00000000000001 in floats


def _checked_frontend(frontend: FrontendSettings, compute: ComputeSettings, app: AppSettings) -> FrontendSettings:
    key = "tierup:frontend"
    # CloudFront refuses an alias without a certificate that covers it (CNAMEAlreadyExists /
    # InvalidViewerCertificate), and a certificate without an alias serves nothing.
    if frontend.domain is not None and frontend.certificate_arn is None:
        raise ConfigError(f"{key}.certificateArn", MISSING, "", f"an ACM certificate ARN in us-east-1 covering domain {frontend.domain}")
    if frontend.certificate_arn is not None and frontend.domain is None:
        raise ConfigError(f"{key}.domain", MISSING, "", "the DNS name certificateArn covers, such as app.example.com")
    if frontend.api_origin is not None and compute.ingress is not Ingress.LOAD_BALANCER:
        raise ConfigError(f"{key}.apiOrigin", frontend.api_origin, f"needs a load balancer, and tierup:compute.ingress is {compute.ingress.value}", "null")
    # CloudFront reaches a custom origin over HTTPS only when the origin's certificate covers
    # the origin's name (CloudFront Developer Guide, "Requiring HTTPS to a custom origin").
    if frontend.api_origin is not None and app.certificate_arn is None:
        raise ConfigError(
            f"{key}.apiOrigin", frontend.api_origin, "needs HTTPS on the load balancer, and tierup:app.certificateArn is not set", "null, or set certificateArn"
        )
    # CloudFront's custom error responses cover every path of a distribution: with the API on
    # it, the API's own 403s and 404s would turn into index.html with 200.
    if frontend.api_origin is not None and frontend.spa_fallback:
        raise ConfigError(
            f"{key}.apiOrigin", frontend.api_origin, "would have the API's 403/404 answered by index.html (spaFallback is on)", "null, or spaFallback false"
        )
    return frontend


def _checked_budget(budget: BudgetSettings) -> BudgetSettings:
    if budget.goal_usd > budget.monthly_usd:
        raise ConfigError(
            "tierup:budget.goalUsd",
            budget.goal_usd,
            f"is above monthlyUsd {budget.monthly_usd:g}",
            f"a number up to {budget.monthly_usd:g}",
        )
    return budget
