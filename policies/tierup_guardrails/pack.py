"""The whole pack: every area's policies, built once without config; each reads the release of
the stack it runs for."""

from __future__ import annotations

from pulumi_policy import Policy

from tierup_guardrails import (
    alerting,
    buckets,
    budget,
    cache,
    compute,
    constraints,
    data,
    edge,
    iam,
    identity,
    lifecycle,
    network,
    observability,
    reachability,
    runtime,
    stack_rails,
)
from tierup_guardrails.base import RailsSource
from tierup_guardrails.stack_rails import rails_from_engine

PACK_NAME = "tierup-guardrails"
AREAS = (
    stack_rails,
    network,
    reachability,
    compute,
    runtime,
    data,
    cache,
    buckets,
    edge,
    identity,
    iam,
    observability,
    alerting,
    constraints,
    lifecycle,
    budget,
)


def all_policies(source: RailsSource = rails_from_engine) -> list[Policy]:
    """Every policy, in area order; `source` gives the guardrails when a policy runs (the
    engine's stack config by default, fixed guardrails in tests)."""
    return [policy for area in AREAS for policy in area.policies(source)]


# Scanner checks this pack deliberately does not enforce, or enforces differently, and why
# (reference: security-controls-and-cost.md §2.7). Rendered into the catalogue.
SETTLED_CONFLICTS = (
    ("CKV_AWS_333 / ECS.2 (no public IP on tasks)", "Advisory in v1.0 only: the MVP has no NAT gateway or ALB to stay near $30; "
     "the app's group then admits the app port alone (ec2-security-group-world-ingress-only-at-edge)."),
    ("CKV_AWS_338 (log retention of a year or more)", "Not enforced: retention is bounded to 7-90 days by release for cost "
     "(cloudwatch-log-retention-bounded, CKV_AWS_66)."),
    ("CKV_AWS_2 / ELB.1 (HTTPS only)", "Advisory until the stack sets tierup:app.certificateArn: without a certificate the ALB can only serve HTTP."),
    ("CKV_AWS_260 (port 80 open to the world)", "Allowed on the load balancer only, where HTTP redirects to HTTPS."),
    ("AVD-AWS-0053 (internet-facing load balancer)", "Expected: the ALB is the platform's edge."),
    ("CKV_AWS_150 / ELB.6 (load balancer deletion protection)", "Not enforced, and refused by lifecycle-only-data-holders-protected: "
     "the ALB holds no data, and moving v1.5 down to v1.0 or `pulumi destroy` must be able to delete it."),
    ("CKV_AWS_133 (backups kept more than a day)", "Stricter: 7 days from v1.5 (AWS's recommendation for point-in-time recovery), "
     "and at most 35, RDS's maximum, which Checkov does not check (rds-backup-retention)."),
    ("CKV_AWS_378 (HTTP target group)", "TLS terminates at the ALB; the hop to the tasks stays inside the VPC."),
    ("AwsSolutions-ECS2 (any environment variable)", "Only secret-looking names are refused (ecs-task-no-plaintext-secrets)."),
    ("CKV_AWS_355 / IAM.21 (no * resource)", "ecr:GetAuthorizationToken has no resource-level permissions; it alone may use *."),
    ("CKV_AWS_382 (unrestricted egress)", "Not needed: app egress is HTTPS out plus TCP inside the VPC."),
    ("RDS.6 enhanced monitoring, ELB.5 access logs, WAF logging, CloudWatch KMS", "Not built yet: each adds a bill (a role and "
     "log volume, an S3 bucket, a log group per ACL, a KMS key); candidates for v2.0."),
    ("CKV_AWS_145 / S3.17 (buckets encrypted with KMS)", "SSE-S3 with a bucket key (s3-bucket-encrypted): a KMS key costs $1 a month plus "
     "requests, and CloudFront's OAC would need a key policy to read the site; SSE-KMS is accepted where a stack asks for it."),
    ("CKV_AWS_18 / S3.9 (bucket access logging), CKV_AWS_86 / CloudFront.5 (CloudFront logging)", "Not built yet: a log bucket with ACLs "
     "(CloudFront's standard logs need them) beside BucketOwnerEnforced everywhere else; a v2.0 candidate."),
    ("CKV_AWS_68 / CloudFront.6 (WAF on the distribution)", "Not built: the frontend serves static files; the API behind /api/* keeps the ALB's WAF."),
    ("CKV_AWS_174 / CloudFront.15 (TLS 1.2 minimum) on the cloudfront.net certificate", "Enforced with a custom domain only "
     "(cloudfront-viewer-https): CloudFront fixes TLSv1 for its default certificate, which no setting can change."),
    ("CloudFront.13 / AWS's OAC example (SourceArn = the distribution)", "The site bucket admits the account's distributions (AWS:SourceAccount and "
     "an ArnLike on distribution/*): the distribution's ARN is unknown until it exists, which would leave the bucket policy unchecked at the first "
     "preview; the files are public through the CDN anyway."),
    ("CKV_AWS_21 / S3.14 (versioning) at v1.0", "Advisory at v1.0, mandatory from v1.5 (s3-bucket-versioning-lifecycle): the MVP keeps no "
     "noncurrent versions, but its lifecycle already aborts unfinished uploads and expires old versions."),
)  # fmt: skip
