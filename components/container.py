"""The app's container definition: hardened by construction (pure, no Pulumi resources)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

CONTAINER_NAME = "app"
# Room for each writable path, in MiB of the task's memory (tmpfs lives in memory, used as filled).
SCRATCH_MIB = 64
# World-writable with the sticky bit, like a host's /tmp, so any uid the app runs as may write;
# no device files and no set-uid binaries there. ECS passes key=value options through to the
# tmpfs mount (Fargate tasks in production use uid=/gid= the same way, e.g.
# ministryofjustice/opg-lpa#3734); without mode the mount keeps the image directory's mode.
SCRATCH_MOUNT_OPTIONS = ("nosuid", "nodev", "mode=1777")
_ABSOLUTE_PATH = re.compile(r"/[A-Za-z0-9._/-]*")


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
    writable_paths: Sequence[str] = ("/tmp",)
    """Paths the image writes to: each gets a tmpfs mount (the root file system is read-only)."""

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise ValueError(f"AppContainer.port must be 1-65535, not {self.port}")
        if not self.health_check_path.startswith("/"):
            raise ValueError(f"AppContainer.health_check_path must start with '/', not {self.health_check_path!r}")
        overlap = set(self.environment) & set(self.secret_arns)
        if overlap:
            raise ValueError(f"AppContainer: {sorted(overlap)} set both as environment and as secrets")
        for path in self.writable_paths:
            if not _ABSOLUTE_PATH.fullmatch(path) or path == "/":
                raise ValueError(f"AppContainer.writable_paths: {path!r} is not an absolute path below /")
        if len(set(self.writable_paths)) != len(self.writable_paths):
            raise ValueError(f"AppContainer.writable_paths repeats a path: {list(self.writable_paths)}")


def container_definitions(container: AppContainer, environment: Mapping[str, str], secret_arns: Mapping[str, str], log_group: str, region: str) -> str:
    """The task definition's containerDefinitions JSON, from the container's resolved values."""
    linux: dict[str, object] = {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}}
    if container.writable_paths:
        # Not bind mounts: Fargate creates those root-owned 0755 (ECS Developer Guide, "Bind
        # mounts"), which a non-root app cannot write. tmpfs mounts are mode 1777 and Fargate
        # supports them since January 2026 (ECS API Reference, LinuxParameters.tmpfs, which no
        # longer carries its "isn't supported" Fargate note; platform version 1.4.0).
        linux["tmpfs"] = [{"containerPath": path, "size": SCRATCH_MIB, "mountOptions": list(SCRATCH_MOUNT_OPTIONS)} for path in container.writable_paths]
    definition: dict[str, object] = {
        "name": CONTAINER_NAME,
        "image": container.image,
        "essential": True,
        "portMappings": [{"containerPort": container.port, "protocol": "tcp"}],
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
    if container.user is not None:
        definition["user"] = container.user
    return json.dumps([definition], sort_keys=True)
