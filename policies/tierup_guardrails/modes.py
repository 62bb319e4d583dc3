"""The modes a tier can be built in, as enums (pure: shared by components and settings)."""

from __future__ import annotations

from enum import StrEnum


class NatStrategy(StrEnum):
    """How private subnets reach the internet."""

    NONE = "none"
    SINGLE = "single"
    ONE_PER_AZ = "one-per-az"

    def gateway_count(self, az_count: int) -> int:
        """NAT gateways this strategy creates for `az_count` AZs."""
        return {NatStrategy.NONE: 0, NatStrategy.SINGLE: 1, NatStrategy.ONE_PER_AZ: az_count}[self]


class Ingress(StrEnum):
    """How requests reach the app tasks."""

    PUBLIC_IP = "public-ip"
    LOAD_BALANCER = "load-balancer"


class Architecture(StrEnum):
    """CPU architecture of the Fargate tasks."""

    ARM64 = "ARM64"
    X86_64 = "X86_64"


class CacheMode(StrEnum):
    """Where the app caches: a table in PostgreSQL, or an ElastiCache replication group."""

    POSTGRES = "postgres"
    REDIS = "redis"


class CacheEngine(StrEnum):
    """ElastiCache engine used in `CacheMode.REDIS`."""

    REDIS = "redis"
    VALKEY = "valkey"


class PriceClass(StrEnum):
    """CloudFront edge locations that serve the frontend: fewer is cheaper (North America and
    Europe only for PriceClass_100)."""

    PRICE_CLASS_100 = "PriceClass_100"
    PRICE_CLASS_200 = "PriceClass_200"
    PRICE_CLASS_ALL = "PriceClass_All"


class MfaMode(StrEnum):
    """Cognito's multi-factor setting for the user pool (authenticator apps, TOTP)."""

    OFF = "OFF"
    OPTIONAL = "OPTIONAL"
    ON = "ON"


class UserPoolTier(StrEnum):
    """Cognito user pool feature plan, which sets the price per monthly active user."""

    LITE = "LITE"
    ESSENTIALS = "ESSENTIALS"


class DataEngine(StrEnum):
    """What runs PostgreSQL: an RDS instance (v1.0-v2.0) or an Aurora cluster (v3.0)."""

    POSTGRES = "postgres"
    AURORA = "aurora-postgresql"


class DataMigration(StrEnum):
    """Where a stack is on the data-safe way from RDS to Aurora; each step is one reviewed
    `pulumi up` (and, between two of them, one AWS CLI command). `none` is no migration: a stack
    born on Aurora, or one whose RDS instance is gone."""

    NONE = "none"
    REPLICATING = "replicating"
    """An Aurora read replica of the RDS instance catches up; the app still uses RDS."""
    PROMOTED = "promoted"
    """The Aurora cluster is promoted and serves the app; the RDS instance stays, protected."""
    RETIRING = "retiring"
    """The RDS instance loses its protection; the next step deletes it with a final snapshot."""

    @property
    def keeps_rds(self) -> bool:
        """Whether the RDS instance still exists beside the Aurora cluster."""
        return self is not DataMigration.NONE

    @property
    def app_on_aurora(self) -> bool:
        """Whether the app's connections go to Aurora (false while Aurora is a replica)."""
        return self is not DataMigration.REPLICATING


class Standby(StrEnum):
    """The disaster-recovery region's posture: passive (no tasks, no database instance, no NAT)
    or active (failed over: tasks, a writer and egress running)."""

    PASSIVE = "passive"
    ACTIVE = "active"
