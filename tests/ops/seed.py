"""Building a deployed stack's resources in the emulator with plain boto3 calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.ops.conftest import stack_tags
from tierup_guardrails.settings import PROFILES, Release
from tierup_guardrails.thresholds import BY_ID, SPOT_INTERRUPTIONS, promised


def database(aws: Any, stack: str, *, multi_az: bool) -> str:
    identifier = f"tierup-{stack}-db"
    aws("rds").create_db_instance(
        DBInstanceIdentifier=identifier, DBInstanceClass="db.t4g.micro", Engine="postgres", MasterUsername="app_admin", ManageMasterUserPassword=True,
        AllocatedStorage=20, MultiAZ=multi_az, StorageEncrypted=True, DeletionProtection=True, BackupRetentionPeriod=14, PubliclyAccessible=False,
        Tags=stack_tags(stack),
    )  # fmt: skip
    return identifier


def network(aws: Any, stack: str, *, nat_gateways: int) -> list[str]:
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i * 16}.0/20", AvailabilityZone=f"us-east-1{'ab'[i]}")["Subnet"]["SubnetId"] for i in range(2)]
    for _ in range(nat_gateways):
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=allocation, TagSpecifications=[{"ResourceType": "natgateway", "Tags": stack_tags(stack)}])
    return subnets


def service(aws: Any, stack: str, subnets: list[str], *, public_ip: bool, maximum: int) -> tuple[str, str]:
    ecs = aws("ecs")
    vpc = aws("ec2").describe_subnets(SubnetIds=subnets[:1])["Subnets"][0]["VpcId"]
    group = aws("ec2").create_security_group(GroupName=f"app-{stack}", Description="app", VpcId=vpc)["GroupId"]
    cluster = ecs.create_cluster(clusterName=f"compute-cluster-{stack}", tags=stack_tags(stack, lower=True))["cluster"]
    task = ecs.register_task_definition(
        family=f"tierup-{stack}-app", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "app", "image": "nginx", "portMappings": [{"containerPort": 8080}]}],
    )["taskDefinition"]  # fmt: skip
    ecs.create_service(
        cluster=cluster["clusterName"], serviceName=f"compute-service-{stack}", taskDefinition=task["taskDefinitionArn"], desiredCount=2,
        launchType="FARGATE", networkConfiguration={"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [group], "assignPublicIp": "ENABLED" if public_ip else "DISABLED"}},
    )  # fmt: skip
    aws("application-autoscaling").register_scalable_target(
        ServiceNamespace="ecs", ResourceId=f"service/{cluster['clusterName']}/compute-service-{stack}", ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=2, MaxCapacity=maximum,
    )  # fmt: skip
    return cluster["clusterName"], f"compute-service-{stack}"


def load_balancer(aws: Any, stack: str, subnets: list[str], *, waf: bool) -> dict[str, str]:
    balancer = aws("elbv2").create_load_balancer(Name=f"compute-lb-{stack}", Subnets=subnets, Tags=stack_tags(stack))["LoadBalancers"][0]
    if waf:
        wafv2 = aws("wafv2")
        visibility = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "acl"}
        acl = wafv2.create_web_acl(Name=f"waf-{stack}", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=visibility)["Summary"]
        wafv2.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=balancer["LoadBalancerArn"])
    return balancer


def budget(aws: Any, stack: str) -> None:
    account = aws("sts").get_caller_identity()["Account"]
    aws("budgets").create_budget(
        AccountId=account,
        Budget={
            "BudgetName": f"budget-{stack}",
            "BudgetLimit": {"Amount": "150", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
            "CostFilters": {"TagKeyValue": [f"user:Stack${stack}"]},
        },
    )


def hourly_metric(aws: Any, namespace: str, metric: str, dimensions: dict[str, str], values: list[float]) -> None:
    now = datetime.now(UTC)
    data = [
        {
            "MetricName": metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
            "Timestamp": now - timedelta(hours=hour + 1),
            "Value": value,
        }
        for hour, value in enumerate(values)
    ]
    for chunk in range(0, len(data), 500):
        aws("cloudwatch").put_metric_data(Namespace=namespace, MetricData=data[chunk : chunk + 500])


def bucket(aws: Any, stack: str, name: str, *, blocked: bool = True, versioned: bool = True) -> None:
    """A stack bucket as the program leaves it: tagged, public access blocked, versioned."""
    s3 = aws("s3")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "Project", "Value": "tierup"}, {"Key": "Stack", "Value": stack}]})
    if blocked:
        flags = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=dict.fromkeys(flags, True))
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def alerting(aws: Any, stack: str, release: Release, *, emails: tuple[str, ...] = (), skip: tuple[str, ...] = ()) -> str:
    """The alert topic (KMS-encrypted, tagged) and the release's alarms on it, as the program
    leaves them (each alarm on its first metric: the audit reads names, actions and states)."""
    sns = aws("sns")
    topic = sns.create_topic(Name=f"alerts-topic-{stack}", Attributes={"KmsMasterKeyId": f"alias/tierup-{stack}-alerts"}, Tags=stack_tags(stack))["TopicArn"]
    for address in emails:
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=address)
    cloudwatch = aws("cloudwatch")
    for watch_id in promised(PROFILES[release]):
        if watch_id in skip:
            continue
        if watch_id == SPOT_INTERRUPTIONS:
            aws("events").put_rule(Name=f"tierup-{stack}-{watch_id}", EventPattern='{"source": ["aws.ecs"]}', State="ENABLED")
            continue
        watch, metric = BY_ID[watch_id], BY_ID[watch_id].metrics[0]
        cloudwatch.put_metric_alarm(
            AlarmName=f"tierup-{stack}-{watch_id}", Namespace=metric.namespace, MetricName=metric.name, Statistic="Average", Period=watch.period,
            EvaluationPeriods=watch.evaluation_periods, Threshold=watch.alarm_threshold, ComparisonOperator=watch.comparison.value,
            TreatMissingData=watch.missing.value, ActionsEnabled=True, AlarmActions=[topic], OKActions=[topic],
        )  # fmt: skip
    return topic


def production(aws: Any, *, multi_az: bool = True, uploads_blocked: bool = True, uploads_versioned: bool = True) -> dict[str, str]:
    """A v1.5 prod stack as `pulumi up` leaves it."""
    database(aws, "prod", multi_az=multi_az)
    bucket(aws, "prod", "frontend-site-1234567")
    bucket(aws, "prod", "storage-uploads-1234567", blocked=uploads_blocked, versioned=uploads_versioned)
    bucket(aws, "other", "storage-uploads-other")
    subnets = network(aws, "prod", nat_gateways=1)
    cluster, name = service(aws, "prod", subnets, public_ip=False, maximum=6)
    balancer = load_balancer(aws, "prod", subnets, waf=True)
    budget(aws, "prod")
    alerting(aws, "prod", Release.V1_5)
    return {"cluster": cluster, "service": name, "balancer": balancer["LoadBalancerArn"], "dns": balancer["DNSName"]}
