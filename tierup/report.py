"""The `tierup check` report: a block per stack for people, markdown for PR comments, JSON, SARIF."""

from __future__ import annotations

import json
from collections.abc import Sequence

from tierup.check import CheckError, StackCheck
from tierup.cost.report import budget_line, budget_lines
from tierup.policy_runner import ADVISORY, PolicyReport
from tierup.render import markdown_table, sentence, wrap, wrap_parts
from tierup.sarif import render_sarif, resource_type
from tierup.summary import summary_lines
from tierup_guardrails.verdicts import FINDING_LEVELS, NOT_EVALUATED, Finding

LEVELS = FINDING_LEVELS


def resource_label(finding: Finding) -> str:
    return finding.urn.rsplit("::", 1)[1] if finding.urn else "(stack)"


def _plain(text: str) -> str:
    """Text compared for meaning: case, spacing and the closing full stop set aside."""
    return " ".join(text.casefold().split()).rstrip(".")


def fix_to_print(finding: Finding, following: Finding | None) -> str | None:
    """The finding's remediation, unless it would say again what is already printed: the message
    says it (the same sentence, or the fix inside the message), or the finding that follows (of
    the same policy on the same resource) carries the same fix, which is printed once, after it."""
    if not finding.remediation or finding.level == NOT_EVALUATED or _plain(finding.remediation) in _plain(finding.message):
        return None
    if following and (following.policy, following.urn, following.remediation) == (finding.policy, finding.urn, finding.remediation):
        return None
    return finding.remediation


def guardrail_lines(report: PolicyReport) -> list[str]:
    """The verdict and counts, then one line per finding (wrapped under the policy) and its fix."""
    verdict = "PASS" if report.passed else "FAIL"
    parts = [verdict, f"{report.policy_count} policies", *report.counts().split(" · "), f"{len(report.not_applicable)} not applicable"]
    lines = wrap_parts(parts, "  guardrails: ")
    for level in LEVELS:
        findings = report.at(level)
        for index, finding in enumerate(findings):
            lines += wrap(f"{finding.policy}  {resource_label(finding)}: {finding.message}", f"    {level:<13} ", " " * 18)
            fix = fix_to_print(finding, findings[index + 1] if index + 1 < len(findings) else None)
            if fix:
                lines += wrap(fix, f"{'':18}fix: ")
    return lines


def reachability_lines(check: StackCheck) -> list[str]:
    paths = check.reachability
    if not paths:
        return ["  reachability: no promised path proven (see vpc-reachability-promised-paths-open)"]
    lines = [f"  reachability: {len(paths)} promised path{'s' if len(paths) != 1 else ''} proven"]
    for path in paths:
        lines += wrap(path, "    ", "      ")
    return lines


def render_text(results: Sequence[StackCheck | CheckError]) -> str:
    blocks = []
    for result in results:
        if isinstance(result, CheckError):
            blocks.append(f"tierup: {result}")
        else:
            blocks.append("\n".join([*summary_lines(result.graph), *guardrail_lines(result.policies), *reachability_lines(result), *budget_lines(result.cost)]))
    return "\n\n".join(blocks)


def render_markdown(results: Sequence[StackCheck | CheckError]) -> str:
    lines = ["## tierup check", ""]
    for result in results:
        if isinstance(result, CheckError):
            lines += [f"### :x: {result}", ""]
            continue
        report, graph = result.policies, result.graph
        mark = ":white_check_mark:" if result.passed else ":x:"
        lines += [
            f"### {mark} `{graph.stack}` · release {graph.release} · {sum(1 for r in graph if r.custom)} resources",
            "",
            f"{report.policy_count} policies: {report.counts()}.",
            "",
            sentence(budget_line(result.cost)),
            "",
        ]
        if result.reachability:
            lines += ["Reachability proven:", "", *(f"- `{path}`" for path in result.reachability), ""]
        if report.findings:
            rows = [(f.level, f"`{f.policy}`", f"`{resource_label(f)}`", f.message) for f in report.findings]
            lines += [*markdown_table(("level", "policy", "resource", "what to change"), rows), ""]
    return "\n".join(lines)


def render_json(results: Sequence[StackCheck | CheckError]) -> str:
    stacks: list[dict[str, object]] = []
    for result in results:
        if isinstance(result, CheckError):
            stacks.append({"error": str(result)})
            continue
        report, graph = result.policies, result.graph
        stacks.append(
            {
                "stack": graph.stack,
                "release": graph.release,
                "resources": sum(1 for r in graph if r.custom),
                "passed": result.passed,
                "policies": report.policy_count,
                "policyPackName": report.pack,
                "findings": [_json_finding(f, report.pack) for f in report.findings],
                "notApplicable": report.not_applicable,
                "reachability": list(result.reachability),
                "cost": {
                    "monthly": result.cost.total,
                    "ceiling": result.cost.ceiling,
                    "budget": result.cost.budget_usd,
                    "goal": result.cost.goal_usd,
                    "withinBudget": result.cost.within_budget,
                    "unpriced": len(result.cost.unpriced),
                },
            }
        )
    return json.dumps({"schemaVersion": JSON_SCHEMA_VERSION, "stacks": stacks}, indent=2)


JSON_SCHEMA_VERSION = "2"
"""Version 2 names findings as the Pulumi engine's policy events do (apitype.PolicyEvent)."""


def _json_finding(finding: Finding, pack: str) -> dict[str, object]:
    """A finding under the Pulumi engine's names; a policy that read an unknown value is an
    advisory (as the SDK reports it) with `evaluated: false`."""
    evaluated = finding.level != NOT_EVALUATED
    return {
        "resourceUrn": finding.urn,
        "type": resource_type(finding.urn) if finding.urn else None,
        "policyPackName": pack,
        "policyName": finding.policy,
        "enforcementLevel": finding.level if evaluated else ADVISORY,
        "evaluated": evaluated,
        "severity": finding.severity,
        "message": finding.message,
        "remediation": finding.remediation,
    }


RENDERERS = {"table": render_text, "markdown": render_markdown, "json": render_json, "sarif": render_sarif}
