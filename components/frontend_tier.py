"""FrontendTier: the single-page app's files in a private bucket, served only by CloudFront."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.arns import bucket_arn
from components.bucket_replication import RecoveryTarget, replica_bucket
from components.naming import child_name
from components.private_bucket import PrivateBucket, bucket_policy, private_bucket
from tierup_guardrails.settings.model import FrontendSettings, StorageSettings
from tierup_guardrails.tags import StackTags

TIER = "frontend"
SITE_ORIGIN, API_ORIGIN, REPLICA_ORIGIN, SITE_GROUP = "site", "api", "site-replica", "site-group"
# The codes on which CloudFront retries a request at the recovery region's replica: the primary
# bucket's region failing. Not 403/404: those are client-side routes (the SPA fallback).
FAILOVER_STATUS_CODES = (500, 502, 503, 504)
# AWS managed policies (CloudFront Developer Guide, "Use managed cache policies" and "Use
# managed origin request policies"): their ids are the same in every account.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
# The oldest protocol CloudFront lets a custom certificate allow that still excludes TLS 1.0/1.1
# (CloudFront Developer Guide, "Supported protocols and ciphers between viewers and CloudFront").
MINIMUM_VIEWER_TLS = "TLSv1.2_2021"
INDEX = "index.html"


@dataclass(frozen=True, kw_only=True)
class FrontendTierArgs:
    """The distribution's settings and the buckets' retention."""

    shape: FrontendSettings
    """Edges, client-side routing, custom domain and the API origin."""
    storage: StorageSettings
    """Versioning and lifecycle, as for every bucket of the stack."""
    region: str
    """Region of the site bucket, for its regional endpoint."""
    account_id: pulumi.Input[str]
    """The account whose CloudFront distributions may read the site bucket."""
    tags: StackTags
    """The stack's shared tags."""
    recovery: RecoveryTarget | None = None
    """The recovery region: the site is replicated there and served from it when S3 fails here."""

    def __post_init__(self) -> None:
        if (self.shape.domain is None) != (self.shape.certificate_arn is None):
            raise ValueError("FrontendTierArgs.shape needs domain and certificate_arn together")


class FrontendTier(pulumi.ComponentResource):
    """A private bucket (public access blocked, ACLs off, SSE-S3, TLS-only policy, retention per
    release), an Origin Access Control, a security-headers response policy and a CloudFront
    distribution: HTTPS only, index.html at the root, client-side routing fallback, a custom
    domain with TLS 1.2+ when set, and /api/* forwarded uncached to the API origin when set."""

    url: pulumi.Output[str]
    bucket_name: pulumi.Output[str]
    distribution_id: pulumi.Output[str]

    def __init__(self, name: str, args: FrontendTierArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tierup:index:FrontendTier", name, None, opts)
        self._name = name
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)

        site = private_bucket(child_name(name, "site"), shape=args.storage, tags=self._tags("site"), opts=self._child)
        access = aws.cloudfront.OriginAccessControl(
            child_name(name, "oac"),
            description="CloudFront signs its requests to the site bucket (SigV4)",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=self._child,
        )
        headers = self._create_headers_policy()
        replica = self._create_replica(site) if args.recovery else None
        distribution = self._create_distribution(site.bucket, replica.bucket if replica else None, access, headers)
        bucket_policy(child_name(name, "site-policy"), site, self._child, self._read_grants(site.bucket.bucket))

        self.url = distribution.domain_name.apply(lambda host: f"https://{args.shape.domain or host}")
        self.bucket_name = site.bucket.bucket
        self.distribution_id = distribution.id
        self.register_outputs({"url": self.url, "bucket_name": self.bucket_name, "distribution_id": self.distribution_id})

    def _tags(self, role: str) -> dict[str, str]:
        return self._args.tags.for_resource(TIER, role)

    def _read_grants(self, bucket_name: pulumi.Output[str]) -> pulumi.Output[list[dict[str, object]]]:
        return pulumi.Output.all(bucket_name, self._args.account_id).apply(lambda values: [cloudfront_read_grant(bucket_arn(values[0]), values[1])])

    def _create_replica(self, site: PrivateBucket) -> PrivateBucket:
        """The site's copy in the recovery region, readable by the account's distributions."""
        assert self._args.recovery is not None
        return replica_bucket(
            child_name(self._name, "site-replica"),
            source=site,
            target=self._args.recovery,
            shape=self._args.storage,
            tags=self._tags("site-replica"),
            opts=self._child,
            grants=self._read_grants,
        )

    def _create_headers_policy(self) -> aws.cloudfront.ResponseHeadersPolicy:
        return aws.cloudfront.ResponseHeadersPolicy(
            child_name(self._name, "headers"),
            comment="Security headers on every response of the frontend",
            security_headers_config={
                "content_type_options": {"override": True},
                "frame_options": {"frame_option": "DENY", "override": True},
                "referrer_policy": {"referrer_policy": "strict-origin-when-cross-origin", "override": True},
                "strict_transport_security": {"access_control_max_age_sec": 31536000, "include_subdomains": True, "override": True},
            },
            opts=self._child,
        )

    def _create_distribution(
        self,
        bucket: aws.s3.Bucket,
        replica: aws.s3.Bucket | None,
        access: aws.cloudfront.OriginAccessControl,
        headers: aws.cloudfront.ResponseHeadersPolicy,
    ) -> aws.cloudfront.Distribution:
        shape = self._args.shape
        # The regional endpoint written from the bucket's name (known at preview, unlike the
        # bucketRegionalDomainName output), so that the guardrails see an S3 origin.
        site_domain = bucket.bucket.apply(lambda name: f"{name}.s3.{self._args.region}.amazonaws.com")
        origins: list[aws.cloudfront.DistributionOriginArgsDict] = [
            {"origin_id": SITE_ORIGIN, "domain_name": site_domain, "origin_access_control_id": access.id}
        ]
        groups: list[aws.cloudfront.DistributionOriginGroupArgsDict] = []
        if replica is not None and self._args.recovery is not None:
            region = self._args.recovery.region
            origins.append(
                {
                    "origin_id": REPLICA_ORIGIN,
                    "domain_name": replica.bucket.apply(lambda name: f"{name}.s3.{region}.amazonaws.com"),
                    "origin_access_control_id": access.id,
                }
            )
            # Origin failover (CloudFront Developer Guide, "Optimize high availability with
            # CloudFront origin failover"): GET and HEAD retried at the replica on these codes.
            groups.append(
                {
                    "origin_id": SITE_GROUP,
                    "failover_criteria": {"status_codes": list(FAILOVER_STATUS_CODES)},
                    "members": [{"origin_id": SITE_ORIGIN}, {"origin_id": REPLICA_ORIGIN}],
                }
            )
        api_behaviours: list[aws.cloudfront.DistributionOrderedCacheBehaviorArgsDict] = []
        if shape.api_origin is not None:
            origins.append(
                {
                    "origin_id": API_ORIGIN,
                    "domain_name": shape.api_origin,
                    "custom_origin_config": {
                        "http_port": 80,
                        "https_port": 443,
                        "origin_protocol_policy": "https-only",
                        "origin_ssl_protocols": ["TLSv1.2"],
                    },
                }
            )
            api_behaviours.append(
                {
                    "path_pattern": "/api/*",
                    "target_origin_id": API_ORIGIN,
                    "viewer_protocol_policy": "https-only",
                    "allowed_methods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
                    "cached_methods": ["GET", "HEAD"],
                    "cache_policy_id": CACHING_DISABLED,
                    "origin_request_policy_id": ALL_VIEWER_EXCEPT_HOST_HEADER,
                    "response_headers_policy_id": headers.id,
                    "compress": True,
                }
            )
        return aws.cloudfront.Distribution(
            child_name(self._name, "cdn"),
            enabled=True,
            comment=f"{self._args.tags.project}-{self._args.tags.stack} frontend",
            default_root_object=INDEX,
            is_ipv6_enabled=True,
            http_version="http2and3",
            price_class=shape.price_class.value,
            aliases=[shape.domain] if shape.domain else [],
            origins=origins,
            origin_groups=groups,
            default_cache_behavior={
                "target_origin_id": SITE_GROUP if groups else SITE_ORIGIN,
                "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": ["GET", "HEAD"],
                "cached_methods": ["GET", "HEAD"],
                "cache_policy_id": CACHING_OPTIMIZED,
                "response_headers_policy_id": headers.id,
                "compress": True,
            },
            ordered_cache_behaviors=api_behaviours,
            custom_error_responses=spa_fallback_responses() if shape.spa_fallback else [],
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate=viewer_certificate(shape),
            tags=self._tags("cdn"),
            opts=self._child,
        )


def spa_fallback_responses() -> list[aws.cloudfront.DistributionCustomErrorResponseArgsDict]:
    """Client-side routes are not objects: S3 answers 403 (no ListBucket) or 404, and the app's
    index.html is served with 200 instead. Errors are cached 10 s, not CloudFront's 5 minutes."""
    return [{"error_code": code, "response_code": 200, "response_page_path": f"/{INDEX}", "error_caching_min_ttl": 10} for code in (403, 404)]


def viewer_certificate(shape: FrontendSettings) -> aws.cloudfront.DistributionViewerCertificateArgsDict:
    """The custom domain's certificate with TLS 1.2+ (SNI, no dedicated-IP charge), or the
    cloudfront.net certificate, whose minimum protocol CloudFront fixes at TLSv1."""
    if shape.certificate_arn is None:
        return {"cloudfront_default_certificate": True}
    return {"acm_certificate_arn": shape.certificate_arn, "ssl_support_method": "sni-only", "minimum_protocol_version": MINIMUM_VIEWER_TLS}


def cloudfront_read_grant(site_arn: str, account: str) -> dict[str, object]:
    """CloudFront reads objects through the account's distributions (CloudFront Developer Guide,
    "Restrict access to an Amazon S3 origin"), not the one distribution's ARN: that ARN is
    unknown until the distribution exists, which would leave the whole policy unknown at the
    first preview, where the TLS-only and no-public-grant guardrails must decide. The files are
    public through the CDN anyway; another distribution of the same account can read no more.
    Without s3:ListBucket a missing key answers 403, which the routing fallback turns into
    index.html."""
    return {
        "Sid": "CloudFrontReadsSite",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": f"{site_arn}/*",
        "Condition": {"StringEquals": {"AWS:SourceAccount": account}, "ArnLike": {"AWS:SourceArn": f"arn:aws:cloudfront::{account}:distribution/*"}},
    }
