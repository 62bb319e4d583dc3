"""CloudFront guardrails: S3 origins read through Origin Access Control (never the legacy origin
access identity) by a bucket policy that lets CloudFront in, and viewers on HTTPS with TLS 1.2+."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pulumi_policy import Policy, PolicyResource, Severity

from tierup_guardrails.base import (
    Props,
    RailsSource,
    Settled,
    Spec,
    allow_statements,
    as_list,
    depends_on,
    json_document,
    of_type,
    resource_policy,
    service_principals,
    stack_policy,
)
from tierup_guardrails.buckets import BUCKET, BUCKET_POLICY, settings_of
from tierup_guardrails.literal_inputs import UNREADABLE, literal
from tierup_guardrails.settings.guardrails import Guardrails

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
ACCESS_CONTROL = "aws:cloudfront/originAccessControl:OriginAccessControl"
CLOUDFRONT_PRINCIPAL = "cloudfront.amazonaws.com"
HTTPS_VIEWER_POLICIES = ("redirect-to-https", "https-only")
# CloudFront's security policies from TLS 1.2 up (CloudFront Developer Guide, "Supported
# protocols and ciphers between viewers and CloudFront").
TLS12_POLICIES = ("TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")

ORIGIN_ACCESS_CONTROL = Spec(
    name="cloudfront-s3-origin-access-control",
    description=(
        "S3 origins are read through Origin Access Control, not the legacy origin access identity, "
        "and the origin bucket's policy lets cloudfront.amazonaws.com read its objects (CloudFront gets 403 otherwise)."
    ),
    severity=Severity.HIGH,
    remediation="Set originAccessControlId on the origin (components.frontend_tier); grant s3:GetObject to cloudfront.amazonaws.com in the bucket policy.",
    references=("F1", "CKV2_AWS_46", "AVD-AWS-0010", "AwsSolutions-CFR7", "CloudFront.13"),
    settled=(
        Settled(
            controls=("CloudFront.13",),
            how="The site bucket admits the account's distributions (AWS:SourceAccount and an ArnLike on distribution/*), not the one "
            "distribution's ARN, which is unknown until it exists and would leave the bucket policy unchecked at the first preview; "
            "the files are public through the CDN anyway.",
        ),
    ),
)
VIEWER_HTTPS = Spec(
    name="cloudfront-viewer-https",
    description="Viewers reach every path over HTTPS (redirect or HTTPS only), and a custom certificate allows TLS 1.2 and later only.",
    severity=Severity.HIGH,
    remediation="Set viewerProtocolPolicy to redirect-to-https on every behaviour and minimumProtocolVersion to TLSv1.2_2021 with a custom certificate.",
    references=("F1", "CKV_AWS_34", "CKV_AWS_174", "AVD-AWS-0012", "AVD-AWS-0013", "AwsSolutions-CFR4", "CloudFront.3", "CloudFront.15"),
    settled=(
        Settled(
            controls=("CKV_AWS_174", "CloudFront.15"),
            how="Enforced with a custom domain only: CloudFront fixes TLSv1 as the minimum of its cloudfront.net certificate, which no setting can change.",
        ),
    ),
)


def _origins(distribution: PolicyResource) -> list[Mapping[str, object]]:
    return [o for o in as_list(distribution.props.get("origins")) if isinstance(o, Mapping)]


def _is_s3(origin: Mapping[str, object]) -> bool:
    """An S3 REST endpoint origin (a website endpoint is a custom origin and cannot use OAC)."""
    domain = literal(origin, "domainName")
    return domain is not UNREADABLE and ".s3." in str(domain) and literal(origin, "customOriginConfig") is None


def _uses_access_control(origin: Mapping[str, object], depends_on_one: bool) -> bool:
    """The origin names an access control; at preview, where its id is unknown, it comes from one."""
    value = literal(origin, "originAccessControlId")
    return depends_on_one if value is UNREADABLE else bool(value)


def _s3_origin_buckets(distribution: PolicyResource) -> list[PolicyResource]:
    """The stack's buckets the distribution's origins come from (through `origins`)."""
    return [dep for dep in depends_on(distribution, "origins") if dep.resource_type == BUCKET]


def _origin_access_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for distribution in of_type(resources, DISTRIBUTION):
        # An access control's id is unknown until it exists: at preview, the dependency tells.
        has_access_control = any(dep.resource_type == ACCESS_CONTROL for dep in depends_on(distribution, "origins"))
        for origin in _origins(distribution):
            legacy = literal(origin, "s3OriginConfig")
            if isinstance(legacy, Mapping) and literal(legacy, "originAccessIdentity"):
                yield f"Replace the origin access identity of origin {origin.get('originId')} with an Origin Access Control.", distribution.urn
            elif _is_s3(origin) and not _uses_access_control(origin, has_access_control):
                yield f"Give origin {origin.get('originId')} an Origin Access Control (originAccessControlId).", distribution.urn
        for bucket in _s3_origin_buckets(distribution):
            documents = [json_document(p.props, "policy") for p in settings_of(resources, bucket, BUCKET_POLICY)]
            if not any(_lets_cloudfront_read(document) for document in documents):
                yield (
                    f"Grant s3:GetObject on {bucket.name}'s objects to {CLOUDFRONT_PRINCIPAL} in its bucket policy: CloudFront gets 403 otherwise.",
                    bucket.urn,
                )


def _lets_cloudfront_read(document: object) -> bool:
    for statement in allow_statements(document):
        if CLOUDFRONT_PRINCIPAL in service_principals(statement) and {"s3:GetObject", "s3:*"} & set(map(str, as_list(statement.get("Action")))):
            return True
    return False


def _viewer_https_violations(props: Props, _: Guardrails) -> Iterable[str]:
    behaviours = [("default", props.get("defaultCacheBehavior"))]
    behaviours += [(str(b.get("pathPattern")), b) for b in as_list(props.get("orderedCacheBehaviors")) if isinstance(b, Mapping)]
    for path, behaviour in behaviours:
        policy = behaviour.get("viewerProtocolPolicy") if isinstance(behaviour, Mapping) else None
        if policy not in HTTPS_VIEWER_POLICIES:
            yield f"Set viewerProtocolPolicy to redirect-to-https on the {path} behaviour (it is {policy})."
    certificate = props.get("viewerCertificate")
    if isinstance(certificate, Mapping) and not certificate.get("cloudfrontDefaultCertificate"):
        minimum = certificate.get("minimumProtocolVersion")
        if minimum not in TLS12_POLICIES:
            yield f"Set minimumProtocolVersion to TLSv1.2_2021 on the custom certificate (it is {minimum})."


def policies(source: RailsSource) -> list[Policy]:
    return [
        stack_policy(ORIGIN_ACCESS_CONTROL, _origin_access_violations, source),
        resource_policy(VIEWER_HTTPS, (DISTRIBUTION,), _viewer_https_violations, source),
    ]
