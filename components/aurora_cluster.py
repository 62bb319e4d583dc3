"""The Aurora PostgreSQL cluster of v3.0: Serverless v2 writer and reader, and the global
database whose secondary lives in the recovery region (RecoveryTier)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import pulumi
import pulumi_aws as aws

from components.naming import child_name
from components.postgres_parameters import aurora_parameter_family, database_parameters
from tierup_guardrails.settings.model import DataSettings

AURORA_ENGINE = "aurora-postgresql"
SERVERLESS_CLASS = "db.serverless"
AURORA_LOG_EXPORTS = ("postgresql",)
BACKUP_WINDOW, MAINTENANCE_WINDOW = "03:00-04:00", "sun:04:30-sun:05:30"


@dataclass(frozen=True, kw_only=True)
class AuroraClusterArgs:
    """Where the cluster lives, what it is born from, and whether it leads a global database."""

    shape: DataSettings
    identifier: str
    """The cluster's identifier; its instances are <identifier>-writer and -reader."""
    subnet_group_name: pulumi.Input[str]
    security_group_id: pulumi.Input[str]
    database_name: str
    master_username: str
    master_password: pulumi.Input[str]
    replication_source_arn: pulumi.Input[str] | None
    """The RDS instance's ARN while the cluster is its read replica (migration `replicating`)."""
    replication_source_version: pulumi.Input[str] | None = None
    """That instance's running engine version: the replica's Aurora version must be the same or a
    later minor of its major."""
    global_identifier: str | None
    """The global database's identifier when the cluster leads one (a replica cannot)."""
    final_snapshot_identifier: pulumi.Input[str]
    ca_certificate: str
    tags: dict[str, dict[str, str]]
    """Tags by role: cluster, params, logs, writer, reader, global."""


class AuroraCluster(NamedTuple):
    """The cluster, its writer (the metrics' instance) and the global database, if any."""

    cluster: aws.rds.Cluster
    writer: aws.rds.ClusterInstance
    reader: aws.rds.ClusterInstance | None
    global_cluster: aws.rds.GlobalCluster | None


def aurora_cluster(name: str, args: AuroraClusterArgs, opts: pulumi.ResourceOptions) -> AuroraCluster:
    """`<name>-aurora` and its instances, parented by `opts`."""
    cluster = _cluster(name, args, opts)
    writer = _instance(name, "writer", args, cluster, promotion_tier=0, opts=opts)
    reader = _instance(name, "reader", args, cluster, promotion_tier=1, opts=opts) if args.shape.read_replica else None
    global_cluster = _global_cluster(name, args, cluster, writer, opts) if args.global_identifier else None
    return AuroraCluster(cluster, writer, reader, global_cluster)


def aurora_parameters(name: str, engine_version: str, tags: dict[str, str], opts: pulumi.ResourceOptions) -> aws.rds.ClusterParameterGroup:
    """`<name>-aurora-params`: TLS only and query stats for every instance of a cluster (the
    recovery region's secondary too: it becomes the writer when it is promoted)."""
    return aws.rds.ClusterParameterGroup(
        child_name(name, "aurora-params"),
        family=aurora_parameter_family(engine_version),
        description="tierup Aurora PostgreSQL: TLS only, pg_stat_statements",
        parameters=database_parameters(memory_formulas=False),
        tags=tags,
        opts=opts,
    )


def _cluster(name: str, args: AuroraClusterArgs, opts: pulumi.ResourceOptions) -> aws.rds.Cluster:
    shape = args.shape
    parameters = aurora_parameters(name, shape.engine_version, args.tags["params"], opts)
    # Aurora would create the log group with no expiry; creating it first bounds its retention.
    logs = aws.cloudwatch.LogGroup(
        child_name(name, "aurora-postgresql-logs"),
        name=f"/aws/rds/cluster/{args.identifier}/postgresql",
        retention_in_days=shape.log_retention_days,
        tags=args.tags["logs"],
        opts=opts,
    )
    replica = args.replication_source_arn is not None
    # A replica of the RDS instance holds nothing of its own until it is promoted: like every
    # replica it stays deletable, so that stepping back deletes it (the RDS instance is protected).
    protect = shape.protect and not replica
    return aws.rds.Cluster(
        child_name(name, "aurora"),
        cluster_identifier=args.identifier,
        engine=AURORA_ENGINE,
        engine_mode="provisioned",
        # A major version: AWS picks its default minor, and the provider keeps "16" against
        # "16.x" without a diff. A replica of RDS needs an Aurora minor at least the instance's
        # (Aurora User Guide, "Migrating data from an RDS for PostgreSQL DB instance ... using
        # an Aurora read replica"), which auto minor upgrades may have moved past Aurora's
        # default: the replica asks for the instance's running version. Once promoted, "16"
        # matches that "16.x" and changes nothing.
        engine_version=args.replication_source_version if replica and args.replication_source_version else shape.engine_version,
        # A read replica inherits the database, its users and its encryption key from the
        # instance; AWS refuses master credentials for it (InvalidParameterValue, see the
        # provider's internal/service/rds/cluster.go).
        database_name=None if replica else args.database_name,
        master_username=None if replica else args.master_username,
        master_password=None if replica else args.master_password,
        # Removing it after creation makes the provider promote the replica
        # (PromoteReadReplicaDBCluster, internal/service/rds/cluster.go): step `promoted`.
        replication_source_identifier=args.replication_source_arn,
        db_subnet_group_name=args.subnet_group_name,
        vpc_security_group_ids=[args.security_group_id],
        db_cluster_parameter_group_name=parameters.name,
        storage_encrypted=True,
        iam_database_authentication_enabled=True,
        serverlessv2_scaling_configuration={"min_capacity": shape.aurora_min_acu, "max_capacity": shape.aurora_max_acu},
        backup_retention_period=shape.backup_retention_days,
        preferred_backup_window=BACKUP_WINDOW,
        preferred_maintenance_window=MAINTENANCE_WINDOW,
        copy_tags_to_snapshot=True,
        skip_final_snapshot=False,
        final_snapshot_identifier=args.final_snapshot_identifier,
        deletion_protection=protect,
        enabled_cloudwatch_logs_exports=list(AURORA_LOG_EXPORTS),
        tags=args.tags["cluster"],
        opts=pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(
                protect=protect,
                depends_on=[logs],
                # The global database sets globalClusterIdentifier (naming it here would be a cycle,
                # provider docs for aws_rds_global_cluster); a migrated cluster's name and master user
                # came from the RDS instance and both force a new cluster if they ever differed.
                ignore_changes=["globalClusterIdentifier", "databaseName", "masterUsername"],
            ),
        ),
    )


def _instance(
    name: str, role: str, args: AuroraClusterArgs, cluster: aws.rds.Cluster, *, promotion_tier: int, opts: pulumi.ResourceOptions
) -> aws.rds.ClusterInstance:
    return aws.rds.ClusterInstance(
        child_name(name, f"aurora-{role}"),
        identifier=f"{args.identifier}-{role}",
        cluster_identifier=cluster.id,
        engine=aws.rds.EngineType.AURORA_POSTGRESQL,
        engine_version=cluster.engine_version,
        instance_class=SERVERLESS_CLASS,
        publicly_accessible=False,
        auto_minor_version_upgrade=True,
        ca_cert_identifier=args.ca_certificate,
        performance_insights_enabled=args.shape.performance_insights,
        performance_insights_retention_period=7 if args.shape.performance_insights else None,
        # The writer fails over to the reader first (tier 0 before tier 1).
        promotion_tier=promotion_tier,
        tags=args.tags[role],
        opts=opts,
    )


def _global_cluster(
    name: str, args: AuroraClusterArgs, cluster: aws.rds.Cluster, writer: aws.rds.ClusterInstance, opts: pulumi.ResourceOptions
) -> aws.rds.GlobalCluster:
    # An existing cluster becomes the global database's primary through
    # source_db_cluster_identifier (force_destroy is required with it: deleting the global
    # database detaches its members, it never deletes them).
    return aws.rds.GlobalCluster(
        child_name(name, "global"),
        global_cluster_identifier=args.global_identifier,
        source_db_cluster_identifier=cluster.arn,
        force_destroy=True,
        # It holds no data of its own (its members do): unprotected, like every non-holder.
        tags=args.tags["global"],
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[writer])),
    )
