"""Which changes endanger data (DANGER) or cost downtime (WARN), as data with citations.

Replacement-forcing inputs are the arguments the Terraform AWS provider marks "forces new
resource" (ForceNew in its schema; pulumi-aws bridges that provider), read from
hashicorp/terraform-provider-aws: internal/service/rds/instance.go, rds/cluster.go, rds/parameter_group.go,
rds/subnet_group.go, elasticache/replication_group.go, logs/group.go,
secretsmanager/secret.go and s3/bucket.go, and its documentation pages for
aws_db_instance, aws_db_parameter_group, aws_db_subnet_group,
aws_elasticache_replication_group, aws_cloudwatch_log_group, aws_secretsmanager_secret and
aws_s3_bucket ("Changing this forces a new resource").
"""

from __future__ import annotations

from dataclasses import dataclass

# Resources whose replacement or deletion loses data (or an identity clients depend on).
STATEFUL_TYPES = (
    "aws:rds/instance:Instance",
    # The Aurora cluster holds the data (v3.0); its instances are compute and can be replaced.
    "aws:rds/cluster:Cluster",
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:secretsmanager/secret:Secret",
    "aws:cognito/userPool:UserPool",
)

REPLACEMENT_INPUTS: dict[str, tuple[str, ...]] = {
    # aws_db_instance: ForceNew in instance.go. dbSubnetGroupName is modified in place by the
    # provider (ModifyDBInstance), but moving a database between subnet groups (and VPCs) takes
    # it offline and is how replacements hide, so it is guarded too; so is identifier, whose
    # in-place rename moves the endpoint every client uses.
    "aws:rds/instance:Instance": (
        "availabilityZone", "characterSetName", "customIamInstanceProfile", "dbName", "engine", "kmsKeyId",
        "ncharCharacterSetName", "restoreToPointInTime", "s3Import", "snapshotIdentifier", "storageEncrypted",
        "timezone", "username", "dbSubnetGroupName", "identifier",
    ),
    # aws_rds_cluster: ForceNew in cluster.go. replicationSourceIdentifier and
    # globalClusterIdentifier are not: the migration's promotion and the global database change
    # them in place.
    "aws:rds/cluster:Cluster": (
        "availabilityZones", "clusterIdentifier", "clusterIdentifierPrefix", "clusterScalabilityType", "databaseName",
        "dbSubnetGroupName", "dbSystemId", "engine", "engineMode", "kmsKeyId", "masterUsername", "restoreToPointInTime",
        "s3Import", "snapshotIdentifier", "sourceRegion", "storageEncrypted",
    ),
    # aws_db_parameter_group: family, name, name_prefix, description are ForceNew; parameters are not.
    "aws:rds/parameterGroup:ParameterGroup": ("description", "family", "name", "namePrefix"),
    # aws_db_subnet_group: name and name_prefix; subnet_ids change in place.
    "aws:rds/subnetGroup:SubnetGroup": ("name", "namePrefix"),
    # aws_elasticache_replication_group: ForceNew in replication_group.go (engine only when not
    # Redis → Valkey; transit encryption only below engine 7.0.5: both treated as replacing).
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        "atRestEncryptionEnabled", "dataTieringEnabled", "globalReplicationGroupId", "kmsKeyId", "networkType", "port",
        "replicationGroupId", "securityGroupNames", "snapshotArns", "snapshotName", "subnetGroupName",
    ),
    # aws_s3_bucket: bucket, bucket_prefix, object_lock_enabled.
    "aws:s3/bucket:Bucket": ("bucket", "bucketPrefix", "objectLockEnabled"),
    "aws:s3/bucketV2:BucketV2": ("bucket", "bucketPrefix", "objectLockEnabled"),
    # aws_cloudwatch_log_group: name, name_prefix, log_group_class.
    "aws:cloudwatch/logGroup:LogGroup": ("name", "namePrefix", "logGroupClass"),
    # aws_secretsmanager_secret: name, name_prefix.
    "aws:secretsmanager/secret:Secret": ("name", "namePrefix"),
    # aws_cognito_user_pool: how users sign in cannot change once the pool exists (Cognito
    # Developer Guide, "User pool attributes": username attributes and aliases are set at
    # creation); the provider replaces the pool, and every user and password with it.
    "aws:cognito/userPool:UserPool": ("aliasAttributes", "usernameAttributes", "usernameConfiguration"),
    # aws_subnet: availability_zone, availability_zone_id, cidr_block, vpc_id (ec2/vpc_subnet.go).
    "aws:ec2/subnet:Subnet": ("availabilityZone", "availabilityZoneId", "cidrBlock", "vpcId"),
}  # fmt: skip

# Replacements that lose no data themselves but cannot succeed, or strand what holds data.
REPLACEMENT_DANGERS: dict[str, str] = {
    # A subnet is created before the old one is deleted: the same CIDR collides
    # (InvalidSubnet.Conflict), and the database's subnet group and ENIs cannot leave it. A stack
    # deployed with AZ names keeps them pinned (tierup:network.availabilityZones).
    "aws:ec2/subnet:Subnet": "the provider replaces the subnet: its CIDR collides with the old one and the database cannot move out of it",
}


# Inputs the provider refuses to set on an existing resource: the update fails half-way.
REFUSED_WHEN_ADDED: dict[tuple[str, str], str] = {
    # A promoted Aurora cluster cannot become a replica again ("promoting to standalone is not
    # supported", internal/service/rds/cluster.go): stepping back from `promoted` is not a
    # `pulumi up` (README, "Moving to v3.0").
    ("aws:rds/cluster:Cluster", "replicationSourceIdentifier"): "a promoted Aurora cluster cannot become a replica again: the provider refuses the update",
}


@dataclass(frozen=True)
class Disruption:
    """An in-place change that costs availability, and what it means."""

    type: str
    input: str
    explanation: str


DISRUPTIONS = (
    Disruption(
        "aws:rds/instance:Instance",
        "instanceClass",
        "changing the instance class restarts the database: a failover of about a minute with Multi-AZ, a reboot of several minutes without",
    ),
    Disruption(
        "aws:rds/instance:Instance",
        "multiAz",
        "converting to Multi-AZ takes a snapshot and builds the standby from it: no downtime, but higher write latency while it runs",
    ),
    Disruption("aws:rds/instance:Instance", "engineVersion", "an engine version change upgrades the database in place with downtime; take a snapshot first"),
    Disruption("aws:rds/instance:Instance", "parameterGroupName", "a new parameter group takes effect only after a reboot"),
    Disruption(
        "aws:rds/instance:Instance",
        "manageMasterUserPassword",
        "the master password moves from RDS's managed secret to the stack's own: RDS sets it at once, and the app's connections fail "
        "until its new tasks (started right after) read the new secret",
    ),
    Disruption(
        "aws:rds/instance:Instance",
        "password",
        "a new master password applies at once: connections of the running tasks fail until the tasks restarted with DB_LOGIN_VERSION take over",
    ),
    Disruption("aws:rds/parameterGroup:ParameterGroup", "parameters", "static parameters (pending-reboot) take effect only after the database reboots"),
    Disruption("aws:elasticache/replicationGroup:ReplicationGroup", "nodeType", "changing the node type scales the cache online, with brief connection drops"),
    Disruption(
        "aws:ecs/service:Service", "networkConfiguration", "the service rolls its tasks into the new subnets: a rolling deployment, the app's address changes"
    ),
    Disruption("aws:ecs/service:Service", "capacityProviderStrategies", "the new capacity mix applies through a rolling deployment"),
)
