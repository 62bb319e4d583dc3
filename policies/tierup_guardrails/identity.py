"""Guardrails of the app's users and what the app may touch: a protected user pool from v1.5,
and S3 and SES permissions on the stack's own buckets and sending identity only."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pulumi_policy import Policy, PolicyResource, Severity

from tierup_guardrails.base import Level, Props, RailsSource, Spec, allow_statements, as_list, json_document, of_type, resource_policy, stack_policy, when
from tierup_guardrails.buckets import BUCKET
from tierup_guardrails.settings.guardrails import Guardrails

USER_POOL = "aws:cognito/userPool:UserPool"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
EMAIL_IDENTITY = "aws:sesv2/emailIdentity:EmailIdentity"
CONFIGURATION_SET = "aws:sesv2/configurationSet:ConfigurationSet"
_S3_ARN = re.compile(r"arn:aws[a-z-]*:s3:::(?P<bucket>[^/]+)(/.*)?")
_SES_ARN = re.compile(r"arn:aws[a-z-]*:ses:[a-z0-9-]+:[0-9]{12}:(?P<kind>identity|configuration-set)/(?P<name>.+)")

USER_POOL_PROTECTED = Spec(
    name="cognito-user-pool-deletion-protection",
    description="The user pool has deletion protection from release v1.5: it holds the users, whose passwords cannot be exported.",
    severity=Severity.HIGH,
    remediation="Set tierup:auth.deletionProtection to true (deletionProtection ACTIVE).",
    references=("A1", "Cognito.6"),
    level=when(lambda rails: rails.user_pool_protected, Level.ADVISORY),
)
SCOPED_GRANTS = Spec(
    name="iam-s3-ses-grants-scoped-to-stack",
    description="Role policies grant S3 actions only on the stack's own buckets and SES actions only on its own sending identity and configuration set.",
    severity=Severity.HIGH,
    remediation="Grant S3 and SES actions on the ARNs of the stack's buckets and identity (components.storage_tier, components.email_tier).",
    references=("I1", "CKV_AWS_355", "CKV_AWS_290", "IAM.21"),
)


def _user_pool_violations(props: Props, _: Guardrails) -> Iterable[str]:
    if props.get("deletionProtection") != "ACTIVE":
        yield "Set deletionProtection to ACTIVE on the user pool (tierup:auth.deletionProtection true)."


def _scoped_grant_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    buckets = {str(b.props.get("bucket")) for b in of_type(resources, BUCKET)}
    ses = {("identity", str(r.props.get("emailIdentity"))) for r in of_type(resources, EMAIL_IDENTITY)}
    ses |= {("configuration-set", str(r.props.get("configurationSetName"))) for r in of_type(resources, CONFIGURATION_SET)}
    for policy in of_type(resources, ROLE_POLICY):
        for statement in allow_statements(json_document(policy.props, "policy")):
            services = {str(action).split(":")[0] for action in as_list(statement.get("Action"))}
            for resource in map(str, as_list(statement.get("Resource"))):
                if "s3" in services and not _own_bucket(resource, buckets):
                    yield f"Grant S3 actions on the stack's buckets only, not {resource}.", policy.urn
                if "ses" in services and not _own_sender(resource, ses):
                    yield f"Grant SES actions on the stack's identity and configuration set only, not {resource}.", policy.urn


def _own_bucket(resource: str, buckets: set[str]) -> bool:
    match = _S3_ARN.fullmatch(resource)
    return match is not None and match["bucket"] in buckets


def _own_sender(resource: str, senders: set[tuple[str, str]]) -> bool:
    match = _SES_ARN.fullmatch(resource)
    return match is not None and (match["kind"], match["name"]) in senders


def policies(source: RailsSource) -> list[Policy]:
    return [
        resource_policy(USER_POOL_PROTECTED, (USER_POOL,), _user_pool_violations, source),
        stack_policy(SCOPED_GRANTS, _scoped_grant_violations, source),
    ]
