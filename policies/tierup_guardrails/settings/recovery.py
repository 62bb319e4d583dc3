"""The v3.0 settings' cross-field checks: the data engine, the migration step and the recovery
region (pure: the loader calls these, and the README's "Moving to v3.0" names the same keys)."""

from __future__ import annotations

import dataclasses
import ipaddress

from tierup_guardrails.modes import DataEngine, DataMigration
from tierup_guardrails.settings.errors import MISSING, ConfigError
from tierup_guardrails.settings.model import AppSettings, DataSettings, DisasterRecoverySettings, Release, ReleaseLimits, StorageSettings

# The recovery region next to a primary: the roadmap names ap-southeast-1 for Asia-Pacific;
# elsewhere the neighbour in the same geography, so that data stays in it. A primary that is
# itself the default takes the other region of the pair.
_DEFAULT_BY_GEOGRAPHY = {"ap": "ap-southeast-1", "us": "us-west-2", "ca": "us-west-2", "sa": "us-west-2", "eu": "eu-west-1"}
_ALTERNATE = {"ap-southeast-1": "ap-southeast-2", "us-west-2": "us-east-1", "eu-west-1": "eu-central-1"}
FIRST_RELEASE_WITH_RECOVERY = Release.V3_0


def default_recovery_region(primary: str) -> str:
    """The recovery region tierup picks when tierup:dr.region is unset."""
    default = _DEFAULT_BY_GEOGRAPHY.get(primary.split("-")[0], "us-west-2")
    return _ALTERNATE[default] if default == primary else default


def checked_data(data: DataSettings, limits: ReleaseLimits) -> DataSettings:
    """Aurora and the steps towards it belong to the release with a recovery region."""
    key = "tierup:data"
    if data.engine is DataEngine.AURORA and not limits.disaster_recovery:
        raise ConfigError(f"{key}.engine", data.engine.value, "is only allowed from v3.0", f"{DataEngine.POSTGRES.value}, or tierup:release v3.0")
    if data.migration is not DataMigration.NONE and data.engine is not DataEngine.AURORA:
        raise ConfigError(
            f"{key}.migration", data.migration.value, f"moves the data to Aurora, and tierup:data.engine is {data.engine.value}", DataMigration.NONE.value
        )
    if data.aurora_max_acu < data.aurora_min_acu:
        raise ConfigError(
            f"{key}.auroraMaxAcu", data.aurora_max_acu, f"is below auroraMinAcu {data.aurora_min_acu:g}", f"a number from {data.aurora_min_acu:g} to 256"
        )
    return data


def checked_recovery(
    dr: DisasterRecoverySettings, limits: ReleaseLimits, region: str, vpc_cidr: str, data: DataSettings, storage: StorageSettings, app: AppSettings
) -> DisasterRecoverySettings:
    """The recovery region with its default filled in, or a one-line error."""
    key = "tierup:dr"
    if not dr.enabled:
        return dr
    if not limits.disaster_recovery:
        raise ConfigError(f"{key}.enabled", True, "is only allowed from v3.0 (a second region costs about $150/month)", "false, or tierup:release v3.0")
    if data.engine is not DataEngine.AURORA:
        raise ConfigError(f"{key}.enabled", True, "needs the Aurora global database, and tierup:data.engine is postgres", "false, or engine aurora-postgresql")
    recovery_region = dr.region or default_recovery_region(region)
    if recovery_region == region:
        raise ConfigError(f"{key}.region", recovery_region, "is the stack's own region", f"another region than {region}")
    if dr.domain is None:
        raise ConfigError(f"{key}.domain", MISSING, "", "the app's host name that Route 53 fails over, such as api.example.com")
    _check_certificate(dr, recovery_region, app)
    # S3 replicates only from a versioned bucket (S3 User Guide, "Requirements for replication").
    if not storage.versioning:
        raise ConfigError("tierup:storage.versioning", False, "cannot replicate the buckets to the recovery region (S3 needs versioning)", "true")
    if ipaddress.ip_network(dr.cidr).overlaps(ipaddress.ip_network(vpc_cidr)):
        raise ConfigError(f"{key}.cidr", dr.cidr, f"overlaps tierup:network.cidr {vpc_cidr}", "a private range apart from it, such as 10.1.0.0/16")
    return dataclasses.replace(dr, region=recovery_region)


def _check_certificate(dr: DisasterRecoverySettings, recovery_region: str, app: AppSettings) -> None:
    """HTTPS in the primary needs HTTPS in the standby: an ACM certificate serves only its own
    region (ACM User Guide, "ACM certificate characteristics")."""
    key = "tierup:dr.certificateArn"
    if app.certificate_arn is not None and dr.certificate_arn is None:
        raise ConfigError(key, MISSING, "", f"an ACM certificate ARN in {recovery_region} covering {dr.domain} (tierup:app.certificateArn serves HTTPS)")
    if dr.certificate_arn is not None and f":acm:{recovery_region}:" not in dr.certificate_arn:
        raise ConfigError(key, dr.certificate_arn, f"is not in the recovery region {recovery_region}", f"an ACM certificate ARN in {recovery_region}")
