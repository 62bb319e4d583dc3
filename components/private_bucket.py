"""A private, encrypted S3 bucket with the stack's retention rules, and its one bucket policy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import pulumi
import pulumi_aws as aws

from components.arns import bucket_arn
from components.iam_documents import policy_document
from components.naming import child_name
from tierup_guardrails.settings.model import StorageSettings


class PrivateBucket(NamedTuple):
    """The bucket, and what its policy must wait for."""

    bucket: aws.s3.Bucket
    guards: list[pulumi.Resource]
    """The bucket's settings: the policy is put after the last of them."""


def private_bucket(
    name: str,
    *,
    shape: StorageSettings,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
    tiering_prefix: str | None = None,
) -> PrivateBucket:
    """Bucket `<name>` (auto-named: bucket names are global) with all four public access blocks,
    ACLs disabled (BucketOwnerEnforced), SSE-S3 with a bucket key, versioning per `shape`, and a
    lifecycle that removes unfinished multipart uploads, expires noncurrent versions, and moves
    `tiering_prefix` to Intelligent-Tiering when `shape` asks for it."""
    bucket = aws.s3.Bucket(name, force_destroy=False, tags=tags, opts=opts)
    blocks = aws.s3.BucketPublicAccessBlock(
        child_name(name, "public-access"),
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=opts,
    )
    # One bucket setting at a time: S3 answers OperationAborted ("A conflicting conditional
    # operation is currently in progress") to concurrent configuration calls on a new bucket.
    ownership = aws.s3.BucketOwnershipControls(
        child_name(name, "ownership"), bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=_after(opts, blocks)
    )
    encryption = aws.s3.BucketServerSideEncryptionConfiguration(
        child_name(name, "encryption"),
        bucket=bucket.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}, "bucket_key_enabled": True}],
        opts=_after(opts, ownership),
    )
    # Only when asked for: removing it suspends versioning (the provider refuses Enabled →
    # Disabled, and S3 cannot unversion a bucket), which is what going down a release means.
    versioning: list[pulumi.Resource] = (
        [
            aws.s3.BucketVersioning(
                child_name(name, "versioning"), bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=_after(opts, encryption)
            )
        ]
        if shape.versioning
        else []
    )
    # The provider's documentation: a lifecycle on a versioned bucket depends on its versioning.
    lifecycle = aws.s3.BucketLifecycleConfiguration(
        child_name(name, "lifecycle"), bucket=bucket.id, rules=lifecycle_rules(shape, tiering_prefix), opts=_after(opts, *(versioning or [encryption]))
    )
    return PrivateBucket(bucket, [blocks, ownership, lifecycle])


def _after(opts: pulumi.ResourceOptions, *resources: pulumi.Resource) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=list(resources)))


def lifecycle_rules(shape: StorageSettings, tiering_prefix: str | None) -> list[aws.s3.BucketLifecycleConfigurationRuleArgsDict]:
    """The bucket's lifecycle rules (pure). Each has a filter: provider v6+ warns without one,
    and an empty prefix is the documented way to match every object."""
    # Noncurrent versions expire whether or not versioning is on now: a bucket whose versioning
    # was suspended (a release down) keeps its old versions, and they must not be billed forever.
    rules: list[aws.s3.BucketLifecycleConfigurationRuleArgsDict] = [
        {
            "id": "abort-incomplete-multipart-uploads",
            "status": "Enabled",
            "filter": {"prefix": ""},
            "abort_incomplete_multipart_upload": {"days_after_initiation": shape.abort_multipart_days},
        },
        {
            "id": "expire-noncurrent-versions",
            "status": "Enabled",
            "filter": {"prefix": ""},
            "noncurrent_version_expiration": {"noncurrent_days": shape.noncurrent_expiry_days},
        },
    ]
    if shape.intelligent_tiering and tiering_prefix is not None:
        # Day 0 moves objects as soon as lifecycle runs; S3 leaves objects under 128 KB in
        # Standard (S3 User Guide, "Transitioning objects using Amazon S3 Lifecycle").
        rules.append(
            {
                "id": "uploads-to-intelligent-tiering",
                "status": "Enabled",
                "filter": {"prefix": tiering_prefix},
                "transitions": [{"days": 0, "storage_class": "INTELLIGENT_TIERING"}],
            }
        )
    return rules


def bucket_policy_document(bucket_arn: str, grants: Sequence[dict[str, object]] = ()) -> str:
    """The bucket's policy (pure): TLS-only for everyone (S3.5, AwsSolutions-S10), then `grants`."""
    deny_plain_http: dict[str, object] = {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    return policy_document([deny_plain_http, *grants])


def bucket_policy(
    name: str, target: PrivateBucket, opts: pulumi.ResourceOptions, grants: pulumi.Input[Sequence[dict[str, object]]] = ()
) -> aws.s3.BucketPolicy:
    """The bucket's one policy (S3 keeps a single policy per bucket: a second would replace it),
    its ARN written from the bucket's name so that the document is known at the first preview."""
    document = pulumi.Output.all(target.bucket.bucket, grants).apply(lambda values: bucket_policy_document(bucket_arn(values[0]), values[1]))
    return aws.s3.BucketPolicy(name, bucket=target.bucket.id, policy=document, opts=_after(opts, *target.guards))
