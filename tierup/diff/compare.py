"""Comparing two ResourceGraphs of one stack by URN, honouring aliases, with property diffs and
the data-loss verdict of each change."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tierup.diff.rules import DISRUPTIONS, REFUSED_WHEN_ADDED, REPLACEMENT_DANGERS, REPLACEMENT_INPUTS, STATEFUL_TYPES
from tierup.synth.graph import Resource, ResourceGraph

DANGER, WARN, OK = "DANGER", "WARN", "ok"
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class PropertyChange:
    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Change:
    """One resource added, deleted or changed, with why it matters."""

    kind: str  # added | deleted | changed
    tier: str
    urn: str
    type: str
    name: str
    properties: tuple[PropertyChange, ...] = ()
    severity: str = OK
    reasons: tuple[str, ...] = ()
    old_urn: str | None = None
    """The URN on the old side when the resource was found through an alias."""

    @property
    def tags_only(self) -> bool:
        """A change of tags alone (every resource's Release tag moves with an upgrade)."""
        return self.kind == "changed" and not self.old_urn and all(p.path.startswith("tags.") for p in self.properties)


@dataclass(frozen=True)
class GraphDiff:
    stack: str
    old_release: str
    new_release: str
    changes: tuple[Change, ...] = field(default_factory=tuple)

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def dangers(self) -> list[Change]:
        return [c for c in self.changes if c.severity == DANGER]

    @property
    def warnings(self) -> list[Change]:
        return [c for c in self.changes if c.severity == WARN]


def alias_urns(resource: Resource) -> list[str]:
    """The URNs a resource claims to have had, from its recorded aliases."""
    stack, project, qualified, name = _split(resource.urn)
    urns = []
    for alias in resource.options.aliases:
        if alias.startswith("urn:pulumi:"):
            urns.append(alias)
            continue
        spec = dict(_spec_part(part) for part in alias.split(","))
        own_type = spec.get("type") or resource.type
        if "noParent" in spec:
            alias_qualified = own_type
        elif "parent" in spec:
            parent_qualified = _split(spec["parent"])[2]
            alias_qualified = own_type if parent_qualified == ROOT_STACK_TYPE else f"{parent_qualified}${own_type}"
        else:
            alias_qualified = qualified.rsplit("$", 1)[0] + f"${own_type}" if "$" in qualified else own_type
        urns.append(f"urn:pulumi:{stack}::{project}::{alias_qualified}::{spec.get('name') or name}")
    return urns


def _spec_part(part: str) -> tuple[str, str]:
    key, _, value = part.partition("=")
    return key, value


def _split(urn: str) -> tuple[str, str, str, str]:
    """(stack, project, qualified type, name) of urn:pulumi:<stack>::<project>::<type>::<name>."""
    stack, project, qualified, name = urn.removeprefix("urn:pulumi:").split("::", 3)
    return stack, project, qualified, name


def _decoded(value: Any) -> Any:
    """JSON-string inputs (policies, container definitions) as the structures they hold."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def property_changes(old: Any, new: Any, path: str = "") -> list[PropertyChange]:
    """Leaf-level differences between two input trees."""
    old, new = _decoded(old), _decoded(new)
    if isinstance(old, dict) and isinstance(new, dict):
        changes = []
        for key in sorted(set(old) | set(new)):
            changes += property_changes(old.get(key), new.get(key), f"{path}.{key}" if path else key)
        return changes
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        changes = []
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            changes += property_changes(a, b, f"{path}[{index}]")
        return changes
    return [] if old == new else [PropertyChange(path, old, new)]


def top_level(path: str) -> str:
    """The input a property path belongs to: `networkConfiguration` for `networkConfiguration.subnets[0]`."""
    return path.split(".")[0].split("[")[0]


def _judge_change(resource: Resource, properties: list[PropertyChange]) -> tuple[str, tuple[str, ...]]:
    # An input under ignore_changes is not sent on update: it cannot force anything.
    touched = {top_level(p.path) for p in properties} - set(resource.options.ignore_changes)
    refused = [REFUSED_WHEN_ADDED[(resource.type, p.path)] for p in properties if p.old is None and (resource.type, p.path) in REFUSED_WHEN_ADDED]
    if refused:
        return DANGER, tuple(refused)
    forcing = sorted(touched & set(REPLACEMENT_INPUTS.get(resource.type, ())))
    if resource.type in STATEFUL_TYPES and forcing:
        return DANGER, tuple(f"{key} changes: the provider replaces the {resource.type.rsplit(':', 1)[1]} (data lost)" for key in forcing)
    if resource.type in REPLACEMENT_DANGERS and forcing:
        return DANGER, tuple(f"{key} changes: {REPLACEMENT_DANGERS[resource.type]}" for key in forcing)
    reasons = tuple(d.explanation for d in DISRUPTIONS if d.type == resource.type and d.input in touched)
    return (WARN, reasons) if reasons else (OK, ())


def compare(old: ResourceGraph, new: ResourceGraph) -> GraphDiff:
    """Every custom resource added, deleted or changed from `old` to `new`."""
    old_by_urn = {r.urn: r for r in old if r.custom}
    matched: dict[str, str] = {}
    for resource in new:
        if not resource.custom:
            continue
        if resource.urn in old_by_urn:
            matched[resource.urn] = resource.urn
        else:
            found = next((urn for urn in alias_urns(resource) if urn in old_by_urn), None)
            if found:
                matched[resource.urn] = found
    changes: list[Change] = []
    for resource in new:
        if not resource.custom:
            continue
        if resource.urn not in matched:
            changes.append(Change("added", new.tier_of(resource), resource.urn, resource.type, resource.name))
            continue
        before = old_by_urn[matched[resource.urn]]
        properties = property_changes(before.inputs, resource.inputs)
        if properties or matched[resource.urn] != resource.urn:
            severity, reasons = _judge_change(resource, properties)
            old_urn = matched[resource.urn] if matched[resource.urn] != resource.urn else None
            changes.append(Change("changed", new.tier_of(resource), resource.urn, resource.type, resource.name, tuple(properties), severity, reasons, old_urn))
    still_there = set(matched.values())
    for urn, resource in old_by_urn.items():
        if urn not in still_there:
            danger = resource.type in STATEFUL_TYPES
            reasons = ("deleted, or renamed without an alias: its data goes with it",) if danger else ()
            changes.append(Change("deleted", old.tier_of(resource), urn, resource.type, resource.name, (), DANGER if danger else OK, reasons))
    return GraphDiff(stack=new.stack, old_release=old.release, new_release=new.release, changes=tuple(changes))
