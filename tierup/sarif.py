"""`tierup check --format sarif`: the guardrails' findings as SARIF 2.1.0 for GitHub code scanning."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from tierup.check import CheckError, StackCheck
from tierup.policy_runner import ADVISORY, MANDATORY
from tierup_guardrails.verdicts import Finding

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

# An enforcement level as a SARIF level; "—" is a policy the stack's release does not promise.
RULE_LEVELS = {MANDATORY: "error", ADVISORY: "warning", "—": "none"}
# A finding the policy could not evaluate (an unknown value) is a note: nothing was proven either way.
RESULT_LEVELS = {MANDATORY: "error", ADVISORY: "warning"}
# GitHub code scanning ranks security alerts by `security-severity`, a CVSS-like score.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def stack_file(stack: str) -> str:
    return f"Pulumi.{stack}.yaml"


def resource_type(urn: str) -> str:
    """The type token of a URN (the last of its parent$child type chain)."""
    return urn.split("::")[2].rsplit("$", 1)[-1]


def _rules(release: str) -> list[dict[str, object]]:
    from tierup.catalogue import policy_levels, policy_specs

    levels = policy_levels(release)
    rules = []
    for spec in policy_specs():
        level = levels.get(spec.name, MANDATORY)
        severity = spec.severity.value
        rules.append(
            {
                "id": spec.name,
                "name": spec.name,
                "shortDescription": {"text": spec.description},
                "fullDescription": {"text": spec.description},
                "help": {"text": spec.remediation, "markdown": f"**Fix:** {spec.remediation}"},
                "defaultConfiguration": {"level": RULE_LEVELS[level], "enabled": level != "—"},
                "properties": {
                    "tags": list(spec.references),
                    "enforcementLevel": level if level != "—" else "not applicable",
                    "severity": severity,
                    **({"security-severity": SECURITY_SEVERITY[severity]} if severity in SECURITY_SEVERITY else {}),
                },
            }
        )
    return rules


def _result(finding: Finding, rule_index: dict[str, int], stack: str) -> dict[str, object]:
    location: dict[str, object] = {"physicalLocation": {"artifactLocation": {"uri": stack_file(stack), "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 1}}}
    if finding.urn:
        location["logicalLocations"] = [{"name": finding.urn.rsplit("::", 1)[1], "fullyQualifiedName": finding.urn, "kind": "resource"}]
    fingerprint = hashlib.sha256("\0".join((stack, finding.policy, finding.urn or "", finding.message)).encode()).hexdigest()
    result: dict[str, object] = {
        "ruleId": finding.policy,
        "level": RESULT_LEVELS.get(finding.level, "note"),
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {"tierupFinding/v1": fingerprint},
        "properties": {
            "urn": finding.urn,
            "type": resource_type(finding.urn) if finding.urn else None,
            "enforcementLevel": finding.level,
            "severity": finding.severity,
        },
    }
    if finding.policy in rule_index:
        result["ruleIndex"] = rule_index[finding.policy]
    return result


def _run(check: StackCheck) -> dict[str, object]:
    graph, report = check.graph, check.policies
    rules = _rules(graph.release)
    rule_index = {str(rule["id"]): index for index, rule in enumerate(rules)}
    return {
        "tool": {"driver": {"name": "tierup", "fullName": f"tierup check ({report.pack})", "rules": rules}},
        # One run per stack: the category keeps each stack's alerts apart in code scanning.
        "automationDetails": {"id": f"tierup-check/{graph.stack}/"},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The Pulumi project directory (the repository root)."}}},
        "results": [_result(finding, rule_index, graph.stack) for finding in report.findings],
        "properties": {"stack": graph.stack, "release": graph.release, "policyPackName": report.pack, "passed": check.passed},
    }


def _error_run(error: CheckError) -> dict[str, object]:
    """A stack that could not be checked: a run with the failure as a tool notification."""
    return {
        "tool": {"driver": {"name": "tierup"}},
        "invocations": [{"executionSuccessful": False, "toolExecutionNotifications": [{"level": "error", "message": {"text": str(error)}}]}],
        "results": [],
    }


def sarif_document(results: Sequence[StackCheck | CheckError]) -> dict[str, object]:
    runs = [_error_run(result) if isinstance(result, CheckError) else _run(result) for result in results]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": runs}


def render_sarif(results: Sequence[StackCheck | CheckError]) -> str:
    return json.dumps(sarif_document(results), indent=2)
