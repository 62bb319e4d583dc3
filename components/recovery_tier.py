"""RecoveryTier: the passive second region of v3.0, built with the recovery region's provider
(passed in, never an ambient default): a network without NAT, the app's service at zero tasks
behind its own ALB, the Aurora global database's secondary (headless while passive) encrypted
with a key of that region, and the buckets the primary's replicate into."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import pulumi
import pulumi_aws as aws

from components.arns import bucket_arn, secret_partial_arn
from components.aurora_cluster import AURORA_ENGINE, SERVERLESS_CLASS, aurora_parameters
from components.compute_tier import ComputeTier, ComputeTierArgs
from components.container import AppContainer
from components.data_tier import credential_refs, database_environment
from components.database_proxy import POSTGRES_PORT
from components.endpoint_parameter import endpoint_parameter
from components.iam_documents import policy_document
from components.naming import child_name
from components.network_tier import NetworkTier, NetworkTierArgs
from components.security_rules import group_admitting
from components.storage_tier import uploads_statements
from tierup_guardrails.modes import CacheMode, NatStrategy, Standby
from tierup_guardrails.settings.model import AppSettings, ComputeSettings, DataSettings, DisasterRecoverySettings, NetworkSettings, StorageSettings
from tierup_guardrails.tags import StackTags
from tierup_guardrails.zones import default_zones

TIER = "recovery"


@dataclass(frozen=True, kw_only=True)
class RecoveryTierArgs:
    """What the standby copies from the primary, and where it lives."""

    shape: DisasterRecoverySettings
    """The recovery region (filled in by the settings), its range and its posture."""
    network: NetworkSettings
    compute: ComputeSettings
    data: DataSettings
    storage: StorageSettings
    app: AppSettings
    account_id: pulumi.Input[str]
    global_cluster_id: pulumi.Input[str] | None
    global_engine_version: pulumi.Input[str] | None = None
    """The global database's running engine version, which a secondary must match exactly."""
    """The Aurora global database the secondary joins; None while the data is still a replica
    of the RDS instance (tierup:data.migration replicating), which cannot lead one."""
    primary_writer: pulumi.Resource
    """The primary's writer: a secondary joins only a global database whose primary has one."""
    database_name: pulumi.Input[str]
    """The database the app connects to (DataTier's), in the secondary as in the primary."""
    uploads_bucket_name: pulumi.Input[str]
    """The uploads' replica in this region (StorageTier), which the standby app reads and writes."""
    credential_secret_name: pulumi.Input[str]
    """The master credential's secret, replicated under the same name into this region."""
    shared_environment: Mapping[str, pulumi.Input[str]]
    """What the app reads from tiers that have no copy here (Cognito, SES: regional services
    the standby reaches in the primary region)."""
    shared_secret_arns: Mapping[str, pulumi.Input[str]]
    shared_task_statements: Sequence[pulumi.Input[Sequence[Mapping[str, object]]]]
    tags: StackTags

    def __post_init__(self) -> None:
        if self.shape.region is None:
            raise ValueError("RecoveryTierArgs.shape.region must be filled in (load_settings picks the default)")


class RecoveryTier(pulumi.ComponentResource):
    """The standby region; `opts.providers` must carry its AWS provider."""

    region: str
    load_balancer_dns_name: pulumi.Output[str]
    load_balancer_zone_id: pulumi.Output[str]
    cluster_identifier: pulumi.Output[str] | None

    def __init__(self, name: str, args: RecoveryTierArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("tierup:index:RecoveryTier", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self.region = region = str(args.shape.region)
        network = NetworkTier(
            child_name(name, "network"),
            NetworkTierArgs(shape=self._network_shape(), region=region, account_id=args.account_id, tags=args.tags),
            opts=self._child,
        )
        cluster = self._create_secondary(network) if args.global_cluster_id is not None else None
        uploads_name = pulumi.Output.from_input(args.uploads_bucket_name)
        data_secrets, data_triggers = self._data_references(cluster)
        compute = ComputeTier(
            child_name(name, "compute"),
            ComputeTierArgs(
                shape=self._compute_shape(),
                vpc_id=network.vpc_id,
                vpc_cidr=args.shape.cidr,
                public_subnet_ids=network.public_subnet_ids,
                private_subnet_ids=network.private_subnet_ids,
                app_security_group_id=network.app_security_group_id,
                region=region,
                account_id=args.account_id,
                container=AppContainer(
                    shape=replace(args.app, image=image_in_region(args.app.image, region)),
                    environment={
                        **dict(args.app.environment),
                        **args.shared_environment,
                        **database_environment(args.database_name, args.data.credential_version, "cluster"),
                        "CACHE_BACKEND": CacheMode.POSTGRES.value,
                        "STORAGE_BUCKET": uploads_name,
                        "STORAGE_PREFIX": args.storage.uploads_prefix,
                    },
                    secret_arns={**dict(args.app.secrets), **args.shared_secret_arns, **data_secrets},
                ),
                certificate_arn=args.shape.certificate_arn,
                restart_triggers=data_triggers,
                task_policy_statements=[
                    *args.shared_task_statements,
                    uploads_name.apply(lambda bucket: uploads_statements(bucket_arn(bucket), args.storage.uploads_prefix)),
                ],
                tags=args.tags,
            ),
            opts=self._child,
        )
        assert compute.load_balancer_dns_name is not None and compute.load_balancer_zone_id is not None  # v3.0 runs behind an ALB
        self.load_balancer_dns_name = compute.load_balancer_dns_name
        self.load_balancer_zone_id = compute.load_balancer_zone_id
        self.cluster_identifier = cluster.cluster_identifier if cluster is not None else None
        self.register_outputs({"load_balancer_dns_name": self.load_balancer_dns_name, "cluster_identifier": self.cluster_identifier})

    def _tags(self, role: str) -> dict[str, str]:
        return self._args.tags.for_resource(TIER, role)

    @property
    def _active(self) -> bool:
        return self._args.shape.standby is Standby.ACTIVE

    def _network_shape(self) -> NetworkSettings:
        # No NAT while nothing runs (about $33/month each); failing over adds one, as v1.5 has.
        nat = NatStrategy.SINGLE if self._active else NatStrategy.NONE
        zones = default_zones(str(self._args.shape.region), self._args.network.az_count)
        return replace(self._args.network, cidr=self._args.shape.cidr, nat_strategy=nat, availability_zones=zones)

    def _compute_shape(self) -> ComputeSettings:
        compute = self._args.compute
        return compute if self._active else replace(compute, min_tasks=0, on_demand_base=0)

    def _data_references(self, cluster: aws.rds.Cluster | None) -> tuple[dict[str, pulumi.Input[str]], dict[str, pulumi.Input[str]]]:
        """The app's database secrets here: the replicated credential and the secondary's
        endpoint in a parameter of this region (none until the secondary exists)."""
        if cluster is None:
            return {}, {}
        args, region = self._args, self.region
        host = endpoint_parameter(
            child_name(self._name, "db-host"),
            path=f"/{args.tags.project}/{args.tags.stack}/db/host",
            value=cluster.endpoint,
            region=region,
            account_id=args.account_id,
            tags=self._tags("db-host"),
            opts=self._child,
        )
        credential = pulumi.Output.all(args.account_id, args.credential_secret_name).apply(lambda v: secret_partial_arn(region, v[0], v[1]))
        return {**credential_refs(credential), "DB_HOST": host.arn}, {"DB_HOST": host.version}

    def _create_secondary(self, network: NetworkTier) -> aws.rds.Cluster:
        """The global database's secondary: storage only while passive (a headless cluster is
        billed for storage and replicated writes, not compute: Aurora User Guide, "Creating a
        headless Aurora DB cluster in a secondary Region"), a writer once active."""
        args, name = self._args, self._name
        subnets = aws.rds.SubnetGroup(child_name(name, "db-subnets"), subnet_ids=network.isolated_subnet_ids, tags=self._tags("db-subnets"), opts=self._child)
        group = group_admitting(
            child_name(name, "db"),
            vpc_id=network.vpc_id,
            description="Aurora secondary: the app's group only",
            peer_group_id=network.app_security_group_id,
            port=POSTGRES_PORT,
            rule_description="App to PostgreSQL",
            group_tags=self._tags("db-sg"),
            rule_tags=self._tags("db-from-app"),
            opts=self._child,
        )
        # A cross-region secondary of an encrypted global database needs a key valid in its own
        # region (RDS API Reference, CreateDBCluster, KmsKeyId).
        key = aws.kms.Key(
            child_name(name, "db-key"),
            description="Aurora secondary storage in the recovery region",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=pulumi.Output.from_input(args.account_id).apply(_key_policy),
            tags=self._tags("db-key"),
            opts=self._child,
        )
        cluster = aws.rds.Cluster(
            child_name(name, "aurora"),
            cluster_identifier=f"{args.tags.project}-{args.tags.stack}-aurora-{self.region}",
            engine=AURORA_ENGINE,
            # A secondary runs the global database's exact version (the provider's documented
            # pattern sets it from aws_rds_global_cluster.engine_version); a bare major would let
            # AWS pick this region's default minor, which need not be the primary's.
            engine_version=args.global_engine_version or args.data.engine_version,
            global_cluster_identifier=args.global_cluster_id,
            db_cluster_parameter_group_name=aurora_parameters(name, args.data.engine_version, self._tags("aurora-params"), self._child).name,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[group.id],
            storage_encrypted=True,
            kms_key_id=key.arn,
            iam_database_authentication_enabled=True,
            serverlessv2_scaling_configuration={"min_capacity": args.data.aurora_min_acu, "max_capacity": args.data.aurora_max_acu},
            backup_retention_period=args.data.backup_retention_days,
            copy_tags_to_snapshot=True,
            # Its data is the primary's: a final snapshot adds nothing, and like every replica it
            # stays deletable (the primary cluster is protected).
            skip_final_snapshot=True,
            deletion_protection=False,
            tags=self._tags("aurora-secondary"),
            # AWS fills replicationSourceIdentifier on a secondary; removing it would make the
            # provider promote the cluster out of the global database (pulumi-aws GlobalCluster docs).
            opts=pulumi.ResourceOptions.merge(
                self._child, pulumi.ResourceOptions(depends_on=[args.primary_writer], ignore_changes=["replicationSourceIdentifier"])
            ),
        )
        if self._active:
            aws.rds.ClusterInstance(
                child_name(name, "aurora-writer"),
                identifier=f"{args.tags.project}-{args.tags.stack}-aurora-{self.region}-writer",
                cluster_identifier=cluster.id,
                engine=aws.rds.EngineType.AURORA_POSTGRESQL,
                instance_class=SERVERLESS_CLASS,
                publicly_accessible=False,
                auto_minor_version_upgrade=True,
                tags=self._tags("aurora-secondary-writer"),
                opts=self._child,
            )
        return cluster


# A private ECR image: <account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest].
_PRIVATE_ECR = re.compile(r"(?P<account>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<rest>.+)")


def image_in_region(image: str, region: str) -> str:
    """The standby pulls from its own region's registry: a pull from the primary's would fail
    with the region it recovers from. ECR's registry replication (an account-wide setting, not a
    stack's: README, "Failing over") copies the images there; public images are reachable from
    every region as they are."""
    found = _PRIVATE_ECR.fullmatch(image)
    return f"{found['account']}.dkr.ecr.{region}.amazonaws.com/{found['rest']}" if found else image


def _key_policy(account_id: str) -> str:
    # The account administers the key; RDS uses it through the account's grants.
    return policy_document(
        [
            {
                "Sid": "AccountAdministers",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ]
    )
