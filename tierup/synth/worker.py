"""One stack's synthesis, in a process of its own: the Pulumi runtime is global state.

Usage: python -m tierup.synth.worker PROJECT_DIR STACK [RELEASE]
Prints the ResourceGraph as JSON; on failure prints one line to stderr and exits 2.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import runpy
import sys
import traceback
from enum import Enum
from pathlib import Path
from typing import Any

from tierup.synth.graph import SECRET, ResourceGraph
from tierup.synth.stackfile import StackConfig, StackFileError, load_stack_config
from tierup_guardrails.settings import ConfigError, StackSettings, load_settings

EXIT_USAGE = 2


class ProgramError(Exception):
    """The Pulumi program failed; the message says where, in one line."""


def synthesize_in_process(project_dir: Path, stack: str, release: str | None = None, *, first_preview: bool = False) -> ResourceGraph:
    """Run the project's __main__.py under the mock engine and return what it registered.
    Call once per process. `first_preview` runs it as a first `pulumi preview` sees it."""
    config = load_stack_config(project_dir, stack, release)
    settings = load_settings(config.values, config.secret_keys)
    return _run_program(project_dir, config, settings, first_preview)


def _run_program(project_dir: Path, config: StackConfig, settings: StackSettings, first_preview: bool) -> ResourceGraph:
    import pulumi
    from pulumi.runtime import get_root_resource, set_all_config, set_mocks
    from pulumi.runtime.stack import Stack, run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    from tierup.synth.recorder import DeterministicMocks, RecordingMonitor, sanitize

    set_all_config(config.values, list(config.secret_keys))
    monitor = RecordingMonitor(DeterministicMocks(settings.region, first_preview=first_preview))
    set_mocks(monitor.mocks_, project=config.project, stack=config.stack, preview=first_preview, monitor=monitor)
    exports: dict[str, Any] = {}

    async def program() -> None:
        runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")
        stack = get_root_resource()
        # set_mocks made the root resource a Stack.
        assert isinstance(stack, Stack)
        for name, value in stack.outputs.items():
            output = pulumi.Output.from_input(value)
            exports[name] = SECRET if await output.is_secret() else sanitize(await output.future())

    sys.path.insert(0, str(project_dir))
    cwd = os.getcwd()
    os.chdir(project_dir)
    try:
        _sync_await(run_pulumi_func(program))
    except pulumi.RunError as error:
        raise ProgramError(str(error)) from None
    except Exception as error:
        raise ProgramError(_describe_program_failure(error, project_dir)) from None
    finally:
        os.chdir(cwd)
    return ResourceGraph(
        project=config.project,
        stack=config.stack,
        release=settings.release.value,
        region=settings.region,
        settings=_plain(dataclasses.asdict(settings)),
        # Registration order depends on async scheduling; parents-first URN order is stable.
        resources=tuple(sorted(monitor.recorded, key=lambda r: (r.urn.count("$"), r.urn))),
        outputs=exports,
    )


def _describe_program_failure(error: Exception, project_dir: Path) -> str:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if str(project_dir) in f.filename]
    where = ""
    if frames:
        frame = frames[-1]
        where = f" at {Path(frame.filename).relative_to(project_dir)}:{frame.lineno}"
    message = str(error).splitlines()[0] if str(error) else ""
    return f"the program failed{where}: {type(error).__name__}: {message}"


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def main(argv: list[str]) -> int:
    # A one-shot process that builds thousands of SDK classes and frees nothing: the cyclic
    # collector only costs time here (measured: a fifth to a third of the run).
    gc.disable()
    first_preview = "--first-preview" in argv
    argv = [arg for arg in argv if arg != "--first-preview"]
    if len(argv) not in (2, 3):
        print("usage: python -m tierup.synth.worker PROJECT_DIR STACK [RELEASE] [--first-preview]", file=sys.stderr)
        return EXIT_USAGE
    project_dir, stack = Path(argv[0]).resolve(), argv[1]
    release = argv[2] if len(argv) == 3 else None
    try:
        graph = synthesize_in_process(project_dir, stack, release, first_preview=first_preview)
    except (StackFileError, ConfigError, ProgramError) as error:
        print(f"{stack}: {error}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(graph.to_json())
    return 0


if __name__ == "__main__":
    exit_code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # No interpreter teardown: freeing the SDK's objects one by one costs ~0.8 s a process.
    os._exit(exit_code)
