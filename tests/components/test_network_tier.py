"""NetworkTier under the mock engine, per release, asserted through the synthesized graph."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import make_project
from tierup.synth.graph import ResourceGraph
from tierup.synth.runner import synthesize

SUBNET = "aws:ec2/subnet:Subnet"
NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
ROUTE = "aws:ec2/route:Route"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def network_of(graph: ResourceGraph, type_token: str) -> list:
    return [r for r in graph.of_type(type_token) if graph.tier_of(r) == "network"]


def subnets(graph: ResourceGraph) -> dict[str, tuple[str, str]]:
    return {r.name: (r.inputs["cidrBlock"], r.inputs.get("availabilityZoneId", r.inputs.get("availabilityZone"))) for r in graph.of_type(SUBNET)}


def id_of(graph: ResourceGraph, name: str) -> str:
    return next(r.id for r in graph if r.name == name)


def default_routes(graph: ResourceGraph) -> dict[str, dict[str, str]]:
    return {r.name: r.inputs for r in graph.of_type(ROUTE)}


def test_v1_0_has_six_subnets_in_two_azs_and_no_nat(dev_graph: ResourceGraph) -> None:
    # Zone IDs, not names: the same physical zones in every account, and never use1-az3 (no RDS Proxy).
    assert subnets(dev_graph) == {
        "network-public-1": ("10.0.0.0/20", "use1-az1"),
        "network-private-1": ("10.0.64.0/20", "use1-az1"),
        "network-isolated-1": ("10.0.128.0/20", "use1-az1"),
        "network-public-2": ("10.0.16.0/20", "use1-az2"),
        "network-private-2": ("10.0.80.0/20", "use1-az2"),
        "network-isolated-2": ("10.0.144.0/20", "use1-az2"),
    }
    assert not [r for r in dev_graph.of_type(SUBNET) if "availabilityZone" in r.inputs]
    assert dev_graph.of_type(NAT) == [] and dev_graph.of_type(EIP) == []
    assert list(default_routes(dev_graph)) == ["network-public-default-route"]
    assert all(r.inputs["mapPublicIpOnLaunch"] is False for r in dev_graph.of_type(SUBNET))


def test_v1_5_routes_private_subnets_through_one_nat_with_an_eip(prod_graph: ResourceGraph) -> None:
    (nat,) = prod_graph.of_type(NAT)
    (eip,) = prod_graph.of_type(EIP)
    assert (nat.name, eip.name, eip.inputs["domain"]) == ("network-nat-1", "network-nat-eip-1", "vpc")
    assert nat.inputs["allocationId"] == eip.id
    assert nat.inputs["subnetId"] == id_of(prod_graph, "network-public-1")
    routes = default_routes(prod_graph)
    for zone in (1, 2):
        route = routes[f"network-private-{zone}-default-route"]
        assert (route["destinationCidrBlock"], route["natGatewayId"]) == ("0.0.0.0/0", nat.id)
        assert route["routeTableId"] == id_of(prod_graph, f"network-private-{zone}-rt")


def test_v2_0_has_one_nat_per_az_each_serving_its_own_zone(scale_graph: ResourceGraph) -> None:
    nats = {r.name: r for r in scale_graph.of_type(NAT)}
    assert sorted(nats) == ["network-nat-1", "network-nat-2"]
    assert len(scale_graph.of_type(EIP)) == 2
    routes = default_routes(scale_graph)
    for zone in (1, 2):
        assert nats[f"network-nat-{zone}"].inputs["subnetId"] == id_of(scale_graph, f"network-public-{zone}")
        assert routes[f"network-private-{zone}-default-route"]["natGatewayId"] == nats[f"network-nat-{zone}"].id


def test_subnets_are_identical_in_every_release(dev_graph: ResourceGraph, prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    assert subnets(dev_graph) == subnets(prod_graph) == subnets(scale_graph)
    # Same stack, two releases: the very same URNs, so an upgrade cannot replace a subnet.
    assert {r.urn for r in prod_graph.of_type(SUBNET)} == {r.urn for r in scale_graph.of_type(SUBNET)}


def test_a_third_az_adds_subnets_without_moving_the_first_two(tmp_path: Path, dev_graph: ResourceGraph) -> None:
    project = make_project(tmp_path, {"scale": "config:\n  aws:region: us-east-1\n  tierup:release: v2.0\n  tierup:network:\n    azCount: 3\n"})
    graph = synthesize(project, "scale")
    three = subnets(graph)
    assert {name: three[name] for name in subnets(dev_graph)} == subnets(dev_graph)
    assert {k: v for k, v in three.items() if k.endswith("-3")} == {
        "network-public-3": ("10.0.32.0/20", "use1-az4"),
        "network-private-3": ("10.0.96.0/20", "use1-az4"),
        "network-isolated-3": ("10.0.160.0/20", "use1-az4"),
    }
    assert len(graph.of_type(NAT)) == 3


def test_vpc_has_dns_and_the_default_security_group_has_no_rules(dev_graph: ResourceGraph) -> None:
    (vpc,) = dev_graph.of_type("aws:ec2/vpc:Vpc")
    assert (vpc.inputs["cidrBlock"], vpc.inputs["enableDnsSupport"], vpc.inputs["enableDnsHostnames"]) == ("10.0.0.0/16", True, True)
    (default_sg,) = dev_graph.of_type("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert (default_sg.inputs["ingress"], default_sg.inputs["egress"], default_sg.inputs["vpcId"]) == ([], [], vpc.id)


def test_s3_gateway_endpoint_serves_every_route_table(dev_graph: ResourceGraph) -> None:
    (endpoint,) = dev_graph.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert (endpoint.inputs["serviceName"], endpoint.inputs["vpcEndpointType"]) == ("com.amazonaws.us-east-1.s3", "Gateway")
    assert sorted(endpoint.inputs["routeTableIds"]) == sorted(r.id for r in dev_graph.of_type("aws:ec2/routeTable:RouteTable"))


def test_flow_logs_exist_exactly_when_the_release_asks(dev_graph: ResourceGraph, prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    assert dev_graph.of_type(FLOW_LOG) == [] and network_of(dev_graph, LOG_GROUP) == []
    for graph, retention in ((prod_graph, 30), (scale_graph, 90)):
        (flow_log,) = graph.of_type(FLOW_LOG)
        (group,) = network_of(graph, LOG_GROUP)
        assert group.inputs["retentionInDays"] == retention
        assert (flow_log.inputs["trafficType"], flow_log.inputs["logDestination"]) == ("ALL", group.outputs["arn"])
        (policy,) = network_of(graph, "aws:iam/rolePolicy:RolePolicy")
        # The five actions AWS documents for delivery, on this one group instead of "*".
        assert json.loads(policy.inputs["policy"])["Statement"] == [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                "Resource": [group.outputs["arn"], group.outputs["arn"] + ":*"],
            }
        ]
        (role,) = [r for r in network_of(graph, "aws:iam/role:Role") if r.name == "network-flow-logs-role"]
        # Only this account's flow logs in this region may assume the role (confused-deputy guard).
        assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Condition"] == {
            "StringEquals": {"aws:SourceAccount": "123456789012"},
            "ArnLike": {"aws:SourceArn": "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*"},
        }


def test_zones_pinned_by_name_stay_names(tmp_path: Path) -> None:
    # A stack deployed with AZ names pins them: switching a subnet to a zone ID would replace it.
    stack = "config:\n  aws:region: us-east-1\n  tierup:release: v1.0\n  tierup:network:\n    availabilityZones: [us-east-1a, us-east-1b]\n"
    graph = synthesize(make_project(tmp_path, {"named": stack}), "named")
    assert {r.inputs["availabilityZone"] for r in graph.of_type(SUBNET)} == {"us-east-1a", "us-east-1b"}
    assert not [r for r in graph.of_type(SUBNET) if "availabilityZoneId" in r.inputs]


def test_the_flow_log_waits_for_its_role_policy(prod_graph: ResourceGraph) -> None:
    (flow_log,) = prod_graph.of_type(FLOW_LOG)
    (policy,) = network_of(prod_graph, "aws:iam/rolePolicy:RolePolicy")
    assert policy.urn in flow_log.dependencies


def test_flow_logs_follow_an_override(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"dev": "config:\n  aws:region: us-east-1\n  tierup:release: v1.0\n  tierup:network:\n    flowLogs: true\n"})
    (group,) = network_of(synthesize(project, "dev"), LOG_GROUP)
    assert group.inputs["retentionInDays"] == 7
