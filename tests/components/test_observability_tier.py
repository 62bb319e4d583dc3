"""ObservabilityTier under the mock engine (the topic, its key and policy, the alarms, the Spot rule,
the dashboard) and its pure helpers with exact values (alarm arguments, dashboard, documents)."""

from __future__ import annotations

import json

import pytest

from components.alarm_queries import alarm_arguments, dashboard_body, widget
from components.alert_documents import key_policy, spot_event_pattern, topic_policy
from components.cache_tier import node_id
from tierup.synth.graph import ResourceGraph
from tierup_guardrails.settings import PROFILES, Release
from tierup_guardrails.thresholds import BY_ID, promised

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:alerts-topic"


def alarms(graph: ResourceGraph) -> dict[str, dict]:
    return {str(a.inputs["name"]): a.inputs for a in graph.of_type(ALARM)}


def test_the_topic_is_encrypted_with_the_stack_key_through_its_alias(prod_graph: ResourceGraph) -> None:
    (topic,) = prod_graph.of_type("aws:sns/topic:Topic")
    (alias,) = prod_graph.of_type("aws:kms/alias:Alias")
    (key,) = prod_graph.of_type("aws:kms/key:Key")
    assert (topic.inputs["kmsMasterKeyId"], alias.inputs["name"]) == ("alias/tierup-prod-alerts", "alias/tierup-prod-alerts")
    assert topic.property_dependencies["kmsMasterKeyId"] == (alias.urn,) and alias.property_dependencies["targetKeyId"] == (key.urn,)
    assert (key.inputs["enableKeyRotation"], key.inputs["deletionWindowInDays"]) == (True, 7)
    assert json.loads(key.inputs["policy"]) == json.loads(key_policy("123456789012", ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]))
    assert topic.inputs["displayName"] == "tierup prod alerts"


@pytest.mark.parametrize(("release", "graph_name"), [(Release.V1_0, "dev_graph"), (Release.V1_5, "prod_graph"), (Release.V2_0, "scale_graph")])
def test_every_promised_alarm_is_built_from_its_row(release: Release, graph_name: str, request: pytest.FixtureRequest) -> None:
    graph: ResourceGraph = request.getfixturevalue(graph_name)
    stack = graph.stack
    built = alarms(graph)
    expected = [name for name in promised(PROFILES[release]) if BY_ID[name].alarm]
    assert sorted(built) == sorted(f"tierup-{stack}-{name}" for name in expected)
    for name in expected:
        watch, inputs = BY_ID[name], built[f"tierup-{stack}-{name}"]
        arn = TOPIC_ARN
        assert (inputs["alarmActions"], inputs["okActions"], inputs["actionsEnabled"]) == ([arn], [arn], True), name
        assert (inputs["treatMissingData"], inputs["threshold"], inputs["comparisonOperator"]) == (
            watch.missing.value, watch.alarm_threshold, watch.comparison.value
        ), name  # fmt: skip
        assert inputs["alarmDescription"].startswith(watch.summary), name


def test_dimensions_come_from_the_watched_resources_outputs(prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    by_name = {a.inputs["name"]: a for a in scale_graph.of_type(ALARM)}
    urn = {r.name: r.urn for r in scale_graph}
    cpu = by_name["tierup-prod-ecs-cpu-above-85"]
    assert cpu.inputs["dimensions"] == {"ClusterName": "compute-cluster", "ServiceName": "compute-service"}
    assert cpu.property_dependencies["dimensions"] == tuple(sorted((urn["compute-cluster"], urn["compute-service"])))
    lag = by_name["tierup-prod-replica-lag-high"]
    assert (lag.inputs["dimensions"], lag.property_dependencies["dimensions"]) == ({"DBInstanceIdentifier": "tierup-prod-db-replica"}, (urn["data-replica"],))
    # Per-instance metrics: one query per NAT gateway and per cache node, summed by the expression.
    drops = by_name["tierup-prod-nat-packet-drops"].inputs["metricQueries"]
    assert [q["id"] for q in drops] == ["drops_0", "drops_1", "src_0", "src_1", "dst_0", "dst_1", "result"]
    assert {q["metric"]["dimensions"]["NatGatewayId"] for q in drops if "metric" in q} == {"network-nat-1-id", "network-nat-2-id"}
    hits = by_name["tierup-prod-cache-hits-below-50"].inputs["metricQueries"]
    assert {q["metric"]["dimensions"]["CacheClusterId"] for q in hits if "metric" in q} == {"cache-group-001", "cache-group-002"}
    waf = alarms(prod_graph)["tierup-prod-waf-blocked-spike"]
    assert waf["dimensions"] == {"WebACL": "compute-lb-waf", "Region": "us-east-1", "Rule": "ALL"}


def test_the_topic_policy_admits_the_stack_alarms_budgets_and_the_spot_rule(prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    (policy,) = prod_graph.of_type("aws:sns/topicPolicy:TopicPolicy")
    assert json.loads(policy.inputs["policy"]) == json.loads(topic_policy(TOPIC_ARN, "123456789012", "us-east-1", "tierup-prod-", None))
    (scaled,) = scale_graph.of_type("aws:sns/topicPolicy:TopicPolicy")
    spot = json.loads(scaled.inputs["policy"])["Statement"][2]
    assert spot["Condition"] == {"ArnEquals": {"aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/tierup-prod-spot-interruptions"}}


def test_spot_interruptions_reach_the_topic_as_a_sentence(scale_graph: ResourceGraph, prod_graph: ResourceGraph) -> None:
    (rule,) = scale_graph.of_type("aws:cloudwatch/eventRule:EventRule")
    (target,) = scale_graph.of_type("aws:cloudwatch/eventTarget:EventTarget")
    assert rule.inputs["name"] == "tierup-prod-spot-interruptions"
    assert json.loads(rule.inputs["eventPattern"]) == {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {"clusterArn": ["arn:aws:ecs:us-east-1:123456789012:cluster/compute-cluster"], "stopCode": ["SpotInterruption"]},
    }
    assert (target.inputs["arn"], target.property_dependencies["rule"]) == (TOPIC_ARN, (rule.urn,))
    assert target.inputs["inputTransformer"]["inputTemplate"].startswith('"Spot interruption at <time>: task <task> of <group>')
    assert prod_graph.of_type("aws:cloudwatch/eventRule:EventRule") == []


def test_the_dashboard_draws_the_same_rows_grouped_by_tier(dev_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    assert dev_graph.of_type("aws:cloudwatch/dashboard:Dashboard") == []
    (dashboard,) = scale_graph.of_type("aws:cloudwatch/dashboard:Dashboard")
    assert dashboard.inputs["dashboardName"] == "tierup-prod"
    widgets = json.loads(dashboard.inputs["dashboardBody"])["widgets"]
    headings = [w["properties"]["markdown"] for w in widgets if w["type"] == "text"]
    assert headings == ["## compute", "## data", "## cache", "## network"]
    titles = [w["properties"]["title"].split(" ")[0] for w in widgets if w["type"] == "metric"]
    assert sorted(titles) == sorted(promised(PROFILES[Release.V2_0]))
    assert max(w["x"] + w["width"] for w in widgets) == 24


def test_each_address_is_a_subscription_named_after_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_project
    from tierup.synth.runner import synthesize

    stack = "config:\n  aws:region: us-east-1\n  tierup:release: v1.0\n  tierup:alerts:\n    emails: [Ops@Example.com]\n"
    graph = synthesize(make_project(tmp_path, {"mvp": stack}), "mvp")
    (subscription,) = graph.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert (subscription.name, subscription.inputs["protocol"], subscription.inputs["endpoint"]) == ("alerts-email-ops-example-com", "email", "Ops@Example.com")


def test_alarm_arguments_for_one_metric_and_for_math() -> None:
    assert alarm_arguments(BY_ID["latency-above-1s"], [{"LoadBalancer": "app/lb/1"}]) == {
        "comparison_operator": "GreaterThanThreshold", "threshold": 1.0, "evaluation_periods": 3, "datapoints_to_alarm": 3,
        "treat_missing_data": "notBreaching", "namespace": "AWS/ApplicationELB", "metric_name": "TargetResponseTime",
        "dimensions": {"LoadBalancer": "app/lb/1"}, "period": 300, "extended_statistic": "p95",
    }  # fmt: skip
    storage = alarm_arguments(BY_ID["db-storage-low"], [{"DBInstanceIdentifier": "db"}])
    assert (storage["threshold"], storage["statistic"]) == (1024**3, "Minimum")
    errors = alarm_arguments(BY_ID["nat-port-errors"], [{"NatGatewayId": "nat-a"}, {"NatGatewayId": "nat-b"}])
    assert errors["metric_queries"] == [
        {"id": "errors_0", "metric": {"namespace": "AWS/NATGateway", "metric_name": "ErrorPortAllocation", "dimensions": {"NatGatewayId": "nat-a"},
                                      "period": 300, "stat": "Sum"}, "return_data": False},
        {"id": "errors_1", "metric": {"namespace": "AWS/NATGateway", "metric_name": "ErrorPortAllocation", "dimensions": {"NatGatewayId": "nat-b"},
                                      "period": 300, "stat": "Sum"}, "return_data": False},
        {"id": "result", "expression": "SUM(METRICS('errors'))", "label": "nat-port-errors", "return_data": True},
    ]  # fmt: skip
    with pytest.raises(ValueError, match="watch replica-lag-high has no instance of its subject replica"):
        alarm_arguments(BY_ID["replica-lag-high"], [])


def test_a_widget_and_the_layout() -> None:
    one = widget(BY_ID["db-cpu-above-70"], [{"DBInstanceIdentifier": "db"}], "us-east-1", 8, 1)
    assert one["properties"]["metrics"] == [["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", "db", {"id": "m", "stat": "Average", "region": "us-east-1"}]]
    assert (one["properties"]["title"], one["properties"]["annotations"]) == (
        "db-cpu-above-70 (> 70 %)",
        {"horizontal": [{"label": "alarm threshold", "value": 70}]},
    )
    rows = [
        ("data", [(BY_ID[name], [{"DBInstanceIdentifier": "db"}]) for name in ("db-cpu-above-70", "db-storage-low", "db-conns-above-50", "replica-lag-high")])
    ]
    placed = [(w["x"], w["y"]) for w in dashboard_body(rows, "us-east-1")["widgets"]]
    assert placed == [(0, 0), (0, 1), (8, 1), (16, 1), (0, 7)]


def test_documents_and_names() -> None:
    assert json.loads(key_policy("111122223333", ["events.amazonaws.com", "budgets.amazonaws.com"]))["Statement"] == [
        {"Sid": "AccountAdministersKey", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "PublishersEncrypt", "Effect": "Allow", "Principal": {"Service": ["budgets.amazonaws.com", "events.amazonaws.com"]},
         "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"},
    ]  # fmt: skip
    budgets = json.loads(topic_policy("arn:t", "111122223333", "eu-west-2", "p-s-", None))["Statement"][1]
    assert budgets["Condition"] == {"StringEquals": {"aws:SourceAccount": "111122223333"}, "ArnLike": {"aws:SourceArn": "arn:aws:budgets::111122223333:*"}}
    assert json.loads(spot_event_pattern("arn:c"))["detail"] == {"clusterArn": ["arn:c"], "stopCode": ["SpotInterruption"]}
    assert (node_id("cache-group-1a2b", 1), node_id("cache-group-1a2b", 12)) == ("cache-group-1a2b-001", "cache-group-1a2b-012")
