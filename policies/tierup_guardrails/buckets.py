"""S3 guardrails: every bucket private, encrypted, reachable over TLS only, and from v1.5
versioned with a lifecycle that bounds what versions and unfinished uploads cost.

A bucket's settings are separate resources (the provider's v4+ split), linked to it through
their `bucket` input; the checks follow those property dependencies, known at preview."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pulumi_policy import Policy, PolicyResource, Severity

from tierup_guardrails.base import Level, RailsSource, Settled, Spec, as_list, depends_on, json_document, of_type, policy_statements, stack_policy, when
from tierup_guardrails.settings.guardrails import Guardrails
from tierup_guardrails.settings.ladder import per_release

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")
ENCRYPTION_ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")

PRIVATE = Spec(
    name="s3-bucket-private",
    description="Every bucket blocks public access (all four flags), disables ACLs (BucketOwnerEnforced) and grants nothing to everyone.",
    severity=Severity.CRITICAL,
    remediation="Build buckets with components.private_bucket: a public access block, BucketOwnerEnforced, and grants to named principals only.",
    references=("S1", "S4", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV2_AWS_65", "AVD-AWS-0086", "AVD-AWS-0092", "S3.8", "S3.12"),
)
ENCRYPTED = Spec(
    name="s3-bucket-encrypted",
    description="Every bucket has a default encryption configuration (SSE-S3 or SSE-KMS), stated rather than left to S3's default.",
    severity=Severity.HIGH,
    remediation="Add a BucketServerSideEncryptionConfiguration with sseAlgorithm AES256 or aws:kms.",
    references=("S3", "CKV_AWS_19", "AVD-AWS-0132"),
)
TLS_ONLY = Spec(
    name="s3-bucket-tls-only",
    description="Every bucket's policy denies all requests made without TLS (aws:SecureTransport false), on the bucket and its objects.",
    severity=Severity.HIGH,
    remediation="Give the bucket a policy with components.private_bucket.bucket_policy, which starts with the DenyInsecureTransport statement.",
    references=("S2", "AwsSolutions-S10", "S3.5"),
)
RETENTION = Spec(
    name="s3-bucket-versioning-lifecycle",
    description=(
        "Buckets keep overwritten objects as versions that expire, and remove unfinished multipart uploads "
        f"(versioning: {per_release(lambda p: 'on' if p.storage.versioning else 'off')})."
    ),
    severity=Severity.MEDIUM,
    remediation="Set tierup:storage.versioning to true; the lifecycle expires noncurrent versions and aborts unfinished uploads.",
    references=("S5", "CKV_AWS_21", "CKV2_AWS_61", "CKV_AWS_300", "AVD-AWS-0090", "S3.14", "S3.13"),
    level=when(lambda rails: rails.versioned_buckets, Level.ADVISORY),
    settled=(
        Settled(
            controls=("CKV_AWS_21", "S3.14"),
            how="Advisory at v1.0, mandatory from v1.5: the MVP keeps no noncurrent versions, but its lifecycle already aborts "
            "unfinished uploads and expires old versions.",
        ),
    ),
)


def settings_of(resources: Sequence[PolicyResource], bucket: PolicyResource, type_token: str) -> list[PolicyResource]:
    """The bucket's settings resources of one type: those whose `bucket` input comes from it."""
    return [r for r in of_type(resources, type_token) if any(dep.urn == bucket.urn for dep in depends_on(r, "bucket"))]


def _private_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for bucket in of_type(resources, BUCKET):
        blocks = settings_of(resources, bucket, PUBLIC_ACCESS_BLOCK)
        if not blocks:
            yield f"Add a BucketPublicAccessBlock to {bucket.name} with {', '.join(BLOCK_FLAGS)} true.", bucket.urn
        for block in blocks:
            off = [flag for flag in BLOCK_FLAGS if block.props.get(flag) is not True]
            if off:
                yield f"Set {', '.join(off)} to true on {block.name}.", block.urn
        if not any(_owner_enforced(controls) for controls in settings_of(resources, bucket, OWNERSHIP)):
            yield f"Disable ACLs on {bucket.name}: a BucketOwnershipControls with objectOwnership BucketOwnerEnforced.", bucket.urn
        acl = bucket.props.get("acl")
        if acl in PUBLIC_ACLS:
            yield f"Remove the {acl} ACL from {bucket.name}.", bucket.urn
        for policy in settings_of(resources, bucket, BUCKET_POLICY):
            for sid in _public_grants(json_document(policy.props, "policy")):
                yield f"Grant {sid} to named principals only: it allows everyone (Principal *) without a condition.", policy.urn


def _owner_enforced(controls: PolicyResource) -> bool:
    rule = controls.props.get("rule")
    return isinstance(rule, Mapping) and rule.get("objectOwnership") == "BucketOwnerEnforced"


def _public_grants(document: object) -> list[str]:
    """The Sids of Allow statements whose principal is everyone and that carry no condition."""
    found = []
    for index, statement in enumerate(policy_statements(document)):
        principal = statement.get("Principal")
        everyone = principal == "*" or (isinstance(principal, Mapping) and "*" in as_list(principal.get("AWS")))
        if statement.get("Effect") == "Allow" and everyone and not statement.get("Condition"):
            found.append(str(statement.get("Sid") or f"statement {index + 1}"))
    return found


def _encryption_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for bucket in of_type(resources, BUCKET):
        algorithms = [
            (rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm")
            for config in settings_of(resources, bucket, ENCRYPTION)
            for rule in as_list(config.props.get("rules"))
            if isinstance(rule, Mapping)
        ]
        if not any(algorithm in ENCRYPTION_ALGORITHMS for algorithm in algorithms):
            yield f"Encrypt {bucket.name}: add a BucketServerSideEncryptionConfiguration with sseAlgorithm AES256 or aws:kms.", bucket.urn


def _tls_only_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for bucket in of_type(resources, BUCKET):
        policies = settings_of(resources, bucket, BUCKET_POLICY)
        if not any(_denies_plain_http(json_document(p.props, "policy")) for p in policies):
            yield f"Give {bucket.name} a policy that denies s3:* on the bucket and its objects when aws:SecureTransport is false.", bucket.urn


def _denies_plain_http(document: object) -> bool:
    for statement in policy_statements(document):
        condition = statement.get("Condition")
        secure = condition.get("Bool", {}).get("aws:SecureTransport") if isinstance(condition, Mapping) else None
        resources = [str(r) for r in as_list(statement.get("Resource"))]
        whole = any(not r.endswith("/*") for r in resources) and any(r.endswith("/*") for r in resources)
        if statement.get("Effect") == "Deny" and str(secure).lower() == "false" and "s3:*" in as_list(statement.get("Action")) and whole:
            return True
    return False


def _retention_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for bucket in of_type(resources, BUCKET):
        statuses = [(v.props.get("versioningConfiguration") or {}).get("status") for v in settings_of(resources, bucket, VERSIONING)]
        if "Enabled" not in statuses:
            yield f"Turn on versioning for {bucket.name} (tierup:storage.versioning).", bucket.urn
        rules = [
            rule
            for config in settings_of(resources, bucket, LIFECYCLE)
            for rule in as_list(config.props.get("rules"))
            if isinstance(rule, Mapping) and rule.get("status") == "Enabled"
        ]
        if not any(rule.get("noncurrentVersionExpiration") for rule in rules):
            yield f"Expire noncurrent versions of {bucket.name} in its lifecycle (tierup:storage.noncurrentExpiryDays).", bucket.urn
        if not any(rule.get("abortIncompleteMultipartUpload") for rule in rules):
            yield f"Abort unfinished multipart uploads of {bucket.name} in its lifecycle (tierup:storage.abortMultipartDays).", bucket.urn


def policies(source: RailsSource) -> list[Policy]:
    return [
        stack_policy(PRIVATE, _private_violations, source),
        stack_policy(ENCRYPTED, _encryption_violations, source),
        stack_policy(TLS_ONLY, _tls_only_violations, source),
        stack_policy(RETENTION, _retention_violations, source),
    ]
