"""Child resource names: `<component>-<role>`, kebab-case, stable once shipped."""

from __future__ import annotations

import re

_KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def child_name(parent: str, role: str) -> str:
    """The logical name of a component's child; names are part of the URN, so never reuse
    a role for a different resource."""
    if not _KEBAB.fullmatch(role):
        raise ValueError(f"child role {role!r} must be kebab-case (a-z, 0-9 and '-')")
    return f"{parent}-{role}"
