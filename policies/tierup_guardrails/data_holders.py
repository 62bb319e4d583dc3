"""What holds data, and what stops AWS from deleting it (pure: shared by the pack and `tierup diff`)."""

from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy.proxy import UnknownValueError

DB_INSTANCE = "aws:rds/instance:Instance"
USER_POOL = "aws:cognito/userPool:UserPool"
BUCKET = "aws:s3/bucket:Bucket"
AURORA_CLUSTER = "aws:rds/cluster:Cluster"
# The resources whose deletion loses data: a primary database, RDS instance or Aurora cluster (a
# replica is rebuilt from it), the user pool (its users' passwords cannot be exported), and buckets.
DATA_HOLDERS = (DB_INSTANCE, AURORA_CLUSTER, USER_POOL, BUCKET)
# The inputs by which AWS itself refuses a delete.
DELETION_PROTECTION_INPUTS = ("deletionProtection", "enableDeletionProtection")


def is_data_holder(type_token: str, props: Mapping[str, object]) -> bool:
    """A data holder, unless it is a database replica (see replica_source)."""
    return type_token in DATA_HOLDERS and replica_source(type_token, props) is None


def deletion_protected(value: object) -> bool:
    """AWS refuses the delete: true, or Cognito's ACTIVE (its input is ACTIVE or INACTIVE)."""
    return value is True or value == "ACTIVE"


def replica_source(type_token: str, props: Mapping[str, object]) -> object:
    """What makes a database a replica, None for a primary: an RDS instance's
    `replicateSourceDb`; an Aurora cluster's `replicationSourceIdentifier` (a read replica of an
    RDS instance while the data moves to Aurora) or, for a secondary of a global database, its
    `globalClusterIdentifier` without master credentials (AWS refuses them on a secondary:
    Aurora User Guide, "Adding an AWS Region to an Amazon Aurora global database")."""
    if type_token != AURORA_CLUSTER:
        return _input(props, "replicateSourceDb")
    # After apply AWS reports a secondary's source cluster here too (and "" for a primary, which
    # also reports its global database and master user): this input decides first.
    source = _input(props, "replicationSourceIdentifier")
    if source:
        return source
    if {"masterUsername", "snapshotIdentifier"} & set(iter(props)):
        return None
    return _input(props, "globalClusterIdentifier") or None


def _input(props: Mapping[str, object], key: str) -> object:
    """An input, or its key when it is set but unknown at preview (an ARN of a resource not
    created yet): set is what counts here."""
    try:
        return props.get(key)
    except UnknownValueError:
        return key
