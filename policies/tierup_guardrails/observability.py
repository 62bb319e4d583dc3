"""Logging and tagging guardrails: bounded retention, and the tags that allocate cost."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pulumi_policy import Policy, Severity

from tierup_guardrails.base import Props, RailsSource, Settled, Spec, number, resource_policy
from tierup_guardrails.settings.guardrails import Guardrails
from tierup_guardrails.tags import REQUIRED_TAG_KEYS

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"

# Every type the program creates that accepts tags (a test keeps this equal to what pulumi_aws
# says, so a new taggable type cannot slip in untagged).
TAGGABLE_TYPES = (
    "aws:appautoscaling/target:Target",
    "aws:budgets/budget:Budget",
    "aws:cloudfront/distribution:Distribution",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:cognito/userPool:UserPool",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/eip:Eip",
    "aws:ec2/flowLog:FlowLog",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:ecs/cluster:Cluster",
    "aws:ecs/service:Service",
    "aws:ecs/taskDefinition:TaskDefinition",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:elasticache/subnetGroup:SubnetGroup",
    "aws:iam/role:Role",
    "aws:kms/key:Key",
    "aws:lb/listener:Listener",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:lb/targetGroup:TargetGroup",
    "aws:rds/instance:Instance",
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/proxy:Proxy",
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:s3/bucket:Bucket",
    "aws:secretsmanager/secret:Secret",
    "aws:sesv2/configurationSet:ConfigurationSet",
    "aws:sesv2/emailIdentity:EmailIdentity",
    "aws:sns/topic:Topic",
    "aws:ssm/parameter:Parameter",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:wafv2/webAcl:WebAcl",
)

LOG_RETENTION = Spec(
    name="cloudwatch-log-retention-bounded",
    description="Every log group expires its events (by default after 7, 30 or 90 days by release), so logs never grow into a bill.",
    severity=Severity.LOW,
    remediation="Set retentionInDays on the log group.",
    references=("W1", "CKV_AWS_66"),
    settled=(Settled(controls=("CKV_AWS_66",), how="Stricter: a retention of 0, which CloudWatch reads as never expire, fails like an unset one."),),
)
TAGS = Spec(
    name="tags-required",
    description="Every taggable resource carries Project, Stack, Release, Tier and ManagedBy, and its Release tag is the stack's release.",
    severity=Severity.LOW,
    remediation="Build tags with tierup_guardrails.tags.StackTags.for_resource.",
    references=("cost-allocation",),
)


def _retention_violations(props: Props, _: Guardrails) -> Iterable[str]:
    days = props.get("retentionInDays")
    if days is None or number(days) <= 0:
        yield "Set retentionInDays on the log group; 0 or unset keeps logs forever."


def _tag_violations(props: Props, rails: Guardrails) -> Iterable[str]:
    tags = props.get("tags")
    tags = tags if isinstance(tags, Mapping) else {}
    missing = [key for key in REQUIRED_TAG_KEYS if not tags.get(key)]
    if missing:
        yield f"Add the tags {', '.join(missing)}."
    elif tags.get("Release") != rails.release.value:
        yield f"Set the Release tag to {rails.release.value}, the stack's release (it is {tags.get('Release')})."


def policies(source: RailsSource) -> list[Policy]:
    return [
        resource_policy(LOG_RETENTION, (LOG_GROUP,), _retention_violations, source),
        resource_policy(TAGS, TAGGABLE_TYPES, _tag_violations, source),
    ]
