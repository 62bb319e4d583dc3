"""Benchmark: `tierup check` against Checkov on the equivalent Terraform, side by side (issue 17).

Not a test. Usage: python bench/bench_check.py [RUNS]   (default 7 paired runs, after one warm-up)

Each run times both tools back to back (which goes first alternates), so a busy moment of the
machine hits both; the figures are medians over the runs. Wall time is measured around the
process, CPU time is the user+sys of the process and every descendant it waited for (os.wait4).
Cold means no cache of tierup's own: every run synthesizes and analyzes from scratch (Python's
bytecode caches stay, for both tools, after the warm-up).

  two stacks      `tierup check dev prod` vs `checkov -d <peer>`
  eight stacks    a temporary project with Pulumi.s1..s8.yaml (copies of dev and prod, in turn)
                  vs a directory with 8 copies of the peer
  marginal        (eight stacks - two stacks) / 6, tierup's wall seconds per extra stack

Checkov is found through $CHECKOV or on PATH (install it outside the repository, e.g. in a venv of
its own); it runs with --skip-download so that no network call is timed. The peer Terraform is
$PEER_DIR, or shared/bench/peer-terraform-v15 beside the repository (or beside its main worktree).
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEER_NAME = Path("shared") / "bench" / "peer-terraform-v15"
STACK_COPIES = 8
# Targets of issue 17: ratios to Checkov, and seconds per extra stack.
TWO_STACKS_WALL_TARGET = 0.45
TWO_STACKS_CPU_TARGET = 1.0
EIGHT_STACKS_WALL_TARGET = 0.75
MARGINAL_SECONDS_TARGET = 0.35


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float


def run_timed(command: Sequence[str], cwd: Path) -> Sample:
    """Wall and CPU seconds of one run; the CPU counts every descendant the process waited for.
    The exit code is not checked here (Checkov exits 1 when a check fails), see `check_runs`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    return Sample(wall=wall, cpu=usage.ru_utime + usage.ru_stime)


def check_runs(command: Sequence[str], cwd: Path, allowed: tuple[int, ...]) -> None:
    """One warm-up run (bytecode, page cache) that must exit with an allowed code."""
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if completed.returncode not in allowed:
        tail = (completed.stderr.strip().splitlines() or ["(no output)"])[-1]
        sys.exit(f"bench: {' '.join(command)} exited with {completed.returncode}: {tail}")


def paired(first: Callable[[], Sample], second: Callable[[], Sample], runs: int) -> tuple[list[Sample], list[Sample]]:
    """`runs` samples of each, run back to back, alternating which goes first."""
    ours: list[Sample] = []
    theirs: list[Sample] = []
    for index in range(runs):
        if index % 2 == 0:
            ours.append(first())
            theirs.append(second())
        else:
            theirs.append(second())
            ours.append(first())
    return ours, theirs


def find_checkov() -> str | None:
    return os.environ.get("CHECKOV") or shutil.which("checkov")


def find_peer() -> Path | None:
    """$PEER_DIR, else shared/ beside this checkout, else beside the repository's main worktree."""
    if os.environ.get("PEER_DIR"):
        return Path(os.environ["PEER_DIR"])
    candidates = [ROOT.parent / PEER_NAME]
    common = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=ROOT, capture_output=True, text=True, check=False)
    if common.returncode == 0:
        candidates.append(Path(common.stdout.strip()).parent.parent / PEER_NAME)
    return next((c for c in candidates if (c / "main.tf").is_file()), None)


def tierup_command() -> list[str]:
    script = Path(sys.executable).with_name("tierup")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "tierup.cli"]


def stack_copies(root: Path) -> Path:
    """A project with STACK_COPIES stacks: the program, components and pack of this checkout, and
    Pulumi.s1..s8.yaml copied from dev and prod in turn (a stack's name is its file's)."""
    project = root / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, project / name)
    ignore = shutil.ignore_patterns("__pycache__", ".venv")
    for folder in ("components", "policies"):
        shutil.copytree(ROOT / folder, project / folder, ignore=ignore)
    for index in range(1, STACK_COPIES + 1):
        source = "dev" if index % 2 else "prod"
        shutil.copy(ROOT / f"Pulumi.{source}.yaml", project / f"Pulumi.s{index}.yaml")
    return project


def peer_copies(root: Path, peer: Path) -> Path:
    copies = root / "peer"
    for index in range(1, STACK_COPIES + 1):
        shutil.copytree(peer, copies / f"copy{index}")
    return copies


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        models = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")]
        model = models[0] if models else model
    return f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, {date.today().isoformat()}, {load()}"


def load() -> str:
    """Other work on the machine slows both tools, tierup's two-core parallelism most: say how much."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def verdict(value: float, target: float) -> str:
    return "within target" if value <= target else f"MISSED by {value - target:.2f}"


def median(samples: list[Sample], field: str) -> float:
    return statistics.median(float(getattr(s, field)) for s in samples)


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    checkov, peer = find_checkov(), find_peer()
    print(f"machine: {machine()}")
    tierup = tierup_command()
    if checkov is None or peer is None:
        missing = "Checkov not found (set CHECKOV=/path/to/checkov or put it on PATH)" if checkov is None else "the peer Terraform not found (set PEER_DIR)"
        print(f"bench: {missing}: no ratios; tierup alone follows")
        check_runs([*tierup, "check", "dev", "prod"], ROOT, (0, 1))
        samples = [run_timed([*tierup, "check", "dev", "prod"], ROOT) for _ in range(runs)]
        print(f"tierup check dev prod: wall {median(samples, 'wall'):.2f} s, CPU {median(samples, 'cpu'):.2f} s (medians of {runs})")
        return 2
    version = subprocess.run([checkov, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"checkov {version} ({checkov}) on {peer}; {runs} paired runs, medians")
    checkov_args = ["--quiet", "--compact", "--skip-download"]
    with tempfile.TemporaryDirectory(prefix="tierup-bench-") as temp:
        project, copies = stack_copies(Path(temp)), peer_copies(Path(temp), peer)
        two = [*tierup, "check", "dev", "prod"]
        eight = [*tierup, "--project-dir", str(project), "check"]
        peer_one, peer_eight = [checkov, "-d", str(peer), *checkov_args], [checkov, "-d", str(copies), *checkov_args]
        for command, cwd, allowed in ((two, ROOT, (0, 1)), (eight, ROOT, (0, 1)), (peer_one, ROOT, (0, 1)), (peer_eight, ROOT, (0, 1))):
            check_runs(command, cwd, allowed)
        ours2, theirs2 = paired(lambda: run_timed(two, ROOT), lambda: run_timed(peer_one, ROOT), runs)
        ours8, theirs8 = paired(lambda: run_timed(eight, ROOT), lambda: run_timed(peer_eight, ROOT), runs)
    status = report(ours2, theirs2, ours8, theirs8)
    print(f"after the runs: {load()}")
    return status


def report(ours2: list[Sample], theirs2: list[Sample], ours8: list[Sample], theirs8: list[Sample]) -> int:
    wall2, cwall2 = median(ours2, "wall"), median(theirs2, "wall")
    cpu2, ccpu2 = median(ours2, "cpu"), median(theirs2, "cpu")
    wall8, cwall8 = median(ours8, "wall"), median(theirs8, "wall")
    marginal = (wall8 - wall2) / (STACK_COPIES - 2)
    checkov_marginal = (cwall8 - cwall2) / (STACK_COPIES - 2)
    rows = [
        ("2 stacks, wall", f"{wall2:.2f} s", f"{cwall2:.2f} s", wall2 / cwall2, TWO_STACKS_WALL_TARGET),
        ("2 stacks, CPU", f"{cpu2:.2f} s", f"{ccpu2:.2f} s", cpu2 / ccpu2, TWO_STACKS_CPU_TARGET),
        (f"{STACK_COPIES} stacks, wall", f"{wall8:.2f} s", f"{cwall8:.2f} s", wall8 / cwall8, EIGHT_STACKS_WALL_TARGET),
    ]
    print(f"{'':24}{'tierup':>10}{'checkov':>10}{'ratio':>8}{'target':>9}")
    for label, ours, theirs, ratio, target in rows:
        print(f"{label:24}{ours:>10}{theirs:>10}{ratio:>8.2f}{'≤ ' + format(target, '.2f'):>9}  {verdict(ratio, target)}")
    print(
        f"{'per extra stack, wall':24}{marginal:>8.2f} s{checkov_marginal:>8.2f} s{'':>8}{'≤ ' + format(MARGINAL_SECONDS_TARGET, '.2f') + ' s':>9}"
        f"  {verdict(marginal, MARGINAL_SECONDS_TARGET)}"
    )
    missed = wall2 / cwall2 > TWO_STACKS_WALL_TARGET or cpu2 / ccpu2 > TWO_STACKS_CPU_TARGET
    missed = missed or wall8 / cwall8 > EIGHT_STACKS_WALL_TARGET or marginal > MARGINAL_SECONDS_TARGET
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
