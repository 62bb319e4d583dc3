"""Finding a stack's live resources by the Project and Stack tags every tierup resource carries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tierup.ops.aws import Aws, OpsError


@dataclass(frozen=True)
class LiveStack:
    """The stack's resources as AWS describes them."""

    project: str
    stack: str
    region: str
    databases: list[dict[str, Any]] = field(default_factory=list)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    load_balancers: list[dict[str, Any]] = field(default_factory=list)
    nat_gateways: list[dict[str, Any]] = field(default_factory=list)
    cache_groups: list[dict[str, Any]] = field(default_factory=list)
    scaling_targets: list[dict[str, Any]] = field(default_factory=list)
    buckets: list[dict[str, Any]] = field(default_factory=list)
    """Name, PublicAccessBlock (its four flags, empty when none) and Versioning status."""
    alarms: list[dict[str, Any]] = field(default_factory=list)
    """The stack's metric alarms (named <project>-<stack>-<watch>), as DescribeAlarms gives them."""
    event_rules: list[dict[str, Any]] = field(default_factory=list)
    """The stack's EventBridge rules (the same prefix), as ListRules gives them."""
    topics: list[dict[str, Any]] = field(default_factory=list)
    """TopicArn, Attributes (GetTopicAttributes) and Subscriptions of the stack's SNS topics."""

    @property
    def empty(self) -> bool:
        return not (self.databases or self.clusters or self.load_balancers or self.nat_gateways or self.cache_groups)


def _tagged(tags: Iterable[Mapping[str, str]], project: str, stack: str, key: str = "Key", value: str = "Value") -> bool:
    found = {t.get(key): t.get(value) for t in tags}
    return found.get("Project") == project and found.get("Stack") == stack


def _batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _buckets(aws: Aws, project: str, stack: str) -> Iterable[dict[str, Any]]:
    """The stack's buckets in its region, with their public access block and versioning."""
    s3 = aws.client("s3")
    for bucket in s3.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        if bucket.get("BucketRegion", aws.region) != aws.region:
            continue
        try:
            tags = s3.get_bucket_tagging(Bucket=name).get("TagSet", [])
        except s3.exceptions.ClientError:
            continue  # NoSuchTagSet: not a tierup bucket
        if not _tagged(tags, project, stack):
            continue
        try:
            block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        except s3.exceptions.ClientError:
            block = {}  # NoSuchPublicAccessBlockConfiguration: nothing blocked
        yield {"Name": name, "PublicAccessBlock": block, "Versioning": s3.get_bucket_versioning(Bucket=name).get("Status", "Disabled")}


def _topics(aws: Aws, project: str, stack: str) -> Iterable[dict[str, Any]]:
    """The stack's SNS topics, found by their tags, with their attributes and subscriptions."""
    sns = aws.client("sns")
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page.get("Topics", []):
            arn = topic["TopicArn"]
            if not _tagged(sns.list_tags_for_resource(ResourceArn=arn).get("Tags", []), project, stack):
                continue
            subscriptions = [s for p in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arn) for s in p.get("Subscriptions", [])]
            yield {"TopicArn": arn, "Attributes": sns.get_topic_attributes(TopicArn=arn).get("Attributes", {}), "Subscriptions": subscriptions}


def _alerting(aws: Aws, live: LiveStack, project: str, stack: str) -> None:
    prefix = f"{project}-{stack}-"
    cloudwatch = aws.client("cloudwatch")
    pages = cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=prefix, AlarmTypes=["MetricAlarm"])
    live.alarms.extend(alarm for page in pages for alarm in page.get("MetricAlarms", []))
    live.event_rules.extend(aws.client("events").list_rules(NamePrefix=prefix).get("Rules", []))
    live.topics.extend(_topics(aws, project, stack))


def discover(aws: Aws, project: str, stack: str) -> LiveStack:
    """Every resource of the stack the operations commands read; an empty result is an error."""
    live = LiveStack(project=project, stack=stack, region=aws.region)
    rds = aws.client("rds")
    for page in rds.get_paginator("describe_db_instances").paginate():
        live.databases.extend(db for db in page["DBInstances"] if _tagged(db.get("TagList", []), project, stack))
    ecs = aws.client("ecs")
    arns = [arn for page in ecs.get_paginator("list_clusters").paginate() for arn in page["clusterArns"]]
    for batch in _batches(arns, 100):  # DescribeClusters takes at most 100
        clusters = ecs.describe_clusters(clusters=batch, include=["TAGS"])["clusters"]
        live.clusters.extend(c for c in clusters if _tagged(c.get("tags", []), project, stack, "key", "value"))
    for cluster in live.clusters:
        service_arns = [arn for page in ecs.get_paginator("list_services").paginate(cluster=cluster["clusterArn"]) for arn in page["serviceArns"]]
        for batch in _batches(service_arns, 10):  # DescribeServices takes at most 10
            live.services.extend(ecs.describe_services(cluster=cluster["clusterArn"], services=batch)["services"])
    elb = aws.client("elbv2")
    balancers = [lb for page in elb.get_paginator("describe_load_balancers").paginate() for lb in page["LoadBalancers"]]
    for batch in _batches(balancers, 20):  # DescribeTags takes at most 20
        tags = {d["ResourceArn"]: d["Tags"] for d in elb.describe_tags(ResourceArns=[lb["LoadBalancerArn"] for lb in batch])["TagDescriptions"]}
        live.load_balancers.extend(lb for lb in batch if _tagged(tags.get(lb["LoadBalancerArn"], []), project, stack))
    ec2 = aws.client("ec2")
    filters = [{"Name": "tag:Project", "Values": [project]}, {"Name": "tag:Stack", "Values": [stack]}, {"Name": "state", "Values": ["pending", "available"]}]
    live.nat_gateways.extend(ec2.describe_nat_gateways(Filter=filters)["NatGateways"])
    elasticache = aws.client("elasticache")
    groups = [g for page in elasticache.get_paginator("describe_replication_groups").paginate() for g in page["ReplicationGroups"]]
    for group in groups:
        tags = elasticache.list_tags_for_resource(ResourceName=group["ARN"])["TagList"] if group.get("ARN") else []
        if _tagged(tags, project, stack):
            live.cache_groups.append(group)
    scaling = aws.client("application-autoscaling")
    targets = [t for page in scaling.get_paginator("describe_scalable_targets").paginate(ServiceNamespace="ecs") for t in page["ScalableTargets"]]
    names = {f"service/{c['clusterName']}/{s['serviceName']}" for c in live.clusters for s in live.services if s.get("clusterArn") == c["clusterArn"]}
    live.scaling_targets.extend(t for t in targets if t["ResourceId"] in names)
    live.buckets.extend(_buckets(aws, project, stack))
    _alerting(aws, live, project, stack)
    if live.empty:
        raise OpsError(f"no resources tagged Project={project}, Stack={stack} in {aws.region}; deploy the stack first (pulumi up -s {stack})")
    return live
