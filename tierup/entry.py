"""The `tierup` console script: tierup.cli.main, with the synth server of `tierup check` started
before the rest of the toolkit is imported, and no interpreter teardown at the end."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def run() -> None:
    argv = sys.argv[1:]
    _start_check_early(argv)
    from tierup.cli import main

    code = main(argv)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass  # the reader left (`| head`): main already stopped quietly
    # Everything is written and every child reaped: freeing the SDK's objects one by one would
    # only cost time (about 0.1 s here, 0.8 s in a synth worker).
    os._exit(code)


def _start_check_early(argv: list[str]) -> None:
    """For `tierup [--project-dir DIR] check ...`, start the project's synth server now. Any other
    command line starts nothing; one this reading gets wrong only loses the head start."""
    project_dir: str | None = None
    rest = list(argv)
    while rest and rest[0].startswith("--project-dir"):
        option = rest.pop(0)
        project_dir = option.partition("=")[2] if "=" in option else (rest.pop(0) if rest else None)
    if not rest or rest[0] != "check" or any(arg in ("-h", "--help") for arg in rest):
        return
    from tierup.synth.launch import project_dir_above, start_server_early

    try:
        found = Path(project_dir) if project_dir else project_dir_above(Path.cwd())
        if found is not None:
            start_server_early(found.resolve())
    except OSError:
        return  # tierup.cli reports it, in its own words
