"""`tierup cost --format json` against Infracost's published schema (a pinned copy, see
infracost.schema.md): zero errors for every shipped stack and release, and a broken document fails."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from tierup.cost.from_graph import estimate_graph
from tierup.cost.report import infracost_json, render_cost_json
from tierup.synth.graph import ResourceGraph

SCHEMA_PATH = Path(__file__).parent / "infracost.schema.json"
SCHEMA_BLOB = "ecbabd6586efbc2d3a871ed1b359741bbaedf9c3"  # schema/infracost.schema.json in infracost v0.10.45


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def errors(validator: jsonschema.Draft4Validator, document: object) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}" for error in validator.iter_errors(document)]


def test_the_schema_is_the_published_file_unchanged() -> None:
    data = SCHEMA_PATH.read_bytes()
    assert hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() == SCHEMA_BLOB


@pytest.mark.parametrize("graph_name", ["dev_graph", "prod_graph", "scale_graph"], ids=["dev", "prod", "prod-v2.0"])
def test_cost_json_has_no_schema_errors(graph_name: str, request: pytest.FixtureRequest, validator: jsonschema.Draft4Validator) -> None:
    graph: ResourceGraph = request.getfixturevalue(graph_name)
    document = json.loads(render_cost_json([estimate_graph(graph)]))
    assert errors(validator, document) == []
    assert document["version"] == "0.2" and document["projects"][0]["displayName"] == graph.stack


def test_all_stacks_in_one_document_have_no_schema_errors(dev_graph: ResourceGraph, prod_graph: ResourceGraph, validator: jsonschema.Draft4Validator) -> None:
    document = json.loads(json.dumps(infracost_json([estimate_graph(dev_graph), estimate_graph(prod_graph)])))
    assert errors(validator, document) == []


def test_the_budget_verdict_and_unpriced_notes_stay_inside_the_schema(dev_graph: ResourceGraph) -> None:
    (project,) = infracost_json([estimate_graph(dev_graph)])["projects"]  # type: ignore[misc]
    (budget,) = project["metadata"]["warnings"]
    assert budget["data"]["release"] == "v1.0" and budget["data"]["withinBudget"] is True and "within budget" in budget["message"]


def first_component(document: dict) -> dict:  # type: ignore[type-arg]
    return next(r for r in document["projects"][0]["breakdown"]["resources"] if r["costComponents"])["costComponents"][0]


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (lambda d: d.pop("metadata"), "(root): 'metadata' is a required property"),
        (
            lambda d: d["projects"][0]["metadata"].update(release="v1.0"),
            "projects/0/metadata: Additional properties are not allowed ('release' was unexpected)",
        ),
        (lambda d: first_component(d).pop("priceNotFound"), "'priceNotFound' is a required property"),
        (lambda d: d.update(totalMonthlyCost=12.5), "totalMonthlyCost: 12.5 is not of type 'string', 'null'"),
        (lambda d: d.update(timeGenerated="yesterday"), "timeGenerated: 'yesterday' is not a 'date-time'"),
    ],
    ids=["missing-metadata", "extra-project-field", "missing-priceNotFound", "number-as-cost", "bad-date"],
)
def test_a_broken_document_is_rejected(dev_graph: ResourceGraph, validator: jsonschema.Draft4Validator, break_it, expected: str) -> None:  # type: ignore[no-untyped-def]
    document = copy.deepcopy(json.loads(render_cost_json([estimate_graph(dev_graph)])))
    break_it(document)
    found = errors(validator, document)
    assert any(expected in error for error in found), found
