"""The task sizes AWS Fargate accepts: CPU units and the memory (MiB) each allows."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


def _gib_steps(first_gib: int, last_gib: int, step_gib: int) -> tuple[int, ...]:
    return tuple(gib * 1024 for gib in range(first_gib, last_gib + 1, step_gib))


# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html
FARGATE_MEMORY_BY_CPU: Mapping[int, tuple[int, ...]] = MappingProxyType(
    {
        256: (512, 1024, 2048),
        512: _gib_steps(1, 4, 1),
        1024: _gib_steps(2, 8, 1),
        2048: _gib_steps(4, 16, 1),
        4096: _gib_steps(8, 30, 1),
        8192: _gib_steps(16, 60, 4),
        16384: _gib_steps(32, 120, 8),
    }
)


def describe_memory_choices(memories: tuple[int, ...]) -> str:
    """Short human list of memory sizes: every value when few, else the range and step."""
    if len(memories) <= 4:
        return ", ".join(str(m) for m in memories)
    step = memories[1] - memories[0]
    return f"{memories[0]} to {memories[-1]} in steps of {step}"
