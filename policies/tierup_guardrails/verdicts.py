"""What a policy can say about a stack, shared by the pack and every report (pure).

A policy runs at a `Level` for the stack's release; each violation it reports becomes a `Finding`
at that level, or at NOT_EVALUATED when a value it needs is unknown (a first preview). The pack
decides levels with these; the toolkit reads findings back over gRPC into the same type."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    """How a policy behaves under a release; its value is what reports print."""

    MANDATORY = "mandatory"
    ADVISORY = "advisory"
    QUIET = "not applicable"


NOT_EVALUATED = "not evaluated"
"""A finding's level when the policy could not decide: a value it reads is unknown."""
FINDING_LEVELS = (Level.MANDATORY.value, Level.ADVISORY.value, NOT_EVALUATED)


@dataclass(frozen=True)
class Finding:
    """One violation (or a policy that could not be evaluated) on one resource or the stack."""

    policy: str
    level: str
    """One of FINDING_LEVELS."""
    message: str
    urn: str | None
    severity: str
    remediation: str
    policy_level: str = ""
    """The policy's own level for this stack (mandatory or advisory): what a not-evaluated
    finding would have been, since the SDK reports those as advisory."""
