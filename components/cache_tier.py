"""CacheTier: the app's cache, first a table inside PostgreSQL, later ElastiCache."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.endpoint_parameter import endpoint_parameter
from components.generated_secret import GeneratedSecret, generated_secret
from components.naming import child_name
from components.security_rules import group_admitting
from tierup_guardrails.modes import CacheEngine, CacheMode
from tierup_guardrails.settings.model import CacheSettings
from tierup_guardrails.tags import StackTags

TIER = "cache"
REDIS_PORT = 6379
CACHE_TABLE = "tierup_cache"
CACHE_MIGRATION = "migrations/001_cache.sql"
ENGINE_VERSIONS = {CacheEngine.REDIS: "7.1", CacheEngine.VALKEY: "8.0"}


@dataclass(frozen=True, kw_only=True)
class CacheTierArgs:
    """The cache mode and, for ElastiCache, its size and place."""

    shape: CacheSettings
    """The cache's settings: mode and, for ElastiCache, engine, node type and nodes."""
    vpc_id: pulumi.Input[str]
    """VPC of the replication group."""
    region: str
    """Region of the stack, for the ARNs the app reads its settings from."""
    account_id: pulumi.Input[str]
    """Account of the stack, for the same ARNs (known at preview, unlike assigned ARNs)."""
    isolated_subnet_ids: pulumi.Input[Sequence[str]]
    """Isolated subnets for the cache nodes."""
    app_security_group_id: pulumi.Input[str]
    """The only group admitted to the cache port."""
    tags: StackTags
    """The stack's shared tags."""

    def __post_init__(self) -> None:
        if not 1 <= self.shape.nodes <= 6:
            raise ValueError(f"CacheTierArgs.nodes must be 1-6, not {self.shape.nodes}")


class CacheTier(pulumi.ComponentResource):
    """In `CacheMode.POSTGRES` no AWS resources: the app caches in an UNLOGGED table created by
    migrations/001_cache.sql. In `CacheMode.REDIS`: a subnet group on the isolated subnets, a
    security group admitting only the app on 6379, a generated auth token kept in a Secrets
    Manager secret, a replication group encrypted at rest and in transit, with automatic
    failover and Multi-AZ from two nodes, and an SSM parameter with its primary endpoint."""

    app_environment: dict[str, pulumi.Input[str]]
    """What the app needs to find the cache (names fixed, values may be outputs)."""
    app_secret_arns: dict[str, pulumi.Input[str]]
    app_restart_triggers: dict[str, pulumi.Input[str]]
    """Values that change when an endpoint the app reads at start changes (the task restarts)."""
    """Secrets the app reads through the task's `secrets`: the AUTH token's ARN."""
    node_ids: list[pulumi.Output[str]]
    """The cache nodes' CacheClusterId (the metrics' dimension); empty in postgres mode."""

    def __init__(self, name: str, args: CacheTierArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tierup:index:CacheTier", name, None, opts)
        self._name = name
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)
        if args.shape.mode is CacheMode.POSTGRES:
            environment: dict[str, pulumi.Input[str]] = {"CACHE_BACKEND": "postgres", "CACHE_TABLE": CACHE_TABLE, "CACHE_MIGRATION": CACHE_MIGRATION}
            secret_arns: dict[str, pulumi.Input[str]] = {}
            restart_triggers: dict[str, pulumi.Input[str]] = {}
            nodes: list[pulumi.Output[str]] = []
        else:
            group, token = self._create_replication_group()
            environment = {"CACHE_BACKEND": args.shape.engine.value, "REDIS_PORT": str(REDIS_PORT), "REDIS_TLS": "true"}
            # By name-built ARNs, known at preview (components/arns.py).
            host = endpoint_parameter(
                child_name(name, "host"),
                path=f"/{args.tags.project}/{args.tags.stack}/cache/host",
                value=group.primary_endpoint_address,
                region=args.region,
                account_id=args.account_id,
                tags=self._tags("host"),
                opts=self._child,
            )
            secret_arns = {"REDIS_AUTH_TOKEN": token.partial_arn, "REDIS_HOST": host.arn}
            restart_triggers = {"REDIS_HOST": host.version}
            nodes = [group.replication_group_id.apply(functools.partial(node_id, number=n)) for n in range(1, args.shape.nodes + 1)]
        self.app_environment = environment
        self.app_secret_arns = secret_arns
        self.app_restart_triggers = restart_triggers
        self.node_ids = nodes
        self.register_outputs({"app_environment": self.app_environment, "app_secret_arns": self.app_secret_arns, "node_ids": self.node_ids})

    def _tags(self, role: str) -> dict[str, str]:
        return self._args.tags.for_resource(TIER, role)

    def _create_security_group(self) -> aws.ec2.SecurityGroup:
        return group_admitting(
            self._name,
            vpc_id=self._args.vpc_id,
            description="Cache: the app's group only",
            peer_group_id=self._args.app_security_group_id,
            port=REDIS_PORT,
            rule_description="App to the cache",
            group_tags=self._tags("cache-sg"),
            rule_tags=self._tags("cache-from-app"),
            opts=self._child,
        )

    def _create_auth_token(self) -> GeneratedSecret:
        args = self._args
        return generated_secret(
            child_name(self._name, "auth-token"),
            description="AUTH token of the tierup cache",
            region=args.region,
            account_id=args.account_id,
            tags=self._tags("auth-token-secret"),
            opts=self._child,
        )

    def _create_replication_group(self) -> tuple[aws.elasticache.ReplicationGroup, GeneratedSecret]:
        args = self._args
        subnet_group = aws.elasticache.SubnetGroup(
            child_name(self._name, "subnets"), subnet_ids=args.isolated_subnet_ids, tags=self._tags("subnets"), opts=self._child
        )
        security_group = self._create_security_group()
        token = self._create_auth_token()
        failover = args.shape.nodes >= 2
        group = aws.elasticache.ReplicationGroup(
            child_name(self._name, "group"),
            description="tierup cache",
            engine=args.shape.engine.value,
            engine_version=ENGINE_VERSIONS[args.shape.engine],
            node_type=args.shape.node_type,
            num_cache_clusters=args.shape.nodes,
            port=REDIS_PORT,
            subnet_group_name=subnet_group.name,
            security_group_ids=[security_group.id],
            at_rest_encryption_enabled=True,
            transit_encryption_enabled=True,
            auth_token=token.value,
            auth_token_update_strategy="ROTATE",
            automatic_failover_enabled=failover,
            multi_az_enabled=failover,
            auto_minor_version_upgrade=True,
            snapshot_retention_limit=1,
            tags=self._tags("group"),
            opts=self._child,
        )
        return group, token


def node_id(group_id: str, number: int) -> str:
    """A node of a replication group without cluster mode: ElastiCache names them <group id>-001,
    -002, ... (pure)."""
    return f"{group_id}-{number:03d}"
