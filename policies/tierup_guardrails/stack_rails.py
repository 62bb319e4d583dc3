"""The guardrails of the stack the pack runs for, read from the config the CLI hands it."""

from __future__ import annotations

import functools

import pulumi
from pulumi_policy import EnforcementLevel, Policy, ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

from tierup_guardrails.base import RailsSource, Spec, spec_metadata
from tierup_guardrails.settings.errors import ConfigError
from tierup_guardrails.settings.guardrails import Guardrails, guardrails_for
from tierup_guardrails.settings.loader import ALLOWED_KEYS, REGION_KEY, load_settings

CONFIG_VALID = Spec(
    name="tierup-stack-config-valid",
    description="The stack's config names a release and valid tierup settings, so the release's guardrails can be chosen.",
    severity=Severity.CRITICAL,
    remediation="Set tierup:release (v1.0, v1.5, v2.0 or v3.0) and fix the setting the message names.",
    references=("release-ladder",),
)


def rails_from_engine() -> Guardrails:
    """The guardrails of the running stack, from its `tierup:*` and `aws:region` config.

    The CLI passes the stack's config to the pack in its environment and pulumi-policy loads it
    before each Analyze call (and not at all for `pulumi policy publish`); read through the public
    pulumi.Config, then validated exactly as the program validates it. ConfigError when absent."""
    config = {}
    for key in (*ALLOWED_KEYS, REGION_KEY):
        namespace, name = key.split(":", 1)
        value = pulumi.Config(namespace).get(name)
        if value is not None:
            config[key] = value
    return _rails_for(tuple(sorted(config.items())))


@functools.cache
def _rails_for(config: tuple[tuple[str, str], ...]) -> Guardrails:
    # One stack per pack process: the config is read per call, the settings built once per value.
    return guardrails_for(load_settings(dict(config)))


def policies(source: RailsSource) -> list[Policy]:
    """The one policy that is never quiet: without valid config it says why, once."""

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        del args
        try:
            source()
        except ConfigError as error:
            report(f"Fix the stack's config: {error}.", None)

    return [
        StackValidationPolicy(
            name=CONFIG_VALID.name,
            description=CONFIG_VALID.description,
            validate=validate,
            enforcement_level=EnforcementLevel.MANDATORY,
            **spec_metadata(CONFIG_VALID),
        )
    ]
