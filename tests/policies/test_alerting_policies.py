"""The alerting guardrails: every release's synthesized stack passes, and a graph seeded with one
fault (an alarm without actions, a missing promised alarm, an unencrypted topic or one on the AWS
managed key, a key its publishers cannot use, an open topic policy, a dimension pointing at a
resource the stack does not create) fails with the exact message; they decide in a first preview."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from tests.policies.harness import check_stack, named, policy_resources, rails
from tierup.synth.graph import Resource, ResourceGraph
from tierup.synth.runner import synthesize

POLICIES = (
    "cloudwatch-promised-alarms-exist",
    "cloudwatch-alarm-actions-to-topic",
    "cloudwatch-alarm-dimensions-exist",
    "sns-topic-encrypted-for-its-publishers",
    "sns-topic-publishers-limited",
)
RELEASE_GRAPHS = [("v1.0", "dev_graph"), ("v1.5", "prod_graph"), ("v2.0", "scale_graph")]


def edited(graph: ResourceGraph, name: str, *, drop: tuple[str, ...] = (), **outputs: object) -> list[Resource]:
    """The graph with the inputs in `drop` removed from one resource, values and property
    dependencies both (as if the program had never set them), then `outputs` set as literals."""
    resource = named(graph, name)
    kept = {**{k: v for k, v in resource.outputs.items() if k not in drop}, **outputs}
    links = {k: v for k, v in resource.property_dependencies.items() if k not in drop}
    replaced = dataclasses.replace(resource, outputs=kept, property_dependencies=links)
    return [replaced if r.name == name else r for r in graph]


def without(graph: ResourceGraph, *names: str) -> list[Resource]:
    return [r for r in graph if r.name not in names]


def with_document(graph: ResourceGraph, name: str, edit: Any) -> list[Any]:
    resource = named(graph, name)
    document = json.loads(resource.outputs["policy"])
    edit(document["Statement"])
    return policy_resources(list(graph), {name: {**resource.outputs, "policy": json.dumps(document)}})


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize(("release", "graph_name"), RELEASE_GRAPHS)
def test_the_shipped_stacks_pass(policy: str, release: str, graph_name: str, request: pytest.FixtureRequest) -> None:
    graph: ResourceGraph = request.getfixturevalue(graph_name)
    assert check_stack(policy, rails(release), list(graph)).messages == []


def test_each_release_builds_exactly_its_promised_alarms(dev_graph: ResourceGraph, prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    for release, graph in (("v1.0", dev_graph), ("v1.5", prod_graph), ("v2.0", scale_graph)):
        built = {
            str(a.inputs["name"]).removeprefix("tierup-prod-").removeprefix("tierup-dev-") for a in graph.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        }
        rules = {str(r.inputs["name"]).removeprefix("tierup-prod-") for r in graph.of_type("aws:cloudwatch/eventRule:EventRule")}
        assert sorted(built | rules) == sorted(rails(release).promised_alarms), release


def test_a_missing_promised_alarm_fails(dev_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    assert check_stack("cloudwatch-promised-alarms-exist", rails("v1.0"), without(dev_graph, "alerts-db-cpu-above-70")).messages == [
        "(stack): Add the alarm db-cpu-above-70, which release v1.0 promises: Database CPU above 70% for 15 minutes: add a cache or a larger class."
    ]
    assert check_stack("cloudwatch-promised-alarms-exist", rails("v2.0"), without(scale_graph, "alerts-spot-target")).messages == [
        "(stack): Add the EventBridge rule spot-interruptions with the alert topic as its target, which release v2.0 promises: "
        "A Fargate Spot task of the service was interrupted (AWS took the capacity back)."
    ]


def test_a_release_without_its_alarms_fails(prod_graph: ResourceGraph) -> None:
    # The v1.5 stack checked as v2.0: the replica, proxy, cache and Spot signals are missing.
    messages = check_stack("cloudwatch-promised-alarms-exist", rails("v2.0"), list(prod_graph)).messages
    assert [m.split(",", 1)[0] for m in messages] == [
        "(stack): Add the alarm replica-lag-high",
        "(stack): Add the alarm proxy-wait-high",
        "(stack): Add the alarm cache-hits-below-50",
        "(stack): Add the alarm cache-evictions",
        "(stack): Add the EventBridge rule spot-interruptions with the alert topic as its target",
    ]


def test_an_alarm_without_actions_fails(prod_graph: ResourceGraph) -> None:
    silent = edited(prod_graph, "alerts-db-cpu-above-70", drop=("alarmActions", "okActions"))
    assert check_stack("cloudwatch-alarm-actions-to-topic", rails("v1.5"), silent).messages == [
        "alerts-db-cpu-above-70: Send alarmActions and okActions of alerts-db-cpu-above-70 to the stack's alert topic: "
        "an alarm that notifies no one fires unheard."
    ]
    no_ok = edited(prod_graph, "alerts-db-cpu-above-70", drop=("okActions",))
    assert check_stack("cloudwatch-alarm-actions-to-topic", rails("v1.5"), no_ok).messages == [
        "alerts-db-cpu-above-70: Send okActions of alerts-db-cpu-above-70 to the stack's alert topic: an alarm that notifies no one fires unheard."
    ]
    # An ARN typed by hand (another topic, or none of the stack's) is not the stack's topic.
    elsewhere = edited(prod_graph, "alerts-ecs-cpu-above-85", drop=("alarmActions",), alarmActions=["arn:aws:sns:us-east-1:123456789012:other"])
    assert check_stack("cloudwatch-alarm-actions-to-topic", rails("v1.5"), elsewhere).messages == [
        "alerts-ecs-cpu-above-85: Send alarmActions of alerts-ecs-cpu-above-85 to the stack's alert topic: an alarm that notifies no one fires unheard."
    ]
    disabled = edited(prod_graph, "alerts-db-cpu-above-70", actionsEnabled=False)
    assert check_stack("cloudwatch-alarm-actions-to-topic", rails("v1.5"), disabled).messages == [
        "alerts-db-cpu-above-70: Set actionsEnabled to true on alerts-db-cpu-above-70: its notifications are switched off."
    ]


def test_a_dimension_naming_a_resource_the_stack_lacks_fails(scale_graph: ResourceGraph) -> None:
    # The replica gone, its lag alarm still names it.
    assert check_stack("cloudwatch-alarm-dimensions-exist", rails("v2.0"), without(scale_graph, "data-replica")).messages == [
        "alerts-replica-lag-high: Point the DBInstanceIdentifier dimension of alerts-replica-lag-high at a database "
        "instance of this stack: 'tierup-prod-db-replica' is none it creates, so the alarm would watch a metric that never reports."
    ]
    typo = edited(scale_graph, "alerts-db-cpu-above-70", drop=("dimensions",), dimensions={"DBInstanceIdentifier": "tierup-prod-bd"})
    assert check_stack("cloudwatch-alarm-dimensions-exist", rails("v2.0"), typo).messages == [
        "alerts-db-cpu-above-70: Point the DBInstanceIdentifier dimension of alerts-db-cpu-above-70 at a database instance of "
        "this stack: 'tierup-prod-bd' is none it creates, so the alarm would watch a metric that never reports."
    ]
    # A literal that is the name of the stack's resource is accepted (a node of its cache group too).
    literal = edited(scale_graph, "alerts-db-cpu-above-70", drop=("dimensions",), dimensions={"DBInstanceIdentifier": "tierup-prod-db"})
    assert check_stack("cloudwatch-alarm-dimensions-exist", rails("v2.0"), literal).messages == []
    evictions = named(scale_graph, "alerts-cache-evictions")
    queries = [
        dict(q, metric={**q["metric"], "dimensions": {"CacheClusterId": "cache-group-002"}}) if "metric" in q else q for q in evictions.outputs["metricQueries"]
    ]
    assert (
        check_stack(
            "cloudwatch-alarm-dimensions-exist", rails("v2.0"), edited(scale_graph, evictions.name, drop=("metricQueries",), metricQueries=queries)
        ).messages
        == []
    )


def test_an_unencrypted_topic_fails(prod_graph: ResourceGraph) -> None:
    assert check_stack("sns-topic-encrypted-for-its-publishers", rails("v1.5"), edited(prod_graph, "alerts-topic", drop=("kmsMasterKeyId",))).messages == [
        "alerts-topic: Encrypt alerts-topic with the stack's alert key (kmsMasterKeyId): alerts name the stack's resources and failures."
    ]
    managed = edited(prod_graph, "alerts-topic", drop=("kmsMasterKeyId",), kmsMasterKeyId="alias/aws/sns")
    assert check_stack("sns-topic-encrypted-for-its-publishers", rails("v1.5"), managed).messages == [
        "alerts-topic: Encrypt alerts-topic with a customer managed key, not alias/aws/sns: its policy cannot let CloudWatch "
        "alarms or AWS Budgets use it, so their notifications would be dropped."
    ]
    foreign = edited(prod_graph, "alerts-topic", drop=("kmsMasterKeyId",), kmsMasterKeyId="alias/shared")
    assert check_stack("sns-topic-encrypted-for-its-publishers", rails("v1.5"), foreign).messages == [
        "alerts-topic: Encrypt alerts-topic with a KMS key of this stack, whose policy the pack can check."
    ]


def test_a_key_its_publishers_cannot_use_fails(prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    def only_budgets(statements: list[dict[str, Any]]) -> None:
        statements[1]["Principal"]["Service"] = ["budgets.amazonaws.com"]

    assert check_stack("sns-topic-encrypted-for-its-publishers", rails("v1.5"), with_document(prod_graph, "alerts-key", only_budgets)).messages == [
        "alerts-key: Let cloudwatch.amazonaws.com use alerts-key (kms:Decrypt and kms:GenerateDataKey* in its policy): they publish "
        "to alerts-topic, and without the key their messages are dropped."
    ]
    # With Spot, EventBridge publishes too: the v2.0 key grants it.
    key = json.loads(named(scale_graph, "alerts-key").inputs["policy"])
    assert key["Statement"][1]["Principal"]["Service"] == ["budgets.amazonaws.com", "cloudwatch.amazonaws.com", "events.amazonaws.com"]


def test_an_open_topic_policy_fails(prod_graph: ResourceGraph) -> None:
    def anyone(statements: list[dict[str, Any]]) -> None:
        statements.append({"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "sns:Publish", "Resource": "*"})

    assert check_stack("sns-topic-publishers-limited", rails("v1.5"), with_document(prod_graph, "alerts-topic-policy", anyone)).messages == [
        "alerts-topic-policy: Let only budgets.amazonaws.com, cloudwatch.amazonaws.com, events.amazonaws.com publish in Anyone of "
        "alerts-topic-policy: it allows *."
    ]

    def unconditioned(statements: list[dict[str, Any]]) -> None:
        del statements[0]["Condition"]

    assert check_stack("sns-topic-publishers-limited", rails("v1.5"), with_document(prod_graph, "alerts-topic-policy", unconditioned)).messages == [
        "alerts-topic-policy: Add a source condition (aws:SourceAccount or aws:SourceArn) to StackAlarmsPublish of alerts-topic-policy: "
        "any account's alarms could publish."
    ]


@pytest.fixture(scope="module")
def first_preview(project_dir: Path) -> ResourceGraph:
    return synthesize(project_dir, "prod", "v2.0", first_preview=True)


@pytest.mark.parametrize("policy", POLICIES)
def test_the_policies_decide_in_a_first_preview(policy: str, first_preview: ResourceGraph) -> None:
    # Load balancer suffixes, NAT ids and the topic's own ARN are unknown; the links are not.
    alarm = named(first_preview, "alerts-latency-above-1s")
    assert alarm.inputs["dimensions"]["LoadBalancer"] != "app/compute-lb-alb/0123456789abcdef"
    assert check_stack(policy, rails("v2.0"), list(first_preview)).messages == []
