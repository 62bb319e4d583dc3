"""Benchmark: wall time of `tierup check` over every stack (what `make check` runs), median of N.

Not a test. Usage: python bench/bench_check.py [RUNS]   (default 7 runs, after one warm-up)
The peer figure (Checkov on shared/bench/peer-terraform-v15, ~3 s here) is taken from
DESIGN.md when Checkov is not installed; with `checkov` on PATH it is measured the same way.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEER_DIR = ROOT.parent / "shared" / "bench" / "peer-terraform-v15"
PEER_SECONDS_FROM_DESIGN = 3.0


def time_command(command: list[str], runs: int, *, must_succeed: bool = True) -> list[float]:
    """Wall seconds per run; Checkov exits 1 when it finds failed checks, so the peer may fail."""
    subprocess.run(command, cwd=ROOT, capture_output=True, check=must_succeed)  # warm-up: imports, bytecode
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=must_succeed)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    ours = time_command([sys.executable, "-m", "tierup.cli", "check"], runs)
    print(f"tierup check (all stacks): median {statistics.median(ours):.2f} s over {runs} runs (min {min(ours):.2f}, max {max(ours):.2f})")
    checkov = shutil.which("checkov")
    if checkov and PEER_DIR.is_dir():
        peer = statistics.median(time_command([checkov, "-d", str(PEER_DIR), "--quiet", "--compact"], runs, must_succeed=False))
        source = "measured"
    else:
        peer, source = PEER_SECONDS_FROM_DESIGN, "from DESIGN.md (checkov not installed)"
    print(f"Checkov on the v1.5 Terraform peer: {peer:.2f} s ({source}); ratio tierup/peer = {statistics.median(ours) / peer:.2f}")


if __name__ == "__main__":
    main()
