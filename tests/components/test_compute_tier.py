"""ComputeTier under the mock engine, per release, asserted through the synthesized graph."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import APP_PARAMETER as PARAMETER
from tests.conftest import APP_SECRET as SECRET
from tests.conftest import CERTIFICATE, make_project
from tierup.synth.graph import Resource, ResourceGraph
from tierup.synth.runner import synthesize

SERVICE = "aws:ecs/service:Service"
LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SCALING_TARGET = "aws:appautoscaling/target:Target"

SECRET_LOOKING = re.compile(r"(?i)(PASSWORD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)")


def one(graph: ResourceGraph, type_token: str) -> Resource:
    (resource,) = graph.of_type(type_token)
    return resource


def named(graph: ResourceGraph, name: str) -> Resource:
    return next(r for r in graph if r.name == name)


def app_ingress(graph: ResourceGraph) -> list[Resource]:
    app_sg = named(graph, "network-app-sg")
    return [r for r in graph.of_type(INGRESS) if r.inputs["securityGroupId"] == app_sg.id]


def test_v1_0_runs_one_public_task_open_only_on_the_app_port(dev_graph: ResourceGraph) -> None:
    assert dev_graph.of_type(LB) == [] and dev_graph.of_type(LISTENER) == [] and dev_graph.of_type(SCALING_TARGET) == []
    service = one(dev_graph, SERVICE)
    network = service.inputs["networkConfiguration"]
    assert (service.inputs["desiredCount"], network["assignPublicIp"]) == (1, True)
    assert network["subnets"] == ["network-public-1-id", "network-public-2-id"]
    assert "loadBalancers" not in service.inputs or service.inputs["loadBalancers"] == []
    (rule,) = app_ingress(dev_graph)
    assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"], rule.inputs["cidrIpv4"]) == ("tcp", 8080, 8080, "0.0.0.0/0")


def test_v1_5_puts_private_tasks_behind_an_alb_with_waf_and_autoscaling(prod_graph: ResourceGraph) -> None:
    alb = one(prod_graph, LB)
    assert alb.inputs["subnets"] == ["network-public-1-id", "network-public-2-id"]
    assert (alb.inputs["internal"], alb.inputs["loadBalancerType"]) == (False, "application")
    # No deletion protection: moving down to v1.0 and `pulumi destroy` delete the ALB.
    assert (alb.inputs["dropInvalidHeaderFields"], alb.inputs["enableDeletionProtection"], alb.inputs["desyncMitigationMode"]) == (True, False, "defensive")
    service = one(prod_graph, SERVICE)
    network = service.inputs["networkConfiguration"]
    assert (network["subnets"], network["assignPublicIp"]) == (["network-private-1-id", "network-private-2-id"], False)
    target_group = one(prod_graph, "aws:lb/targetGroup:TargetGroup")
    assert service.inputs["loadBalancers"] == [{"containerName": "app", "containerPort": 8080, "targetGroupArn": target_group.outputs["arn"]}]
    assert target_group.inputs["healthCheck"]["path"] == "/"
    (rule,) = app_ingress(prod_graph)
    assert rule.inputs["referencedSecurityGroupId"] == named(prod_graph, "compute-lb-sg").id and "cidrIpv4" not in rule.inputs
    listener = one(prod_graph, LISTENER)  # no certificate: HTTP forwards
    assert (listener.inputs["port"], listener.inputs["defaultActions"][0]["type"]) == (80, "forward")
    association = one(prod_graph, "aws:wafv2/webAclAssociation:WebAclAssociation")
    assert (association.inputs["resourceArn"], association.inputs["webAclArn"]) == (alb.outputs["arn"], named(prod_graph, "compute-lb-waf").outputs["arn"])
    scaling = one(prod_graph, SCALING_TARGET)
    assert (scaling.inputs["minCapacity"], scaling.inputs["maxCapacity"], scaling.inputs["resourceId"]) == (2, 6, "service/compute-cluster/compute-service")
    assert service.options.ignore_changes == ("desiredCount",)
    assert service.inputs["capacityProviderStrategies"] == [{"base": 0, "capacityProvider": "FARGATE", "weight": 1}]


def test_waf_has_the_managed_rules_and_a_rate_limit(prod_graph: ResourceGraph) -> None:
    rules = named(prod_graph, "compute-lb-waf").inputs["rules"]
    assert [(r["name"], r["priority"]) for r in rules] == [
        ("AWSManagedRulesCommonRuleSet", 1),
        ("AWSManagedRulesKnownBadInputsRuleSet", 2),
        ("rate-limit-per-ip", 3),
    ]
    assert rules[2]["statement"] == {"rateBasedStatement": {"aggregateKeyType": "IP", "limit": 2000}}
    assert rules[2]["action"] == {"block": {}}
    # Bodies over 8 KB are counted, not blocked, unless the stack asks (tierup:compute.wafBlockLargeBodies).
    assert rules[0]["statement"]["managedRuleGroupStatement"] == {
        "name": "AWSManagedRulesCommonRuleSet",
        "vendorName": "AWS",
        "ruleActionOverrides": [{"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}],
    }
    assert rules[1]["statement"]["managedRuleGroupStatement"] == {"name": "AWSManagedRulesKnownBadInputsRuleSet", "vendorName": "AWS"}


def test_waf_can_block_large_bodies_when_asked(tmp_path: Path) -> None:
    stack = "config:\n  aws:region: us-east-1\n  tierup:release: v1.5\n  tierup:compute:\n    wafBlockLargeBodies: true\n"
    graph = synthesize(make_project(tmp_path, {"waf": stack}), "waf")
    rules = named(graph, "compute-lb-waf").inputs["rules"]
    assert rules[0]["statement"]["managedRuleGroupStatement"] == {"name": "AWSManagedRulesCommonRuleSet", "vendorName": "AWS"}


def test_the_alb_may_reach_the_tasks_on_the_app_port_only(prod_graph: ResourceGraph) -> None:
    # The provider revokes the default allow-all egress: this rule is the ALB's only way out.
    (egress,) = [r for r in prod_graph.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") if r.name.startswith("compute-lb")]
    assert (egress.name, egress.inputs["securityGroupId"], egress.inputs["referencedSecurityGroupId"]) == (
        "compute-lb-to-app",
        named(prod_graph, "compute-lb-sg").id,
        named(prod_graph, "network-app-sg").id,
    )
    assert (egress.inputs["ipProtocol"], egress.inputs["fromPort"], egress.inputs["toPort"]) == ("tcp", 8080, 8080)


def test_a_certificate_turns_http_into_a_redirect_to_tls(tls_graph: ResourceGraph) -> None:
    listeners = {r.inputs["port"]: r.inputs for r in tls_graph.of_type(LISTENER)}
    assert listeners[80]["defaultActions"] == [{"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}]
    assert (listeners[443]["protocol"], listeners[443]["certificateArn"]) == ("HTTPS", CERTIFICATE)
    assert listeners[443]["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert sorted(r.inputs["fromPort"] for r in tls_graph.of_type(INGRESS) if r.name.startswith("compute-lb-ingress")) == [80, 443]
    assert tls_graph.outputs["appUrl"] == "https://compute-lb-alb-1234567890.us-east-1.elb.amazonaws.com"


def test_v2_0_mixes_spot_over_an_on_demand_base_up_to_ten_tasks(scale_graph: ResourceGraph) -> None:
    service = one(scale_graph, SERVICE)
    assert service.inputs["capacityProviderStrategies"] == [
        {"base": 1, "capacityProvider": "FARGATE", "weight": 1},
        {"base": 0, "capacityProvider": "FARGATE_SPOT", "weight": 3},
    ]
    assert one(scale_graph, SCALING_TARGET).inputs["maxCapacity"] == 10
    providers = one(scale_graph, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    assert providers.inputs["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    task = one(scale_graph, "aws:ecs/taskDefinition:TaskDefinition")
    assert (task.inputs["cpu"], task.inputs["memory"]) == ("512", "1024")
    # Fargate Spot runs ARM64 tasks on platform 1.4.0, which LATEST is.
    assert task.inputs["runtimePlatform"] == {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}
    assert service.inputs["platformVersion"] == "LATEST"


@pytest.mark.parametrize("graph_name", ["dev_graph", "prod_graph", "scale_graph", "tls_graph"])
def test_task_definition_is_hardened(graph_name: str, request: pytest.FixtureRequest) -> None:
    graph: ResourceGraph = request.getfixturevalue(graph_name)
    task = one(graph, "aws:ecs/taskDefinition:TaskDefinition")
    assert (task.inputs["networkMode"], task.inputs["requiresCompatibilities"]) == ("awsvpc", ["FARGATE"])
    assert task.inputs["runtimePlatform"] == {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}
    assert task.inputs["executionRoleArn"] != task.inputs["taskRoleArn"]
    assert "volumes" not in task.inputs or task.inputs["volumes"] == []
    (container,) = json.loads(task.inputs["containerDefinitions"])
    # A tmpfs, not a bind mount: Fargate makes bind mounts root-owned 0755, unwritable for uid 101.
    assert container["linuxParameters"]["tmpfs"] == [{"containerPath": "/tmp", "size": 64, "mountOptions": ["nosuid", "nodev", "mode=1777"]}]
    assert "mountPoints" not in container
    assert (container["readonlyRootFilesystem"], container["privileged"], container["user"]) == (True, False, "101")
    assert container["logConfiguration"]["logDriver"] == "awslogs"
    assert container["logConfiguration"]["options"]["awslogs-group"] == named(graph, "compute-logs").outputs["name"]
    assert not [e for e in container["environment"] if SECRET_LOOKING.search(e["name"])]


def test_secrets_reach_the_container_by_arn_and_only_they_are_readable(tls_graph: ResourceGraph) -> None:
    (container,) = json.loads(one(tls_graph, "aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])
    # The platform's own references are written from names, known in a first preview: the
    # secret's partial ARN (no random suffix) and the SSM parameter holding the host.
    database_secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:data-master-password-secret"
    host = "arn:aws:ssm:us-east-1:123456789012:parameter/tierup/tls/db/host"
    pool, client = (f"arn:aws:ssm:us-east-1:123456789012:parameter/tierup/tls/auth/{role}" for role in ("user-pool-id", "client-id"))
    assert container["secrets"] == [
        {"name": "API_KEY", "valueFrom": PARAMETER},
        {"name": "COGNITO_CLIENT_ID", "valueFrom": client},
        {"name": "COGNITO_USER_POOL_ID", "valueFrom": pool},
        {"name": "DB_HOST", "valueFrom": host},
        {"name": "DB_PASSWORD", "valueFrom": f"{database_secret}:password::"},
        {"name": "DB_USER", "valueFrom": f"{database_secret}:username::"},
        {"name": "STRIPE_KEY", "valueFrom": SECRET},
    ]
    assert {"name": "NODE_ENV", "value": "production"} in container["environment"]
    policy = json.loads(named(tls_graph, "compute-execution-policy").inputs["policy"])
    readable = {a: s["Resource"] for s in policy["Statement"] for a in s["Action"] if a.startswith(("secretsmanager:", "ssm:"))}
    # A partial ARN is granted with AWS's -?????? wildcard for the suffix, nothing wider.
    granted = sorted([SECRET, f"{SECRET}-??????", database_secret, f"{database_secret}-??????"])
    assert readable == {"secretsmanager:GetSecretValue": granted, "ssm:GetParameters": sorted([PARAMETER, client, host, pool])}


@pytest.mark.parametrize("graph_name", ["dev_graph", "prod_graph", "scale_graph", "tls_graph"])
def test_no_iam_statement_has_a_wildcard_action(graph_name: str, request: pytest.FixtureRequest) -> None:
    graph: ResourceGraph = request.getfixturevalue(graph_name)
    documents = [json.loads(r.inputs["policy"]) for r in graph.of_type("aws:iam/rolePolicy:RolePolicy")]
    documents += [json.loads(r.inputs["assumeRolePolicy"]) for r in graph.of_type("aws:iam/role:Role")]
    actions = [a for d in documents for s in d["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert actions and not [a for a in actions if "*" in a]


def test_upgrading_v1_0_to_v1_5_keeps_the_compute_identities(dev_graph: ResourceGraph, project_dir: Path) -> None:
    upgraded = synthesize(project_dir, "dev", release="v1.5")
    for type_token in ("aws:ecs/cluster:Cluster", "aws:ecs/taskDefinition:TaskDefinition", SERVICE, "aws:iam/role:Role"):
        kept = {r.urn for r in dev_graph.of_type(type_token) if dev_graph.tier_of(r) == "compute"}
        assert kept and kept <= {r.urn for r in upgraded.of_type(type_token)}, type_token
    assert (
        one(dev_graph, "aws:ecs/taskDefinition:TaskDefinition").inputs["family"]
        == one(upgraded, "aws:ecs/taskDefinition:TaskDefinition").inputs["family"]
        == "tierup-dev-app"
    )
    log_groups = [r.urn for r in dev_graph.of_type("aws:cloudwatch/logGroup:LogGroup") if dev_graph.tier_of(r) == "compute"]
    assert log_groups == ["urn:pulumi:dev::tierup::tierup:index:ComputeTier$aws:cloudwatch/logGroup:LogGroup::compute-logs"]
    assert set(log_groups) <= {r.urn for r in upgraded.of_type("aws:cloudwatch/logGroup:LogGroup")}


def test_the_service_is_deployed_safely(prod_graph: ResourceGraph) -> None:
    service = one(prod_graph, SERVICE)
    assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert (service.inputs["waitForSteadyState"], service.inputs["platformVersion"], service.inputs["healthCheckGracePeriodSeconds"]) == (True, "LATEST", 60)
    # The execution policy too: IAM is eventually consistent, and tasks started before it applies fail.
    assert set(service.dependencies) >= {
        named(prod_graph, "compute-lb-http").urn,
        named(prod_graph, "compute-capacity-providers").urn,
        named(prod_graph, "compute-execution-policy").urn,
    }


def test_container_insights_and_log_retention_follow_the_release(dev_graph: ResourceGraph, prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    for graph, insights, retention in ((dev_graph, "disabled", 7), (prod_graph, "enabled", 30), (scale_graph, "enabled", 90)):
        assert one(graph, "aws:ecs/cluster:Cluster").inputs["settings"] == [{"name": "containerInsights", "value": insights}]
        assert named(graph, "compute-logs").inputs["retentionInDays"] == retention
