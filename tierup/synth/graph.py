"""ResourceGraph: every resource a stack registers, its inputs, mock outputs, options and links."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

COMPONENT_PREFIX = "tierup:index:"
SECRET = "[secret]"
UNKNOWN = "[unknown]"


@dataclass(frozen=True, kw_only=True)
class ResourceOptions:
    """The resource options that decide what an update may do to a resource."""

    protect: bool = False
    retain_on_delete: bool = False
    delete_before_replace: bool = False
    ignore_changes: tuple[str, ...] = ()
    replace_on_changes: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    deleted_with: str | None = None


@dataclass(frozen=True, kw_only=True)
class Resource:
    """One registered resource, custom or component, as the engine saw it."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    id: str | None
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    options: ResourceOptions
    dependencies: tuple[str, ...]
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Input name → URNs it was computed from (known at preview, unlike the ids)."""
    provider: str | None = None
    """The explicit provider's reference (URN::id); None for the default provider of its package."""

    @property
    def provider_urn(self) -> str | None:
        return self.provider.rsplit("::", 1)[0] if self.provider else None


@dataclass(frozen=True, kw_only=True)
class ResourceGraph:
    """What one stack would deploy: its resources in registration order and its exports."""

    project: str
    stack: str
    release: str
    region: str
    settings: dict[str, Any]
    resources: tuple[Resource, ...]
    outputs: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources)

    def get(self, urn: str) -> Resource:
        """The resource with this URN; KeyError names it when absent."""
        for resource in self.resources:
            if resource.urn == urn:
                return resource
        raise KeyError(f"no resource {urn} in stack {self.stack}")

    def of_type(self, type_token: str) -> list[Resource]:
        """Resources of one type token, in registration order."""
        return [r for r in self.resources if r.type == type_token]

    def provider_of(self, resource: Resource) -> Resource | None:
        """The explicit provider resource the resource was registered with, if any."""
        urn = resource.provider_urn
        return next((r for r in self.resources if r.urn == urn), None) if urn else None

    def region_of(self, resource: Resource) -> str:
        """Where an AWS resource lives: its explicit provider's region, else the stack's."""
        provider = self.provider_of(resource)
        region = provider.inputs.get("region") if provider else None
        return str(region) if region else self.region

    def tier_of(self, resource: Resource) -> str:
        """The tier (NetworkTier → network) a resource belongs to, or "stack" for none."""
        by_urn = {r.urn: r for r in self.resources}
        current: Resource | None = resource
        while current is not None:
            if current.type.startswith(COMPONENT_PREFIX) and current.type.endswith("Tier"):
                return current.type[len(COMPONENT_PREFIX) : -len("Tier")].lower()
            current = by_urn.get(current.parent) if current.parent else None
        return "stack"

    def count_by_tier_and_type(self) -> Counter[tuple[str, str]]:
        """Custom resources counted per (tier, type)."""
        return Counter((self.tier_of(r), r.type) for r in self.resources if r.custom)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False)

    @classmethod
    def from_json(cls, text: str) -> ResourceGraph:
        data = json.loads(text)
        resources = tuple(
            Resource(
                **{
                    **item,
                    "options": ResourceOptions(**{k: _tuple_if_list(v) for k, v in item["options"].items()}),
                    "dependencies": tuple(item["dependencies"]),
                    "property_dependencies": {k: tuple(v) for k, v in item.get("property_dependencies", {}).items()},
                }
            )
            for item in data.pop("resources")
        )
        return cls(**data, resources=resources)


def _tuple_if_list(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
