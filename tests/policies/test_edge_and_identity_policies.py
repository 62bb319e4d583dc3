"""The bucket, CloudFront, user pool and S3/SES-grant guardrails: each passes on the synthesized
stacks and fails, with its exact message, on a graph seeded with one fault (a public bucket, an
OAI origin, an unencrypted bucket, ...); the CloudFront one also decides with unknown ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.policies.harness import check_resource, check_stack, named, policy_resources, rails
from tierup.synth.graph import UNKNOWN, ResourceGraph
from tierup.synth.runner import synthesize

STACK_POLICIES = (
    "s3-bucket-private",
    "s3-bucket-encrypted",
    "s3-bucket-tls-only",
    "s3-bucket-versioning-lifecycle",
    "cloudfront-s3-origin-access-control",
    "iam-s3-ses-grants-scoped-to-stack",
)


def seeded(graph: ResourceGraph, name: str, **outputs: object) -> list[Any]:
    """The graph's policy resources with one resource's outputs changed."""
    resource = named(graph, name)
    return policy_resources(list(graph), {resource.name: {**resource.outputs, **outputs}})


def without(graph: ResourceGraph, *names: str) -> list[Any]:
    return policy_resources([r for r in graph if r.name not in names])


def with_policy(graph: ResourceGraph, name: str, edit: Any) -> list[Any]:
    """The graph with one JSON policy document (bucket or role policy) edited."""
    document = json.loads(named(graph, name).outputs["policy"])
    edit(document["Statement"])
    return seeded(graph, name, policy=json.dumps(document))


@pytest.mark.parametrize("policy", STACK_POLICIES)
@pytest.mark.parametrize(("release", "graph_name"), [("v1.5", "prod_graph"), ("v2.0", "scale_graph")])
def test_the_shipped_stacks_pass(policy: str, release: str, graph_name: str, request: pytest.FixtureRequest) -> None:
    graph: ResourceGraph = request.getfixturevalue(graph_name)
    assert check_stack(policy, rails(release), list(graph)).messages == []


def test_a_public_bucket_fails(dev_graph: ResourceGraph) -> None:
    v1 = rails("v1.0")
    assert check_stack("s3-bucket-private", v1, list(dev_graph)).messages == []
    opened = seeded(dev_graph, "storage-uploads-public-access", blockPublicPolicy=False, restrictPublicBuckets=False)
    assert check_stack("s3-bucket-private", v1, opened).messages == [
        "storage-uploads-public-access: Set blockPublicPolicy, restrictPublicBuckets to true on storage-uploads-public-access."
    ]
    assert check_stack("s3-bucket-private", v1, without(dev_graph, "storage-uploads-public-access", "storage-uploads-ownership")).messages == [
        "storage-uploads: Add a BucketPublicAccessBlock to storage-uploads with blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets true.",
        "storage-uploads: Disable ACLs on storage-uploads: a BucketOwnershipControls with objectOwnership BucketOwnerEnforced.",
    ]
    assert check_stack("s3-bucket-private", v1, seeded(dev_graph, "storage-uploads", acl="public-read")).messages == [
        "storage-uploads: Remove the public-read ACL from storage-uploads."
    ]
    public_read = {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::storage-uploads/*"}
    assert check_stack("s3-bucket-private", v1, with_policy(dev_graph, "storage-uploads-policy", lambda s: s.append(public_read))).messages == [
        "storage-uploads-policy: Grant PublicRead to named principals only: it allows everyone (Principal *) without a condition."
    ]


def test_an_unencrypted_bucket_fails(dev_graph: ResourceGraph) -> None:
    assert check_stack("s3-bucket-encrypted", rails("v1.0"), list(dev_graph)).messages == []
    assert check_stack("s3-bucket-encrypted", rails("v1.0"), without(dev_graph, "frontend-site-encryption")).messages == [
        "frontend-site: Encrypt frontend-site: add a BucketServerSideEncryptionConfiguration with sseAlgorithm AES256 or aws:kms."
    ]


def test_a_bucket_reachable_without_tls_fails(dev_graph: ResourceGraph) -> None:
    assert check_stack("s3-bucket-tls-only", rails("v1.0"), list(dev_graph)).messages == []
    plain = with_policy(dev_graph, "storage-uploads-policy", lambda s: s.clear())
    assert check_stack("s3-bucket-tls-only", rails("v1.0"), plain).messages == [
        "storage-uploads: Give storage-uploads a policy that denies s3:* on the bucket and its objects when aws:SecureTransport is false."
    ]
    # A deny on the objects alone leaves the bucket's own API (listing, its policy) open to HTTP.
    objects_only = with_policy(dev_graph, "storage-uploads-policy", lambda s: s[0].update(Resource="arn:aws:s3:::storage-uploads/*"))
    assert check_stack("s3-bucket-tls-only", rails("v1.0"), objects_only).messages == plain_messages("storage-uploads")


def plain_messages(bucket: str) -> list[str]:
    return [f"{bucket}: Give {bucket} a policy that denies s3:* on the bucket and its objects when aws:SecureTransport is false."]


def test_unversioned_buckets_fail_from_v1_5(dev_graph: ResourceGraph, prod_graph: ResourceGraph) -> None:
    # The MVP keeps no versions (the policy is advisory there); its lifecycle already bounds uploads.
    assert check_stack("s3-bucket-versioning-lifecycle", rails("v1.5"), list(dev_graph)).messages == [
        "frontend-site: Turn on versioning for frontend-site (tierup:storage.versioning).",
        "storage-uploads: Turn on versioning for storage-uploads (tierup:storage.versioning).",
    ]
    lifecycle = named(prod_graph, "storage-uploads-lifecycle").outputs["rules"]
    kept = [rule for rule in lifecycle if "noncurrentVersionExpiration" not in rule and "abortIncompleteMultipartUpload" not in rule]
    assert check_stack("s3-bucket-versioning-lifecycle", rails("v1.5"), seeded(prod_graph, "storage-uploads-lifecycle", rules=kept)).messages == [
        "storage-uploads: Expire noncurrent versions of storage-uploads in its lifecycle (tierup:storage.noncurrentExpiryDays).",
        "storage-uploads: Abort unfinished multipart uploads of storage-uploads in its lifecycle (tierup:storage.abortMultipartDays).",
    ]


def _origins(graph: ResourceGraph) -> list[dict[str, Any]]:
    return [dict(origin) for origin in named(graph, "frontend-cdn").outputs["origins"]]


def test_an_oai_origin_or_a_bucket_closed_to_cloudfront_fails(prod_graph: ResourceGraph) -> None:
    v15 = rails("v1.5")
    legacy = [{**_origins(prod_graph)[0], "originAccessControlId": None, "s3OriginConfig": {"originAccessIdentity": "origin-access-identity/cloudfront/E1"}}]
    assert check_stack("cloudfront-s3-origin-access-control", v15, seeded(prod_graph, "frontend-cdn", origins=legacy)).messages == [
        "frontend-cdn: Replace the origin access identity of origin site with an Origin Access Control."
    ]
    open_origin = [{**_origins(prod_graph)[0], "originAccessControlId": ""}]
    assert check_stack("cloudfront-s3-origin-access-control", v15, seeded(prod_graph, "frontend-cdn", origins=open_origin)).messages == [
        "frontend-cdn: Give origin site an Origin Access Control (originAccessControlId)."
    ]
    closed = with_policy(prod_graph, "frontend-site-policy", lambda s: s.pop())
    assert check_stack("cloudfront-s3-origin-access-control", v15, closed).messages == [
        "frontend-site: Grant s3:GetObject on frontend-site's objects to cloudfront.amazonaws.com in its bucket policy: CloudFront gets 403 otherwise."
    ]


def test_origin_access_control_is_decided_in_a_first_preview(project_dir: Path) -> None:
    preview = synthesize(project_dir, "prod", None, first_preview=True)
    (origin,) = _origins(preview)
    assert origin["originAccessControlId"] == UNKNOWN
    assert check_stack("cloudfront-s3-origin-access-control", rails("v1.5"), list(preview)).messages == []


def test_grants_beyond_the_stacks_buckets_and_identity_fail(dev_graph: ResourceGraph) -> None:
    v1 = rails("v1.0")
    assert check_stack("iam-s3-ses-grants-scoped-to-stack", v1, list(dev_graph)).messages == []

    def widen(statements: list[dict[str, Any]]) -> None:
        statements[0]["Resource"] = "arn:aws:s3:::*"
        statements[2]["Resource"] = ["*"]

    assert check_stack("iam-s3-ses-grants-scoped-to-stack", v1, with_policy(dev_graph, "compute-task-policy", widen)).messages == [
        "compute-task-policy: Grant S3 actions on the stack's buckets only, not arn:aws:s3:::*.",
        "compute-task-policy: Grant SES actions on the stack's identity and configuration set only, not *.",
    ]


@pytest.mark.parametrize(
    ("release", "value", "expected"),
    [
        ("v1.5", "ACTIVE", []),
        ("v1.5", "INACTIVE", ["Set deletionProtection to ACTIVE on the user pool (tierup:auth.deletionProtection true)."]),
        ("v1.0", "INACTIVE", ["Set deletionProtection to ACTIVE on the user pool (tierup:auth.deletionProtection true)."]),
    ],
)
def test_the_user_pool_is_protected_from_v1_5(release: str, value: str, expected: list[str], prod_graph: ResourceGraph) -> None:
    pool = named(prod_graph, "auth-users")
    assert check_resource("cognito-user-pool-deletion-protection", rails(release), pool, {**pool.inputs, "deletionProtection": value}).messages == expected
