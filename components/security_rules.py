"""One TCP security-group rule per resource (never inline), from a group or a CIDR."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def tcp_rule(
    name: str,
    *,
    direction: str,
    group_id: pulumi.Input[str],
    ports: tuple[int, int],
    description: str,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
    peer_group_id: pulumi.Input[str] | None = None,
    cidr: str | None = None,
) -> pulumi.CustomResource:
    """An ingress or egress rule for TCP ports `ports` (inclusive) to or from exactly one peer:
    a security group (preferred: it follows the tasks wherever they run) or a CIDR."""
    if (peer_group_id is None) == (cidr is None):
        raise ValueError(f"security rule {name}: give exactly one of peer_group_id and cidr")
    rule = aws.vpc.SecurityGroupIngressRule if direction == "ingress" else aws.vpc.SecurityGroupEgressRule
    peer = {"referenced_security_group_id": peer_group_id} if peer_group_id is not None else {"cidr_ipv4": cidr}
    return rule(
        name,
        security_group_id=group_id,
        ip_protocol="tcp",
        from_port=ports[0],
        to_port=ports[1],
        description=description,
        tags=tags,
        **peer,
        opts=opts,
    )


def group_admitting(
    name: str,
    *,
    vpc_id: pulumi.Input[str],
    description: str,
    peer_group_id: pulumi.Input[str],
    port: int,
    rule_description: str,
    group_tags: dict[str, str],
    rule_tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> aws.ec2.SecurityGroup:
    """A security group `<name>-sg` whose only ingress (`<name>-from-app`) is one TCP port from
    one peer group: a security-group reference, never a CIDR."""
    group = aws.ec2.SecurityGroup(f"{name}-sg", vpc_id=vpc_id, description=description, tags=group_tags, opts=opts)
    tcp_rule(
        f"{name}-from-app",
        direction="ingress",
        group_id=group.id,
        peer_group_id=peer_group_id,
        ports=(port, port),
        description=rule_description,
        tags=rule_tags,
        opts=opts,
    )
    return group
