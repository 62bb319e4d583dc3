"""What holds data, and what stops AWS from deleting it (pure: shared by the pack and `tierup diff`)."""

from __future__ import annotations

DB_INSTANCE = "aws:rds/instance:Instance"
USER_POOL = "aws:cognito/userPool:UserPool"
BUCKET = "aws:s3/bucket:Bucket"
# The resources whose deletion loses data: a primary database (a replica is rebuilt from it),
# the user pool (its users' passwords cannot be exported), and buckets.
DATA_HOLDERS = (DB_INSTANCE, USER_POOL, BUCKET)
# The inputs by which AWS itself refuses a delete.
DELETION_PROTECTION_INPUTS = ("deletionProtection", "enableDeletionProtection")


def is_data_holder(type_token: str, inputs_replicate_source: object) -> bool:
    """A data holder, unless it is a database replica (`replicateSourceDb` set)."""
    return type_token in DATA_HOLDERS and inputs_replicate_source is None


def deletion_protected(value: object) -> bool:
    """AWS refuses the delete: true, or Cognito's ACTIVE (its input is ACTIVE or INACTIVE)."""
    return value is True or value == "ACTIVE"
