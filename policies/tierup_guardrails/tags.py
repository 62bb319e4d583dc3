"""The one tag builder: general to specific (Project, Stack, Release, ManagedBy, Tier, Name)."""

from __future__ import annotations

from dataclasses import dataclass

REQUIRED_TAG_KEYS = ("Project", "Stack", "Release", "Tier", "ManagedBy")


@dataclass(frozen=True, kw_only=True)
class StackTags:
    """The tags every resource of a stack shares; tiers add their own Tier and a Name."""

    project: str
    """Pulumi project name; also the cost allocation tag that budgets filter on."""
    stack: str
    """Pulumi stack name."""
    release: str
    """Release of the stack, e.g. v1.5."""

    def __post_init__(self) -> None:
        for field, value in (("project", self.project), ("stack", self.stack), ("release", self.release)):
            if not value:
                raise ValueError(f"StackTags.{field} must not be empty")

    def for_resource(self, tier: str, role: str) -> dict[str, str]:
        """Tags of one resource of `tier`, its Name readable in the AWS console."""
        return {
            "Project": self.project,
            "Stack": self.stack,
            "Release": self.release,
            "ManagedBy": "pulumi",
            "Tier": tier,
            "Name": f"{self.project}-{self.stack}-{role}",
        }
