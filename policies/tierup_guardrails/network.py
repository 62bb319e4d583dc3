"""Network guardrails: NAT per release, flow logs, default SG, public IPs, world ingress."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pulumi_policy import Policy, PolicyResource, Severity

from tierup_guardrails.base import (
    Level,
    Props,
    RailsSource,
    Settled,
    Spec,
    as_list,
    by_region,
    depends_on,
    number,
    of_type,
    resource_policy,
    stack_policy,
    truthy,
    when,
)
from tierup_guardrails.settings.guardrails import Guardrails

NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SUBNET = "aws:ec2/subnet:Subnet"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
ECS_SERVICE = "aws:ecs/service:Service"
WORLD = ("0.0.0.0/0", "::/0")
ADMIN_PORTS = (22, 3389)
EDGE_PORTS = (80, 443)

NAT_COUNT = Spec(
    name="ec2-nat-gateway-count-within-release",
    description="The stack has no more NAT gateways than its release allows (none in v1.0, one in v1.5, one per AZ in v2.0).",
    severity=Severity.HIGH,
    remediation="Set tierup:network.natStrategy back to the release's strategy, or move the stack to the release that needs it.",
    references=("release-ladder", "cost"),
)
FLOW_LOGS = Spec(
    name="ec2-vpc-flow-logs-enabled",
    description="Every VPC sends flow logs to CloudWatch Logs from release v1.5.",
    severity=Severity.MEDIUM,
    remediation="Set tierup:network.flowLogs to true.",
    references=("N1", "CKV2_AWS_11", "AVD-AWS-0178", "EC2.6"),
    level=when(lambda rails: rails.flow_logs, Level.ADVISORY),
)
DEFAULT_SG_CLOSED = Spec(
    name="ec2-default-security-group-closed",
    description="The default security group of every VPC has no rules.",
    severity=Severity.MEDIUM,
    remediation="Adopt the default security group with aws.ec2.DefaultSecurityGroup and empty ingress and egress.",
    references=("N2", "CKV2_AWS_12", "AVD-AWS-0173", "EC2.2"),
)
NO_PUBLIC_IP_ON_LAUNCH = Spec(
    name="ec2-subnet-no-public-ip-on-launch",
    description="No subnet gives instances a public IP on launch; what needs one asks for it.",
    severity=Severity.MEDIUM,
    remediation="Set mapPublicIpOnLaunch to false on the subnet.",
    references=("N3", "CKV_AWS_130", "AVD-AWS-0164", "EC2.15"),
)
NO_ADMIN_PORTS = Spec(
    name="ec2-security-group-no-admin-ports-from-world",
    description="No security group admits SSH (22) or RDP (3389) from anywhere.",
    severity=Severity.CRITICAL,
    remediation="Remove the rule; reach tasks with ECS Exec instead of SSH.",
    references=("N5", "CKV_AWS_24", "CKV_AWS_25", "AVD-AWS-0107", "EC2.13", "EC2.14"),
)
EDGE_ONLY = Spec(
    name="ec2-security-group-world-ingress-only-at-edge",
    description="Only the load balancer accepts traffic from anywhere, on 80 and 443; in v1.0 the app's group may also accept its app port.",
    severity=Severity.HIGH,
    remediation="Open the port on the load balancer's group and let the app's group admit only that group.",
    references=("N6", "CKV_AWS_260", "CKV_AWS_277", "EC2.18", "EC2.19"),
    settled=(
        Settled(controls=("CKV_AWS_260",), how="Port 80 is open to the world on the load balancer only, where HTTP redirects to HTTPS."),
        Settled(
            controls=("CKV_AWS_277",),
            how="Stricter: every port open to the world fails but the edge's, where Checkov refuses only a rule open on all ports.",
        ),
        Settled(
            controls=("EC2.18", "EC2.19"),
            how="In v1.0 a public task's group may also admit the app port (tierup:app.port, 8080 by default, on EC2.19's high-risk list) "
            "from anywhere: the MVP has no load balancer.",
        ),
    ),
)


# An active recovery region (failed over) has egress through one NAT gateway, none while passive.
RECOVERY_NAT_GATEWAYS = 1


def _nat_count_violations(resources: Sequence[PolicyResource], rails: Guardrails) -> Iterable[tuple[str, str | None]]:
    for region, found in by_region(resources, rails.region).items():
        nats = of_type(found, NAT_GATEWAY)
        allowed = rails.max_nat_gateways if region == rails.region else (0 if rails.recovery_passive else RECOVERY_NAT_GATEWAYS)
        if len(nats) > allowed:
            where, there = ("", "") if region == rails.region else (f" in the recovery region {region}", " there")
            yield (
                f"Remove {len(nats) - allowed} NAT gateway(s){where}: release {rails.release.value} allows {allowed}{there} and the stack has {len(nats)}.",
                None,
            )


def _flow_log_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    logged = {dep.urn for log in of_type(resources, FLOW_LOG) for dep in depends_on(log, "vpcId")}
    for vpc in of_type(resources, VPC):
        if vpc.urn not in logged:
            yield "Add an aws.ec2.FlowLog for this VPC (set tierup:network.flowLogs to true).", vpc.urn


def _default_sg_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    adopted = {dep.urn for sg in of_type(resources, DEFAULT_SG) for dep in depends_on(sg, "vpcId")}
    for sg in of_type(resources, DEFAULT_SG):
        if as_list(sg.props.get("ingress")) or as_list(sg.props.get("egress")):
            yield "Remove every ingress and egress rule from the default security group.", sg.urn
    for vpc in of_type(resources, VPC):
        if vpc.urn not in adopted:
            yield "Adopt this VPC's default security group with no rules (aws.ec2.DefaultSecurityGroup).", vpc.urn


def _public_ip_on_launch_violations(props: Props, _: Guardrails) -> Iterable[str]:
    if truthy(props, "mapPublicIpOnLaunch"):
        yield "Set mapPublicIpOnLaunch to false on the subnet."


def world_ingress(props: Props) -> list[tuple[int, int]]:
    """Port ranges that a security group (inline ingress), a SecurityGroupRule or a
    SecurityGroupIngressRule opens to the whole internet. The three shapes are told apart by
    their required inputs: a SecurityGroupRule has `type`, an ingress rule has `ipProtocol`."""
    rules: list[Mapping[str, object]]
    if props.get("type") is not None:
        rules = [props] if props.get("type") == "ingress" else []
    elif props.get("ipProtocol") is not None:
        rules = [props]
    else:
        rules = [rule for rule in as_list(props.get("ingress")) if isinstance(rule, Mapping)]
    ranges = []
    for rule in rules:
        cidrs = [rule.get("cidrIpv4"), rule.get("cidrIpv6"), *as_list(rule.get("cidrBlocks")), *as_list(rule.get("ipv6CidrBlocks"))]
        if any(cidr in WORLD for cidr in cidrs):
            all_ports = str(rule.get("ipProtocol", rule.get("protocol", ""))) in ("-1", "all")
            ranges.append((0, 65535) if all_ports else (int(number(rule.get("fromPort", 0))), int(number(rule.get("toPort", 65535)))))
    return ranges


def _admin_port_violations(props: Props, _: Guardrails) -> Iterable[str]:
    for low, high in world_ingress(props):
        for port in ADMIN_PORTS:
            if low <= port <= high:
                yield f"Remove the rule admitting port {port} from anywhere."


def _edge_violations(resources: Sequence[PolicyResource], rails: Guardrails) -> Iterable[tuple[str, str | None]]:
    edge_groups = {dep.urn for lb in of_type(resources, *LOAD_BALANCERS) for dep in depends_on(lb, "securityGroups")}
    public_task_groups = {
        dep.urn
        for service in of_type(resources, ECS_SERVICE)
        if truthy(service.props.get("networkConfiguration") or {}, "assignPublicIp")
        for dep in depends_on(service, "networkConfiguration")
        if dep.resource_type == SECURITY_GROUP
    }
    for resource in of_type(resources, SG_INGRESS_RULE, SG_RULE, SECURITY_GROUP):
        owners = {dep.urn for dep in depends_on(resource, "securityGroupId")} or {resource.urn}
        for low, high in world_ingress(resource.props):
            allowed: tuple[int, ...] = ()
            if owners & edge_groups:
                allowed = EDGE_PORTS
            elif owners & public_task_groups and rails.public_app_port is not None:
                allowed = (rails.public_app_port,)
            if not (low == high and low in allowed):
                shown = str(low) if low == high else f"{low}-{high}"
                yield f"Close port {shown} to the internet: only the load balancer may be reached from anywhere, on 80 and 443.", resource.urn


def policies(source: RailsSource) -> list[Policy]:
    rule_types = (SG_INGRESS_RULE, SG_RULE, SECURITY_GROUP)
    return [
        stack_policy(NAT_COUNT, _nat_count_violations, source),
        stack_policy(FLOW_LOGS, _flow_log_violations, source),
        stack_policy(DEFAULT_SG_CLOSED, _default_sg_violations, source),
        resource_policy(NO_PUBLIC_IP_ON_LAUNCH, (SUBNET,), _public_ip_on_launch_violations, source),
        resource_policy(NO_ADMIN_PORTS, rule_types, _admin_port_violations, source),
        stack_policy(EDGE_ONLY, _edge_violations, source),
    ]
