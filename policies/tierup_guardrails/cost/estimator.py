"""The estimator: a monthly cost line for every resource a stack creates, priced from the
region's catalogue and the release's usage assumptions; free types are known, unknown types
are listed as unpriced, never as $0."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from tierup_guardrails.cost.model import (
    FREE,
    HOURS_PER_MONTH,
    PRICED,
    UNPRICED,
    CostLine,
    Estimate,
    PriceCatalogue,
    PricedResource,
    load_catalogue,
)
from tierup_guardrails.data_holders import AURORA_CLUSTER
from tierup_guardrails.settings.model import UsageSettings

FREE_TYPES = frozenset(
    {
        "aws:appautoscaling/policy:Policy",
        "aws:appautoscaling/target:Target",
        "aws:budgets/budget:Budget",
        "aws:cloudfront/originAccessControl:OriginAccessControl",
        "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
        "aws:cognito/userPoolClient:UserPoolClient",
        "aws:cognito/userPoolDomain:UserPoolDomain",
        "aws:cloudwatch/logGroup:LogGroup",  # billed by usage, on the stack's CloudWatch Logs lines
        # Rules on AWS services' events of the default bus, and their targets, are free (EventBridge pricing).
        "aws:cloudwatch/eventRule:EventRule",
        "aws:cloudwatch/eventTarget:EventTarget",
        "aws:costexplorer/costAllocationTag:CostAllocationTag",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "aws:ec2/flowLog:FlowLog",  # billed as log ingestion
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/route:Route",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/vpc:Vpc",
        "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
        "aws:ecs/taskDefinition:TaskDefinition",  # billed as the service's tasks
        "aws:elasticache/subnetGroup:SubnetGroup",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:kms/alias:Alias",
        "aws:lb/listener:Listener",
        "aws:lb/targetGroup:TargetGroup",
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup",
        "aws:rds/proxyTarget:ProxyTarget",
        "aws:rds/subnetGroup:SubnetGroup",
        # A bucket's settings are free; its storage and requests are the stack's S3 lines.
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:secretsmanager/secretVersion:SecretVersion",
        "aws:sesv2/configurationSet:ConfigurationSet",
        # Deliveries are billed on the topic's line.
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:sns/topicSubscription:TopicSubscription",
        # Standard-tier parameters carry no charge (AWS Systems Manager pricing, Parameter Store).
        "aws:ssm/parameter:Parameter",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:wafv2/webAclAssociation:WebAclAssociation",
        "random:index/randomId:RandomId",
        "random:index/randomPassword:RandomPassword",
    }
)
# vCPUs of the classes the releases allow; RDS Proxy bills the target's vCPUs, two at least.
DB_VCPUS = {"db.t4g.micro": 2, "db.t4g.small": 2, "db.t4g.medium": 2, "db.t4g.large": 2, "db.m7g.large": 2, "db.r7g.large": 2, "db.r6g.large": 2}
FREE_DATA_OUT_GB = 100  # the first 100 GB out to the internet each month are free
# CloudFront's always-free tier, every month: 1 TB out and 10 million HTTP/HTTPS requests.
FREE_CDN_OUT_GB, FREE_CDN_REQUESTS_10K = 1024, 1000
FREE_MONTHLY_ACTIVE_USERS = 10_000  # Cognito Lite and Essentials, per account
SPOT_NOTE = "Spot tasks priced at the on-demand rate: Spot rates float (up to 70% less)"
# CloudWatch's always-free tier, every month (aws-prices.md §10): 10 custom metrics, 10 standard
# alarm metrics, 5 GB of logs (ingestion and storage together) and 3 dashboards. Like CloudFront's
# and Cognito's, it is the account's; each stack's estimate counts it as its own.
FREE_CUSTOM_METRICS, FREE_ALARM_METRICS, FREE_LOG_GB, FREE_DASHBOARDS = 10, 10, 5, 3
FREE_SNS_EMAILS = 1000  # email deliveries a month (SNS pricing); the first million publishes are free too
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
PROVIDER_PREFIX = "pulumi:providers:"


class _Pricing:
    """Prices one stack's resources; every line names its catalogue key and, when it is not the
    stack's, the region whose catalogue priced it."""

    def __init__(self, resources: Sequence[PricedResource], catalogue: PriceCatalogue, usage: UsageSettings) -> None:
        self.resources = list(resources)
        self.by_urn = {r.urn: r for r in resources}
        self.catalogue = catalogue
        self.catalogues = {catalogue.region: catalogue}
        self.usage = usage
        self.lines: list[CostLine] = []

    def catalogue_for(self, region: str | None) -> PriceCatalogue:
        """The region's catalogue (the stack's for None), loaded once; CostError without one."""
        region = region or self.catalogue.region
        if region not in self.catalogues:
            self.catalogues[region] = load_catalogue(region)
        return self.catalogues[region]

    def add(
        self,
        resource: PricedResource,
        item: str,
        quantity: float,
        unit: str,
        key: str,
        *,
        note: str = "",
        ceiling: float | None = None,
        region: str | None = None,
    ) -> None:
        """A line priced in `region`, or else in the resource's own region."""
        catalogue = self.catalogue_for(region or resource.region)
        price = catalogue.get(key)
        status = PRICED if price else UNPRICED
        if price is None:
            note = f"no price for {key} in {catalogue.region}" + (f"; {note}" if note else "")
        elif price.derived:
            note = f"derived price: {price.derived}" + (f"; {note}" if note else "")
        shown_region = catalogue.region if catalogue.region != self.catalogue.region else None
        self.lines.append(CostLine(resource.tier, resource.name, resource.type, item, round(quantity, 4), unit, price, status, note, ceiling, shown_region))

    def free(self, resource: PricedResource, note: str = "") -> None:
        self.lines.append(CostLine(resource.tier, resource.name, resource.type, "no charge", 0, "", None, FREE, note, region=self.foreign(resource)))

    def foreign(self, resource: PricedResource) -> str | None:
        """The resource's region when it is not the stack's."""
        return resource.region if resource.region and resource.region != self.catalogue.region else None

    def linked(self, resource: PricedResource, key: str) -> list[PricedResource]:
        return [self.by_urn[urn] for urn in resource.deps.get(key, ()) if urn in self.by_urn]

    def of_type(self, type_token: str) -> list[PricedResource]:
        return [r for r in self.resources if r.type == type_token]


def _hours(count: float) -> float:
    return count * HOURS_PER_MONTH


def _items(value: object) -> list[object]:
    """A list-valued input (None or missing counts as empty)."""
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else []


def _number(value: object, default: float = 0) -> float:
    return default if value is None else float(str(value))


def _service(p: _Pricing, service: PricedResource) -> None:
    tasks = _number(service.props.get("desiredCount"), 1)
    maximum = max(
        [_number(t.props.get("maxCapacity"), tasks) for t in p.of_type("aws:appautoscaling/target:Target") if service.urn in t.deps.get("resourceId", ())]
        or [tasks]
    )
    for task in p.linked(service, "taskDefinition"):
        vcpu, memory_gb = _number(task.props.get("cpu")) / 1024, _number(task.props.get("memory")) / 1024
        platform = task.props.get("runtimePlatform")
        architecture = str(platform.get("cpuArchitecture", "X86_64")) if isinstance(platform, Mapping) else "X86_64"
        strategies = [s for s in _items(service.props.get("capacityProviderStrategies")) if isinstance(s, Mapping)]
        spot = any(s.get("capacityProvider") == "FARGATE_SPOT" and _number(s.get("weight")) > 0 for s in strategies)
        note = SPOT_NOTE if spot else ""
        shape = f"{vcpu:g} vCPU / {memory_gb:g} GB {architecture}, {tasks:g} task(s)" + (f", up to {maximum:g}" if maximum > tasks else "")
        p.add(
            service,
            f"Fargate vCPU ({shape})",
            _hours(vcpu * tasks),
            "vCPU-hours",
            f"fargate.vcpu_hour.{architecture}",
            note=note,
            ceiling=_hours(vcpu * maximum),
        )
        p.add(
            service, f"Fargate memory ({shape})", _hours(memory_gb * tasks), "GB-hours", f"fargate.gb_hour.{architecture}", ceiling=_hours(memory_gb * maximum)
        )
    network = service.props.get("networkConfiguration")
    if isinstance(network, Mapping) and network.get("assignPublicIp"):
        p.add(service, f"public IPv4 on {tasks:g} task(s)", _hours(tasks), "address-hours", "ipv4.hour", ceiling=_hours(maximum))


def _db_instance(p: _Pricing, db: PricedResource) -> None:
    props = db.props
    source = props.get("replicateSourceDb")
    primary = next((r for r in p.of_type(db.type) if r.props.get("identifier") == source), None) if source else None
    deployment = "multi_az" if props.get("multiAz") else "single_az"
    engine = str(props.get("engine") or (primary.props.get("engine") if primary else ""))
    instance_class = str(props.get("instanceClass"))
    p.add(
        db,
        f"{engine or 'unknown engine'} {instance_class} ({deployment.replace('_', '-')})",
        _hours(1),
        "instance-hours",
        f"rds.{engine}.{instance_class}.{deployment}",
    )
    storage_gb = _number(props.get("allocatedStorage", primary.props.get("allocatedStorage") if primary else None))
    storage_type = str(props.get("storageType") or "gp2")
    p.add(db, f"{storage_type} storage ({deployment.replace('_', '-')})", storage_gb, "GB-months", f"rds.storage.{storage_type}.{deployment}")
    if props.get("manageMasterUserPassword"):
        p.add(db, "managed master-password secret", 1, "secret-months", "secretsmanager.secret_month")
    if props.get("performanceInsightsEnabled") and _number(props.get("performanceInsightsRetentionPeriod"), 7) > 7:
        p.lines.append(
            CostLine(
                db.tier,
                db.name,
                db.type,
                "Performance Insights long-term retention",
                1,
                "",
                None,
                UNPRICED,
                "only the free 7-day retention is priced",
                region=p.foreign(db),
            )
        )


def _proxy(p: _Pricing, proxy: PricedResource) -> None:
    targets = [t for t in p.of_type("aws:rds/proxyTarget:ProxyTarget") if proxy.urn in t.deps.get("dbProxyName", ())]
    identifiers = {t.props.get("dbInstanceIdentifier") for t in targets}
    classes = [str(r.props.get("instanceClass")) for r in p.of_type("aws:rds/instance:Instance") if r.props.get("identifier") in identifiers]
    vcpus = max([2, *(DB_VCPUS.get(c, 2) for c in classes)])
    p.add(proxy, f"RDS Proxy ({vcpus} vCPU of {', '.join(classes) or 'its target'}, 2 minimum)", _hours(vcpus), "vCPU-hours", "rds.proxy.vcpu_hour")


def _replication_group(p: _Pricing, group: PricedResource) -> None:
    nodes = _number(group.props.get("numCacheClusters"), 1)
    node_type, engine = group.props.get("nodeType"), group.props.get("engine", "redis")
    p.add(group, f"{nodes:g} × {node_type} {engine} node(s)", _hours(nodes), "node-hours", f"elasticache.{node_type}.{engine}")


def _load_balancer(p: _Pricing, alb: PricedResource) -> None:
    p.add(alb, "application load balancer", _hours(1), "ALB-hours", "alb.hour")
    if not alb.props.get("internal"):
        # Counted from the subnets it depends on: their ids are unknown in a first preview.
        zones = len(alb.deps.get("subnets", ())) or len(_items(alb.props.get("subnets"))) or 2
        p.add(alb, f"public IPv4, one per AZ ({zones})", _hours(zones), "address-hours", "ipv4.hour")
    p.add(alb, f"load balancer capacity units (usage: {p.usage.alb_lcu:g} LCU)", _hours(p.usage.alb_lcu), "LCU-hours", "alb.lcu_hour")


def _nat_gateway(p: _Pricing, nat: PricedResource) -> None:
    gateways = len(p.of_type(nat.type))
    p.add(nat, "NAT gateway", _hours(1), "NAT-hours", "nat.hour")
    p.add(nat, f"data processed (usage: {p.usage.nat_gb:g} GB across {gateways} gateway(s))", p.usage.nat_gb / gateways, "GB", "nat.gb")


def _eip(p: _Pricing, eip: PricedResource) -> None:
    p.add(eip, "Elastic IP (public IPv4)", _hours(1), "address-hours", "ipv4.hour")


def _web_acl(p: _Pricing, acl: PricedResource) -> None:
    rules = len(_items(acl.props.get("rules")))
    p.add(acl, "web ACL", 1, "ACL-months", "waf.web_acl_month")
    p.add(acl, f"{rules} rule(s) and managed rule groups", rules, "rule-months", "waf.rule_month")
    p.add(acl, f"requests inspected (usage: {p.usage.waf_requests_million:g} million)", p.usage.waf_requests_million, "1M requests", "waf.requests_million")


def _secret(p: _Pricing, secret: PricedResource) -> None:
    p.add(secret, "secret", 1, "secret-months", "secretsmanager.secret_month")
    # Secrets Manager bills each replica as a secret of its own, in the replica's region.
    for replica in _items(secret.props.get("replicas")):
        region = str(replica.get("region")) if isinstance(replica, Mapping) and replica.get("region") else None
        if region:
            p.add(secret, "replica secret", 1, "secret-months", "secretsmanager.secret_month", region=region)


def _cluster(p: _Pricing, cluster: PricedResource) -> None:
    settings = {s.get("name"): s.get("value") for s in _items(cluster.props.get("settings")) if isinstance(s, Mapping)}
    if settings.get("containerInsights") in ("enabled", "enhanced"):
        metrics = p.usage.container_insights_metrics
        billable = max(0, metrics - FREE_CUSTOM_METRICS)
        p.add(cluster, f"Container Insights (usage: {metrics} metrics, first {FREE_CUSTOM_METRICS} free)", billable, "metric-months", "cloudwatch.metric_month")
    else:
        p.free(cluster, "no Container Insights")


def _vpc_endpoint(p: _Pricing, endpoint: PricedResource) -> None:
    if endpoint.props.get("vpcEndpointType", "Gateway") == "Gateway":
        p.free(endpoint, "gateway endpoints are free")
        return
    zones = len(_items(endpoint.props.get("subnetIds"))) or 1
    p.add(endpoint, f"interface endpoint in {zones} AZ(s)", _hours(zones), "endpoint-AZ-hours", "vpce.interface_hour")


def _distribution(p: _Pricing, distribution: PricedResource) -> None:
    usage = p.usage
    out = max(0.0, usage.cdn_data_out_gb - FREE_CDN_OUT_GB)
    requests = max(0.0, usage.cdn_requests_10k - FREE_CDN_REQUESTS_10K)
    p.add(distribution, f"data out to viewers (usage: {usage.cdn_data_out_gb:g} GB, first {FREE_CDN_OUT_GB:,} GB free)", out, "GB", "cloudfront.out_gb")
    p.add(
        distribution,
        f"HTTPS requests (usage: {usage.cdn_requests_10k:g} × 10,000, first {FREE_CDN_REQUESTS_10K:,} free)",
        requests,
        "10,000 requests",
        "cloudfront.https_10k",
    )


def alarm_metrics(alarm: PricedResource) -> int:
    """Metrics CloudWatch bills an alarm for: its one metric, or every metric its math reads."""
    queries = [q for q in _items(alarm.props.get("metricQueries")) if isinstance(q, Mapping)]
    return sum(1 for q in queries if q.get("metric")) if queries else 1


def _alarm(p: _Pricing, alarm: PricedResource) -> None:
    p.free(alarm, f"{alarm_metrics(alarm)} alarm metric(s), billed on the stack's alarm line")


def _dashboard(p: _Pricing, dashboard: PricedResource) -> None:
    position = p.of_type(dashboard.type).index(dashboard)
    p.add(dashboard, f"dashboard (first {FREE_DASHBOARDS} free)", 0 if position < FREE_DASHBOARDS else 1, "dashboard-months", "cloudwatch.dashboard_month")


def _kms_key(p: _Pricing, key: PricedResource) -> None:
    # Its requests (data keys for what is published) stay within KMS's 20,000 free a month.
    p.add(key, "customer managed key", 1, "key-months", "kms.key_month")


def _topic(p: _Pricing, topic: PricedResource) -> None:
    deliveries = p.usage.alert_deliveries
    billable = max(0, deliveries - FREE_SNS_EMAILS) / 100_000
    p.add(topic, f"email deliveries (usage: {deliveries:,}, first {FREE_SNS_EMAILS:,} free)", billable, "100,000 deliveries", "sns.email_100k")


def _bucket(p: _Pricing, bucket: PricedResource) -> None:
    p.free(bucket, "storage and requests are on the stack's S3 lines")


def _user_pool(p: _Pricing, pool: PricedResource) -> None:
    users = p.usage.monthly_active_users
    tier = str(pool.props.get("userPoolTier") or "ESSENTIALS").lower()
    billable = max(0, users - FREE_MONTHLY_ACTIVE_USERS)
    p.add(pool, f"{tier} monthly active users (usage: {users:,}, first {FREE_MONTHLY_ACTIVE_USERS:,} free)", billable, "MAU", f"cognito.{tier}.mau")


def _email_identity(p: _Pricing, identity: PricedResource) -> None:
    p.add(identity, f"emails sent (usage: {p.usage.emails_1k:g} × 1,000)", p.usage.emails_1k, "1,000 emails", "ses.email_1k")


SERVERLESS_CLASS = "db.serverless"
# Route 53 bills a health check by its endpoint (AWS's own resources cost less) and each optional
# feature on top (Route 53 pricing; Infracost's route53_health_check golden test).
AWS_ENDPOINT_TYPES = frozenset({"aws:lb/loadBalancer:LoadBalancer", "aws:cloudfront/distribution:Distribution", "aws:ec2/eip:Eip"})
AWS_ENDPOINT_SUFFIXES = (".amazonaws.com", ".cloudfront.net")


def _iopt(cluster: PricedResource | None) -> str:
    """The key suffix of I/O-Optimized storage: dearer storage and capacity, no I/O charges."""
    return ".iopt1" if cluster is not None and cluster.props.get("storageType") == "aurora-iopt1" else ""


def _aurora_cluster(p: _Pricing, cluster: PricedResource) -> None:
    usage, suffix = p.usage, _iopt(cluster)
    # A global database's secondary joins it by globalClusterIdentifier; the primary is the
    # global cluster's source and holds the writer.
    # Set, even when unknown at the first preview (iterating the keys reads no value).
    secondary = "globalClusterIdentifier" in set(iter(cluster.props))
    copy = "secondary copy" if secondary else "primary"
    p.add(cluster, f"Aurora storage, {copy} (usage: {usage.aurora_storage_gb:g} GB)", usage.aurora_storage_gb, "GB-months", f"aurora.storage_gb_month{suffix}")
    if secondary:
        written = usage.replicated_writes_million
        p.add(cluster, f"replicated write I/Os (usage: {written:g} million)", written, "1M write I/Os", "aurora.replicated_write_io_million")
        return
    if not suffix:
        p.add(cluster, f"I/O requests (usage: {usage.aurora_io_million:g} million)", usage.aurora_io_million, "1M requests", "aurora.io_million")
    days = _number(cluster.props.get("backupRetentionPeriod"), 1)
    backup = usage.aurora_backup_gb
    p.add(cluster, f"backups beyond the free copy (usage: {backup:g} GB, {days:g} days kept)", backup, "GB-months", "aurora.backup_gb_month")


def _scaling(cluster: PricedResource | None) -> tuple[float, float | None]:
    """The cluster's Serverless v2 range in ACUs (no ceiling when unknown)."""
    config = cluster.props.get("serverlessv2ScalingConfiguration") if cluster else None
    if not isinstance(config, Mapping):
        return 0.0, None
    return _number(config.get("minCapacity")), _number(config.get("maxCapacity")) if config.get("maxCapacity") is not None else None


def _aurora_instance(p: _Pricing, instance: PricedResource) -> None:
    cluster = next(iter(p.linked(instance, "clusterIdentifier")), None)
    instance_class = str(instance.props.get("instanceClass"))
    if instance_class != SERVERLESS_CLASS:
        engine = str(instance.props.get("engine") or "aurora-postgresql")
        p.add(instance, f"{engine} {instance_class}", _hours(1), "instance-hours", f"rds.{engine}.{instance_class}{_iopt(cluster)}")
        return
    lowest, highest = _scaling(cluster)
    # The average the usage assumes, within what the cluster lets an instance scale to.
    average = max(lowest, min(p.usage.aurora_average_acu, highest if highest is not None else p.usage.aurora_average_acu))
    bounds = f", {lowest:g}–{highest:g} ACU" if highest is not None else ""
    p.add(
        instance,
        f"Serverless v2 capacity (usage: {average:g} ACU on average{bounds})",
        _hours(average),
        "ACU-hours",
        f"aurora.serverless_v2.acu_hour{_iopt(cluster)}",
        ceiling=_hours(highest) if highest is not None else None,
    )


def _global_cluster(p: _Pricing, global_cluster: PricedResource) -> None:
    p.free(global_cluster, "no charge of its own: its clusters' storage, I/O and replicated writes are billed")


def _hosted_zone(p: _Pricing, zone: PricedResource) -> None:
    p.add(zone, "hosted zone", 1, "zone-months", "route53.hosted_zone_month")


def _health_check_features(props: Mapping[str, object]) -> list[str]:
    kind = str(props.get("type") or "")
    features = ["HTTPS"] if kind.startswith("HTTPS") else []
    features += ["string matching"] if kind.endswith("STR_MATCH") else []
    features += ["fast interval"] if _number(props.get("requestInterval"), 30) <= 10 else []
    return features + (["latency measurement"] if props.get("measureLatency") else [])


def _aws_endpoint(p: _Pricing, check: PricedResource) -> bool:
    """Whether Route 53 counts the checked endpoint as AWS's own (an ALB's DNS name is)."""
    linked = p.linked(check, "fqdn") + p.linked(check, "ipAddress")
    if any(r.type in AWS_ENDPOINT_TYPES for r in linked):
        return True
    # Calculated and alarm-based checks probe no endpoint outside AWS.
    return str(check.props.get("type")) in ("CALCULATED", "CLOUDWATCH_METRIC") or str(check.props.get("fqdn") or "").endswith(AWS_ENDPOINT_SUFFIXES)


def _health_check(p: _Pricing, check: PricedResource) -> None:
    endpoint = "aws" if _aws_endpoint(p, check) else "other"
    label = "an AWS endpoint" if endpoint == "aws" else "a non-AWS endpoint"
    p.add(check, f"health check of {label}", 1, "check-months", f"route53.health_check_month.{endpoint}")
    features = _health_check_features(check.props)
    if features:
        p.add(check, f"optional features ({', '.join(features)})", len(features), "feature-months", f"route53.health_check_feature_month.{endpoint}")


def _record(p: _Pricing, record: PricedResource) -> None:
    if _items(record.props.get("aliases")):
        p.free(record, "queries to alias records of AWS resources are free")
    else:
        p.free(record, "standard queries are billed per million (not estimated: no usage assumption)")


def _bucket_replication(p: _Pricing, config: PricedResource) -> None:
    # The usage is every replicated GB; each configuration copies its share from its own region.
    configurations = len(p.of_type(config.type))
    total = p.usage.cross_region_gb
    p.add(
        config,
        f"inter-region transfer of replicated objects (usage: {total:g} GB across {configurations} configuration(s))",
        total / configurations,
        "GB",
        "data_transfer.inter_region_gb",
        note="S3 replication adds no fee of its own",
    )
    # The replicas are a second copy of the stack's stored GB, billed in the destination's region
    # (the stack's S3 line counts the sources once); each configuration copies its share.
    for destination in [r for r in p.linked(config, "rules") if r.type == "aws:s3/bucket:Bucket"]:
        share = p.usage.storage_gb / configurations
        p.add(destination, f"S3 Standard storage of the replicas (usage: {share:g} GB)", share, "GB-months", "s3.standard_gb_month")
    rules = [r for r in _items(config.props.get("rules")) if isinstance(r, Mapping)]
    if any(_replication_time_control(rule) for rule in rules):
        p.add(config, "Replication Time Control", total / configurations, "GB", "s3.replication_time_control_gb")


def _replication_time_control(rule: Mapping[str, object]) -> bool:
    destination = rule.get("destination")
    control = destination.get("replicationTime") if isinstance(destination, Mapping) else None
    return isinstance(control, Mapping) and control.get("status") == "Enabled"


def _ecr_replication(p: _Pricing, config: PricedResource) -> None:
    p.free(config, "replication is free; the images' copies are billed as ECR storage in the destination")


RULES: Mapping[str, Callable[[_Pricing, PricedResource], None]] = {
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:cognito/userPool:UserPool": _user_pool,
    "aws:sesv2/emailIdentity:EmailIdentity": _email_identity,
    "aws:ecs/service:Service": _service,
    "aws:rds/instance:Instance": _db_instance,
    "aws:rds/proxy:Proxy": _proxy,
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:ec2/natGateway:NatGateway": _nat_gateway,
    "aws:ec2/eip:Eip": _eip,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:ecs/cluster:Cluster": _cluster,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    ALARM: _alarm,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:kms/key:Key": _kms_key,
    "aws:sns/topic:Topic": _topic,
    AURORA_CLUSTER: _aurora_cluster,
    "aws:rds/clusterInstance:ClusterInstance": _aurora_instance,
    "aws:rds/globalCluster:GlobalCluster": _global_cluster,
    "aws:route53/zone:Zone": _hosted_zone,
    "aws:route53/healthCheck:HealthCheck": _health_check,
    "aws:route53/record:Record": _record,
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": _bucket_replication,
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": _ecr_replication,
}
STACK = PricedResource(urn="", type="tierup:stack/usage", name="(stack usage)", tier="stack", props={})
ALARMS = PricedResource(urn="", type="tierup:stack/alarms", name="(all alarms)", tier="observability", props={})


def _stack_usage(p: _Pricing) -> None:
    usage = p.usage
    # The free 5 GB go to ingestion first, the dearer of the two.
    ingest = max(0.0, usage.log_ingest_gb - FREE_LOG_GB)
    storage = max(0.0, usage.log_storage_gb - max(0.0, FREE_LOG_GB - usage.log_ingest_gb))
    free = f"first {FREE_LOG_GB} GB of ingestion and storage free"
    p.add(STACK, f"CloudWatch Logs ingestion (usage: {usage.log_ingest_gb:g} GB, {free})", ingest, "GB", "logs.ingest_gb")
    p.add(STACK, f"CloudWatch Logs storage (usage: {usage.log_storage_gb:g} GB)", storage, "GB-months", "logs.storage_gb_month")
    alarms = p.of_type(ALARM)
    if alarms:
        metrics = sum(alarm_metrics(alarm) for alarm in alarms)
        p.add(
            ALARMS,
            f"{len(alarms)} alarms reading {metrics} metrics (first {FREE_ALARM_METRICS} free)",
            max(0, metrics - FREE_ALARM_METRICS),
            "alarm metric-months",
            "cloudwatch.alarm_metric_month",
        )
    if p.of_type("aws:secretsmanager/secret:Secret") or any(r.props.get("manageMasterUserPassword") for r in p.of_type("aws:rds/instance:Instance")):
        p.add(STACK, f"Secrets Manager API calls (usage: {usage.secrets_api_10k:g} × 10,000)", usage.secrets_api_10k, "10,000 calls", "secretsmanager.api_10k")
    if p.of_type("aws:s3/bucket:Bucket"):
        _s3_usage(p)
    billable = max(0.0, usage.data_out_gb - FREE_DATA_OUT_GB)
    p.add(STACK, f"data out to the internet (usage: {usage.data_out_gb:g} GB, first {FREE_DATA_OUT_GB} GB free)", billable, "GB", "data_transfer.out_gb")


def _s3_usage(p: _Pricing) -> None:
    usage = p.usage
    p.add(STACK, f"S3 Standard storage (usage: {usage.storage_gb:g} GB)", usage.storage_gb, "GB-months", "s3.standard_gb_month")
    p.add(STACK, f"S3 PUT/COPY/POST/LIST (usage: {usage.storage_requests_1k:g} × 1,000)", usage.storage_requests_1k, "1,000 requests", "s3.put_1k")
    p.add(STACK, f"S3 GET (usage: {usage.storage_reads_1k:g} × 1,000)", usage.storage_reads_1k, "1,000 requests", "s3.get_1k")
    tiering = any(
        transition.get("storageClass") == "INTELLIGENT_TIERING"
        for config in p.of_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
        for rule in _items(config.props.get("rules"))
        if isinstance(rule, Mapping)
        for transition in _items(rule.get("transitions"))
        if isinstance(transition, Mapping)
    )
    if tiering:
        # Objects under 128 KB are not monitored (and not charged); the usage counts the rest.
        p.add(
            STACK,
            f"Intelligent-Tiering monitoring (usage: {usage.storage_objects_1k:g} × 1,000 objects)",
            usage.storage_objects_1k,
            "1,000 objects",
            "s3.intelligent_tiering_1k_objects",
        )


def estimate_lines(resources: Iterable[PricedResource], catalogue: PriceCatalogue, usage: UsageSettings) -> list[CostLine]:
    """Every cost line of the resources: priced, free, or unpriced with the reason."""
    pricing = _Pricing(list(resources), catalogue, usage)
    for resource in pricing.resources:
        if resource.type in RULES:
            RULES[resource.type](pricing, resource)
        elif resource.type in FREE_TYPES:
            pricing.free(resource)
        elif resource.type.startswith(PROVIDER_PREFIX):
            # A provider is a custom resource to Pulumi, but nothing AWS bills.
            pricing.free(resource, "a provider configures the others; AWS bills nothing for it")
        elif not resource.type.startswith("tierup:"):
            pricing.lines.append(
                CostLine(
                    resource.tier,
                    resource.name,
                    resource.type,
                    "not in the estimator",
                    0,
                    "",
                    None,
                    UNPRICED,
                    "resource type has no pricing rule",
                    region=pricing.foreign(resource),
                )
            )
    _stack_usage(pricing)
    return pricing.lines


def estimate(
    stack: str, release: str, budget_usd: float, goal_usd: float, resources: Iterable[PricedResource], catalogue: PriceCatalogue, usage: UsageSettings
) -> Estimate:
    return Estimate(
        stack=stack,
        release=release,
        region=catalogue.region,
        catalogue_retrieved=catalogue.retrieved,
        budget_usd=budget_usd,
        goal_usd=goal_usd,
        lines=tuple(estimate_lines(resources, catalogue, usage)),
    )
