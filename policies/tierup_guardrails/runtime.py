"""The container runtime contract: a read-only root with a non-root user writes only to tmpfs
mounts or to volumes opened to that user first, within the task's memory (what the mock engine
cannot see, and ECS only shows when the app exits)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pulumi_policy import Policy, Severity

from tierup_guardrails.base import Props, RailsSource, Spec, as_list, number, resource_policy
from tierup_guardrails.compute import TASK_DEFINITION, containers
from tierup_guardrails.settings.guardrails import Guardrails

ROOT_USERS = ("0", "root")
PREPARED = ("SUCCESS", "COMPLETE")
PREPARING_COMMANDS = ("chmod", "chown")
# Where well-known images write at run time, so a missing writable mount is caught before the
# task exits: nginx-unprivileged keeps its pid file and temp paths in /tmp.
KNOWN_IMAGE_WRITES: Mapping[str, tuple[str, ...]] = {"nginx/nginx-unprivileged": ("/tmp",), "nginxinc/nginx-unprivileged": ("/tmp",)}

WRITABLE_PATHS = Spec(
    name="ecs-task-writable-paths-prepared",
    description=(
        "A container with a read-only root that may run as a non-root user writes only to tmpfs mounts, or to bind mounts opened to it "
        "before it starts (Fargate creates those root-owned 0755), and its tmpfs mounts leave it half the task's memory."
    ),
    severity=Severity.HIGH,
    remediation="List the paths the image writes in tierup:app.writablePaths; the platform gives each one a tmpfs mount.",
    references=("runtime-contract", "ECS Developer Guide: Bind mounts"),
)


def _runs_as_root(container: Mapping[str, object]) -> bool:
    user = container.get("user")
    return isinstance(user, str) and user.split(":")[0] in ROOT_USERS


def _bind_volumes(props: Props) -> set[str]:
    """Task volumes that are Fargate bind mounts (no host path, EFS or Docker volume)."""
    volumes = [v for v in as_list(props.get("volumes")) if isinstance(v, Mapping)]
    other = ("hostPath", "efsVolumeConfiguration", "dockerVolumeConfiguration", "fsxWindowsFileServerVolumeConfiguration")
    return {str(v.get("name")) for v in volumes if not any(v.get(key) for key in other)}


def _mounts(container: Mapping[str, object]) -> list[Mapping[str, object]]:
    return [m for m in as_list(container.get("mountPoints")) if isinstance(m, Mapping)]


def _opens(preparer: Mapping[str, object], volume: str) -> bool:
    """True when a root container mounts `volume` and its command chmods or chowns that path."""
    paths = [str(m.get("containerPath")) for m in _mounts(preparer) if m.get("sourceVolume") == volume]
    words = [str(word) for word in as_list(preparer.get("command"))]
    return _runs_as_root(preparer) and bool(paths) and any(w in PREPARING_COMMANDS for w in words) and any(p in words for p in paths)


def _preparers(container: Mapping[str, object], by_name: Mapping[str, Mapping[str, object]]) -> list[Mapping[str, object]]:
    waits = [d for d in as_list(container.get("dependsOn")) if isinstance(d, Mapping) and d.get("condition") in PREPARED]
    return [by_name[str(d.get("containerName"))] for d in waits if str(d.get("containerName")) in by_name]


def _image_writes(image: object) -> tuple[str, ...]:
    repository = str(image).split("@")[0].rsplit(":", 1)[0] if image else ""
    return next((paths for known, paths in KNOWN_IMAGE_WRITES.items() if repository.endswith(known)), ())


def _tmpfs(container: Mapping[str, object]) -> list[Mapping[str, object]]:
    linux = container.get("linuxParameters")
    return [t for t in as_list(linux.get("tmpfs")) if isinstance(t, Mapping)] if isinstance(linux, Mapping) else []


def _writable_path_violations(props: Props, _: Guardrails) -> Iterable[str]:
    definitions = containers(props)
    by_name = {str(c.get("name")): c for c in definitions}
    bind_volumes = _bind_volumes(props)
    memory = props.get("memory")
    for container in definitions:
        name = container.get("name")
        tmpfs_mib = sum(number(t.get("size", 0)) for t in _tmpfs(container))
        if memory is not None and tmpfs_mib > number(memory) / 2:
            yield f"Shrink the tmpfs mounts of container {name} to {number(memory) / 2:g} MiB in all: they live in the task's {number(memory):g} MiB of memory."
        if container.get("readonlyRootFilesystem") is not True or _runs_as_root(container):
            continue
        writable = {str(t.get("containerPath")) for t in _tmpfs(container)}
        for mount in _mounts(container):
            volume = str(mount.get("sourceVolume"))
            if mount.get("readOnly") is True:
                continue
            writable.add(str(mount.get("containerPath")))
            if volume in bind_volumes and not any(_opens(preparer, volume) for preparer in _preparers(container, by_name)):
                yield (
                    f"Open volume {volume} at {mount.get('containerPath')} to container {name} before it starts: Fargate creates it "
                    "root-owned 0755; use a tmpfs mount (tierup:app.writablePaths) or a root init container that chmods it."
                )
        for path in _image_writes(container.get("image")):
            if path not in writable:
                yield f"Mount a tmpfs at {path} for container {name}: its image writes there and the root file system is read-only."


def policies(source: RailsSource) -> list[Policy]:
    return [resource_policy(WRITABLE_PATHS, (TASK_DEFINITION,), _writable_path_violations, source)]
