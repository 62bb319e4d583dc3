"""StorageTier: the bucket the app keeps user uploads in, private, encrypted, retained per release."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.arns import bucket_arn
from components.bucket_replication import RecoveryTarget, replica_bucket
from components.naming import child_name
from components.private_bucket import bucket_policy, private_bucket
from tierup_guardrails.settings.model import StorageSettings
from tierup_guardrails.tags import StackTags

TIER = "storage"


@dataclass(frozen=True, kw_only=True)
class StorageTierArgs:
    """The buckets' retention and the app's prefix."""

    shape: StorageSettings
    """Versioning, lifecycle, Intelligent-Tiering and the uploads prefix."""
    tags: StackTags
    """The stack's shared tags."""
    recovery: RecoveryTarget | None = None
    """The recovery region the uploads are replicated to (v3.0)."""


class StorageTier(pulumi.ComponentResource):
    """A private bucket for uploads (public access blocked, ACLs off, SSE-S3, TLS-only policy,
    versioning and lifecycle per release, Intelligent-Tiering of the prefix from v2.0), and the
    task role's grant to the uploads prefix alone."""

    bucket_name: pulumi.Output[str]
    replica_bucket_name: pulumi.Output[str] | None
    """The uploads' replica in the recovery region, which the standby app uses."""
    app_environment: dict[str, pulumi.Input[str]]
    app_secret_arns: dict[str, pulumi.Input[str]]
    app_restart_triggers: dict[str, pulumi.Input[str]]
    task_policy_statements: pulumi.Output[list[dict[str, object]]]

    def __init__(self, name: str, args: StorageTierArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tierup:index:StorageTier", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = args.shape.uploads_prefix
        uploads = private_bucket(child_name(name, "uploads"), shape=args.shape, tags=args.tags.for_resource(TIER, "uploads"), opts=child, tiering_prefix=prefix)
        bucket_policy(child_name(name, "uploads-policy"), uploads, child)
        replica = None
        if args.recovery is not None:
            replica = replica_bucket(
                child_name(name, "uploads-replica"),
                source=uploads,
                target=args.recovery,
                shape=args.shape,
                tags=args.tags.for_resource(TIER, "uploads-replica"),
                opts=child,
            )

        self.bucket_name = uploads.bucket.bucket
        self.replica_bucket_name = replica.bucket.bucket if replica else None
        self.app_environment = {"STORAGE_BUCKET": self.bucket_name, "STORAGE_PREFIX": prefix}
        # Names the stack chose: known at preview, nothing to restart for.
        self.app_secret_arns, self.app_restart_triggers = {}, {}
        # The ARN written from the bucket's name, known at preview (components/arns.py).
        self.task_policy_statements = self.bucket_name.apply(lambda bucket: uploads_statements(bucket_arn(bucket), prefix))
        self.register_outputs({"bucket_name": self.bucket_name, "task_policy_statements": self.task_policy_statements})


def uploads_statements(arn: str, prefix: str) -> list[dict[str, object]]:
    """The app's grant: objects under the prefix, and listing only that prefix (pure)."""
    return [
        {"Sid": "AppUploadsObjects", "Effect": "Allow", "Action": ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], "Resource": f"{arn}/{prefix}*"},
        {"Sid": "AppUploadsList", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": arn, "Condition": {"StringLike": {"s3:prefix": f"{prefix}*"}}},
    ]
