"""`tierup check --format sarif`: valid SARIF 2.1.0 (against a pinned copy of the OASIS schema, see
sarif-schema-2.1.0.md), one rule per policy, one result per finding at the stack file and URN."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from tierup.check import CheckError, StackCheck, check_stacks
from tierup.policy_runner import MANDATORY
from tierup.report import RENDERERS
from tierup.sarif import render_sarif, sarif_document
from tierup_guardrails.verdicts import NOT_EVALUATED, Finding

SCHEMA_PATH = Path(__file__).parent / "sarif-schema-2.1.0.json"
SCHEMA_BLOB = "0f58372b548f60c84d20fca77687435e71b3b3a3"  # sarif-2.1/schema/sarif-schema-2.1.0.json in oasis-tcs/sarif-spec


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def checks(project_dir: Path) -> list[StackCheck]:
    results = check_stacks(project_dir, ["dev", "prod"])
    assert all(isinstance(r, StackCheck) for r in results), results
    return results  # type: ignore[return-value]


def errors(validator: jsonschema.Draft4Validator, document: object) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}" for error in validator.iter_errors(document)]


def test_the_schema_is_the_published_file_unchanged() -> None:
    data = SCHEMA_PATH.read_bytes()
    assert hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() == SCHEMA_BLOB


def test_sarif_is_a_check_format() -> None:
    assert RENDERERS["sarif"] is render_sarif


def test_the_shipped_stacks_give_valid_sarif(checks: list[StackCheck], validator: jsonschema.Draft4Validator) -> None:
    document = json.loads(render_sarif(checks))
    assert errors(validator, document) == []
    assert document["version"] == "2.1.0" and [run["automationDetails"]["id"] for run in document["runs"]] == ["tierup-check/dev/", "tierup-check/prod/"]


def test_one_rule_per_policy_with_its_help_ids_and_release_level(checks: list[StackCheck]) -> None:
    dev, prod = (run["tool"]["driver"]["rules"] for run in sarif_document(checks)["runs"])  # type: ignore[index]
    assert len(dev) == checks[0].policies.policy_count and len({rule["id"] for rule in dev}) == len(dev)
    rds = next(rule for rule in dev if rule["id"] == "rds-no-public-access")
    assert rds["shortDescription"] == {"text": "Databases (RDS instances and Aurora cluster instances) are not publicly accessible."}
    assert rds["help"]["text"] == "Set publiclyAccessible to false."
    assert rds["properties"]["tags"] == ["D1", "CKV_AWS_17", "AVD-AWS-0180", "RDS.2"] and rds["properties"]["security-severity"] == "9.5"
    assert rds["defaultConfiguration"] == {"level": "error", "enabled": True}
    # Flow logs are advisory in v1.0 and mandatory from v1.5; Multi-AZ is not promised in v1.0.
    levels = [{rule["id"]: rule["defaultConfiguration"] for rule in rules} for rules in (dev, prod)]
    assert [lv["ec2-vpc-flow-logs-enabled"]["level"] for lv in levels] == ["warning", "error"]
    assert [lv["rds-multi-az"] for lv in levels] == [{"level": "none", "enabled": False}, {"level": "error", "enabled": True}]


def test_each_finding_is_a_result_at_the_stack_file_and_urn(checks: list[StackCheck]) -> None:
    run = sarif_document(checks)["runs"][1]  # type: ignore[index]
    findings = checks[1].policies.findings
    assert len(run["results"]) == len(findings) > 0
    result = next(r for r in run["results"] if r["ruleId"] == "lb-listener-http-redirects-to-https")
    urn = "urn:pulumi:prod::tierup::tierup:index:ComputeTier$tierup:index:LoadBalancer$aws:lb/listener:Listener::compute-lb-http"
    (location,) = result["locations"]
    assert location["physicalLocation"] == {"artifactLocation": {"uri": "Pulumi.prod.yaml", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 1}}
    assert location["logicalLocations"] == [{"name": "compute-lb-http", "fullyQualifiedName": urn, "kind": "resource"}]
    assert (result["level"], result["properties"]["urn"], result["properties"]["type"]) == ("warning", urn, "aws:lb/listener:Listener")
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_mandatory_stack_level_and_not_evaluated_findings(checks: list[StackCheck], validator: jsonschema.Draft4Validator) -> None:
    extra = (
        Finding(policy="cost-estimate-within-budget", level=MANDATORY, message="Lower the estimate.", urn=None, severity="high", remediation=""),
        Finding(
            policy="rds-no-public-access",
            level=NOT_EVALUATED,
            message="can't run policy",
            urn=checks[0].policies.findings[0].urn,
            severity="critical",
            remediation="",
        ),
    )
    check = dataclasses.replace(checks[0], policies=dataclasses.replace(checks[0].policies, findings=extra))
    document = sarif_document([check, CheckError("broken: tierup:release: missing")])
    assert errors(validator, json.loads(json.dumps(document))) == []
    stack_level, not_evaluated = document["runs"][0]["results"]  # type: ignore[index]
    assert (stack_level["level"], "logicalLocations" in stack_level["locations"][0], stack_level["properties"]["urn"]) == ("error", False, None)
    assert not_evaluated["level"] == "note"
    failed = document["runs"][1]["invocations"][0]  # type: ignore[index]
    assert failed["executionSuccessful"] is False and failed["toolExecutionNotifications"][0]["message"]["text"] == "broken: tierup:release: missing"


def test_a_broken_document_is_rejected(checks: list[StackCheck], validator: jsonschema.Draft4Validator) -> None:
    document = json.loads(render_sarif(checks[:1]))
    document["runs"][0]["results"][0]["level"] = "fatal"
    del document["runs"][0]["tool"]["driver"]["name"]
    found = errors(validator, document)
    assert any("'fatal' is not one of" in error for error in found) and any("'name' is a required property" in error for error in found), found
