"""DataTier: PostgreSQL on RDS (v1.0-v2.0) or Aurora (v3.0) that no release upgrade replaces
or deletes: the move from one to the other goes through steps where both exist."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.aurora_cluster import AuroraCluster, AuroraClusterArgs, aurora_cluster
from components.database_proxy import POSTGRES_PORT, DatabaseProxy, DatabaseProxyArgs
from components.endpoint_parameter import EndpointRef, endpoint_parameter
from components.generated_secret import GeneratedSecret, generated_secret
from components.naming import child_name
from components.postgres_parameters import database_parameters, parameter_family
from components.security_rules import group_admitting
from tierup_guardrails.modes import DataEngine, DataMigration
from tierup_guardrails.settings.model import DataSettings
from tierup_guardrails.tags import StackTags

TIER = "data"
LOG_EXPORTS = ("postgresql", "upgrade")
# The current RDS CA (CKV_AWS_211); rds-ca-2019 expired in 2024.
CA_CERTIFICATE = "rds-ca-rsa2048-g1"


@dataclass(frozen=True, kw_only=True)
class DataTierArgs:
    """The database's shape and where it lives."""

    shape: DataSettings
    """The database's settings: engine, class, storage, availability, backups, protection, replica, proxy."""
    vpc_id: pulumi.Input[str]
    """VPC of the database."""
    region: str
    """Region of the stack, for the ARNs the app reads its settings from."""
    account_id: pulumi.Input[str]
    """Account of the stack, for the same ARNs (known at preview, unlike assigned ARNs)."""
    isolated_subnet_ids: pulumi.Input[Sequence[str]]
    """Isolated subnets (no internet route) in at least two AZs."""
    app_security_group_id: pulumi.Input[str]
    """The only group admitted to the database port."""
    database_name: str = "app"
    """Database created in the instance."""
    master_username: str = "app_admin"
    """Admin user (not the default 'postgres', RDS.25)."""
    global_database: bool = False
    """Whether the Aurora cluster leads a global database (a recovery region holds its secondary)."""
    replica_region: str | None = None
    """The recovery region, where Secrets Manager keeps a replica of the master credential."""
    tags: StackTags
    """The stack's shared tags."""

    def __post_init__(self) -> None:
        if self.shape.max_allocated_storage_gb < self.shape.allocated_storage_gb:
            raise ValueError("DataTierArgs.max_allocated_storage_gb must be at least allocated_storage_gb")
        if self.shape.credential_version < 1:
            raise ValueError(f"DataTierArgs.credential_version must be at least 1, not {self.shape.credential_version}")
        if not 1 <= self.shape.backup_retention_days <= 35:
            raise ValueError(f"DataTierArgs.backup_retention_days must be 1-35, not {self.shape.backup_retention_days}")


def database_environment(database_name: pulumi.Input[str], credential_version: int, host_via: str) -> dict[str, pulumi.Input[str]]:
    """What the app reads to connect besides its host and credential. DB_LOGIN_VERSION and
    DB_HOST_VIA change the task definition when the password or the way in changes, so ECS
    replaces the tasks: they read secrets and parameters only when they start (ECS Developer
    Guide, "Pass Secrets Manager secrets to Amazon ECS environment variables")."""
    return {"DB_PORT": str(POSTGRES_PORT), "DB_NAME": database_name, "DB_LOGIN_VERSION": str(credential_version), "DB_HOST_VIA": host_via}


def credential_refs(partial: pulumi.Output[str]) -> dict[str, pulumi.Input[str]]:
    """DB_USER and DB_PASSWORD as ECS reads one JSON key of a secret (ARN:key::)."""
    return {"DB_USER": partial.apply(lambda arn: f"{arn}:username::"), "DB_PASSWORD": partial.apply(lambda arn: f"{arn}:password::")}


class DataTier(pulumi.ComponentResource):
    """A DB subnet group on the isolated subnets, a security group admitting only the app on
    5432, a parameter group (TLS forced, pg_stat_statements, memory formulas for caching),
    retention-bounded log groups for the exported logs, a generated master password in a
    Secrets Manager secret of the stack's own, the PostgreSQL instance (gp3 with storage
    autoscaling, encrypted, private, backups, a final snapshot with a per-stack-life suffix,
    deletion protection and `protect` when it holds the release's data), SSM parameters with
    the hosts the app connects to, and per release a read replica and a DatabaseProxy."""

    address: pulumi.Output[str]
    port: pulumi.Output[int]
    database_name: pulumi.Output[str]
    master_secret_arn: pulumi.Output[str]
    master_secret_name: pulumi.Output[str]
    app_host: pulumi.Output[str]
    replica_address: pulumi.Output[str | None]
    db_identifier: pulumi.Output[str]
    """The instance the app writes to (RDS primary or Aurora writer): its metrics' dimension."""
    aurora: AuroraCluster | None
    """The Aurora cluster (v3.0), for the recovery region's secondary and the alarms."""
    rds_identifier: pulumi.Output[str] | None
    serverless_identifier: pulumi.Output[str] | None
    global_cluster_identifier: pulumi.Output[str] | None
    replica_identifier: pulumi.Output[str] | None
    proxy_name: pulumi.Output[str] | None
    app_environment: dict[str, pulumi.Input[str]]
    """Where the app connects: through the proxy when there is one; the replica for reads."""
    app_secret_arns: dict[str, pulumi.Input[str]]
    app_restart_triggers: dict[str, pulumi.Input[str]]
    """Values that change when an endpoint the app reads at start changes (the task restarts)."""
    """The managed secret's username and password keys, for the task's `secrets`."""

    def __init__(self, name: str, args: DataTierArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tierup:index:DataTier", name, None, opts)
        self._name = name
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)
        identifier = f"{args.tags.project}-{args.tags.stack}-db"

        subnet_group = aws.rds.SubnetGroup(child_name(name, "subnets"), subnet_ids=args.isolated_subnet_ids, tags=self._tags("subnets"), opts=self._child)
        security_group = self._create_security_group()
        credential = self._create_credential()
        shape = args.shape
        on_rds = shape.engine is DataEngine.POSTGRES or shape.migration.keeps_rds
        primary = replica = None
        if on_rds:
            parameters = self._create_parameters()
            log_groups = [self._log_group(identifier, export) for export in LOG_EXPORTS]
            primary = self._create_primary(identifier, subnet_group, security_group, parameters, log_groups, credential.value)
            replica = self._create_replica(identifier, primary, security_group, parameters) if shape.read_replica else None
        aurora = self._create_aurora(subnet_group, security_group, credential.value, primary) if shape.engine is DataEngine.AURORA else None
        # The app follows Aurora once it is promoted; until then it stays on the RDS instance.
        serving = aurora if aurora is not None and shape.migration.app_on_aurora else None
        proxy = self._create_proxy(primary, serving, security_group, credential) if shape.proxy else None

        self.aurora = aurora
        self.rds_identifier = primary.identifier if primary is not None else None
        self.serverless_identifier = serving.writer.identifier if serving is not None else None
        self.global_cluster_identifier = aurora.cluster.cluster_identifier if aurora is not None and aurora.global_cluster else None
        if serving is not None:
            host, read_host = serving.cluster.endpoint, serving.cluster.reader_endpoint if serving.reader else None
            self.db_identifier, self.replica_identifier = serving.writer.identifier, serving.reader.identifier if serving.reader else None
            self.port = serving.cluster.port
        else:
            assert primary is not None  # the engine is postgres, or the migration keeps the instance
            host, read_host = primary.address, replica.address if replica else None
            self.db_identifier, self.replica_identifier = primary.identifier, replica.identifier if replica else None
            self.port = primary.port
        self.address = host
        self.database_name = pulumi.Output.from_input(args.database_name)
        self.master_secret_arn = credential.secret.arn
        self.master_secret_name = credential.secret.name
        self.app_host = proxy.endpoint if proxy else host
        self.replica_address = pulumi.Output.from_input(read_host)
        self.proxy_name = proxy.name if proxy else None
        self.app_environment = database_environment(args.database_name, shape.credential_version, "proxy" if proxy else "cluster" if serving else "instance")
        hosts = {"DB_HOST": self._endpoint("host", self.app_host)}
        if read_host is not None:
            hosts["DB_READ_HOST"] = self._endpoint("read-host", read_host)
        self.app_secret_arns = {**credential_refs(credential.partial_arn), **{name: host.arn for name, host in hosts.items()}}
        self.app_restart_triggers = {name: host.version for name, host in hosts.items()}
        self.register_outputs(
            {
                "address": self.address,
                "port": self.port,
                "database_name": self.database_name,
                "master_secret_arn": self.master_secret_arn,
                "app_host": self.app_host,
                "replica_address": self.replica_address,
                "db_identifier": self.db_identifier,
                "replica_identifier": self.replica_identifier,
                "proxy_name": self.proxy_name,
                "aurora_cluster": self.aurora.cluster.cluster_identifier if self.aurora else None,
                "app_environment": self.app_environment,
                "app_secret_arns": self.app_secret_arns,
            }
        )

    def _tags(self, role: str) -> dict[str, str]:
        return self._args.tags.for_resource(TIER, role)

    def _create_parameters(self) -> aws.rds.ParameterGroup:
        return aws.rds.ParameterGroup(
            child_name(self._name, "params"),
            family=parameter_family(self._args.shape.engine_version),
            description="tierup PostgreSQL: TLS only, pg_stat_statements, cache-friendly memory",
            parameters=database_parameters(),
            tags=self._tags("params"),
            opts=self._child,
        )

    def _create_aurora(
        self, subnet_group: aws.rds.SubnetGroup, security_group: aws.ec2.SecurityGroup, password: pulumi.Output[str], rds: aws.rds.Instance | None
    ) -> AuroraCluster:
        """The Aurora cluster: a read replica of the RDS instance while the migration is
        `replicating`, then its own primary, leading the global database once it can."""
        args = self._args
        prefix = f"{args.tags.project}-{args.tags.stack}"
        replicating = args.shape.migration is DataMigration.REPLICATING
        return aurora_cluster(
            self._name,
            AuroraClusterArgs(
                shape=args.shape,
                identifier=f"{prefix}-aurora",
                subnet_group_name=subnet_group.name,
                security_group_id=security_group.id,
                database_name=args.database_name,
                master_username=args.master_username,
                master_password=password,
                replication_source_arn=rds.arn if replicating and rds is not None else None,
                replication_source_version=rds.engine_version_actual if replicating and rds is not None else None,
                global_identifier=f"{prefix}-global" if args.global_database and not replicating else None,
                final_snapshot_identifier=self._final_snapshot_identifier(f"{prefix}-aurora", "aurora-final-snapshot-suffix"),
                ca_certificate=CA_CERTIFICATE,
                tags={role: self._tags(f"aurora-{role}") for role in ("cluster", "params", "logs", "writer", "reader", "global")},
            ),
            self._child,
        )

    def _create_security_group(self) -> aws.ec2.SecurityGroup:
        # Only the app's tasks reach the database.
        return group_admitting(
            self._name,
            vpc_id=self._args.vpc_id,
            description="PostgreSQL: the app's group only",
            peer_group_id=self._args.app_security_group_id,
            port=POSTGRES_PORT,
            rule_description="App to PostgreSQL",
            group_tags=self._tags("db-sg"),
            rule_tags=self._tags("db-from-app"),
            opts=self._child,
        )

    def _log_group(self, identifier: str, export: str) -> aws.cloudwatch.LogGroup:
        # RDS would create these with no expiry; creating them first bounds their retention.
        return aws.cloudwatch.LogGroup(
            child_name(self._name, f"{export}-logs"),
            name=f"/aws/rds/instance/{identifier}/{export}",
            retention_in_days=self._args.shape.log_retention_days,
            tags=self._tags(f"{export}-logs"),
            opts=self._child,
        )

    def _create_credential(self) -> GeneratedSecret:
        """The master password, generated and kept in the stack's own secret with no rotation.

        Not RDS's managed master password: RDS refuses a read replica of an instance whose
        password it manages (every engine but SQL Server) and Blue/Green deployments of it (RDS
        User Guide, "Limitations for Secrets Manager integration"), and it rotates every 7 days
        while ECS tasks keep the password they read at start. This one changes only when
        tierup:data.credentialVersion does, and the tasks restart with it."""
        args = self._args

        def document(password: pulumi.Output[str]) -> pulumi.Output[str]:
            # The keys RDS Proxy reads (username, password) and the ones clients conventionally use.
            return pulumi.Output.json_dumps(
                {"engine": "postgres", "port": POSTGRES_PORT, "dbname": args.database_name, "username": args.master_username, "password": password}
            )

        return generated_secret(
            child_name(self._name, "master-password"),
            description="Master credential of the tierup database (username, password)",
            region=args.region,
            account_id=args.account_id,
            version=args.shape.credential_version,
            secret_string=document,
            replica_region=args.replica_region,
            tags=self._tags("master-password-secret"),
            opts=self._child,
        )

    def _endpoint(self, role: str, address: pulumi.Input[str]) -> EndpointRef:
        args = self._args
        return endpoint_parameter(
            child_name(self._name, role),
            path=f"/{args.tags.project}/{args.tags.stack}/db/{role}",
            value=address,
            region=args.region,
            account_id=args.account_id,
            tags=self._tags(role),
            opts=self._child,
        )

    def _final_snapshot_identifier(self, identifier: str, suffix_name: str = "final-snapshot-suffix") -> pulumi.Output[str]:
        # A fixed name collides on the second destroy of a stack (DBSnapshotAlreadyExists); the
        # suffix is drawn once per life of the stack, so each destroy leaves its own snapshot.
        suffix = random.RandomId(child_name(self._name, suffix_name), byte_length=4, opts=self._child)
        return suffix.hex.apply(lambda hex_suffix: f"{identifier}-final-{hex_suffix}")

    def _shared_instance_args(self, security_group: aws.ec2.SecurityGroup, parameters: aws.rds.ParameterGroup) -> dict[str, Any]:
        """What the primary and its replica share: private, encrypted, gp3, patched, protected."""
        args = self._args
        return {
            "storage_type": "gp3",
            "max_allocated_storage": args.shape.max_allocated_storage_gb,
            "storage_encrypted": True,
            "vpc_security_group_ids": [security_group.id],
            "parameter_group_name": parameters.name,
            "publicly_accessible": False,
            "auto_minor_version_upgrade": True,
            "ca_cert_identifier": CA_CERTIFICATE,
            "performance_insights_enabled": args.shape.performance_insights,
            "performance_insights_retention_period": 7 if args.shape.performance_insights else None,
        }

    def _create_primary(
        self,
        identifier: str,
        subnet_group: aws.rds.SubnetGroup,
        security_group: aws.ec2.SecurityGroup,
        parameters: aws.rds.ParameterGroup,
        log_groups: list[aws.cloudwatch.LogGroup],
        password: pulumi.Output[str],
    ) -> aws.rds.Instance:
        args = self._args
        # Retiring (the last step to Aurora) lifts both protections, so that the next step's
        # `pulumi up` may delete the instance; AWS still takes its final snapshot first.
        protect = args.shape.protect and args.shape.migration is not DataMigration.RETIRING
        return aws.rds.Instance(
            child_name(self._name, "db"),
            identifier=identifier,
            **self._shared_instance_args(security_group, parameters),
            engine="postgres",
            engine_version=args.shape.engine_version,
            instance_class=args.shape.instance_class,
            allocated_storage=args.shape.allocated_storage_gb,
            db_name=args.database_name,
            username=args.master_username,
            # Generated, encrypted in state, kept in the stack's secret (see _create_credential).
            # manage_master_user_password stays unset: the provider refuses it beside password
            # even when false (ConflictsWith in internal/service/rds/instance.go); a stack that had
            # it true is turned off by this same update (ModifyDBInstance with the new password).
            password=password,
            db_subnet_group_name=subnet_group.name,
            multi_az=args.shape.multi_az,
            backup_retention_period=args.shape.backup_retention_days,
            backup_window="03:00-04:00",
            maintenance_window="sun:04:30-sun:05:30",
            copy_tags_to_snapshot=True,
            skip_final_snapshot=False,
            final_snapshot_identifier=self._final_snapshot_identifier(identifier),
            # Only a database that holds the release's data blocks `pulumi destroy`.
            deletion_protection=protect,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            iam_database_authentication_enabled=True,
            tags=self._tags("db"),
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=protect,
                depends_on=log_groups,
                # Storage autoscaling grows allocated storage; an update must not try to shrink it.
                ignore_changes=["allocatedStorage"],
            ),
        )

    def _create_replica(
        self, identifier: str, primary: aws.rds.Instance, security_group: aws.ec2.SecurityGroup, parameters: aws.rds.ParameterGroup
    ) -> aws.rds.Instance:
        args = self._args
        return aws.rds.Instance(
            child_name(self._name, "replica"),
            identifier=f"{identifier}-replica",
            **self._shared_instance_args(security_group, parameters),
            replicate_source_db=primary.identifier,
            instance_class=args.shape.instance_class,
            # A replica is rebuilt from the primary; its own backups and final snapshot add nothing,
            # and protecting it would block moving down from v2.0 and `pulumi destroy`.
            backup_retention_period=0,
            skip_final_snapshot=True,
            deletion_protection=False,
            tags=self._tags("replica"),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["allocatedStorage"]),
        )

    def _create_proxy(
        self, primary: aws.rds.Instance | None, aurora: AuroraCluster | None, security_group: aws.ec2.SecurityGroup, credential: GeneratedSecret
    ) -> DatabaseProxy:
        args = self._args
        return DatabaseProxy(
            child_name(self._name, "proxy"),
            DatabaseProxyArgs(
                vpc_id=args.vpc_id,
                subnet_ids=args.isolated_subnet_ids,
                client_security_group_id=args.app_security_group_id,
                database_security_group_id=security_group.id,
                db_instance_identifier=primary.identifier if primary is not None else None,
                db_cluster_identifier=aurora.cluster.cluster_identifier if aurora is not None else None,
                credential_secret_arn=credential.secret.arn,
                credential_secret_partial_arn=credential.partial_arn,
                tags=args.tags,
            ),
            opts=self._child,
        )
