"""StackBudget under the mock engine: the tag filter, the alerts (to the stack's alert topic), and
the tag activation."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import make_project
from tierup.synth.graph import ResourceGraph
from tierup.synth.runner import synthesize


def test_the_budget_follows_the_release_and_filters_on_the_stack_tag(dev_graph: ResourceGraph, prod_graph: ResourceGraph) -> None:
    for graph, limit in ((dev_graph, "45.00"), (prod_graph, "150.00")):
        (budget,) = graph.of_type("aws:budgets/budget:Budget")
        assert (budget.inputs["budgetType"], budget.inputs["limitAmount"], budget.inputs["limitUnit"], budget.inputs["timeUnit"]) == (
            "COST",
            limit,
            "USD",
            "MONTHLY",
        )
        assert budget.inputs["costFilters"] == [{"name": "TagKeyValue", "values": [f"user:Stack${graph.stack}"]}]
    assert dev_graph.of_type("aws:costexplorer/costAllocationTag:CostAllocationTag") == []


def test_alerts_and_tag_activation_when_configured(tmp_path: Path) -> None:
    stack = (
        "config:\n  aws:region: us-east-1\n  tierup:release: v1.5\n  tierup:budget:\n    monthlyUsd: 140\n    activateCostTags: true\n"
        "  tierup:alerts:\n    emails: [ops@example.com, cto@example.com]\n"
    )
    graph = synthesize(make_project(tmp_path, {"ops": stack}), "ops")
    (budget,) = graph.of_type("aws:budgets/budget:Budget")
    assert budget.inputs["limitAmount"] == "140.00"
    assert [(n["notificationType"], n["threshold"], n["thresholdType"], n["comparisonOperator"]) for n in budget.inputs["notifications"]] == [
        ("FORECASTED", 80, "PERCENTAGE", "GREATER_THAN"),
        ("ACTUAL", 100, "PERCENTAGE", "GREATER_THAN"),
    ]
    # One address list: the budget notifies the alert topic, which the addresses subscribe to.
    (topic,) = graph.of_type("aws:sns/topic:Topic")
    assert all(n["subscriberSnsTopicArns"] == ["arn:aws:sns:us-east-1:123456789012:alerts-topic"] for n in budget.inputs["notifications"])
    assert "subscriberEmailAddresses" not in budget.inputs["notifications"][0]
    (policy,) = graph.of_type("aws:sns/topicPolicy:TopicPolicy")
    assert budget.property_dependencies["notifications"] == tuple(sorted((topic.urn, policy.urn)))
    subscriptions = graph.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert sorted((s.name, s.inputs["protocol"], s.inputs["endpoint"]) for s in subscriptions) == [
        ("alerts-email-cto-example-com", "email", "cto@example.com"),
        ("alerts-email-ops-example-com", "email", "ops@example.com"),
    ]
    # ... and waits for the topic's policy, which lets budgets.amazonaws.com publish.
    assert policy.urn in budget.dependencies
    tags = graph.of_type("aws:costexplorer/costAllocationTag:CostAllocationTag")
    assert sorted((t.inputs["tagKey"], t.inputs["status"], t.options.retain_on_delete) for t in tags) == [
        ("Project", "Active", True), ("Release", "Active", True), ("Stack", "Active", True), ("Tier", "Active", True),
    ]  # fmt: skip
    assert {t.urn for t in tags} <= set(budget.dependencies)
