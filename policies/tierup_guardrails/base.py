"""The thin layer between pure checkers and pulumi-policy: metadata, release levels, wiring."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypedDict

from pulumi_policy import (
    EnforcementLevel,
    PolicyProviderResource,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from tierup_guardrails.settings.errors import ConfigError
from tierup_guardrails.settings.guardrails import Guardrails
from tierup_guardrails.verdicts import Level as Level  # re-exported: the area modules read it here

Props = Mapping[str, object]
ResourceCheck = Callable[[Props, Guardrails], Iterable[str]]
ArgsCheck = Callable[[ResourceValidationArgs, Guardrails], Iterable[str]]
"""A resource check that reads more than the inputs: the type and logical name too."""
StackCheck = Callable[[Sequence[PolicyResource], Guardrails], Iterable[tuple[str, str | None]]]


def always(_: Guardrails) -> Level:
    return Level.MANDATORY


def when(promised: Callable[[Guardrails], bool], otherwise: Level = Level.QUIET) -> Callable[[Guardrails], Level]:
    """Mandatory where the release promises it, `otherwise` (quiet by default) elsewhere."""
    return lambda rails: Level.MANDATORY if promised(rails) else otherwise


@dataclass(frozen=True, kw_only=True)
class Settled:
    """Where a policy deliberately differs from controls its references name, and why."""

    controls: tuple[str, ...]
    """The reference ids the difference is about; each is one of the policy's references."""
    how: str
    """What tierup does instead, and why: one or two sentences for the catalogue."""


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
    quiet_reason: str | Callable[[Guardrails], str] = ""
    """Why the policy does not apply when its level is QUIET (or a function of the guardrails
    when the reason depends on the stack's settings, not only on its release)."""
    settled: tuple[Settled, ...] = ()
    """Deliberate differences from the referenced controls; the catalogue lists them."""


RailsSource = Callable[[], Guardrails]
"""Where a policy finds the stack's guardrails when it runs: the engine's stack config (see
stack_rails.py), or fixed guardrails in tests. It raises ConfigError when they cannot be known."""


class _ReleaseAware:
    """A policy whose enforcement level follows the release of the stack it runs for.

    pulumi-policy reads `enforcement_level` at every Analyze call, after it has loaded the stack's
    config, and GetAnalyzerInfo reads it with no config at all: then, as for a published pack,
    the level is the strictest (mandatory)."""

    def __init__(self, spec: Spec, source: RailsSource) -> None:
        self.spec = spec
        self.source = source

    # Typed as pulumi-policy's Policy.enforcement_level (an Optional attribute) so that the
    # property may stand in for it; it is never None here.
    @property
    def enforcement_level(self) -> EnforcementLevel | None:
        try:
            level = self.spec.level(self.source())
        except ConfigError:
            return EnforcementLevel.MANDATORY
        return EnforcementLevel.ADVISORY if level is Level.ADVISORY else EnforcementLevel.MANDATORY

    @enforcement_level.setter
    def enforcement_level(self, _: EnforcementLevel | None) -> None:
        """Set by pulumi-policy's constructor; the release decides instead."""

    def rails_or_skip(self, args: ResourceValidationArgs | StackValidationArgs) -> Guardrails:
        """The stack's guardrails, or not applicable when they are quiet or cannot be known."""
        try:
            rails = self.source()
        except ConfigError:
            # tierup-stack-config-valid reports the reason, once, as a mandatory violation.
            args.not_applicable("the stack's tierup config is missing or invalid (see tierup-stack-config-valid)")
        if self.spec.level(rails) is Level.QUIET:
            reason = self.spec.quiet_reason(rails) if callable(self.spec.quiet_reason) else self.spec.quiet_reason
            args.not_applicable(f"{reason} (release {rails.release.value})")
        return rails


class _ResourcePolicy(_ReleaseAware, ResourceValidationPolicy):
    def __init__(self, spec: Spec, resource_types: tuple[str, ...], check: ArgsCheck, source: RailsSource) -> None:
        _ReleaseAware.__init__(self, spec, source)

        def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
            if args.resource_type not in resource_types:
                return
            rails = self.rails_or_skip(args)
            for message in check(args, rails):
                report(message, None)

        ResourceValidationPolicy.__init__(self, name=spec.name, description=spec.description, validate=validate, **spec_metadata(spec))


class _StackPolicy(_ReleaseAware, StackValidationPolicy):
    def __init__(self, spec: Spec, check: StackCheck, source: RailsSource) -> None:
        _ReleaseAware.__init__(self, spec, source)

        def validate(args: StackValidationArgs, report: ReportViolation) -> None:
            rails = self.rails_or_skip(args)
            for message, urn in check(args.resources, rails):
                report(message, urn)

        StackValidationPolicy.__init__(self, name=spec.name, description=spec.description, validate=validate, **spec_metadata(spec))


def resource_policy(spec: Spec, resource_types: tuple[str, ...], check: ResourceCheck, source: RailsSource) -> ResourceValidationPolicy:
    """A resource policy that runs `check` on each resource of the given types."""
    return _ResourcePolicy(spec, resource_types, lambda args, rails: check(args.props, rails), source)


def resource_args_policy(spec: Spec, resource_types: tuple[str, ...], check: ArgsCheck, source: RailsSource) -> ResourceValidationPolicy:
    """A resource policy whose check gets the whole validation args (type, name, inputs)."""
    return _ResourcePolicy(spec, resource_types, check, source)


def stack_policy(spec: Spec, check: StackCheck, source: RailsSource) -> StackValidationPolicy:
    """A stack policy that runs `check` over all resources with their dependency links."""
    return _StackPolicy(spec, check, source)


class PolicyMetadata(TypedDict):
    """The keyword arguments of pulumi-policy's policies that spec_metadata fills."""

    severity: Severity
    remediation_steps: str
    tags: list[str]


def spec_metadata(spec: Spec) -> PolicyMetadata:
    """What pulumi-policy reports of a policy besides its name: severity, fix, reference ids."""
    return {"severity": spec.severity, "remediation_steps": spec.remediation, "tags": list(spec.references)}


def truthy(props: Props, key: str, default: bool = False) -> bool:
    """A boolean input, with AWS's default when the program leaves it out."""
    value = props.get(key)
    return default if value is None else bool(value)


def has_key(props: Mapping[str, object], key: str) -> bool:
    """Whether an input is set, without reading it: its value may be unknown at preview, and
    pulumi-policy's proxy refuses a read (Mapping's `in` reads)."""
    return key in set(iter(props))


def json_document(props: Props, key: str) -> object:
    """A JSON-string input (policy documents, container definitions), parsed; None when absent."""
    value = props.get(key)
    if value is None:
        return None
    return json.loads(value) if isinstance(value, str) else value


def policy_statements(document: object) -> list[Mapping[str, object]]:
    """The statements of a policy document (IAM, bucket, topic or key policy, as json_document
    parses it); none when it is absent."""
    if not isinstance(document, Mapping):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def allow_statements(document: object) -> list[Mapping[str, object]]:
    """The Allow statements of a policy document."""
    return [s for s in policy_statements(document) if s.get("Effect") == "Allow"]


def service_principals(statement: Mapping[str, object]) -> set[str]:
    """The AWS services a policy statement names as its principal."""
    principal = statement.get("Principal")
    return {str(s) for s in as_list(principal.get("Service"))} if isinstance(principal, Mapping) else set()


AWS_PROVIDER = "pulumi:providers:aws"


class _HasProvider(Protocol):
    provider: PolicyProviderResource | None


def region_of(resource: _HasProvider, stack_region: str) -> str:
    """The AWS region a resource lives in: its explicit aws provider's `region` input, or the
    stack's (config aws:region) for a resource on the default provider. A resource (or args)
    carries its provider as `provider` (pulumi-policy's PolicyResource and
    ResourceValidationArgs); a provider resource itself is in the region it names. A region not
    known yet at preview counts as the stack's: no rule should pass on a guess."""
    provider = resource.provider
    if isinstance(resource, PolicyResource) and resource.resource_type == AWS_PROVIDER:
        return _provider_region(resource.props, stack_region)
    if provider is None or provider.resource_type != AWS_PROVIDER:
        return stack_region
    return _provider_region(provider.props, stack_region)


def _provider_region(props: Props, stack_region: str) -> str:
    try:
        region = props.get("region")
    except UnknownValueError:
        return stack_region
    return region if isinstance(region, str) and region else stack_region


def of_type(resources: Sequence[PolicyResource], *type_tokens: str) -> list[PolicyResource]:
    return [r for r in resources if r.resource_type in type_tokens]


def by_region(resources: Sequence[PolicyResource], stack_region: str) -> dict[str, list[PolicyResource]]:
    """The stack's resources per region, the stack's own region first."""
    found: dict[str, list[PolicyResource]] = {stack_region: []}
    for resource in resources:
        found.setdefault(region_of(resource, stack_region), []).append(resource)
    return found


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
