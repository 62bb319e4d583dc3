"""Running one policy of the pack directly, the way the analyzer server does, on props taken
from a synthesized graph (the compliant baseline) and changed one field at a time."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    Policy,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import unknown_checking_proxy

from tierup.policy_runner import policy_resources as runner_policy_resources
from tierup.synth.graph import Resource, ResourceGraph
from tierup_guardrails.base import RailsSource
from tierup_guardrails.pack import all_policies
from tierup_guardrails.settings import load_settings
from tierup_guardrails.settings.guardrails import Guardrails, guardrails_for

DELETE = object()
JSON = object()
"""A path step that decodes a JSON-string property, changes it, and encodes it again."""


def rails(release: str, **sections: object) -> Guardrails:
    config = {"tierup:release": release, "aws:region": "us-east-1", **{f"tierup:{k}": v for k, v in sections.items()}}
    return guardrails_for(load_settings(config))


def policy(name: str, guardrails: Guardrails | RailsSource) -> Policy:
    """The pack's policy `name`, running for fixed guardrails (or a source that may raise)."""
    source = guardrails if callable(guardrails) else lambda: guardrails
    (found,) = [p for p in all_policies(source) if p.name == name]
    return found


def changed(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A deep copy of `value` with the item at `path` replaced (or deleted)."""
    if path[0] is JSON:
        return json.dumps(changed(json.loads(value), path[1:], new))
    result = copy.deepcopy(value)
    if len(path) == 1:
        if new is DELETE:
            del result[path[0]]
        else:
            result[path[0]] = new
        return result
    result[path[0]] = changed(result[path[0]], path[1:], new)
    return result


@dataclass(frozen=True)
class Outcome:
    messages: list[str]
    not_applicable: str | None = None


def _options(resource: Resource, protect: bool | None = None) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=resource.options.protect if protect is None else protect,
        ignore_changes=list(resource.options.ignore_changes),
        delete_before_replace=resource.options.delete_before_replace,
        aliases=list(resource.options.aliases),
        custom_timeouts=None,
        additional_secret_outputs=[],
    )


def check_resource(name: str, guardrails: Guardrails, resource: Resource, props: dict[str, Any] | None = None) -> Outcome:
    """Run resource policy `name` on the resource's inputs (or on `props`)."""
    found = policy(name, guardrails)
    assert isinstance(found, ResourceValidationPolicy)
    messages: list[str] = []
    args = ResourceValidationArgs(
        resource.type, unknown_checking_proxy(resource.inputs if props is None else props), resource.urn, resource.name, _options(resource), None
    )
    try:
        found.validate(args, lambda message, urn=None: messages.append(message))
    except _NotApplicableError as quiet:
        return Outcome([], quiet.reason)
    return Outcome(messages)


def policy_resources(resources: Sequence[Resource], replacements: dict[str, dict[str, Any]] | None = None) -> list[PolicyResource]:
    """Graph resources as the server builds them for a stack policy, linked by URN."""
    return runner_policy_resources(resources, replacements)


def check_stack(name: str, guardrails: Guardrails | RailsSource, resources: Sequence[Resource] | Sequence[PolicyResource]) -> Outcome:
    """Run stack policy `name` over the resources; messages carry the resource name."""
    found = policy(name, guardrails)
    assert isinstance(found, StackValidationPolicy)
    given = list(resources)
    prepared = policy_resources(given) if given and isinstance(given[0], Resource) else given  # type: ignore[arg-type]
    messages: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        messages.append(f"{urn.rsplit('::', 1)[1] if urn else '(stack)'}: {message}")

    try:
        found.validate(StackValidationArgs(prepared, None), report)  # type: ignore[arg-type]
    except _NotApplicableError as quiet:
        return Outcome([], quiet.reason)
    return Outcome(messages)


def named(graph: ResourceGraph, name: str) -> Resource:
    return next(r for r in graph if r.name == name)
