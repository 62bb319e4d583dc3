"""A bucket's replica in the recovery region, kept by S3 cross-region replication (v3.0)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import pulumi
import pulumi_aws as aws

from components.arns import bucket_arn
from components.iam_documents import assume_role_policy, policy_document
from components.naming import child_name
from components.private_bucket import PrivateBucket, bucket_policy, private_bucket
from tierup_guardrails.settings.model import StorageSettings


@dataclass(frozen=True)
class RecoveryTarget:
    """Where replicas go: the recovery region, and its provider, passed explicitly."""

    provider: aws.Provider
    region: str


def replica_bucket(
    name: str,
    *,
    source: PrivateBucket,
    target: RecoveryTarget,
    shape: StorageSettings,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
    grants: Callable[[pulumi.Output[str]], pulumi.Input[Sequence[dict[str, object]]]] | None = None,
) -> PrivateBucket:
    """`<name>` in the recovery region (private, TLS only, then the statements `grants` writes
    from the replica's name), every object,
    version and delete marker of `source` copied into it by a role S3 assumes, `<name>-role`.
    Replication needs versioning on both sides (S3 User Guide, "Requirements for replication"),
    which the settings require with a recovery region."""
    in_recovery = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(provider=target.provider))
    replica = private_bucket(name, shape=replace(shape, versioning=True), tags=tags, opts=in_recovery)
    bucket_policy(child_name(name, "policy"), replica, in_recovery, grants(replica.bucket.bucket) if grants else ())
    role = aws.iam.Role(child_name(name, "role"), assume_role_policy=assume_role_policy("s3.amazonaws.com"), tags=tags, opts=opts)
    copy = aws.iam.RolePolicy(
        child_name(name, "copy"),
        role=role.id,
        policy=pulumi.Output.all(source.bucket.bucket, replica.bucket.bucket).apply(
            lambda names: replication_policy(bucket_arn(names[0]), bucket_arn(names[1]))
        ),
        opts=opts,
    )
    aws.s3.BucketReplicationConfig(
        child_name(name, "replication"),
        bucket=source.bucket.id,
        role=role.arn,
        rules=[
            {
                "id": "to-recovery-region",
                "status": "Enabled",
                "filter": {"prefix": ""},
                "delete_marker_replication": {"status": "Enabled"},
                "destination": {"bucket": replica.bucket.bucket.apply(bucket_arn), "storage_class": "STANDARD"},
            }
        ],
        # After the source's settings (its versioning among them) and the replica's.
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[copy, *source.guards, *replica.guards])),
    )
    return replica


def replication_policy(source: str, destination: str) -> str:
    """Read the source's versions, write replicas into the destination (pure; S3 User Guide,
    "Setting up permissions for live replication")."""
    return policy_document(
        [
            {"Sid": "ReadConfiguration", "Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"], "Resource": source},
            {
                "Sid": "ReadVersions",
                "Effect": "Allow",
                "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                "Resource": f"{source}/*",
            },
            {
                "Sid": "WriteReplicas",
                "Effect": "Allow",
                "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                "Resource": f"{destination}/*",
            },
        ]
    )
