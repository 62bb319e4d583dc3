"""tierup: the platform for this stack, tier by tier, from its release and config."""

import sys
from pathlib import Path

import pulumi
import pulumi_aws as aws

# The release ladder, its guardrails and the tags live in the policy pack's package, which must
# run from a copy of policies/ alone (`pulumi policy publish`); the program reads them there too.
sys.path.insert(0, str(Path(__file__).resolve().parent / "policies"))

from components.app_facing import FeedsTheApp
from components.auth_tier import AuthTier, AuthTierArgs
from components.bucket_replication import RecoveryTarget
from components.cache_tier import CacheTier, CacheTierArgs
from components.compute_tier import ComputeTier, ComputeTierArgs
from components.container import AppContainer
from components.data_tier import DataTier, DataTierArgs
from components.email_tier import EmailTier, EmailTierArgs
from components.failover_tier import FailoverTier, FailoverTierArgs
from components.frontend_tier import FrontendTier, FrontendTierArgs
from components.network_tier import NetworkTier, NetworkTierArgs
from components.observability_tier import ObservabilityTier, ObservabilityTierArgs, Watched
from components.recovery_tier import RecoveryTier, RecoveryTierArgs
from components.stack_budget import StackBudget, StackBudgetArgs
from components.storage_tier import StorageTier, StorageTierArgs
from tierup.stack_config import load_stack_settings
from tierup_guardrails.tags import StackTags

settings = load_stack_settings()
tags = StackTags(project=pulumi.get_project(), stack=pulumi.get_stack(), release=settings.release.value)
# Known at preview (an invoke), so ARNs written from it keep the guardrails' inputs known.
account_id = aws.get_caller_identity_output().account_id
# v3.0's recovery region gets its own provider, passed explicitly to what lives there (never an
# ambient default); every other resource uses the stack's region.
recovery_target = RecoveryTarget(aws.Provider("recovery-region", region=settings.dr.region), str(settings.dr.region)) if settings.dr.enabled else None

network = NetworkTier("network", NetworkTierArgs(shape=settings.network, region=settings.region, account_id=account_id, tags=tags))

database = DataTier(
    "data",
    DataTierArgs(
        shape=settings.data,
        vpc_id=network.vpc_id,
        region=settings.region,
        account_id=account_id,
        isolated_subnet_ids=network.isolated_subnet_ids,
        app_security_group_id=network.app_security_group_id,
        global_database=settings.dr.enabled,
        replica_region=settings.dr.region if settings.dr.enabled else None,
        tags=tags,
    ),
)

app_cache = CacheTier(
    "cache",
    CacheTierArgs(
        shape=settings.cache,
        vpc_id=network.vpc_id,
        region=settings.region,
        account_id=account_id,
        isolated_subnet_ids=network.isolated_subnet_ids,
        app_security_group_id=network.app_security_group_id,
        tags=tags,
    ),
)

frontend = FrontendTier(
    "frontend",
    FrontendTierArgs(shape=settings.frontend, storage=settings.storage, region=settings.region, account_id=account_id, recovery=recovery_target, tags=tags),
)
storage = StorageTier("storage", StorageTierArgs(shape=settings.storage, recovery=recovery_target, tags=tags))
auth = AuthTier("auth", AuthTierArgs(shape=settings.auth, frontend_url=frontend.url, region=settings.region, account_id=account_id, tags=tags))
domain = settings.email.domain
email = EmailTier("email", EmailTierArgs(domain=domain, region=settings.region, account_id=account_id, tags=tags)) if domain else None

# Compute comes last: the app's environment carries every tier's endpoints and names.
app = settings.app
app_tiers: list[FeedsTheApp] = [database, app_cache, storage, auth, *([email] if email else [])]
compute_tier = ComputeTier(
    "compute",
    ComputeTierArgs(
        shape=settings.compute,
        vpc_id=network.vpc_id,
        vpc_cidr=settings.network.cidr,
        public_subnet_ids=network.public_subnet_ids,
        private_subnet_ids=network.private_subnet_ids,
        app_security_group_id=network.app_security_group_id,
        region=settings.region,
        account_id=account_id,
        container=AppContainer(
            shape=app,
            environment={**dict(app.environment), **{k: v for tier in app_tiers for k, v in tier.app_environment.items()}},
            secret_arns={**dict(app.secrets), **{k: v for tier in app_tiers for k, v in tier.app_secret_arns.items()}},
        ),
        certificate_arn=app.certificate_arn,
        restart_triggers={k: v for tier in app_tiers for k, v in tier.app_restart_triggers.items()},
        task_policy_statements=[storage.task_policy_statements, *([email.task_policy_statements] if email else [])],
        tags=tags,
    ),
)

recovery = None
failover = None
if recovery_target and database.aurora and storage.replica_bucket_name and compute_tier.load_balancer_dns_name and compute_tier.load_balancer_zone_id:
    shared: list[FeedsTheApp] = [auth, *([email] if email else [])]
    recovery = RecoveryTier(
        "dr",
        RecoveryTierArgs(
            shape=settings.dr,
            network=settings.network,
            compute=settings.compute,
            data=settings.data,
            storage=settings.storage,
            app=app,
            account_id=account_id,
            global_cluster_id=database.aurora.global_cluster.id if database.aurora.global_cluster else None,
            global_engine_version=database.aurora.global_cluster.engine_version_actual if database.aurora.global_cluster else None,
            primary_writer=database.aurora.writer,
            database_name=database.database_name,
            uploads_bucket_name=storage.replica_bucket_name,
            credential_secret_name=database.master_secret_name,
            shared_environment={k: v for tier in shared for k, v in tier.app_environment.items()},
            shared_secret_arns={k: v for tier in shared for k, v in tier.app_secret_arns.items()},
            shared_task_statements=[email.task_policy_statements] if email else [],
            tags=tags,
        ),
        opts=pulumi.ResourceOptions(providers={"aws": recovery_target.provider}),
    )
    failover = FailoverTier(
        "failover",
        FailoverTierArgs(
            domain=str(settings.dr.domain),
            hosted_zone_id=settings.dr.hosted_zone_id,
            health_check_path=app.health_check_path,
            https=app.certificate_arn is not None,
            primary_dns_name=compute_tier.load_balancer_dns_name,
            primary_zone_id=compute_tier.load_balancer_zone_id,
            recovery_dns_name=recovery.load_balancer_dns_name,
            recovery_zone_id=recovery.load_balancer_zone_id,
            tags=tags,
        ),
    )

# The alarms watch what the tiers built, by the ids and names their outputs carry.
alerts = ObservabilityTier(
    "alerts",
    ObservabilityTierArgs(
        shape=settings.alerts,
        alarms=settings.limits.alarms,
        watched=Watched(
            cluster_name=compute_tier.cluster_name,
            service_name=compute_tier.service_name,
            database_identifier=database.db_identifier,
            replica_identifier=database.replica_identifier,
            rds_identifier=database.rds_identifier,
            serverless_identifier=database.serverless_identifier,
            global_cluster_identifier=database.global_cluster_identifier,
            proxy_name=database.proxy_name,
            load_balancer_suffix=compute_tier.load_balancer_suffix,
            target_group_suffix=compute_tier.target_group_suffix,
            web_acl_name=compute_tier.web_acl_name,
            nat_gateway_ids=network.nat_gateway_ids,
            cache_node_ids=app_cache.node_ids,
            spot=settings.compute.spot_weight > 0,
        ),
        region=settings.region,
        account_id=account_id,
        tags=tags,
    ),
)

budget = StackBudget("budget", StackBudgetArgs(shape=settings.budget, alert_topic_arn=alerts.topic_arn, tags=tags))

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
pulumi.export("frontendUrl", frontend.url)
pulumi.export("frontendBucket", frontend.bucket_name)
pulumi.export("frontendDistributionId", frontend.distribution_id)
pulumi.export("uploadsBucket", storage.bucket_name)
pulumi.export("userPoolId", auth.user_pool_id)
pulumi.export("userPoolClientId", auth.client_id)
pulumi.export("signInDomain", auth.sign_in_domain)
pulumi.export("emailDkimRecords", email.dkim_records if email else [])
pulumi.export("budgetName", budget.budget_name)
pulumi.export("alertTopicArn", alerts.topic_arn)
pulumi.export("recoveryRegion", recovery.region if recovery else None)
pulumi.export("failoverNameServers", failover.name_servers if failover else [])
pulumi.export("alarmNames", alerts.alarm_names)
pulumi.export("dashboardName", alerts.dashboard_name)
