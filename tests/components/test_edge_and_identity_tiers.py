"""The frontend, uploads storage, user pool and email tiers: pure helpers with exact values, and
what each release builds, read from the recorded graph."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from components.auth_tier import sign_in_redirects
from components.email_tier import dkim_cname_records, send_statements
from components.frontend_tier import spa_fallback_responses, viewer_certificate
from components.private_bucket import bucket_policy_document, lifecycle_rules
from components.storage_tier import uploads_statements
from tests.conftest import make_project
from tierup.synth.graph import Resource, ResourceGraph
from tierup.synth.runner import synthesize
from tierup_guardrails.modes import PriceClass
from tierup_guardrails.settings.ladder import PROFILES
from tierup_guardrails.settings.model import FrontendSettings, Release

CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/abc"


def named(graph: ResourceGraph, name: str) -> Resource:
    return next(r for r in graph if r.name == name)


def test_lifecycle_rules_per_release() -> None:
    v1, v2 = PROFILES[Release.V1_0].storage, PROFILES[Release.V2_0].storage
    abort = {
        "id": "abort-incomplete-multipart-uploads",
        "status": "Enabled",
        "filter": {"prefix": ""},
        "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
    }
    expire = {"id": "expire-noncurrent-versions", "status": "Enabled", "filter": {"prefix": ""}, "noncurrent_version_expiration": {"noncurrent_days": 30}}
    tiering = {
        "id": "uploads-to-intelligent-tiering",
        "status": "Enabled",
        "filter": {"prefix": "uploads/"},
        "transitions": [{"days": 0, "storage_class": "INTELLIGENT_TIERING"}],
    }
    assert lifecycle_rules(v1, "uploads/") == [abort, expire]
    assert lifecycle_rules(v2, "uploads/") == [abort, expire, tiering]
    # The frontend's files are small and hot: never tiered.
    assert lifecycle_rules(v2, None) == [abort, expire]


def test_the_bucket_policy_denies_plain_http_first() -> None:
    document = json.loads(bucket_policy_document("arn:aws:s3:::b", [{"Sid": "Extra"}]))
    assert document["Statement"] == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {"Sid": "Extra"},
    ]


def test_grants_name_the_prefix_and_the_sending_domain() -> None:
    assert uploads_statements("arn:aws:s3:::u", "uploads/") == [
        {"Sid": "AppUploadsObjects", "Effect": "Allow", "Action": ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::u/uploads/*"},
        {
            "Sid": "AppUploadsList",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::u",
            "Condition": {"StringLike": {"s3:prefix": "uploads/*"}},
        },
    ]
    (send,) = send_statements("arn:identity", "arn:configuration-set", "mail.example.org")
    assert (send["Action"], send["Resource"], send["Condition"]) == (
        ["ses:SendEmail", "ses:SendRawEmail"],
        ["arn:identity", "arn:configuration-set"],
        {"StringLike": {"ses:FromAddress": "*@mail.example.org"}},
    )
    assert dkim_cname_records("mail.example.org", ["t1"]) == ["t1._domainkey.mail.example.org CNAME t1.dkim.amazonses.com"]


def test_redirects_start_at_the_frontend_and_do_not_repeat() -> None:
    assert sign_in_redirects("https://d1.cloudfront.net", ("http://localhost:3000/", "https://d1.cloudfront.net/")) == [
        "https://d1.cloudfront.net/",
        "http://localhost:3000/",
    ]


def test_viewer_certificate_and_routing_fallback() -> None:
    plain = FrontendSettings(price_class=PriceClass.PRICE_CLASS_100, spa_fallback=True, domain=None, certificate_arn=None, api_origin=None)
    assert viewer_certificate(plain) == {"cloudfront_default_certificate": True}
    custom = FrontendSettings(price_class=PriceClass.PRICE_CLASS_100, spa_fallback=True, domain="app.example.com", certificate_arn=CERTIFICATE, api_origin=None)
    assert viewer_certificate(custom) == {"acm_certificate_arn": CERTIFICATE, "ssl_support_method": "sni-only", "minimum_protocol_version": "TLSv1.2_2021"}
    assert [(r["error_code"], r["response_code"], r["response_page_path"]) for r in spa_fallback_responses()] == [
        (403, 200, "/index.html"),
        (404, 200, "/index.html"),
    ]


def test_the_frontend_is_served_only_through_cloudfront(dev_graph: ResourceGraph) -> None:
    cdn = named(dev_graph, "frontend-cdn").inputs
    (origin,) = cdn["origins"]
    assert origin == {"originId": "site", "domainName": "frontend-site.s3.us-east-1.amazonaws.com", "originAccessControlId": "frontend-oac-id"}
    assert (cdn["defaultRootObject"], cdn["priceClass"], cdn["defaultCacheBehavior"]["viewerProtocolPolicy"]) == (
        "index.html",
        "PriceClass_100",
        "redirect-to-https",
    )
    assert cdn["defaultCacheBehavior"]["responseHeadersPolicyId"] == "frontend-headers-id"
    oac = named(dev_graph, "frontend-oac").inputs
    assert (oac["originAccessControlOriginType"], oac["signingBehavior"], oac["signingProtocol"]) == ("s3", "always", "sigv4")
    grant = json.loads(named(dev_graph, "frontend-site-policy").inputs["policy"])["Statement"][1]
    assert grant["Principal"] == {"Service": "cloudfront.amazonaws.com"} and grant["Action"] == "s3:GetObject"
    assert grant["Condition"]["StringEquals"] == {"AWS:SourceAccount": "123456789012"}
    block = named(dev_graph, "frontend-site-public-access").inputs
    assert [block[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")] == [True] * 4
    assert named(dev_graph, "frontend-site-ownership").inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    assert dev_graph.outputs["frontendUrl"] == "https://d111111abcdef8.cloudfront.net"


def test_bucket_settings_are_applied_one_at_a_time(prod_graph: ResourceGraph) -> None:
    # S3 answers OperationAborted to concurrent configuration calls on one new bucket.
    chain = [
        "storage-uploads-public-access",
        "storage-uploads-ownership",
        "storage-uploads-encryption",
        "storage-uploads-versioning",
        "storage-uploads-lifecycle",
    ]
    for before, after in itertools.pairwise(chain):
        assert named(prod_graph, before).urn in named(prod_graph, after).dependencies, after
    assert named(prod_graph, "storage-uploads-lifecycle").urn in named(prod_graph, "storage-uploads-policy").dependencies


@pytest.mark.parametrize(("graph_name", "versioned", "pool_protection"), [("dev_graph", False, "INACTIVE"), ("prod_graph", True, "ACTIVE")])
def test_retention_and_protection_follow_the_release(graph_name: str, versioned: bool, pool_protection: str, request: pytest.FixtureRequest) -> None:
    graph: ResourceGraph = request.getfixturevalue(graph_name)
    versioning = {r.name for r in graph.of_type("aws:s3/bucketVersioning:BucketVersioning")}
    assert versioning == ({"frontend-site-versioning", "storage-uploads-versioning"} if versioned else set())
    assert named(graph, "auth-users").inputs["deletionProtection"] == pool_protection
    assert all(not r.options.protect for r in graph if r.type in ("aws:s3/bucket:Bucket", "aws:cognito/userPool:UserPool"))
    assert all(r.inputs["forceDestroy"] is False for r in graph.of_type("aws:s3/bucket:Bucket"))


def test_the_spa_client_is_public_and_uses_the_code_flow(prod_graph: ResourceGraph) -> None:
    client = named(prod_graph, "auth-spa-client").inputs
    assert (client["generateSecret"], client["allowedOauthFlows"], client["allowedOauthFlowsUserPoolClient"]) == (False, ["code"], True)
    assert client["callbackUrls"] == client["logoutUrls"] == ["https://d111111abcdef8.cloudfront.net/"]
    assert (client["accessTokenValidity"], client["refreshTokenValidity"], client["preventUserExistenceErrors"]) == (60, 30, "ENABLED")
    pool = named(prod_graph, "auth-users").inputs
    assert (pool["usernameAttributes"], pool["mfaConfiguration"], pool["userPoolTier"]) == (["email"], "OPTIONAL", "ESSENTIALS")
    assert named(prod_graph, "auth-sign-in").inputs["domain"] == "tierup-prod-123456789012"


def test_the_task_role_may_touch_only_the_uploads_prefix_and_send_from_the_domain(prod_graph: ResourceGraph) -> None:
    statements = json.loads(named(prod_graph, "compute-task-policy").inputs["policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["AppUploadsObjects", "AppUploadsList", "AppSendsMail"]
    assert statements[0]["Resource"] == "arn:aws:s3:::storage-uploads/uploads/*"
    assert statements[2]["Resource"] == [
        "arn:aws:ses:us-east-1:123456789012:identity/prod.mail.example.org",
        "arn:aws:ses:us-east-1:123456789012:configuration-set/tierup-prod",
    ]
    assert named(prod_graph, "compute-task-policy").urn in named(prod_graph, "compute-service").dependencies


def test_without_an_email_domain_no_identity_is_created(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"bare": "config:\n  aws:region: us-east-1\n  tierup:release: v1.0\n"})
    graph = synthesize(project, "bare", None)
    assert not graph.of_type("aws:sesv2/emailIdentity:EmailIdentity")
    assert [s["Sid"] for s in json.loads(named(graph, "compute-task-policy").inputs["policy"])["Statement"]] == ["AppUploadsObjects", "AppUploadsList"]
    assert graph.outputs["emailDkimRecords"] == []


def test_a_custom_domain_and_an_api_origin(tmp_path: Path) -> None:
    stack = (
        "config:\n  aws:region: us-east-1\n  tierup:release: v1.5\n"
        f"  tierup:app:\n    certificateArn: {CERTIFICATE}\n"
        f"  tierup:frontend:\n    domain: app.example.com\n    certificateArn: {CERTIFICATE}\n    apiOrigin: api.example.com\n    spaFallback: false\n"
    )
    graph = synthesize(make_project(tmp_path, {"edge": stack}), "edge", None)
    cdn = named(graph, "frontend-cdn").inputs
    assert (cdn["aliases"], cdn["viewerCertificate"]["minimumProtocolVersion"], cdn["customErrorResponses"]) == (["app.example.com"], "TLSv1.2_2021", [])
    (api,) = cdn["orderedCacheBehaviors"]
    assert (api["pathPattern"], api["targetOriginId"], api["cachePolicyId"], api["viewerProtocolPolicy"]) == (
        "/api/*",
        "api",
        "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        "https-only",
    )
    assert cdn["origins"][1]["customOriginConfig"]["originProtocolPolicy"] == "https-only"
    assert graph.outputs["frontendUrl"] == "https://app.example.com"
