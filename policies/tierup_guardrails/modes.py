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
