"""The thin layer between pure checkers and pulumi-policy: metadata, release levels, wiring."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from tierup.settings.guardrails import Guardrails

Props = Mapping[str, object]
ResourceCheck = Callable[[Props, Guardrails], Iterable[str]]
ArgsCheck = Callable[[ResourceValidationArgs, Guardrails], Iterable[str]]
"""A resource check that reads more than the inputs: the type and logical name too."""
StackCheck = Callable[[Sequence[PolicyResource], Guardrails], Iterable[tuple[str, str | None]]]


class Level(Enum):
    """How a policy behaves under a release."""

    MANDATORY = "mandatory"
    ADVISORY = "advisory"
    QUIET = "not applicable"


def always(_: Guardrails) -> Level:
    return Level.MANDATORY


def when(promised: Callable[[Guardrails], bool], otherwise: Level = Level.QUIET) -> Callable[[Guardrails], Level]:
    """Mandatory where the release promises it, `otherwise` (quiet by default) elsewhere."""
    return lambda rails: Level.MANDATORY if promised(rails) else otherwise


@dataclass(frozen=True, kw_only=True)
class Spec:
    """Everything a policy says about itself, whatever the release."""

    name: str
    description: str
    severity: Severity
    remediation: str
    references: tuple[str, ...]
    """Cross-reference ids: Checkov, Trivy AVD, Security Hub (FSBP), and the control number."""
    level: Callable[[Guardrails], Level] = always
    quiet_reason: str = ""
    """Why the policy does not apply when its level is QUIET."""


def resource_policy(spec: Spec, resource_types: tuple[str, ...], check: ResourceCheck, rails: Guardrails) -> ResourceValidationPolicy:
    """A resource policy that runs `check` on each resource of the given types."""
    return resource_args_policy(spec, resource_types, lambda args, rails: check(args.props, rails), rails)


def resource_args_policy(spec: Spec, resource_types: tuple[str, ...], check: ArgsCheck, rails: Guardrails) -> ResourceValidationPolicy:
    """A resource policy whose check gets the whole validation args (type, name, inputs)."""
    level = spec.level(rails)

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type not in resource_types:
            return
        if level is Level.QUIET:
            args.not_applicable(f"{spec.quiet_reason} (release {rails.release.value})")
        for message in check(args, rails):
            report(message, None)

    return ResourceValidationPolicy(name=spec.name, description=spec.description, validate=validate, **_metadata(spec, level))


def stack_policy(spec: Spec, check: StackCheck, rails: Guardrails) -> StackValidationPolicy:
    """A stack policy that runs `check` over all resources with their dependency links."""
    level = spec.level(rails)

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        if level is Level.QUIET:
            args.not_applicable(f"{spec.quiet_reason} (release {rails.release.value})")
        for message, urn in check(args.resources, rails):
            report(message, urn)

    return StackValidationPolicy(name=spec.name, description=spec.description, validate=validate, **_metadata(spec, level))


def _metadata(spec: Spec, level: Level) -> dict[str, object]:
    return {
        "enforcement_level": EnforcementLevel.ADVISORY if level is Level.ADVISORY else EnforcementLevel.MANDATORY,
        "severity": spec.severity,
        "remediation_steps": spec.remediation,
        "tags": list(spec.references),
    }


def truthy(props: Props, key: str, default: bool = False) -> bool:
    """A boolean input, with AWS's default when the program leaves it out."""
    value = props.get(key)
    return default if value is None else bool(value)


def json_document(props: Props, key: str) -> object:
    """A JSON-string input (policy documents, container definitions), parsed; None when absent."""
    value = props.get(key)
    if value is None:
        return None
    return json.loads(value) if isinstance(value, str) else value


def of_type(resources: Sequence[PolicyResource], *type_tokens: str) -> list[PolicyResource]:
    return [r for r in resources if r.resource_type in type_tokens]


def depends_on(resource: PolicyResource, key: str) -> list[PolicyResource]:
    """The resources an input was computed from: known at preview, unlike their ids."""
    return list(resource.property_dependencies.get(key, []))


def as_list(value: object) -> list[object]:
    """A single item or a sequence as a list (IAM fields may be either)."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [value]
    return list(value)


def number(value: object) -> float:
    """A numeric input; protobuf Structs carry every number as a float."""
    return float(str(value))
