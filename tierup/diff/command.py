"""`tierup diff`: synthesize both sides, compare them, price both, check the new side."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tierup.check import StackCheck, check_stack
from tierup.cost.from_graph import estimate_graph
from tierup.diff.checklist import checklist
from tierup.diff.compare import GraphDiff, compare
from tierup.diff.migration import Runbook, runbook
from tierup.diff.sides import worktree_at
from tierup.synth.graph import ResourceGraph
from tierup.synth.runner import synthesize
from tierup_guardrails.cost.model import Estimate

EXIT_DANGER = 3


@dataclass(frozen=True)
class StackDiff:
    """Everything `tierup diff` reports for one stack."""

    old: ResourceGraph
    new: StackCheck
    diff: GraphDiff
    old_cost: Estimate
    steps: dict[str, list[str]]
    base_label: str
    to_release: bool
    """True for --to-release (one stack, two releases); False for --base (two commits)."""
    runbook: Runbook | None = None
    """The RDS → Aurora runbook when the diff moves along it (or the stack is in the middle of it)."""

    @property
    def dangerous(self) -> bool:
        """Data at risk: a DANGER change, or a move that skips steps of the migration runbook."""
        return bool(self.diff.dangers) or bool(self.runbook and self.runbook.dangers)

    @property
    def cost_delta(self) -> float:
        return round(self.new.cost.total - self.old_cost.total, 2)


def _finish(old: ResourceGraph, new: StackCheck, base_label: str, *, to_release: bool) -> StackDiff:
    diff = compare(old, new.graph)
    found = runbook(old, new.graph)
    steps = checklist(diff, old, new.graph, found)
    return StackDiff(old=old, new=new, diff=diff, old_cost=estimate_graph(old), steps=steps, base_label=base_label, to_release=to_release, runbook=found)


def diff_to_release(project_dir: Path, stack: str, release: str) -> StackDiff:
    """The stack as its file says, against the same stack at `release`."""
    old = synthesize(project_dir, stack)
    new = check_stack(project_dir, stack, release)
    return _finish(old, new, f"{stack} at {old.release}", to_release=True)


def diff_against_base(project_dir: Path, stack: str, ref: str) -> StackDiff:
    """The working tree's stack against the same stack at git `ref` (its own code and config)."""
    with worktree_at(project_dir, ref) as base_project:
        old = synthesize(base_project, stack, toolkit_root=base_project)
    new = check_stack(project_dir, stack)
    return _finish(old, new, f"{stack} at {ref}", to_release=False)
