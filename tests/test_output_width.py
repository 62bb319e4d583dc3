"""Every command's table (text) output fits 100 columns, for both stacks at every release: what
`tierup synth`, `check`, `cost`, `diff --to-release` (from every release to every release) and
`diff --destroy` print, rendered from one check of each release. (`check --preview-unknowns`
prints the same block, with findings not evaluated: tests/test_report.py wraps those.)"""

from __future__ import annotations

import pytest

from tests.conftest import PROJECT_DIR
from tierup.check import StackCheck, check_stack
from tierup.cost.from_graph import estimate_graph
from tierup.cost.report import render_cost_text
from tierup.diff.checklist import checklist
from tierup.diff.command import StackDiff
from tierup.diff.compare import compare
from tierup.diff.lifecycle import destroy_report
from tierup.diff.report import render_diff_text
from tierup.render import WIDTH
from tierup.report import render_text
from tierup.summary import resource_lines, summary_lines

RELEASES = ("v1.0", "v1.5", "v2.0")


def upgrade(old: StackCheck, new: StackCheck) -> StackDiff:
    """What `tierup diff --to-release` reports for the stack at `old`'s release moving to `new`'s."""
    diff = compare(old.graph, new.graph)
    steps = checklist(diff, old.graph, new.graph)
    label = f"{old.graph.stack} at {old.graph.release}"
    return StackDiff(old=old.graph, new=new, diff=diff, old_cost=estimate_graph(old.graph), steps=steps, base_label=label, to_release=True)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_command_fits_100_columns_at_every_release(stack: str) -> None:
    checks = {release: check_stack(PROJECT_DIR, stack, release) for release in RELEASES}
    outputs: dict[str, str] = {}
    for release, check in checks.items():
        outputs[f"synth {stack} --release {release}"] = "\n".join([*summary_lines(check.graph), "", *resource_lines(check.graph)])
        outputs[f"check {stack} --release {release}"] = render_text([check])
        outputs[f"cost {stack} --release {release}"] = render_cost_text([check.cost])
        outputs[f"diff {stack} --destroy (at {release})"] = destroy_report(check.graph)
        for start, before in checks.items():
            outputs[f"diff {stack} --to-release {release} (from {start})"] = render_diff_text([upgrade(before, check)])
    assert len(outputs) == 3 * 4 + 9
    too_wide = [f"{command}: {line}" for command, text in outputs.items() for line in text.splitlines() if len(line) > WIDTH]
    assert too_wide == []
