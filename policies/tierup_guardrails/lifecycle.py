"""Lifecycle guardrail: every move down a release and `pulumi destroy` can run, because only
what holds data is protected."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pulumi_policy import Policy, PolicyResource, Severity

from tierup_guardrails.base import RailsSource, Spec, stack_policy, truthy
from tierup_guardrails.settings.guardrails import Guardrails

DB_INSTANCE = "aws:rds/instance:Instance"
# The resources whose deletion loses data: a primary database (a replica is rebuilt from it).
DATA_HOLDERS = (DB_INSTANCE,)
# The inputs by which AWS itself refuses a delete.
DELETION_PROTECTION_INPUTS = ("deletionProtection", "enableDeletionProtection")

ONLY_DATA_HOLDERS_PROTECTED = Spec(
    name="lifecycle-only-data-holders-protected",
    description=(
        "Only resources that hold data (a primary database) carry Pulumi protect or AWS deletion protection, "
        "so moving down a release and `pulumi destroy` never stop on anything else."
    ),
    severity=Severity.HIGH,
    remediation="Remove protect and deletion protection from the resource; protect data holders only (tierup:data.protect).",
    references=("lifecycle", "D5"),
)


def holds_data(resource: PolicyResource) -> bool:
    """True for a primary database: the one resource whose deletion loses data."""
    return resource.resource_type in DATA_HOLDERS and resource.props.get("replicateSourceDb") is None


def protection_of(resource: PolicyResource) -> list[str]:
    """What stops a delete of the resource: `protect` and AWS deletion protection."""
    found = ["protect"] if resource.opts.protect else []
    return found + [key for key in DELETION_PROTECTION_INPUTS if truthy(resource.props, key)]


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
