"""The `tierup` command: synth and check stacks offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tierup.summary import resource_lines, summary_lines
from tierup.synth.graph import ResourceGraph
from tierup.synth.runner import SynthError, SynthRequest, synthesize, synthesize_all
from tierup.synth.stackfile import StackFileError, find_project_dir, list_stacks

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tierup", description="Offline synth and checks for the tierup Pulumi project.")
    parser.add_argument("--project-dir", type=Path, default=None, help="directory with Pulumi.yaml (default: nearest above the current one)")
    commands = parser.add_subparsers(dest="command", required=True)
    synth = commands.add_parser("synth", help="run the program for one stack under the mock engine and show what it registers")
    synth.add_argument("stack")
    synth.add_argument("--release", help="synthesize as if tierup:release were this (v1.0, v1.5, v2.0)")
    synth.add_argument("--format", choices=("table", "json"), default="table")
    check = commands.add_parser("check", help="synthesize stacks in parallel and summarize each (all stacks by default)")
    check.add_argument("stacks", nargs="*")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        project_dir = (args.project_dir or find_project_dir(Path.cwd())).resolve()
        if args.command == "synth":
            return _synth(project_dir, args.stack, args.release, args.format)
        return _check(project_dir, args.stacks)
    except (StackFileError, SynthError) as error:
        print(f"tierup: {error}", file=sys.stderr)
        return EXIT_USAGE


def _synth(project_dir: Path, stack: str, release: str | None, output_format: str) -> int:
    graph = synthesize(project_dir, stack, release)
    if output_format == "json":
        print(graph.to_json())
    else:
        print("\n".join([*summary_lines(graph), "", *resource_lines(graph)]))
    return EXIT_OK


def _check(project_dir: Path, stacks: list[str]) -> int:
    names = stacks or list_stacks(project_dir)
    if not names:
        raise StackFileError(f"no Pulumi.<stack>.yaml files in {project_dir}")
    results = synthesize_all(project_dir, [SynthRequest(name) for name in names])
    blocks = []
    failed = False
    for result in results:
        if isinstance(result, ResourceGraph):
            blocks.append("\n".join(summary_lines(result)))
        else:
            failed = True
            blocks.append(f"tierup: {result}")
    print("\n\n".join(blocks))
    return EXIT_USAGE if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
