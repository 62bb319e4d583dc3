"""The app's container definition: hardened by construction (pure, no Pulumi resources)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

CONTAINER_NAME = "app"
SCRATCH_VOLUME = "scratch"
SCRATCH_PATH = "/tmp"


@dataclass(frozen=True, kw_only=True)
class AppContainer:
    """What runs in the task; secrets arrive as ARNs only."""

    image: str
    """Container image reference."""
    port: int
    """TCP port the container listens on."""
    health_check_path: str
    """HTTP path the load balancer probes."""
    environment: Mapping[str, object] = field(default_factory=dict)
    """Plain environment variables (str or Output[str]); never secrets."""
    secret_arns: Mapping[str, object] = field(default_factory=dict)
    """Environment name → Secrets Manager / SSM parameter ARN (str or Output[str])."""
    user: str | None = None
    """uid[:gid] or user name to run as; None keeps the image's user."""

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise ValueError(f"AppContainer.port must be 1-65535, not {self.port}")
        if not self.health_check_path.startswith("/"):
            raise ValueError(f"AppContainer.health_check_path must start with '/', not {self.health_check_path!r}")
        overlap = set(self.environment) & set(self.secret_arns)
        if overlap:
            raise ValueError(f"AppContainer: {sorted(overlap)} set both as environment and as secrets")


def container_definitions(container: AppContainer, environment: Mapping[str, str], secret_arns: Mapping[str, str], log_group: str, region: str) -> str:
    """The task definition's containerDefinitions JSON, from the container's resolved values."""
    definition: dict[str, object] = {
        "name": CONTAINER_NAME,
        "image": container.image,
        "essential": True,
        "portMappings": [{"containerPort": container.port, "protocol": "tcp"}],
        # Writes go to the scratch volume only (CKV_AWS_336, ECS.5); no privileges (CKV_AWS_334, ECS.4).
        "readonlyRootFilesystem": True,
        "privileged": False,
        "mountPoints": [{"sourceVolume": SCRATCH_VOLUME, "containerPath": SCRATCH_PATH, "readOnly": False}],
        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
        "environment": [{"name": name, "value": value} for name, value in sorted(environment.items())],
        # Secrets reach the container through valueFrom only (ECS.8, AVD-AWS-0036).
        "secrets": [{"name": name, "valueFrom": arn} for name, arn in sorted(secret_arns.items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {"awslogs-group": log_group, "awslogs-region": region, "awslogs-stream-prefix": CONTAINER_NAME},
        },
    }
    if container.user is not None:
        definition["user"] = container.user
    return json.dumps([definition], sort_keys=True)
