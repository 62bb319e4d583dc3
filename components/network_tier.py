"""NetworkTier: the VPC every other tier lives in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.arns import log_group_arn
from components.iam_documents import assume_role_policy, flow_log_delivery_policy
from components.naming import child_name
from tierup_guardrails.settings.model import NetworkSettings
from tierup_guardrails.subnet_plan import SubnetRole, plan_subnets
from tierup_guardrails.tags import StackTags
from tierup_guardrails.zones import is_zone_id

TIER = "network"


@dataclass(frozen=True, kw_only=True)
class NetworkTierArgs:
    """What the network needs to know; nothing here depends on the release directly."""

    shape: NetworkSettings
    """The network's settings: range, zones, NAT strategy, flow logs."""
    region: str
    """Region of the VPC, for the S3 gateway endpoint's service name."""
    account_id: pulumi.Input[str]
    """Account of the stack, for the flow-log role's trust condition and policy."""
    tags: StackTags
    """The stack's shared tags."""

    def __post_init__(self) -> None:
        if len(self.shape.availability_zones) < 2:
            raise ValueError("NetworkTierArgs.shape.availability_zones needs at least 2 AZs (ALB and RDS require two)")
        if self.shape.flow_logs and self.shape.log_retention_days <= 0:
            raise ValueError("NetworkTierArgs.shape.log_retention_days must be positive when flow logs are on")


class NetworkTier(pulumi.ComponentResource):
    """A VPC with DNS; public, private and isolated subnets in every AZ; an internet gateway;
    the app tasks' security group (rules added by the tiers);
    route tables (one public, one private per AZ, one isolated); NAT gateways with EIPs per
    strategy; a free S3 gateway endpoint; the default security group emptied; optional flow
    logs to a retention-bounded log group with their delivery role."""

    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    isolated_subnet_ids: pulumi.Output[list[str]]
    nat_gateway_ids: list[pulumi.Output[str]]
    """One per gateway: each is the NatGatewayId dimension of its metrics."""
    app_security_group_id: pulumi.Output[str]
    flow_log_group_name: pulumi.Output[str | None]

    def __init__(self, name: str, args: NetworkTierArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tierup:index:NetworkTier", name, None, opts)
        self._name = name
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)

        vpc = aws.ec2.Vpc(
            child_name(name, "vpc"),
            cidr_block=args.shape.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=self._tags("vpc"),
            opts=self._child,
        )
        self._lock_default_security_group(vpc)
        # The app's group lives here, empty, so that every tier can reference it: the data and
        # cache tiers admit it, and ComputeTier (created last, once it knows their endpoints)
        # adds its edge rules.
        app_sg = aws.ec2.SecurityGroup(
            child_name(name, "app-sg"),
            vpc_id=vpc.id,
            description="App tasks; ComputeTier adds the rules",
            tags=self._tags("app-sg"),
            opts=self._child,
        )
        igw = aws.ec2.InternetGateway(child_name(name, "igw"), vpc_id=vpc.id, tags=self._tags("igw"), opts=self._child)
        subnets = self._create_subnets(vpc)
        public_rt = self._create_public_routing(vpc, igw, subnets[SubnetRole.PUBLIC])
        nat_gateways = self._create_nat_gateways(igw, subnets[SubnetRole.PUBLIC])
        private_rts = self._create_private_routing(vpc, subnets[SubnetRole.PRIVATE], nat_gateways)
        isolated_rt = self._create_isolated_routing(vpc, subnets[SubnetRole.ISOLATED])
        self._create_s3_endpoint(vpc, [public_rt, *private_rts, isolated_rt])
        flow_log_group = self._create_flow_logs(vpc) if args.shape.flow_logs else None

        self.vpc_id = vpc.id
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in subnets[SubnetRole.PUBLIC]])
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in subnets[SubnetRole.PRIVATE]])
        self.isolated_subnet_ids = pulumi.Output.all(*[s.id for s in subnets[SubnetRole.ISOLATED]])
        self.nat_gateway_ids = [nat.id for nat in nat_gateways]
        self.app_security_group_id = app_sg.id
        self.flow_log_group_name = flow_log_group.name if flow_log_group else pulumi.Output.from_input(None)
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
                "isolated_subnet_ids": self.isolated_subnet_ids,
                "nat_gateway_ids": self.nat_gateway_ids,
                "app_security_group_id": self.app_security_group_id,
                "flow_log_group_name": self.flow_log_group_name,
            }
        )

    def _tags(self, role: str) -> dict[str, str]:
        return self._args.tags.for_resource(TIER, role)

    def _lock_default_security_group(self, vpc: aws.ec2.Vpc) -> None:
        # Adopting the default SG with no rules removes AWS's allow-all-within-the-SG rules
        # (CKV2_AWS_12, EC2.2): nothing may ever be placed in it by accident.
        aws.ec2.DefaultSecurityGroup(
            child_name(self._name, "default-sg"),
            vpc_id=vpc.id,
            ingress=[],
            egress=[],
            tags=self._tags("default-sg"),
            opts=self._child,
        )

    def _create_subnets(self, vpc: aws.ec2.Vpc) -> dict[SubnetRole, list[aws.ec2.Subnet]]:
        plan = plan_subnets(self._args.shape.cidr, len(self._args.shape.availability_zones))
        subnets: dict[SubnetRole, list[aws.ec2.Subnet]] = {role: [] for role in SubnetRole}
        for az_subnets, zone in zip(plan, self._args.shape.availability_zones, strict=True):
            by_id = is_zone_id(zone)
            for role in SubnetRole:
                role_name = f"{role.value}-{az_subnets.slot + 1}"
                subnets[role].append(
                    aws.ec2.Subnet(
                        child_name(self._name, role_name),
                        vpc_id=vpc.id,
                        cidr_block=az_subnets.cidr(role),
                        # A zone ID names the same physical zone in every account; a name does not.
                        # The SDK leaves out an input that is None.
                        availability_zone_id=zone if by_id else None,
                        availability_zone=None if by_id else zone,
                        # Even public subnets hand out no public IPs: a task that needs one
                        # asks for it explicitly (CKV_AWS_130, EC2.15).
                        map_public_ip_on_launch=False,
                        tags=self._tags(role_name),
                        opts=self._child,
                    )
                )
        return subnets

    def _route_table(self, vpc: aws.ec2.Vpc, role: str, subnets: Sequence[aws.ec2.Subnet]) -> aws.ec2.RouteTable:
        table = aws.ec2.RouteTable(child_name(self._name, f"{role}-rt"), vpc_id=vpc.id, tags=self._tags(f"{role}-rt"), opts=self._child)
        for subnet in subnets:
            # Named after its subnet: each subnet has exactly one association.
            aws.ec2.RouteTableAssociation(
                f"{subnet.pulumi_resource_name}-rta",
                route_table_id=table.id,
                subnet_id=subnet.id,
                opts=self._child,
            )
        return table

    def _create_public_routing(self, vpc: aws.ec2.Vpc, igw: aws.ec2.InternetGateway, subnets: Sequence[aws.ec2.Subnet]) -> aws.ec2.RouteTable:
        table = self._route_table(vpc, "public", subnets)
        aws.ec2.Route(
            child_name(self._name, "public-default-route"),
            route_table_id=table.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=self._child,
        )
        return table

    def _create_nat_gateways(self, igw: aws.ec2.InternetGateway, public_subnets: Sequence[aws.ec2.Subnet]) -> list[aws.ec2.NatGateway]:
        count = self._args.shape.nat_strategy.gateway_count(len(public_subnets))
        gateways = []
        for index, subnet in enumerate(public_subnets[:count], start=1):
            eip = aws.ec2.Eip(child_name(self._name, f"nat-eip-{index}"), domain="vpc", tags=self._tags(f"nat-eip-{index}"), opts=self._child)
            gateways.append(
                aws.ec2.NatGateway(
                    child_name(self._name, f"nat-{index}"),
                    allocation_id=eip.id,
                    subnet_id=subnet.id,
                    connectivity_type="public",
                    tags=self._tags(f"nat-{index}"),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                )
            )
        return gateways

    def _create_private_routing(
        self, vpc: aws.ec2.Vpc, subnets: Sequence[aws.ec2.Subnet], nat_gateways: Sequence[aws.ec2.NatGateway]
    ) -> list[aws.ec2.RouteTable]:
        # One table per AZ in every release, so adding NAT later adds routes, never tables.
        tables = []
        for zone_number, subnet in enumerate(subnets, start=1):
            table = self._route_table(vpc, f"private-{zone_number}", [subnet])
            if nat_gateways:
                # A single NAT serves every AZ; one-per-AZ keeps traffic (and failure) in its AZ.
                nat = nat_gateways[min(zone_number, len(nat_gateways)) - 1]
                aws.ec2.Route(
                    child_name(self._name, f"private-{zone_number}-default-route"),
                    route_table_id=table.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=nat.id,
                    opts=self._child,
                )
            tables.append(table)
        return tables

    def _create_isolated_routing(self, vpc: aws.ec2.Vpc, subnets: Sequence[aws.ec2.Subnet]) -> aws.ec2.RouteTable:
        # Local routes only: the database and cache never reach, or are reached from, the internet.
        return self._route_table(vpc, "isolated", subnets)

    def _create_s3_endpoint(self, vpc: aws.ec2.Vpc, tables: Sequence[aws.ec2.RouteTable]) -> None:
        # Gateway endpoints are free and keep image layers and backups off the NAT bill.
        aws.ec2.VpcEndpoint(
            child_name(self._name, "s3-endpoint"),
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{self._args.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[table.id for table in tables],
            tags=self._tags("s3-endpoint"),
            opts=self._child,
        )

    def _create_flow_logs(self, vpc: aws.ec2.Vpc) -> aws.cloudwatch.LogGroup:
        group = aws.cloudwatch.LogGroup(
            child_name(self._name, "flow-logs"),
            retention_in_days=self._args.shape.log_retention_days,
            tags=self._tags("flow-logs"),
            opts=self._child,
        )
        # Only flow logs of this account and region may assume it (confused-deputy guard).
        account = pulumi.Output.from_input(self._args.account_id)
        trust = account.apply(
            lambda account_id: assume_role_policy(
                "vpc-flow-logs.amazonaws.com",
                source_account=account_id,
                source_arn=f"arn:aws:ec2:{self._args.region}:{account_id}:vpc-flow-log/*",
            )
        )
        role = aws.iam.Role(
            child_name(self._name, "flow-logs-role"),
            assume_role_policy=trust,
            tags=self._tags("flow-logs-role"),
            opts=self._child,
        )
        # The group's ARN written from its name (known at preview, unlike the ARN AWS returns).
        group_arn = pulumi.Output.all(account, group.name).apply(lambda values: log_group_arn(self._args.region, values[0], values[1]))
        delivery_policy = aws.iam.RolePolicy(
            child_name(self._name, "flow-logs-policy"),
            role=role.id,
            policy=group_arn.apply(flow_log_delivery_policy),
            opts=self._child,
        )
        aws.ec2.FlowLog(
            child_name(self._name, "flow-log"),
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=600,
            tags=self._tags("flow-log"),
            # IAM is eventually consistent: a flow log created before its role may write fails
            # delivery ("Access error") until it is recreated.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[delivery_policy]),
        )
        return group
