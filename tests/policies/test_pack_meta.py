"""The pack as a whole: names, descriptions, type tokens, metadata, tests and catalogue."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from tests.policies.harness import rails
from tests.test_tags import taggable
from tierup.catalogue import CATALOGUE_PATH, render_catalogue
from tierup.settings_table import readme_with_table
from tierup.synth.graph import ResourceGraph
from tierup_guardrails import network_endpoints, network_groups, network_model
from tierup_guardrails.base import Spec
from tierup_guardrails.observability import TAGGABLE_TYPES
from tierup_guardrails.pack import AREAS, all_policies
from tierup_guardrails.settings.loader import _SECTIONS

TESTS = Path(__file__).parent
RELEASES = ("v1.0", "v1.5", "v2.0")
TYPE_TOKEN = re.compile(r"aws:[a-zA-Z0-9]+/[a-zA-Z0-9]+:[A-Za-z0-9]+")


def specs() -> list[Spec]:
    return [value for area in AREAS for value in vars(area).values() if isinstance(value, Spec)]


@pytest.mark.parametrize("release", RELEASES)
def test_names_are_unique_kebab_case_and_match_their_specs(release: str) -> None:
    names = [p.name for p in all_policies(lambda: rails(release))]
    assert len(names) == len(set(names)) == len(specs())
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", name) for name in names)
    assert sorted(names) == sorted(spec.name for spec in specs())


def test_descriptions_and_remediations_are_sentences_with_references() -> None:
    for spec in specs():
        for text in (spec.description, spec.remediation):
            assert text[0].isupper() and text.endswith(".") and "\n" not in text, spec.name
        assert spec.references and all(reference.strip() for reference in spec.references), spec.name


def test_settled_differences_name_the_policys_own_references_in_sentences() -> None:
    for spec in specs():
        for settled in spec.settled:
            assert settled.controls and set(settled.controls) <= set(spec.references), (spec.name, settled.controls)
            assert settled.how[0].isupper() and settled.how.endswith(".") and "|" not in settled.how, spec.name


def test_every_policy_carries_severity_remediation_and_references_in_its_metadata() -> None:
    for policy in all_policies(lambda: rails("v1.5")):
        assert policy.severity is not None and policy.remediation_steps and policy.tags, policy.name


def test_every_type_token_the_pack_checks_exists_in_pulumi_aws() -> None:
    # The reachability model keeps its type tokens in helper modules of its own.
    helpers = (network_groups, network_endpoints, network_model)
    sources = [Path(module.__file__).read_text() for module in (*AREAS, *helpers)]  # type: ignore[arg-type]
    tokens = sorted({token for source in sources for token in TYPE_TOKEN.findall(source)})
    assert len(tokens) >= 30
    for token in tokens:
        _, module_path, class_name = token.split(":")
        module = importlib.import_module(f"pulumi_aws.{module_path.split('/')[0]}")
        assert hasattr(module, class_name), token


def test_every_policy_has_a_passing_and_a_failing_test() -> None:
    source = "\n".join(path.read_text() for path in TESTS.glob("test_*.py") if path.name != Path(__file__).name)
    for spec in specs():
        assert source.count(f'"{spec.name}"') >= 1, f"{spec.name} has no test"
    from tests.policies.test_resource_policies import CASES

    tabled = {case[0] for case in CASES}
    stack_tested = {spec.name for spec in specs() if f'check_stack("{spec.name}"' in source}
    # Resource policies of resources no synthesized stack has yet (Aurora clusters) are tested on hand-built ones.
    hand_built = {spec.name for spec in specs() if f'check_resource("{spec.name}"' in source}
    release_tested = {"elasticache-not-before-v2"}
    assert {spec.name for spec in specs()} == tabled | stack_tested | hand_built | release_tested


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_taggable_types_match_what_the_program_creates(dev_graph: ResourceGraph, prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    created = {r.type for graph in (dev_graph, prod_graph, scale_graph) for r in graph if r.custom and taggable(r.type)}
    assert created == set(TAGGABLE_TYPES)


def test_the_catalogue_is_current() -> None:
    committed = (TESTS.parents[1] / CATALOGUE_PATH).read_text(encoding="utf-8")
    assert committed == render_catalogue(), "run `tierup catalogue` and commit policies/README.md"


def test_the_readme_settings_table_is_current() -> None:
    readme = (TESTS.parents[1] / "README.md").read_text(encoding="utf-8")
    assert readme == readme_with_table(readme), "run `tierup catalogue` and commit README.md"
    # Every setting the loader accepts is in it, under its config key.
    for section in _SECTIONS:
        for key in section.fields:
            assert f"`tierup:{section.name}.{key}`" in readme, key
