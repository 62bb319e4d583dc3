"""What a tier hands the app: the shape __main__.py gathers from every tier into the container."""

from __future__ import annotations

from typing import Protocol

import pulumi


class FeedsTheApp(Protocol):
    """A tier whose names and endpoints the app reads at start."""

    app_environment: dict[str, pulumi.Input[str]]
    """Plain environment variables: names the stack chose, known at preview."""
    app_secret_arns: dict[str, pulumi.Input[str]]
    """Variables read by ARN (secrets, and parameters holding what AWS assigns)."""
    app_restart_triggers: dict[str, pulumi.Input[str]]
    """Values whose change must restart the tasks (the parameters' versions)."""
