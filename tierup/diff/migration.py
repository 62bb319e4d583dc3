"""The migration runbook from RDS to Aurora (release v3.0): the data-safe steps as data, where a
stack is on them (read from its settings), and which step a diff performs or skips.

RDS → Aurora cannot be an in-place change: the one-shot `pulumi up` to v3.0 would delete the RDS
instance. The way there is six positions, five of them one reviewed `pulumi up` each
(tierup:data.migration) and one AWS CLI promotion that no setting records (step 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tierup.synth.graph import Resource, ResourceGraph
from tierup_guardrails.data_holders import AURORA_CLUSTER, DB_INSTANCE

CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
ECS_CLUSTER = "aws:ecs/cluster:Cluster"
ECS_SERVICE = "aws:ecs/service:Service"
PROXY = "aws:rds/proxy:Proxy"
TARGET_RELEASE = "v3.0"
RDS_RELEASE = "v2.0"
"""The release a rollback of step 1 returns to when the diff cannot tell (the last one on RDS)."""


@dataclass(frozen=True)
class Step:
    """One step of the runbook. Its texts are templates filled from `Names` (str.format)."""

    number: int
    title: str
    commands: tuple[str, ...]
    downtime: str
    rollback: str
    by_pulumi: bool
    """True when the step is a `pulumi up` (a setting records it); False for the AWS CLI step."""


# The commands every `pulumi up` step runs after its config change: review, then apply.
_REVIEW = ("tierup diff {stack} --base HEAD", "pulumi preview --diff -s {stack}", "pulumi up -s {stack}")
_SET = "pulumi config set -s {stack} --path tierup:data.migration "
# Steps 2 and 3 may run in different shells: each names the service it scales.
_ECS_NAMES = ("ECS_CLUSTER={ecs_cluster}", "ECS_SERVICE={ecs_service}")
_SCALE_UP = 'aws ecs update-service --cluster "$ECS_CLUSTER" --service "$ECS_SERVICE" --desired-count {desired_count}'

STEPS = (
    Step(
        0,
        "On RDS: the data is in the RDS instance {instance_id}",
        (),
        "-",
        "-",
        by_pulumi=True,
    ),
    Step(
        1,
        "Create an Aurora read replica of the RDS instance, and the recovery region",
        (
            "pulumi config set -s {stack} tierup:release " + TARGET_RELEASE,
            _SET + "replicating",
            *_REVIEW,
            "aws rds wait db-cluster-available --db-cluster-identifier {cluster_id}",
            "aws rds describe-db-clusters --db-cluster-identifier {cluster_id} --query 'DBClusters[0].Status'",
        ),
        "none: nothing is deleted and the app stays on RDS. Before step 2, wait until the replica's lag "
        "(CloudWatch AWS/RDS ReplicaLag of {cluster_id}'s instances) is near zero.",
        "`pulumi config set -s {stack} tierup:release {rds_release}`, `" + _SET + "none`, then `pulumi up -s {stack}`: "
        "it deletes only copies: the replica cluster and the recovery region (empty its replica buckets "
        "first: S3 refuses to delete a bucket that holds objects).",
        by_pulumi=True,
    ),
    Step(
        2,
        "Stop writes, let the replica catch up, promote it (AWS CLI; no setting records this step)",
        (
            *_ECS_NAMES,
            'aws ecs update-service --cluster "$ECS_CLUSTER" --service "$ECS_SERVICE" --desired-count 0',
            'aws ecs wait services-stable --cluster "$ECS_CLUSTER" --services "$ECS_SERVICE"',
            "aws rds promote-read-replica-db-cluster --db-cluster-identifier {cluster_id}",
            "aws rds wait db-cluster-available --db-cluster-identifier {cluster_id}",
        ),
        "writes stop from the scale-down until step 3's `pulumi up` has finished: once the lag is zero the "
        "promotion takes several minutes (AWS: longer for a larger database), step 3 a few more.",
        "before the promotion, scale the service back up (step 3's last command): RDS was never touched. After it, "
        "RDS still has every write (writes were stopped): scale back up and stay on RDS; the promoted cluster no "
        "longer replicates, so remove it (step 1's rollback) and start again from step 1.",
        by_pulumi=False,
    ),
    Step(
        3,
        "Point the app at Aurora; add the global database and its secondary in the recovery region",
        (
            _SET + "promoted",
            *_REVIEW,
            *_ECS_NAMES,
            _SCALE_UP,
        ),
        "the rest of step 2's write stop: the service's new tasks connect to Aurora{through_proxy}. The RDS instance "
        "{instance_id} stays, protected and untouched.",
        "not through a setting: a promoted cluster cannot become a replica again (the provider refuses, "
        "`tierup diff` marks it DANGER). The RDS instance {instance_id} still holds every write up to step 2: "
        "restore service on it by hand (point DB_HOST at it); writes made on Aurora since are NOT on RDS.",
        by_pulumi=True,
    ),
    Step(
        4,
        "Lift the RDS instance's protection (it keeps running, unused)",
        (_SET + "retiring", *_REVIEW),
        "none: the RDS instance {instance_id} loses `protect` and deletion protection; its final snapshot identifier is already in the state.",
        "`" + _SET + "promoted`, then `pulumi up -s {stack}` protects it again.",
        by_pulumi=True,
    ),
    Step(
        5,
        "Delete the RDS instance and its replica; AWS takes the final snapshot first",
        (
            _SET + "none",
            *_REVIEW,
            "aws rds describe-db-snapshots --db-instance-identifier {instance_id} --snapshot-type manual",
        ),
        "none: the app is on Aurora. The final snapshot is {instance_id}-final-<suffix>.",
        "none through tierup: restore {instance_id}-final-<suffix> to a new RDS instance by hand "
        "(`aws rds restore-db-instance-from-db-snapshot`) and point the app at it.",
        by_pulumi=True,
    ),
)

# Where tierup:data.migration puts an Aurora stack; an RDS stack is at step 0.
_POSITION_OF_MIGRATION = {"replicating": 1, "promoted": 3, "retiring": 4, "none": 5}


def position(graph: ResourceGraph) -> int:
    """The last step the stack's settings have applied: 0 on RDS, 5 on Aurora alone. Step 2 is
    invisible here (an AWS CLI command): a stack at 1 may already have promoted its replica."""
    data: dict[str, Any] = graph.settings.get("data", {})
    if data.get("engine", "postgres") != "aurora-postgresql":
        return 0
    return _POSITION_OF_MIGRATION[str(data.get("migration", "none"))]


@dataclass(frozen=True)
class Names:
    """The real names the runbook's commands need, read from the two graphs."""

    stack: str
    instance_id: str
    cluster_id: str
    ecs_cluster: str
    ecs_service: str
    desired_count: int
    rds_release: str
    through_proxy: str


def _first(graphs: tuple[ResourceGraph, ...], type_token: str, *, primary: bool = False) -> Resource | None:
    """The first resource of a type in either graph (a primary: not a replica of another)."""
    for graph in graphs:
        for resource in graph.of_type(type_token):
            if not (primary and resource.inputs.get("replicateSourceDb")):
                return resource
    return None


def _input(resource: Resource | None, key: str, default: str) -> str:
    value = resource.inputs.get(key) if resource else None
    return value if isinstance(value, str) and value else default


def _ecs_name(resource: Resource | None, stack: str, output: str) -> str:
    """The name given in the program, else the stack output: Pulumi auto-names the cluster and
    the service with a random suffix that only the deployed stack knows."""
    return _input(resource, "name", f'"$(pulumi stack output -s {stack} {output})"')


def names(old: ResourceGraph, new: ResourceGraph) -> Names:
    """Identifiers from the graphs; tierup's naming convention where a side lacks the resource
    (the Aurora cluster before step 1, the RDS instance after step 5)."""
    both = (old, new)
    prefix = f"{new.project}-{new.stack}"
    instance = _first(both, DB_INSTANCE, primary=True)
    service = _first((new, old), ECS_SERVICE)
    count = service.inputs.get("desiredCount") if service else None
    return Names(
        stack=new.stack,
        instance_id=_input(instance, "identifier", f"{prefix}-db"),
        cluster_id=_input(_first((new, old), AURORA_CLUSTER), "clusterIdentifier", f"{prefix}-aurora"),
        ecs_cluster=_ecs_name(_first((new, old), ECS_CLUSTER), new.stack, "clusterName"),
        ecs_service=_ecs_name(service, new.stack, "serviceName"),
        desired_count=count if isinstance(count, int) else 1,
        rds_release=old.release if position(old) == 0 else RDS_RELEASE,
        through_proxy=" through the RDS Proxy" if any(g.of_type(PROXY) for g in both) else "",
    )


# How a step relates to the diff; the renderers turn these into words.
HERE, NEXT, THIS_CHANGE, DO_FIRST, SKIPPED, BACK_HERE = "current", "next", "change", "first", "skipped", "back"


@dataclass(frozen=True)
class RunbookStep:
    """A step with the stack's real names filled in, and its mark for this diff."""

    number: int
    title: str
    commands: tuple[str, ...]
    downtime: str
    rollback: str
    mark: str = ""


@dataclass(frozen=True)
class Runbook:
    """The runbook as it applies to one diff: the stack is at step `at`, the new side at `to`."""

    stack: str
    at: int
    to: int
    steps: tuple[RunbookStep, ...]

    @property
    def skipped(self) -> tuple[int, ...]:
        """The `pulumi up` steps this diff would jump over (the one-shot move among them)."""
        return tuple(step.number for step in self.steps if step.mark == SKIPPED)

    @property
    def dangers(self) -> tuple[str, ...]:
        """Why applying this diff as it is endangers the data; empty when it is one step."""
        found = []
        if self.skipped:
            listed = ", ".join(str(n) for n in self.skipped)
            found.append(f"this change skips step{'s' if len(self.skipped) > 1 else ''} {listed} of the migration runbook: apply one step per `pulumi up`")
        if self.at == len(STEPS) - 1 and self.to < self.at:
            found.append("the RDS instance is gone: going back creates an empty one; restore its final snapshot instead")
        return tuple(found)

    @property
    def summary(self) -> str:
        if self.skipped and self.to > self.at:
            return f"{self.stack} is at step {self.at}; this change jumps to step {self.to}, the next step is {self.at + 1}"
        if self.to > self.at:
            return f"{self.stack} is at step {self.at}; this change goes to step {self.to}"
        if self.to < self.at:
            return f"{self.stack} is at step {self.at}; this change goes back to step {self.to} (step {self.at}'s rollback)"
        return f"{self.stack} is at step {self.at}; the next step is {self.at + 1}"


def _mark(step: Step, at: int, to: int) -> str:
    """here, the step this diff applies, what it skips, or (no step applied) the next one."""
    if step.number == at:
        return HERE
    if step.number == to:
        return THIS_CHANGE if to > at else BACK_HERE
    if min(at, to) < step.number < max(at, to):
        # The promotion between steps 1 and 3 is done by hand, not skipped by the config; going
        # back there is nothing to undo.
        if not step.by_pulumi:
            return DO_FIRST if (at + 1, at + 2) == (step.number, to) else SKIPPED if to > at else ""
        return SKIPPED
    return NEXT if at == to and step.number == at + 1 else ""


def _filled(step: Step, names: Names, mark: str) -> RunbookStep:
    values = vars(names)
    return RunbookStep(
        step.number,
        step.title.format(**values),
        tuple(command.format(**values) for command in step.commands),
        step.downtime.format(**values),
        step.rollback.format(**values),
        mark,
    )


def runbook(old: ResourceGraph, new: ResourceGraph) -> Runbook | None:
    """The runbook when this diff moves along the migration or the stack is in the middle of it;
    None for a stack on RDS or on Aurora alone that stays where it is."""
    at, to = position(old), position(new)
    last = len(STEPS) - 1
    if at == to and at in (0, last):
        return None
    found = names(old, new)
    return Runbook(new.stack, at, to, tuple(_filled(step, found, _mark(step, at, to)) for step in STEPS))
