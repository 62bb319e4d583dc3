"""tierup: the platform for this stack, tier by tier, from its release and config."""

import pulumi

from components.network_tier import NetworkTier, NetworkTierArgs
from components.tags import StackTags
from tierup.stack_config import load_stack_settings

settings = load_stack_settings()
tags = StackTags(project=pulumi.get_project(), stack=pulumi.get_stack(), release=settings.release.value)

network = NetworkTier(
    "network",
    NetworkTierArgs(
        cidr_block=settings.network.cidr,
        availability_zones=settings.network.availability_zones,
        region=settings.region,
        nat_strategy=settings.network.nat_strategy,
        enable_flow_logs=settings.network.flow_logs,
        flow_log_retention_days=settings.network.log_retention_days,
        tags=tags,
    ),
)

pulumi.export("release", settings.release.value)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("publicSubnetIds", network.public_subnet_ids)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("isolatedSubnetIds", network.isolated_subnet_ids)
pulumi.export("natGatewayIds", network.nat_gateway_ids)
