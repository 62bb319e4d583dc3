"""The recorded graph: parents, options, dependencies, secrets and exports, as the engine saw them."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import make_project
from tierup.synth.graph import SECRET, ResourceGraph, ResourceOptions
from tierup.synth.runner import synthesize

NETWORK_URN = "urn:pulumi:{stack}::tierup::tierup:index:NetworkTier::network"

OPTIONS_PROGRAM = """
import pulumi
import pulumi_aws as aws

class Box(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("tierup:index:DataTier", name, None, opts)
        token = pulumi.Config("app").require_secret("token")
        group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            retention_in_days=7,
            tags={"Token": token},
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=True,
                retain_on_delete=True,
                delete_before_replace=True,
                ignore_changes=["tags"],
                aliases=[pulumi.Alias(name="old-logs")],
            ),
        )
        aws.cloudwatch.LogStream(f"{name}-stream", log_group_name=group.name, opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})

Box("data")
pulumi.export("token", pulumi.Config("app").require_secret("token"))
pulumi.export("plain", "visible")
"""


def test_top_level_components_have_no_parent_and_children_point_at_them(dev_graph: ResourceGraph) -> None:
    network = dev_graph.get(NETWORK_URN.format(stack="dev"))
    assert (network.type, network.custom, network.parent, network.id) == ("tierup:index:NetworkTier", False, None, None)
    children = [r for r in dev_graph if r.custom and r.urn.split("::")[2].startswith("tierup:index:NetworkTier$")]
    assert len(children) == 22 and all(r.parent == network.urn for r in children)
    compute = dev_graph.get("urn:pulumi:dev::tierup::tierup:index:ComputeTier::compute")
    assert (compute.parent, dev_graph.tier_of(compute)) == (None, "compute")
    assert dev_graph.get("urn:pulumi:dev::tierup::tierup:index:NetworkTier$aws:ec2/vpc:Vpc::network-vpc").id == "network-vpc-id"


def test_network_resources_carry_default_options(dev_graph: ResourceGraph) -> None:
    assert {r.options for r in dev_graph if dev_graph.tier_of(r) == "network"} == {ResourceOptions()}


def test_dependencies_follow_the_inputs(prod_graph: ResourceGraph) -> None:
    nat = prod_graph.get("urn:pulumi:prod::tierup::tierup:index:NetworkTier$aws:ec2/natGateway:NatGateway::network-nat-1")
    prefix = "urn:pulumi:prod::tierup::tierup:index:NetworkTier$"
    assert nat.dependencies == (
        prefix + "aws:ec2/eip:Eip::network-nat-eip-1",
        prefix + "aws:ec2/internetGateway:InternetGateway::network-igw",
        prefix + "aws:ec2/subnet:Subnet::network-public-1",
    )


def test_exports_are_recorded(dev_graph: ResourceGraph) -> None:
    assert dev_graph.outputs == {
        "release": "v1.0",
        "vpcId": "network-vpc-id",
        "publicSubnetIds": ["network-public-1-id", "network-public-2-id"],
        "privateSubnetIds": ["network-private-1-id", "network-private-2-id"],
        "isolatedSubnetIds": ["network-isolated-1-id", "network-isolated-2-id"],
        "natGatewayIds": [],
        "clusterName": "compute-cluster",
        "serviceName": "compute-service",
        "appLogGroup": "compute-logs",
        "appUrl": None,
        "dbEndpoint": "tierup-dev-db.abcdefghijkl.us-east-1.rds.amazonaws.com",
        "dbPort": 5432,
        "dbName": "app",
        "dbSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:data-master-password-secret-AbCdEf",
        "cacheBackend": "postgres",
        "frontendUrl": "https://d111111abcdef8.cloudfront.net",
        "frontendBucket": "frontend-site",
        "frontendDistributionId": "frontend-cdn-id",
        "uploadsBucket": "storage-uploads",
        "userPoolId": "auth-users-id",
        "userPoolClientId": "auth-spa-client-id",
        "signInDomain": "tierup-dev-123456789012",
        "emailDkimRecords": [f"dkimtoken{n}._domainkey.dev.mail.example.org CNAME dkimtoken{n}.dkim.amazonses.com" for n in (1, 2, 3)],
        "budgetName": "budget-monthly",
        "alertTopicArn": "arn:aws:sns:us-east-1:123456789012:alerts-topic",
        "alarmNames": [f"tierup-dev-{name}" for name in ("no-running-task", "db-cpu-above-70", "db-storage-low", "db-conns-above-50")],
        "dashboardName": None,
        "recoveryRegion": None,
        "failoverNameServers": [],
        "appUrlHint": "The task's public IP changes with each deployment: `aws ecs list-tasks --cluster compute-cluster --service-name compute-service`, "
        "then `aws ecs describe-tasks` for its network interface and `aws ec2 describe-network-interfaces` for the public IP; the app listens on port 8080",
    }


def test_graph_round_trips_through_json(prod_graph: ResourceGraph) -> None:
    assert ResourceGraph.from_json(prod_graph.to_json()) == prod_graph


def test_options_and_secrets_are_recorded(tmp_path: Path) -> None:
    ciphertext = "v1:Zm9vYmFyYmF6cXV4:c2VjcmV0LWNpcGhlcg=="
    stack_file = f"config:\n  aws:region: us-east-1\n  tierup:release: v1.0\n  app:token:\n    secure: {ciphertext}\n"
    project = make_project(tmp_path, {"opts": stack_file}, program=OPTIONS_PROGRAM)
    graph = synthesize(project, "opts")
    logs = graph.get("urn:pulumi:opts::tierup::tierup:index:DataTier$aws:cloudwatch/logGroup:LogGroup::data-logs")
    assert logs.options == ResourceOptions(
        protect=True,
        retain_on_delete=True,
        delete_before_replace=True,
        ignore_changes=("tags",),
        aliases=("name=old-logs",),
    )
    assert logs.inputs["tags"] == {"Token": SECRET}
    stream = graph.get("urn:pulumi:opts::tierup::tierup:index:DataTier$aws:cloudwatch/logStream:LogStream::data-stream")
    assert stream.dependencies == (logs.urn,)
    assert stream.inputs["logGroupName"] == "data-logs"
    assert graph.outputs == {"token": SECRET, "plain": "visible"}
    assert ciphertext not in graph.to_json()
    assert graph.tier_of(stream) == "data"
