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
    recovery,
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
    recovery,
    constraints,
    lifecycle,
    budget,
)


def all_policies(source: RailsSource = rails_from_engine) -> list[Policy]:
    """Every policy, in area order; `source` gives the guardrails when a policy runs (the
    engine's stack config by default, fixed guardrails in tests)."""
    return [policy for area in AREAS for policy in area.policies(source)]


# Scanner checks this pack deliberately does not enforce, and why (reference:
# security-controls-and-cost.md §2.7). Where a policy enforces a check differently, its Spec's
# `settled` says so. Both are rendered into the catalogue.
SETTLED_CONFLICTS = (
    ("CKV_AWS_338 (log retention of a year or more)", "Not enforced: releases keep logs 7, 30 or 90 days by default, for cost "
     "(tierup:*.logRetentionDays); cloudwatch-log-retention-bounded refuses only logs kept forever (CKV_AWS_66)."),
    ("AVD-AWS-0053 (internet-facing load balancer)", "Expected: the ALB is the platform's edge."),
    ("CKV_AWS_150 / ELB.6 (load balancer deletion protection)", "Not enforced, and refused by lifecycle-only-data-holders-protected: "
     "the ALB holds no data, and moving v1.5 down to v1.0 or `pulumi destroy` must be able to delete it."),
    ("CKV_AWS_378 (HTTP target group)", "TLS terminates at the ALB; the hop to the tasks stays inside the VPC."),
    ("AwsSolutions-ECS2 (any environment variable)", "Only secret-looking names are refused (ecs-task-no-plaintext-secrets)."),
    ("CKV_AWS_355 (no * resource for restrictable actions)", "Not a policy yet: the program names the ARNs of every statement but "
     "ecr:GetAuthorizationToken's, which has no resource-level permissions (components/iam_documents.py)."),
    ("CKV_AWS_286 (privilege escalation)", "Not a policy: the program's roles hold no IAM actions, and iam-no-wildcard-actions and "
     "iam-no-passrole-on-all-roles refuse the common ways in."),
    ("CKV_AWS_382 (unrestricted egress)", "Not needed: app egress is HTTPS out plus TCP inside the VPC."),
    ("RDS.6 enhanced monitoring, ELB.5 access logs, WAF logging, CloudWatch KMS", "Not built yet: each adds a bill (a role and "
     "log volume, an S3 bucket, a log group per ACL, a KMS key); candidates for v2.0."),
    ("CKV_AWS_145 / S3.17 (buckets encrypted with KMS)", "Not required: SSE-S3 with a bucket key; a KMS key costs $1 a month plus "
     "requests, and CloudFront's OAC would need a key policy to read the site. s3-bucket-encrypted accepts SSE-KMS where a stack asks for it."),
    ("CKV_AWS_18 / S3.9 (bucket access logging), CKV_AWS_86 / CloudFront.5 (CloudFront logging)", "Not built yet: a log bucket with ACLs "
     "(CloudFront's standard logs need them) beside BucketOwnerEnforced everywhere else; a v2.0 candidate."),
    ("CKV_AWS_68 / CloudFront.6 (WAF on the distribution)", "Not built: the frontend serves static files; the API behind /api/* keeps the ALB's WAF."),
)  # fmt: skip
