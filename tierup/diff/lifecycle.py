"""What stops a delete: for a transition or a destroy, every protected resource on the delete
or replace side, and the explicit steps that lift the protection of what holds data."""

from __future__ import annotations

from dataclasses import dataclass

from tierup.diff.compare import GraphDiff, top_level
from tierup.diff.rules import REPLACEMENT_INPUTS
from tierup.render import short_type, wrap
from tierup.synth.graph import Resource, ResourceGraph
from tierup_guardrails.data_holders import BUCKET, DB_INSTANCE, DELETION_PROTECTION_INPUTS, USER_POOL, deletion_protected, is_data_holder


@dataclass(frozen=True)
class Blocker:
    """A resource the move would delete or replace that Pulumi or AWS refuses to delete."""

    name: str
    type: str
    protection: tuple[str, ...]
    holds_data: bool
    identifier: str
    """The physical name AWS knows it by (the database identifier), else the logical name."""

    @classmethod
    def of(cls, resource: Resource) -> Blocker:
        identifier = resource.inputs.get("identifier")
        return cls(resource.name, resource.type, protection_of(resource), holds_data(resource), identifier if isinstance(identifier, str) else resource.name)


def holds_data(resource: Resource) -> bool:
    """A primary database, the user pool or a bucket: what loses data when deleted."""
    return is_data_holder(resource.type, resource.inputs)


def protection_of(resource: Resource) -> tuple[str, ...]:
    """`protect` and the AWS deletion protection inputs that are on."""
    found = ("protect",) if resource.options.protect else ()
    return found + tuple(key for key in DELETION_PROTECTION_INPUTS if deletion_protected(resource.inputs.get(key)))


def _leaving(old: ResourceGraph, diff: GraphDiff) -> list[Resource]:
    """Old-side resources the move deletes, or replaces through a replacement-forcing input."""
    leaving = [old.get(change.urn) for change in diff.of_kind("deleted")]
    for change in diff.of_kind("changed"):
        forcing = set(REPLACEMENT_INPUTS.get(change.type, ()))
        if {top_level(p.path) for p in change.properties} & forcing:
            leaving.append(old.get(change.old_urn or change.urn))
    return leaving


def blockers(old: ResourceGraph, diff: GraphDiff) -> list[Blocker]:
    """Every protected resource the move from `old` would delete or replace."""
    return [Blocker.of(resource) for resource in _leaving(old, diff) if protection_of(resource)]


def destroy_blockers(graph: ResourceGraph) -> list[Blocker]:
    """What `pulumi destroy` would stop on: every protected custom resource of the stack."""
    return [Blocker.of(r) for r in graph if r.custom and protection_of(r)]


def unprotect_steps(stack: str, found: list[Blocker], then: str) -> list[str]:
    """The explicit two-step procedure for protected data holders, or a stop for anything else."""
    steps = [
        f"Stop: {b.name} ({b.type}) carries {' and '.join(b.protection)} but holds no data; remove that from the program first."
        for b in found
        if not b.holds_data
    ]
    holders = [b for b in found if b.holds_data]
    steps += [SAVE_STEPS[b.type](b) for b in holders]
    if holders:
        switches = " and ".join(dict.fromkeys(f"`pulumi config set -s {stack} --path {UNPROTECT_KEYS[b.type]} false`" for b in holders))
        steps += [
            f"Lift the protection of {', '.join(b.name for b in holders)} in an update of its own: {switches}, "
            f"then `pulumi up -s {stack}` (in place: protection turns off, nothing is deleted).",
            f"Then {then}; RDS keeps a final snapshot named <identifier>-final-<suffix>." if any(b.type == DB_INSTANCE for b in holders) else f"Then {then}.",
        ]
    return steps


# How a protected data holder's data is kept before its protection is lifted, and the setting
# that lifts it.
SAVE_STEPS = {
    DB_INSTANCE: lambda b: (
        f"Take a manual snapshot of {b.name}: `aws rds create-db-snapshot --db-instance-identifier {b.identifier} "
        f"--db-snapshot-identifier {b.identifier}-before-delete`."
    ),
    USER_POOL: lambda b: (
        f"Export the users of {b.name} if you keep them: `aws cognito-idp list-users --user-pool-id <userPoolId output>`; "
        "passwords cannot be exported, so users reset theirs in a new pool."
    ),
}
UNPROTECT_KEYS = {DB_INSTANCE: "tierup:data.protect", USER_POOL: "tierup:auth.deletionProtection"}


def destroy_report(graph: ResourceGraph) -> str:
    """`tierup diff STACK --destroy`: what goes, what stops the destroy, and the steps."""
    custom = [r for r in graph if r.custom]
    lines = [f"destroy {graph.stack}: release {graph.release} · {len(custom)} resources deleted"]
    for b in destroy_blockers(graph):
        lines += wrap(f"{b.name}  {short_type(b.type)}  ({', '.join(b.protection)})", "  protected  ")
    lines.append("  steps:")
    for step in destroy_steps(graph):
        lines += wrap(step, "    - ")
    return "\n".join(lines)


def destroy_steps(graph: ResourceGraph) -> list[str]:
    """How to destroy the stack: one `pulumi destroy`, or the explicit steps first."""
    command = f"`pulumi destroy -s {graph.stack}`"
    found = destroy_blockers(graph)
    # S3 refuses to delete a bucket that holds objects (force_destroy stays off on purpose).
    buckets = [
        f"Copy what you keep from {r.name} and empty it, every version (its name is in `pulumi stack output -s {graph.stack}`): "
        f"`aws s3 sync s3://<bucket> ./{r.name}-backup`, then `aws s3 rm s3://<bucket> --recursive` and delete its versions; "
        f"otherwise {command} stops at it."
        for r in graph
        if r.custom and r.type == BUCKET
    ]
    if not found:
        then = "then " if buckets else ""
        return [*buckets, f"Nothing is protected: {then}{command} deletes the stack in one step (the database after a final snapshot)."]
    return [*buckets, *unprotect_steps(graph.stack, found, f"run {command}")]
