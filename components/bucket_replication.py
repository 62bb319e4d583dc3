"""Cross-region replication of the stack's buckets into the recovery region (v3.0)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from components.arns import bucket_arn
from components.iam_documents import assume_role_policy, policy_document
from components.naming import child_name


def replicate_buckets(
    name: str,
    *,
    sources: Mapping[str, pulumi.Input[str]],
    destinations: Mapping[str, pulumi.Input[str]],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
    after: Sequence[pulumi.Resource],
) -> list[aws.s3.BucketReplicationConfig]:
    """One role S3 assumes to copy every object, version and delete marker of each source
    bucket (by role: name) to the destination of the same role (bucket ARN), and a replication
    configuration per source. `after`: what sets the sources' versioning, which S3 requires first."""
    role = aws.iam.Role(child_name(name, "role"), assume_role_policy=assume_role_policy("s3.amazonaws.com"), tags=tags, opts=opts)
    source_arns = [pulumi.Output.from_input(source).apply(bucket_arn) for source in sources.values()]
    policy = aws.iam.RolePolicy(
        child_name(name, "copy"),
        role=role.id,
        policy=pulumi.Output.all(source_arns, list(destinations.values())).apply(lambda arns: _replication_policy(arns[0], arns[1])),
        opts=opts,
    )
    return [
        aws.s3.BucketReplicationConfig(
            child_name(name, role_name),
            bucket=source,
            role=role.arn,
            rules=[
                {
                    "id": "to-recovery-region",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "delete_marker_replication": {"status": "Enabled"},
                    "destination": {"bucket": destinations[role_name], "storage_class": "STANDARD"},
                }
            ],
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[policy, *after])),
        )
        for role_name, source in sources.items()
    ]


def _replication_policy(sources: Sequence[str], destinations: Sequence[str]) -> str:
    """Read the sources' versions, write replicas into the destinations (S3 User Guide,
    "Setting up permissions for live replication")."""
    return policy_document(
        [
            {"Sid": "ReadConfiguration", "Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"], "Resource": list(sources)},
            {
                "Sid": "ReadVersions",
                "Effect": "Allow",
                "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                "Resource": [f"{arn}/*" for arn in sources],
            },
            {
                "Sid": "WriteReplicas",
                "Effect": "Allow",
                "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                "Resource": [f"{arn}/*" for arn in destinations],
            },
        ]
    )
