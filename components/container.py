"""The app's container definition: hardened by construction (pure, no Pulumi resources)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from tierup_guardrails.settings.model import AppSettings

CONTAINER_NAME = "app"
# World-writable with the sticky bit, like a host's /tmp, so any uid the app runs as may write;
# no device files and no set-uid binaries there. ECS passes key=value options through to the
# tmpfs mount (Fargate tasks in production use uid=/gid= the same way, e.g.
# ministryofjustice/opg-lpa#3734); without mode the mount keeps the image directory's mode.
SCRATCH_MOUNT_OPTIONS = ("nosuid", "nodev", "mode=1777")
_ABSOLUTE_PATH = re.compile(r"/[A-Za-z0-9._/-]*")


@dataclass(frozen=True, kw_only=True)
class AppContainer:
    """What runs in the task: the stack's app settings with the platform's environment and
    secrets merged in; secrets arrive as ARNs only."""

    shape: AppSettings
    """The app's settings: image, port, health check path, user, writable paths and their room."""
    environment: Mapping[str, object] = field(default_factory=dict)
    """Plain environment variables (str or Output[str]): the stack's and the platform's; never secrets."""
    secret_arns: Mapping[str, object] = field(default_factory=dict)
    """Environment name → Secrets Manager / SSM parameter ARN (str or Output[str])."""

    def __post_init__(self) -> None:
        if not 1 <= self.shape.port <= 65535:
            raise ValueError(f"AppContainer.shape.port must be 1-65535, not {self.shape.port}")
        if not self.shape.health_check_path.startswith("/"):
            raise ValueError(f"AppContainer.shape.health_check_path must start with '/', not {self.shape.health_check_path!r}")
        overlap = set(self.environment) & set(self.secret_arns)
        if overlap:
            raise ValueError(f"AppContainer: {sorted(overlap)} set both as environment and as secrets")
        for path in self.shape.writable_paths:
            if not _ABSOLUTE_PATH.fullmatch(path) or path == "/":
                raise ValueError(f"AppContainer.shape.writable_paths: {path!r} is not an absolute path below /")
        if len(set(self.shape.writable_paths)) != len(self.shape.writable_paths):
            raise ValueError(f"AppContainer.shape.writable_paths repeats a path: {list(self.shape.writable_paths)}")


def container_definitions(container: AppContainer, environment: Mapping[str, str], secret_arns: Mapping[str, str], log_group: str, region: str) -> str:
    """The task definition's containerDefinitions JSON, from the container's resolved values."""
    linux: dict[str, object] = {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}}
    if container.shape.writable_paths:
        # Not bind mounts: Fargate creates those root-owned 0755 (ECS Developer Guide, "Bind
        # mounts"), which a non-root app cannot write. tmpfs mounts are mode 1777 and Fargate
        # supports them since January 2026 (ECS API Reference, LinuxParameters.tmpfs, which no
        # longer carries its "isn't supported" Fargate note; platform version 1.4.0).
        linux["tmpfs"] = [
            {"containerPath": path, "size": container.shape.writable_mib, "mountOptions": list(SCRATCH_MOUNT_OPTIONS)}
            for path in container.shape.writable_paths
        ]
    definition: dict[str, object] = {
        "name": CONTAINER_NAME,
        "image": container.shape.image,
        "essential": True,
        "portMappings": [{"containerPort": container.shape.port, "protocol": "tcp"}],
        # Writes go to the tmpfs mounts only (CKV_AWS_336, ECS.5); no privileges (CKV_AWS_334, ECS.4).
        "readonlyRootFilesystem": True,
        "privileged": False,
        "linuxParameters": linux,
        "environment": [{"name": name, "value": value} for name, value in sorted(environment.items())],
        # Secrets reach the container through valueFrom only (ECS.8, AVD-AWS-0036).
        "secrets": [{"name": name, "valueFrom": arn} for name, arn in sorted(secret_arns.items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {"awslogs-group": log_group, "awslogs-region": region, "awslogs-stream-prefix": CONTAINER_NAME},
        },
    }
    if container.shape.user is not None:
        definition["user"] = container.shape.user
    return json.dumps([definition], sort_keys=True)
