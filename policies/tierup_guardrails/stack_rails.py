"""The guardrails of the stack the pack runs for, read from the config the CLI hands it."""

from __future__ import annotations

import functools
import os

import pulumi
from pulumi.runtime.config import CONFIG
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
    return _rails_for(_engine_config(_config_sources()))


# Every policy asks for the guardrails for every resource, twice (its enforcement level, then its
# check): about 15,000 calls for a stack of 100 resources, and pulumi.Config re-parses the whole
# PULUMI_CONFIG for each key a stack does not set (measured: 1.5 s of prod's 1.8 s of Analyze
# calls). So the keys are read again only when what pulumi.Config reads them from changes: the
# runtime config (which pulumi-policy refills before each call) or PULUMI_CONFIG. The per-key
# PULUMI_CONFIG_<KEY> variables, which the CLI does not set, count as fixed for the process.
_KEYS = (*ALLOWED_KEYS, REGION_KEY)
ConfigSources = tuple[tuple[tuple[str, object], ...], str | None]


def _config_sources() -> ConfigSources:
    # The whole runtime config, not only _KEYS: a few more keys to hash, no loop in Python.
    return tuple(CONFIG.get().items()), os.environ.get("PULUMI_CONFIG")


@functools.lru_cache(maxsize=16)
def _engine_config(sources: ConfigSources) -> tuple[tuple[str, str], ...]:
    del sources  # the cache key: pulumi.Config reads exactly these
    config = {}
    for key in _KEYS:
        namespace, name = key.split(":", 1)
        value = pulumi.Config(namespace).get(name)
        if value is not None:
            config[key] = value
    return tuple(sorted(config.items()))


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
