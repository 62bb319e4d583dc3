"""tierup: the platform for this stack, tier by tier, from its release and config."""

import sys
from pathlib import Path

import pulumi
import pulumi_aws as aws

# The release ladder, its guardrails and the tags live in the policy pack's package, which must
# run from a copy of policies/ alone (`pulumi policy publish`); the program reads them there too.
sys.path.insert(0, str(Path(__file__).resolve().parent / "policies"))

from components.cache_tier import CacheTier, CacheTierArgs
from components.compute_tier import ComputeTier, ComputeTierArgs
from components.container import AppContainer
from components.data_tier import DataTier, DataTierArgs
from components.network_tier import NetworkTier, NetworkTierArgs
from components.stack_budget import StackBudget, StackBudgetArgs
from tierup.stack_config import load_stack_settings
from tierup_guardrails.tags import StackTags

settings = load_stack_settings()
tags = StackTags(project=pulumi.get_project(), stack=pulumi.get_stack(), release=settings.release.value)
# Known at preview (an invoke), so ARNs written from it keep the guardrails' inputs known.
account_id = aws.get_caller_identity_output().account_id
app, compute, data, cache = settings.app, settings.compute, settings.data, settings.cache

network = NetworkTier(
    "network",
    NetworkTierArgs(
        cidr_block=settings.network.cidr,
        availability_zones=settings.network.availability_zones,
        region=settings.region,
        account_id=account_id,
        nat_strategy=settings.network.nat_strategy,
        enable_flow_logs=settings.network.flow_logs,
        flow_log_retention_days=settings.network.log_retention_days,
        tags=tags,
    ),
)

database = DataTier(
    "data",
    DataTierArgs(
        vpc_id=network.vpc_id,
        region=settings.region,
        account_id=account_id,
        isolated_subnet_ids=network.isolated_subnet_ids,
        app_security_group_id=network.app_security_group_id,
        engine_version=data.engine_version,
        instance_class=data.instance_class,
        allocated_storage_gb=data.allocated_storage_gb,
        max_allocated_storage_gb=data.max_allocated_storage_gb,
        multi_az=data.multi_az,
        backup_retention_days=data.backup_retention_days,
        performance_insights=data.performance_insights,
        protect=data.protect,
        read_replica=data.read_replica,
        proxy=data.proxy,
        log_retention_days=data.log_retention_days,
        credential_version=data.credential_version,
        tags=tags,
    ),
)

app_cache = CacheTier(
    "cache",
    CacheTierArgs(
        mode=cache.mode,
        vpc_id=network.vpc_id,
        region=settings.region,
        account_id=account_id,
        isolated_subnet_ids=network.isolated_subnet_ids,
        app_security_group_id=network.app_security_group_id,
        engine=cache.engine,
        node_type=cache.node_type,
        nodes=cache.nodes,
        tags=tags,
    ),
)

# Compute comes last: the app's environment carries the data and cache endpoints.
compute_tier = ComputeTier(
    "compute",
    ComputeTierArgs(
        vpc_id=network.vpc_id,
        vpc_cidr=settings.network.cidr,
        public_subnet_ids=network.public_subnet_ids,
        private_subnet_ids=network.private_subnet_ids,
        app_security_group_id=network.app_security_group_id,
        region=settings.region,
        account_id=account_id,
        container=AppContainer(
            image=app.image,
            port=app.port,
            health_check_path=app.health_check_path,
            environment={**dict(app.environment), **database.app_environment, **app_cache.app_environment},
            secret_arns={**dict(app.secrets), **database.app_secret_arns, **app_cache.app_secret_arns},
            user=app.user,
            writable_paths=app.writable_paths,
        ),
        cpu=compute.cpu,
        memory=compute.memory,
        architecture=compute.architecture,
        ingress=compute.ingress,
        waf=compute.waf,
        waf_block_large_bodies=compute.waf_block_large_bodies,
        certificate_arn=app.certificate_arn,
        min_tasks=compute.min_tasks,
        max_tasks=compute.max_tasks,
        cpu_target_percent=compute.cpu_target_percent,
        on_demand_base=compute.on_demand_base,
        spot_weight=compute.spot_weight,
        container_insights=compute.container_insights,
        log_retention_days=compute.log_retention_days,
        tags=tags,
    ),
)

budget = StackBudget(
    "budget",
    StackBudgetArgs(
        monthly_usd=settings.budget.monthly_usd,
        alert_emails=settings.budget.alert_emails,
        activate_cost_tags=settings.budget.activate_cost_tags,
        tags=tags,
    ),
)

pulumi.export("release", settings.release.value)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("publicSubnetIds", network.public_subnet_ids)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("isolatedSubnetIds", network.isolated_subnet_ids)
pulumi.export("natGatewayIds", network.nat_gateway_ids)
pulumi.export("clusterName", compute_tier.cluster_name)
pulumi.export("serviceName", compute_tier.service_name)
pulumi.export("appLogGroup", compute_tier.log_group_name)
pulumi.export("appUrl", compute_tier.app_url)
pulumi.export("appUrlHint", compute_tier.endpoint_hint)
pulumi.export("dbEndpoint", database.address)
pulumi.export("dbPort", database.port)
pulumi.export("dbName", database.database_name)
pulumi.export("dbSecretArn", database.master_secret_arn)
pulumi.export("cacheBackend", app_cache.app_environment["CACHE_BACKEND"])
pulumi.export("budgetName", budget.budget_name)
