"""Every taggable resource of every stack carries the cost-allocation tags (cross-cutting)."""

from __future__ import annotations

import importlib
import inspect

import pytest

from tierup.synth.graph import ResourceGraph
from tierup_guardrails.tags import REQUIRED_TAG_KEYS


def taggable(type_token: str) -> bool:
    """Whether the SDK class for this type token accepts tags."""
    package, module_path, class_name = type_token.split(":")
    module_name = f"pulumi_{package}" if module_path.startswith("index") else f"pulumi_{package}.{module_path.split('/')[0]}"
    return "tags" in inspect.signature(getattr(importlib.import_module(module_name), class_name)._internal_init).parameters


@pytest.mark.parametrize(("graph_name", "taggable_count"), [("dev_graph", 48), ("prod_graph", 70), ("scale_graph", 91)])
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_every_taggable_resource_carries_the_required_tags(graph_name: str, taggable_count: int, request: pytest.FixtureRequest) -> None:
    graph: ResourceGraph = request.getfixturevalue(graph_name)
    tagged = [r for r in graph if r.custom and taggable(r.type)]
    assert len(tagged) == taggable_count
    for resource in tagged:
        tags = resource.inputs.get("tags", {})
        assert set(REQUIRED_TAG_KEYS) <= set(tags), resource.urn
        assert (tags["Stack"], tags["Release"], tags["Tier"]) == (graph.stack, graph.release, graph.tier_of(resource)), resource.urn


def test_untaggable_types_are_known() -> None:
    assert taggable("aws:ec2/vpc:Vpc") and not taggable("aws:ec2/route:Route") and not taggable("random:index/randomPassword:RandomPassword")
