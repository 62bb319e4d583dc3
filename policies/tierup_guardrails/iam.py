"""IAM guardrails: no wildcard actions, no PassRole on everything, trust only named services or roles."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from pulumi_policy import Policy, Severity

from tierup_guardrails.base import Props, RailsSource, Settled, Spec, allow_statements, as_list, json_document, resource_policy
from tierup_guardrails.settings.guardrails import Guardrails

POLICY_TYPES = ("aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy")
ROLE = "aws:iam/role:Role"
# A whole account as a principal: its id or its root ARN (CKV_AWS_61's pattern, any partition).
WHOLE_ACCOUNT = re.compile(r"\d{12}|arn:aws[a-z-]*:iam::\d{12}:root")

NO_WILDCARD_ACTIONS = Spec(
    name="iam-no-wildcard-actions",
    description="No IAM statement allows every action, or every action of a service.",
    severity=Severity.HIGH,
    remediation="List the actions the role needs.",
    references=("I1", "I2", "CKV_AWS_62", "CKV_AWS_63", "IAM.1", "IAM.21"),
    settled=(
        Settled(
            controls=("CKV_AWS_62", "IAM.1", "IAM.21"),
            how="Stricter: * and service:* actions fail whatever the resource, NotAction too, and in inline policies as well as managed ones.",
        ),
    ),
)
NO_PASSROLE_ON_ALL = Spec(
    name="iam-no-passrole-on-all-roles",
    description="No IAM statement allows iam:PassRole on every role.",
    severity=Severity.CRITICAL,
    remediation="Limit iam:PassRole to the ARNs of the roles that must be passed.",
    references=("I3", "AVD-AWS-0342"),
    settled=(
        Settled(
            controls=("AVD-AWS-0342",),
            how="Passing named roles is allowed: Trivy flags every iam:PassRole; tierup refuses it on *, which would hand any role to a service.",
        ),
    ),
)
TRUST_NAMED_PRINCIPALS = Spec(
    name="iam-role-trusts-named-principals",
    description="Roles are assumable only by named services or roles, never by everyone or by a whole account.",
    severity=Severity.CRITICAL,
    remediation="Name the service principal (e.g. ecs-tasks.amazonaws.com) or the role ARNs in the trust policy.",
    references=("I4", "CKV_AWS_60", "CKV_AWS_61"),
)


def _wildcard_action_violations(props: Props, _: Guardrails) -> Iterable[str]:
    for statement in allow_statements(json_document(props, "policy")):
        if statement.get("NotAction") is not None:
            yield "Replace NotAction with the list of allowed actions."
        for action in as_list(statement.get("Action")):
            if str(action) == "*" or str(action).endswith(":*"):
                yield f"Replace the wildcard action {action} with the actions the role needs."


def _passrole_violations(props: Props, _: Guardrails) -> Iterable[str]:
    for statement in allow_statements(json_document(props, "policy")):
        actions = {str(a).lower() for a in as_list(statement.get("Action"))}
        if actions & {"iam:passrole", "iam:*", "*"} and "*" in as_list(statement.get("Resource")):
            yield "Limit iam:PassRole to named role ARNs instead of *."


def _trust_violations(props: Props, _: Guardrails) -> Iterable[str]:
    for statement in allow_statements(json_document(props, "assumeRolePolicy")):
        principal = statement.get("Principal")
        principals = as_list(principal.get("AWS")) if isinstance(principal, Mapping) else as_list(principal)
        if "*" in principals:
            yield "Name the principals that may assume the role instead of *."
        for account in (str(p) for p in principals if WHOLE_ACCOUNT.fullmatch(str(p))):
            yield f"Name the roles that may assume the role instead of the whole account {account}."


def policies(source: RailsSource) -> list[Policy]:
    return [
        resource_policy(NO_WILDCARD_ACTIONS, POLICY_TYPES, _wildcard_action_violations, source),
        resource_policy(NO_PASSROLE_ON_ALL, POLICY_TYPES, _passrole_violations, source),
        resource_policy(TRUST_NAMED_PRINCIPALS, (ROLE,), _trust_violations, source),
    ]
