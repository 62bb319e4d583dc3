"""What holds data, and what stops AWS from deleting it (pure: shared by the pack and `tierup diff`)."""

from __future__ import annotations

from collections.abc import Mapping

DB_INSTANCE = "aws:rds/instance:Instance"
DB_CLUSTER = "aws:rds/cluster:Cluster"
USER_POOL = "aws:cognito/userPool:UserPool"
BUCKET = "aws:s3/bucket:Bucket"
# The resources whose deletion loses data: a primary database, RDS instance or Aurora cluster
# (a replica is rebuilt from its source), the user pool (its users' passwords cannot be
# exported), and buckets.
DATA_HOLDERS = (DB_INSTANCE, DB_CLUSTER, USER_POOL, BUCKET)
# The inputs that make a database a replica of another: an RDS read replica, an Aurora read
# replica of an RDS instance (while the data moves to Aurora), a global database's secondary.
REPLICA_INPUTS = ("replicateSourceDb", "replicationSourceIdentifier", "globalClusterIdentifier")
# The inputs by which AWS itself refuses a delete.
DELETION_PROTECTION_INPUTS = ("deletionProtection", "enableDeletionProtection")


def is_data_holder(type_token: str, inputs: Mapping[str, object]) -> bool:
    """A data holder, unless it is a database replica (one of REPLICA_INPUTS set)."""
    return type_token in DATA_HOLDERS and all(inputs.get(key) is None for key in REPLICA_INPUTS)


def deletion_protected(value: object) -> bool:
    """AWS refuses the delete: true, or Cognito's ACTIVE (its input is ACTIVE or INACTIVE)."""
    return value is True or value == "ACTIVE"
