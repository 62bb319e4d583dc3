"""The `tierup` command: synthesize stacks and check them against the guardrails, offline."""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import date
from pathlib import Path

from tierup.catalogue import write_catalogue
from tierup.check import CheckError, StackCheck, check_stacks
from tierup.cost.from_graph import estimate_graph
from tierup.cost.report import COST_RENDERERS
from tierup.diff.sides import GitRefError
from tierup.report import RENDERERS
from tierup.summary import resource_lines, summary_lines
from tierup.synth.runner import SynthError, SynthRequest, synthesize, synthesize_all
from tierup.synth.stackfile import StackFileError, find_project_dir, list_stacks
from tierup_guardrails.cost.model import CostError
from tierup_guardrails.settings import ConfigError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


# Examples and exit codes shown by each command's --help.
EPILOGS = {
    "synth": ("tierup synth prod --release v2.0", "0 synthesized · 2 bad stack file, setting or program"),
    "check": (
        "tierup check prod --preview-unknowns --format sarif",
        "0 pass · 1 a mandatory violation, a mandatory policy undecided, or over budget · 2 bad input",
    ),
    "cost": ("tierup cost prod --release v2.0", "0 within budget · 1 over budget · 2 bad input"),
    "diff": (
        "tierup diff prod --to-release v2.0   |   tierup diff --base origin/main   |   tierup diff prod --destroy",
        "0 safe and the new side passes · 1 the new side fails its guardrails · 2 bad input · 3 DANGER (data at risk, or protected data to unprotect first)",
    ),
    "advise": ("tierup advise prod --days 30", "0 advice printed · 2 bad input, no credentials, or the stack not found"),
    "audit": ("tierup audit prod", "0 the account matches the release · 1 drift · 2 bad input, no credentials, or the stack not found"),
    "endpoint": ("tierup endpoint dev", "0 printed · 2 bad input, no credentials, or no running task or load balancer"),
    "spend": ("tierup spend prod", "0 printed · 2 bad input, no credentials, or the stack not found"),
    "prices": ("tierup prices refresh --region eu-west-2", "0 written · 2 bad region, no credentials, or the API refused"),
    "catalogue": ("tierup catalogue", "0 written"),
    "e2e": ("tierup e2e --db-health-path /health/db", "0 passed or skipped (no Pulumi CLI or AWS credentials) · 1 up, a probe or destroy failed · 2 bad input"),
}


def _command(commands: argparse._SubParsersAction[argparse.ArgumentParser], name: str, text: str) -> argparse.ArgumentParser:
    example, codes = EPILOGS[name]
    epilog = f"example:\n  {example}\n\nexit codes: {codes}"
    return commands.add_parser(name, help=text, description=text, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tierup", description="Offline synth and checks for the tierup Pulumi project.")
    parser.add_argument("--project-dir", type=Path, default=None, help="directory with Pulumi.yaml (default: nearest above the current one)")
    commands = parser.add_subparsers(dest="command", required=True)
    synth = _command(commands, "synth", "run the program for one stack under the mock engine and show what it registers")
    synth.add_argument("stack", help="the stack (Pulumi.<stack>.yaml)")
    synth.add_argument("--release", help="synthesize as if tierup:release were this (v1.0, v1.5, v2.0)")
    synth.add_argument("--format", choices=("table", "json"), default="table", help="table for people, json for the whole graph")
    check = _command(commands, "check", "synthesize stacks and run the policy pack on each (all stacks by default)")
    check.add_argument("stacks", nargs="*", help="stacks to check (all by default)")
    check.add_argument("--release", help="check as if tierup:release were this (v1.0, v1.5, v2.0)")
    check.add_argument("--format", choices=tuple(RENDERERS), default="table", help="table, markdown (PR comment), json, sarif (code scanning)")
    check.add_argument(
        "--preview-unknowns",
        action="store_true",
        help="check as a first `pulumi preview` sees the stack: every id, ARN and endpoint unknown; a mandatory policy that cannot decide fails",
    )
    cost = _command(commands, "cost", "estimate the monthly bill of stacks against their budgets (all stacks by default)")
    cost.add_argument("stacks", nargs="*", help="stacks to estimate (all by default)")
    cost.add_argument("--release", help="estimate as if tierup:release were this (v1.0, v1.5, v2.0)")
    cost.add_argument("--format", choices=tuple(COST_RENDERERS), default="table", help="table, markdown or Infracost JSON")
    diff = _command(commands, "diff", "what an upgrade or a change would do to a stack, before `pulumi up`")
    diff.add_argument("stacks", nargs="*", help="stacks to compare (all by default)")
    side = diff.add_mutually_exclusive_group(required=True)
    side.add_argument("--to-release", help="compare the stack with itself at this release")
    side.add_argument("--base", help="compare the working tree with this git ref (e.g. origin/main)")
    side.add_argument("--destroy", action="store_true", help="what `pulumi destroy` would stop on, and the steps to take first")
    diff.add_argument("--format", choices=("table", "markdown", "json"), default="table", help="table, markdown (PR comment) or json")
    for name, text in (
        ("advise", "read the stack's live metrics and say whether the next release is due"),
        ("audit", "check the live account against what the stack's release promises (exit 1 on drift)"),
        ("endpoint", "where the app answers: the load balancer, or the running task's public IP"),
        ("spend", "actual cost of the stack (Cost Explorer) beside the estimate"),
    ):
        operation = _command(commands, name, text)
        operation.add_argument("stack", help="the stack, found in the account by its Project and Stack tags")
        operation.add_argument("--endpoint-url", help="AWS endpoint (for emulators such as moto)")
        if name == "advise":
            operation.add_argument("--days", type=int, default=14, help="window of metrics to read (default 14)")
            operation.add_argument("--format", choices=("table", "markdown", "json"), default="table", help="table, markdown or json")
    prices = _command(commands, "prices", "manage the price catalogues")
    prices_commands = prices.add_subparsers(dest="prices_command", required=True)
    refresh = prices_commands.add_parser("refresh", help="rebuild a region's catalogue from the AWS Price List Query API (needs AWS credentials)")
    refresh.add_argument("--region", required=True)
    refresh.add_argument("--endpoint-url", help="Price List API endpoint (for emulators)")
    _command(commands, "catalogue", "regenerate policies/README.md from the pack's metadata and README.md's settings table from the settings")
    e2e = _command(commands, "e2e", "deploy a throwaway v1.0 copy of dev with the Pulumi CLI, probe the app, destroy it (skips without the CLI or AWS)")
    e2e.add_argument("--db-health-path", help="a path of the app that queries the database (default: no database check)")
    e2e.add_argument("--timeout", type=int, default=600, help="seconds each probe keeps trying (default 600)")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader (`| head`) left: stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "prices":
        # The catalogues ship with the toolkit; refreshing one needs no Pulumi project.
        return _refresh_prices(args.region, args.endpoint_url)
    try:
        project_dir = (args.project_dir or find_project_dir(Path.cwd())).resolve()
        if args.command == "catalogue":
            from tierup.settings_table import write_settings_table

            for path in (write_catalogue(project_dir), write_settings_table(project_dir)):
                print(f"wrote {path.relative_to(project_dir)}")
            return EXIT_OK
        if args.command == "e2e":
            from tierup.e2e import Options, World, pulumi_runner, run_e2e

            return run_e2e(project_dir, Options(db_health_path=args.db_health_path, timeout_s=args.timeout), World(run=pulumi_runner(project_dir)))
        if args.command in ("advise", "audit", "endpoint", "spend"):
            return _operate(project_dir, args)
        if args.command == "diff":
            if args.destroy:
                return _destroy_plan(project_dir, args.stacks)
            return _diff(project_dir, args.stacks, args.to_release, args.base, args.format)
        if args.command == "cost":
            return _cost(project_dir, args.stacks, args.release, args.format)
        if args.command == "synth":
            return _synth(project_dir, args.stack, args.release, args.format)
        return _check(project_dir, args.stacks, args.release, args.format, args.preview_unknowns)
    except (StackFileError, SynthError, CostError, CheckError, GitRefError) as error:
        print(f"tierup: {error}", file=sys.stderr)
        return EXIT_USAGE


def _synth(project_dir: Path, stack: str, release: str | None, output_format: str) -> int:
    graph = synthesize(project_dir, stack, release)
    if output_format == "json":
        print(graph.to_json())
    else:
        print("\n".join([*summary_lines(graph), "", *resource_lines(graph)]))
    return EXIT_OK


def _check(project_dir: Path, stacks: list[str], release: str | None, output_format: str, first_preview: bool = False) -> int:
    results = check_stacks(project_dir, _stack_names(project_dir, stacks), release, first_preview=first_preview)
    print(RENDERERS[output_format](results))
    if any(isinstance(result, CheckError) for result in results):
        return EXIT_USAGE
    return EXIT_OK if all(isinstance(r, StackCheck) and r.passed for r in results) else EXIT_FAILED


def _stack_names(project_dir: Path, stacks: list[str]) -> list[str]:
    """The stacks asked for, or every stack with a file; none at all is an error."""
    names = stacks or list_stacks(project_dir)
    if not names:
        raise StackFileError(f"no Pulumi.<stack>.yaml files in {project_dir}")
    return names


def _operate(project_dir: Path, args: argparse.Namespace) -> int:
    from tierup.ops import commands as ops
    from tierup.ops.aws import OpsError

    if args.command == "advise" and not 1 <= args.days <= 60:
        # GetMetricStatistics returns at most 1,440 hourly points: 60 days.
        print(f"tierup: --days: {args.days} is out of range; allowed: 1 to 60", file=sys.stderr)
        return EXIT_USAGE
    try:
        target = ops.target(project_dir, args.stack, args.endpoint_url)
        if args.command == "advise":
            text, code = ops.advise(target, args.days, args.format)
        elif args.command == "audit":
            text, code = ops.run_audit(target)
        elif args.command == "endpoint":
            text, code = ops.run_endpoint(target)
        else:
            text, code = ops.run_spend(target, date.today())
    except (OpsError, ConfigError) as error:
        print(f"tierup: {args.stack}: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(text)
    return code


def _diff(project_dir: Path, stacks: list[str], to_release: str | None, base: str | None, output_format: str) -> int:
    from tierup.diff.command import EXIT_DANGER, diff_against_base, diff_to_release
    from tierup.diff.report import DIFF_RENDERERS

    results = []
    for stack in _stack_names(project_dir, stacks):
        if to_release is not None:
            results.append(diff_to_release(project_dir, stack, to_release))
        else:
            results.append(diff_against_base(project_dir, stack, str(base)))
    print(DIFF_RENDERERS[output_format](results))
    if any(result.dangerous for result in results):
        return EXIT_DANGER
    return EXIT_OK if all(result.new.passed for result in results) else EXIT_FAILED


def _destroy_plan(project_dir: Path, stacks: list[str]) -> int:
    from tierup.diff.command import EXIT_DANGER
    from tierup.diff.lifecycle import destroy_blockers, destroy_report

    graphs = [synthesize(project_dir, stack) for stack in _stack_names(project_dir, stacks)]
    print("\n\n".join(destroy_report(graph) for graph in graphs))
    # Destroying what holds data needs the explicit steps first: DANGER, like a replacement.
    return EXIT_DANGER if any(destroy_blockers(graph) for graph in graphs) else EXIT_OK


def _refresh_prices(region: str, endpoint_url: str | None) -> int:
    import boto3
    import botocore.exceptions

    from tierup.cost.refresh import PRICING_API_REGION, refresh_catalogue

    if not re.fullmatch(r"[a-z]{2}(-gov)?-[a-z]+-[0-9]", region):
        print(f"tierup: --region: {region!r} is not an AWS region name; allowed: a region such as eu-west-2", file=sys.stderr)
        return EXIT_USAGE
    client = boto3.client("pricing", region_name=PRICING_API_REGION, endpoint_url=endpoint_url)
    try:
        result = refresh_catalogue(client, region, date.today())
    except botocore.exceptions.NoCredentialsError:
        print("tierup: no AWS credentials found; the Price List API needs any valid credentials (aws configure, or AWS_PROFILE)", file=sys.stderr)
        return EXIT_USAGE
    except botocore.exceptions.ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        print(f"tierup: the Price List API refused the request ({code}); the caller needs pricing:GetProducts", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {result.written} prices for {result.region}" + (f"; not found: {', '.join(result.missing)}" if result.missing else ""))
    return EXIT_OK


def _cost(project_dir: Path, stacks: list[str], release: str | None, output_format: str) -> int:
    names = _stack_names(project_dir, stacks)
    graphs = synthesize_all(project_dir, [SynthRequest(name, release) for name in names])
    errors = [g for g in graphs if isinstance(g, SynthError)]
    if errors:
        raise errors[0]
    estimates = [estimate_graph(g) for g in graphs if not isinstance(g, SynthError)]
    print(COST_RENDERERS[output_format](estimates))
    return EXIT_OK if all(e.within_budget for e in estimates) else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
