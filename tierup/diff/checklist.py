"""The migration checklist of an upgrade, written from what actually differs."""

from __future__ import annotations

from tierup.diff.compare import WARN, Change, GraphDiff, top_level
from tierup.diff.lifecycle import Blocker, blockers, unprotect_steps
from tierup.diff.migration import Runbook
from tierup.synth.graph import ResourceGraph

NAT = "aws:ec2/natGateway:NatGateway"
ALB = "aws:lb/loadBalancer:LoadBalancer"
DB = "aws:rds/instance:Instance"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
PROXY = "aws:rds/proxy:Proxy"
LISTENER = "aws:lb/listener:Listener"


def _touches(change: Change, *inputs: str) -> bool:
    return any(top_level(p.path) in inputs for p in change.properties)


def _runbook_first(runbook: Runbook | None) -> list[str]:
    """What the migration runbook (printed after the checklist) says comes first."""
    if runbook is None or runbook.at == runbook.to:
        return []
    if runbook.dangers:
        return [f"Stop: do not apply this in one `pulumi up`: {'; '.join(runbook.dangers)}. Follow the migration runbook below."]
    return [f"This change is step {runbook.to} of the migration runbook below: run that step's commands; its DANGER lines, if any, are what it deletes."]


def _unprotect(found: list[Blocker], runbook: Runbook | None) -> list[Blocker]:
    """Blockers whose protection the checklist lifts: the RDS instance is the runbook's (step 4),
    never lifted so that one `pulumi up` can delete it."""
    return [b for b in found if not (runbook and b.type == DB)]


def checklist(diff: GraphDiff, old: ResourceGraph, new: ResourceGraph, runbook: Runbook | None = None) -> dict[str, list[str]]:
    """Steps before and after `pulumi up`, the downtime to expect, and the way back; none at all
    when nothing changes (there is nothing to migrate, nor to roll back). Along the migration to
    Aurora the runbook leads: its step replaces the generic DANGER stop and the way back."""
    if not diff.changes:
        return {step: [] for step in ("before", "downtime", "after", "rollback")}
    stack = new.stack
    added = {c.type for c in diff.of_kind("added")}
    changed = [c for c in diff.of_kind("changed")]
    before = [f"Run `pulumi preview --diff -s {stack} --policy-pack policies` and read it beside this report."]
    after: list[str] = []
    downtime: list[str] = []
    rollback: list[str] = []
    if diff.dangers and not _runbook_first(runbook):
        before.insert(0, "Stop: resolve every DANGER line first (add an alias, or revert the input); protect refuses these changes anyway.")
    before[:0] = _runbook_first(runbook)
    before += unprotect_steps(stack, _unprotect(blockers(old, diff), runbook), f"run `pulumi up -s {stack}` with the new release")
    if any(c.type == DB and _touches(c, "manageMasterUserPassword") for c in changed):
        before.append(
            "The database's password moves from RDS's managed secret to the stack's own (dbSecretArn); RDS applies it at once and the "
            "service's new tasks read it right after: run this in a quiet hour, and point any other client at the new secret."
        )
    for change in changed:
        if change.type == DB and _touches(change, "multiAz", "instanceClass", "engineVersion", "parameterGroupName"):
            identifier = new.get(change.urn).inputs.get("identifier", change.name)
            snapshot = f"{identifier}-before-{diff.new_release.replace('.', '-')}"
            before.append(f"Take a manual snapshot: `aws rds create-db-snapshot --db-instance-identifier {identifier} --db-snapshot-identifier {snapshot}`.")
            break
    # Every disruption the comparison found, once each, with the resource it concerns.
    for change in changed:
        if change.severity == WARN:
            downtime += [f"{change.name}: {reason}." for reason in change.reasons if f"{change.name}: {reason}." not in downtime]
    if NAT in added:
        after.append("Check that tasks in private subnets reach the internet through the NAT gateway (image pulls, third-party APIs).")
    if ALB in added:
        after.append("Point the app's DNS name (CNAME or alias) at the new `appUrl` output; the public task address goes away.")
        rollback.append("Moving back removes the load balancer: point DNS back at the task's public address (`appUrlHint`).")
    if LISTENER in added:
        after.append("Open `appUrl` and check the health check path answers through the load balancer.")
    if CACHE in added:
        before.append("Deploy an app version that reads CACHE_BACKEND and REDIS_* before `pulumi up`; the PostgreSQL cache table stays until you drop it.")
    if PROXY in added:
        after.append("The app now connects through the RDS Proxy (DB_HOST changes); recycle long-lived connections.")
    deleted = {c.type: c for c in diff.of_kind("deleted")}
    if ALB in deleted:
        downtime.append("The load balancer is removed: the app answers only on its task's public address once the new task runs.")
    if NAT in deleted:
        downtime.append("NAT gateways are removed: tasks left in private subnets lose internet access.")
    if CACHE in deleted:
        downtime.append("The ElastiCache group is removed with its data: the app must be back on CACHE_BACKEND=postgres first.")
    if runbook is not None and _runbook_first(runbook):
        # A migration step's downtime (the write stop around the promotion) is in no single diff.
        downtime.insert(0, "As the migration runbook below says for each step (writes stop from step 2 to the end of step 3).")
    if not downtime:
        downtime.append("None expected: every change is an addition or an in-place update without restart.")
    rollback.insert(
        0,
        f"Set `tierup:release` back to {diff.old_release} (or revert the commit) and run `pulumi up -s {stack}`: added resources are removed, "
        "in-place changes are reverted, and the database is modified in place, never deleted.",
    )
    if any(c.type == DB and _touches(c, "multiAz") for c in changed):
        rollback.append("Turning Multi-AZ off again is in place and keeps the data.")
    if _runbook_first(runbook):
        # The generic way back (the old release) is wrong here: it could drop writes or the data.
        rollback = ["Only as the migration runbook below says: each of its steps has its own way back."]
    return {"before": before, "downtime": downtime, "after": after or ["Run `tierup check` and look at the app's health in CloudWatch."], "rollback": rollback}
