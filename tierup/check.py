"""`tierup check`: synthesize each stack, run the policy pack and estimate the cost; stacks in parallel."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tierup.cost.from_graph import estimate_graph
from tierup.policy_runner import ForkedPolicyPack, PackServer, PolicyPackError, PolicyPackProcess, PolicyReport, import_client, policy_resources
from tierup.synth.graph import ResourceGraph
from tierup.synth.runner import SynthError, SynthRequest, start_synthesis, synthesize
from tierup.synth.stackfile import StackConfig, StackFileError, load_stack_config
from tierup_guardrails.cost.model import CostError, Estimate
from tierup_guardrails.settings import load_settings
from tierup_guardrails.settings.guardrails import guardrails_for

POLICY_PACK_DIR = "policies"
# TIERUP_PACK_SERVER=1 forks every stack's pack from one preloaded process, 0 never; by default
# only more stacks than cores do (fewer spawn each pack as the CLI does: fidelity first).
PACK_SERVER_SWITCH = "TIERUP_PACK_SERVER"


@dataclass(frozen=True)
class StackCheck:
    """A stack's graph and what the guardrails said about it."""

    graph: ResourceGraph
    policies: PolicyReport
    cost: Estimate
    reachability: tuple[str, ...] = ()
    """The promised network paths that hold, one line each (the pack's reachability proof)."""

    @property
    def passed(self) -> bool:
        """No mandatory violation and an estimate within the budget."""
        return self.policies.passed and self.cost.within_budget


class CheckError(Exception):
    """A stack could not be checked; the message is one line naming the stack."""


def check_stack(
    project_dir: Path,
    stack: str,
    release: str | None = None,
    *,
    first_preview: bool = False,
    synthesized: Callable[[], ResourceGraph] | None = None,
    packs: PackServer | None = None,
) -> StackCheck:
    """Synthesize the stack while its policy pack starts, then analyze the graph. With
    `first_preview`, every computed output is unknown, as in a stack's first `pulumi preview`.
    `synthesized` waits for a graph already under way (check_stacks starts them all at once);
    `packs` forks the pack from a pack server instead of spawning it."""
    try:
        config = load_stack_config(project_dir, stack, release)
        # The pack starts first so that its start-up overlaps the synthesis.
        pack_process = ForkedPolicyPack(packs, config) if packs else PolicyPackProcess(project_dir / POLICY_PACK_DIR, config)
        with pack_process as pack:
            graph = synthesized() if synthesized else synthesize(project_dir, stack, release, first_preview=first_preview)
            return StackCheck(graph=graph, policies=pack.analyze(graph), cost=estimate_graph(graph), reachability=proven_paths(graph, config))
    except StackFileError as error:
        raise CheckError(f"{stack}: {error}") from None
    except (SynthError, PolicyPackError, CostError) as error:
        message = str(error)
        raise CheckError(message if message.startswith(f"{stack}: ") else f"{stack}: {message}") from None


def proven_paths(graph: ResourceGraph, config: StackConfig) -> tuple[str, ...]:
    """The paths the stack's release promises that its security groups and routes let through."""
    from tierup_guardrails.reachability import proven_paths as prove

    rails = guardrails_for(load_settings(config.values, config.secret_keys))
    return tuple(prove(policy_resources(graph), rails))


def check_stacks(project_dir: Path, stacks: list[str], release: str | None = None, *, first_preview: bool = False) -> list[StackCheck | CheckError]:
    """Each stack's check (or its error), in order, computed in parallel: every synthesis starts
    at once (see start_synthesis), each stack's pack starts beside it."""
    synthesis = start_synthesis(project_dir, [SynthRequest(stack, release) for stack in stacks], first_preview=first_preview)
    packs = PackServer(project_dir / POLICY_PACK_DIR) if fork_packs(len(stacks)) else None
    threading.Thread(target=import_client, daemon=True).start()

    def run(stack: str, graph: Future[ResourceGraph]) -> StackCheck | CheckError:
        try:
            return check_stack(project_dir, stack, release, first_preview=first_preview, synthesized=graph.result, packs=packs)
        except CheckError as error:
            return error

    with ThreadPoolExecutor(max_workers=max(1, len(stacks))) as pool:
        results = list(pool.map(run, stacks, synthesis.futures))
    synthesis.wait()
    if packs is not None:
        packs.close()
    return results


def fork_packs(stack_count: int) -> bool:
    switch = os.environ.get(PACK_SERVER_SWITCH)
    if not hasattr(os, "fork") or switch == "0":
        return False
    return switch == "1" or stack_count > (os.cpu_count() or 1)
