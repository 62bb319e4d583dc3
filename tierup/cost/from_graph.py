"""Estimating a synthesized stack: the graph's resources as the estimator's input."""

from __future__ import annotations

from tierup.synth.graph import ResourceGraph
from tierup_guardrails.cost.estimator import estimate
from tierup_guardrails.cost.model import Estimate, PricedResource, load_catalogue
from tierup_guardrails.settings.model import UsageSettings


def priced_resources(graph: ResourceGraph) -> list[PricedResource]:
    """Custom resources with their inputs (the literal values a preview also knows), each in the
    region of its provider (None: the stack's)."""
    return [
        PricedResource(
            urn=r.urn,
            type=r.type,
            name=r.name,
            tier=graph.tier_of(r),
            props=r.inputs,
            deps=r.property_dependencies,
            region=region if (region := graph.region_of(r)) != graph.region else None,
        )
        for r in graph
        if r.custom
    ]


def estimate_graph(graph: ResourceGraph) -> Estimate:
    budget = graph.settings["budget"]
    return estimate(
        stack=graph.stack,
        release=graph.release,
        budget_usd=budget["monthly_usd"],
        goal_usd=budget["goal_usd"],
        resources=priced_resources(graph),
        catalogue=load_catalogue(graph.region),
        usage=UsageSettings(**graph.settings["usage"]),
    )
