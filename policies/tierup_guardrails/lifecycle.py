"""Lifecycle guardrail: every move down a release and `pulumi destroy` can run, because only
what holds data is protected."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pulumi_policy import Policy, PolicyResource, Severity

from tierup_guardrails.base import RailsSource, Spec, stack_policy
from tierup_guardrails.data_holders import DELETION_PROTECTION_INPUTS, deletion_protected, is_data_holder
from tierup_guardrails.settings.guardrails import Guardrails

ONLY_DATA_HOLDERS_PROTECTED = Spec(
    name="lifecycle-only-data-holders-protected",
    description=(
        "Only resources that hold data (a primary database or Aurora cluster, the user pool, a bucket) carry Pulumi protect or AWS deletion protection, "
        "so moving down a release and `pulumi destroy` never stop on anything else."
    ),
    severity=Severity.HIGH,
    remediation="Remove protect and deletion protection from the resource; protect data holders only (tierup:data.protect).",
    references=("lifecycle", "D5"),
)


def holds_data(resource: PolicyResource) -> bool:
    """True for a primary database, the user pool or a bucket: what loses data when deleted."""
    return is_data_holder(resource.resource_type, resource.props)


def protection_of(resource: PolicyResource) -> list[str]:
    """What stops a delete of the resource: `protect` and AWS deletion protection."""
    found = ["protect"] if resource.opts.protect else []
    return found + [key for key in DELETION_PROTECTION_INPUTS if deletion_protected(resource.props.get(key))]


def _protection_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for resource in resources:
        protection = protection_of(resource)
        if protection and not holds_data(resource):
            yield (
                f"Remove {' and '.join(protection)} from {resource.name}: it holds no data, and moving down a release "
                "or `pulumi destroy` must be able to delete it.",
                resource.urn,
            )


def policies(source: RailsSource) -> list[Policy]:
    return [stack_policy(ONLY_DATA_HOLDERS_PROTECTED, _protection_violations, source)]
