"""The app's container definitions: hardened by construction (pure, no Pulumi resources)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

CONTAINER_NAME = "app"
SCRATCH_INIT_NAME = "scratch-init"
# Runs once per task, before the app, only to open the scratch volumes to the app's user.
SCRATCH_INIT_IMAGE = "public.ecr.aws/docker/library/busybox:1.37"
# World-writable with the sticky bit, like a host's /tmp: any uid the app runs as may write.
SCRATCH_MODE = "1777"
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
    """Paths the image writes to: each gets its own scratch volume (the root is read-only)."""

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

    @property
    def scratch_volumes(self) -> list[tuple[str, str]]:
        """(volume name, container path) for each writable path, in order."""
        return [(f"scratch-{index}", path) for index, path in enumerate(self.writable_paths, start=1)]


def container_definitions(container: AppContainer, environment: Mapping[str, str], secret_arns: Mapping[str, str], log_group: str, region: str) -> str:
    """The task definition's containerDefinitions JSON, from the container's resolved values:
    the app, and before it a short-lived container that opens its scratch volumes."""
    logging: dict[str, object] = {
        "logDriver": "awslogs",
        "options": {"awslogs-group": log_group, "awslogs-region": region, "awslogs-stream-prefix": CONTAINER_NAME},
    }
    mounts = [{"sourceVolume": volume, "containerPath": path, "readOnly": False} for volume, path in container.scratch_volumes]
    app: dict[str, object] = {
        "name": CONTAINER_NAME,
        "image": container.image,
        "essential": True,
        "portMappings": [{"containerPort": container.port, "protocol": "tcp"}],
        # Writes go to the scratch volumes only (CKV_AWS_336, ECS.5); no privileges (CKV_AWS_334, ECS.4).
        "readonlyRootFilesystem": True,
        "privileged": False,
        "mountPoints": mounts,
        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
        "environment": [{"name": name, "value": value} for name, value in sorted(environment.items())],
        # Secrets reach the container through valueFrom only (ECS.8, AVD-AWS-0036).
        "secrets": [{"name": name, "valueFrom": arn} for name, arn in sorted(secret_arns.items())],
        "logConfiguration": logging,
    }
    if container.user is not None:
        app["user"] = container.user
    if not mounts:
        return json.dumps([app], sort_keys=True)
    app["dependsOn"] = [{"containerName": SCRATCH_INIT_NAME, "condition": "SUCCESS"}]
    return json.dumps([_scratch_init(mounts, logging), app], sort_keys=True)


def _scratch_init(mounts: list[dict[str, object]], logging: dict[str, object]) -> dict[str, object]:
    """Fargate creates a task's bind-mount volumes owned by root with mode 0755 (ECS Developer
    Guide, "Bind mounts"), and Fargate has no tmpfs (ECS API Reference, LinuxParameters:
    "tmpfs ... isn't supported" on Fargate). So an app that runs as a non-root user cannot write
    them: this container runs first as root, with no capabilities (root owns the volumes, so
    chmod needs none), opens them like /tmp, and exits; the app starts only once it succeeded
    (container dependency condition SUCCESS, Fargate platform 1.3.0 or later)."""
    return {
        "name": SCRATCH_INIT_NAME,
        "image": SCRATCH_INIT_IMAGE,
        "essential": False,
        "user": "0",
        "command": ["chmod", SCRATCH_MODE, *[str(mount["containerPath"]) for mount in mounts]],
        "readonlyRootFilesystem": True,
        "privileged": False,
        "mountPoints": mounts,
        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
        "logConfiguration": logging,
    }
