"""AWS constraints the provider learns only at apply time, checked before it: what RDS, ECS,
ELB and IAM would refuse, and what would start but never work."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence

from pulumi_policy import Policy, PolicyResource, ResourceValidationArgs, Severity

from tierup_guardrails.base import (
    Props,
    RailsSource,
    Spec,
    as_list,
    depends_on,
    has_key,
    json_document,
    number,
    of_type,
    resource_args_policy,
    resource_policy,
    stack_policy,
    truthy,
)
from tierup_guardrails.settings.guardrails import Guardrails
from tierup_guardrails.zones import UNSUPPORTED_ZONE_IDS

DB_INSTANCE = "aws:rds/instance:Instance"
DB_PROXY = "aws:rds/proxy:Proxy"
SUBNET = "aws:ec2/subnet:Subnet"
ECS_SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"


class NameRule:
    """AWS's limit on one resource type's name: the input holding it and what it may contain."""

    def __init__(self, key: str, limit: int, pattern: str, described: str) -> None:
        self.key = key
        self.limit = limit
        self.pattern = re.compile(pattern)
        self.described = described


_LB_NAME = NameRule("name", 32, r"[A-Za-z0-9](-?[A-Za-z0-9])*", "letters, digits and single hyphens, not at either end")
_DB_NAME = NameRule("identifier", 63, r"[a-z](-?[a-z0-9])*", "a lowercase letter first, then lowercase letters, digits and single hyphens")
# ELB API Reference (CreateLoadBalancer, CreateTargetGroup: Name), RDS API Reference
# (DBInstanceIdentifier, DBProxyName), IAM User Guide ("IAM object quotas": role name 64),
# ElastiCache API Reference (ReplicationGroupId: 40).
NAME_RULES: Mapping[str, NameRule] = {
    LOAD_BALANCER: _LB_NAME,
    "aws:lb/targetGroup:TargetGroup": _LB_NAME,
    DB_INSTANCE: _DB_NAME,
    DB_PROXY: NameRule("name", 63, _DB_NAME.pattern.pattern, _DB_NAME.described),
    "aws:iam/role:Role": NameRule("name", 64, r"[A-Za-z0-9+=,.@_-]+", "letters, digits and +=,.@_-"),
    "aws:elasticache/replicationGroup:ReplicationGroup": NameRule("replicationGroupId", 40, _DB_NAME.pattern.pattern, _DB_NAME.described),
    # S3 User Guide, "General purpose bucket naming rules": 3 to 63 lowercase letters, digits,
    # dots and hyphens, a letter or digit at each end.
    "aws:s3/bucket:Bucket": NameRule("bucket", 63, r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "lowercase letters, digits, dots and hyphens"),
    # Cognito Developer Guide, "Using the Amazon Cognito prefix domain": lowercase letters, digits
    # and hyphens, no hyphen at either end, and none of the reserved words aws, amazon, cognito.
    # The stack's name is part of the prefix (components/auth_tier.py): a stack named aws-dev fails.
    "aws:cognito/userPoolDomain:UserPoolDomain": NameRule(
        "domain",
        63,
        r"(?!.*(aws|amazon|cognito))[a-z0-9](-?[a-z0-9])*",
        "lowercase letters, digits and single hyphens, without the words aws, amazon or cognito",
    ),
    # SES API v2 Reference (CreateConfigurationSet: ConfigurationSetName): 64 letters, digits, _ and -.
    "aws:sesv2/configurationSet:ConfigurationSet": NameRule("configurationSetName", 64, r"[A-Za-z0-9_-]+", "letters, digits, _ and -"),
}
# Fargate platform versions (LATEST is 1.4.0): container dependencies need 1.3.0 (ECS Developer
# Guide, "Container dependency"); ARM64 on FARGATE_SPOT needs 1.4.0 (ECS API Reference,
# CapacityProviderStrategyItem); tmpfs mounts came to Fargate with 1.4.0.
FARGATE_1_3 = (1, 3, 0)
FARGATE_1_4 = (1, 4, 0)

REPLICA_CREDENTIALS = Spec(
    name="rds-replica-source-password-not-managed",
    description="A read replica's source does not have an RDS-managed master password, which RDS refuses to replicate.",
    severity=Severity.HIGH,
    remediation="Give the primary a generated password (and no manageMasterUserPassword) before adding the replica.",
    references=("constraint", "RDS User Guide: Limitations for Secrets Manager integration"),
)
PASSWORD_CONFLICT = Spec(
    name="rds-password-arguments-do-not-conflict",
    description="A database sets password or manageMasterUserPassword, never both: the provider refuses the pair even when the flag is false.",
    severity=Severity.HIGH,
    remediation="Leave manageMasterUserPassword unset when the program sets password.",
    references=("constraint", "terraform-provider-aws: rds/instance.go ConflictsWith"),
)
STORAGE_CEILING = Spec(
    name="rds-storage-autoscaling-ceiling-valid",
    description="A database's storage-autoscaling ceiling is at least 10% above its allocated storage, as RDS requires.",
    severity=Severity.HIGH,
    remediation="Raise tierup:data.maxAllocatedStorageGb to at least 1.1 × allocatedStorageGb.",
    references=("constraint", "RDS API: MaxAllocatedStorage"),
)
PROXY_ZONES = Spec(
    name="rds-proxy-subnets-in-supported-zones",
    description="An RDS proxy's subnets are in zones where RDS Proxy is offered (not use1-az3).",
    severity=Severity.HIGH,
    remediation="Pin tierup:network.availabilityZones to supported zone IDs.",
    references=("constraint", "RDS User Guide: Limitations for RDS Proxy"),
)
SPOT_ARCHITECTURE = Spec(
    name="ecs-service-platform-fits-task",
    description="A service's Fargate platform version supports what its task asks for: ARM64 on Fargate Spot, tmpfs mounts, container dependencies.",
    severity=Severity.HIGH,
    remediation="Leave the service's platformVersion at LATEST.",
    references=("constraint", "ECS Developer Guide: AWS Fargate capacity providers"),
)
ALB_ZONES = Spec(
    name="lb-subnets-in-two-zones",
    description="An application load balancer has subnets in at least two availability zones, as ELB requires.",
    severity=Severity.HIGH,
    remediation="Give the load balancer one public subnet in each of two zones (tierup:network.azCount 2 or more).",
    references=("constraint", "ELB.13"),
)
NAME_LIMITS = Spec(
    name="aws-names-within-limits",
    description="Names AWS limits (load balancers, target groups 32; database and proxy identifiers 63; roles 64; cache groups 40) fit, auto-suffix included.",
    severity=Severity.HIGH,
    remediation="Shorten the project or stack name, or the component's logical name (with an alias).",
    references=("constraint",),
)


def _replica_credential_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for replica in of_type(resources, DB_INSTANCE):
        for source in depends_on(replica, "replicateSourceDb"):
            if truthy(source.props, "manageMasterUserPassword"):
                yield f"Give {source.name} a generated password before replicating it: RDS refuses a replica of a managed master password.", replica.urn


def _password_conflict_violations(props: Props, _: Guardrails) -> Iterable[str]:
    # Present at all, false included: Terraform's ConflictsWith looks at whether a key is set.
    if has_key(props, "manageMasterUserPassword") and any(has_key(props, key) for key in ("password", "passwordWo")):
        yield "Remove manageMasterUserPassword: the provider refuses it beside password, even as false."


def _storage_ceiling_violations(props: Props, _: Guardrails) -> Iterable[str]:
    allocated, ceiling = props.get("allocatedStorage"), props.get("maxAllocatedStorage")
    if allocated is None or ceiling is None or number(ceiling) == 0:
        return
    floor = math.ceil(round(number(allocated) * 1.1, 6))  # 100 × 1.1 is 110.00000000000001 in floats
    if number(ceiling) < floor:
        yield f"Raise maxAllocatedStorage to at least {floor} GB: RDS refuses a ceiling less than 10% above allocatedStorage {number(allocated):g}."


def _zone_of(subnet: PolicyResource) -> str | None:
    zone = subnet.props.get("availabilityZoneId") or subnet.props.get("availabilityZone")
    return zone if isinstance(zone, str) else None


def _proxy_zone_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for proxy in of_type(resources, DB_PROXY):
        subnets = [dep for dep in depends_on(proxy, "vpcSubnetIds") if dep.resource_type == SUBNET]
        if not subnets:
            yield "Give the proxy subnets of the stack's, so their zones can be checked.", proxy.urn
        for subnet in subnets:
            zone = _zone_of(subnet)
            if zone is not None and zone in UNSUPPORTED_ZONE_IDS:
                yield f"Move {subnet.name} out of {zone}: {UNSUPPORTED_ZONE_IDS[zone]}.", proxy.urn


def _platform(version: object) -> tuple[int, ...] | None:
    if not isinstance(version, str) or version == "LATEST":
        return None
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _platform_needs(spot: bool, definition: PolicyResource) -> list[tuple[tuple[int, int, int], str]]:
    """The Fargate platform versions the task asks for, each with why."""
    platform = definition.props.get("runtimePlatform")
    architecture = platform.get("cpuArchitecture", "X86_64") if isinstance(platform, Mapping) else "X86_64"
    defined = [c for c in as_list(json_document(definition.props, "containerDefinitions")) if isinstance(c, Mapping)]
    needs = []
    if spot and architecture == "ARM64":
        needs.append((FARGATE_1_4, "Fargate Spot runs ARM64 tasks from 1.4.0"))
    if any(isinstance(c.get("linuxParameters"), Mapping) and c["linuxParameters"].get("tmpfs") for c in defined):
        needs.append((FARGATE_1_4, "tmpfs mounts need 1.4.0"))
    if any(c.get("dependsOn") for c in defined):
        needs.append((FARGATE_1_3, "container dependencies need 1.3.0"))
    return needs


def _capacity_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for service in of_type(resources, ECS_SERVICE):
        definitions = [dep for dep in depends_on(service, "taskDefinition") if dep.resource_type == TASK_DEFINITION]
        if not definitions:
            yield "Give the service a task definition of the stack's, so its platform needs can be checked.", service.urn
        strategies = [s for s in as_list(service.props.get("capacityProviderStrategies")) if isinstance(s, Mapping)]
        spot = any(s.get("capacityProvider") == "FARGATE_SPOT" and (number(s.get("weight", 0)) > 0 or number(s.get("base", 0)) > 0) for s in strategies)
        version = _platform(service.props.get("platformVersion"))
        for definition in definitions:
            for needed, reason in _platform_needs(spot, definition):
                if version is not None and version < needed:
                    yield f"Set platformVersion to LATEST or {'.'.join(map(str, needed))} and later: {reason}.", service.urn


def _alb_zone_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for balancer in of_type(resources, LOAD_BALANCER):
        if balancer.props.get("loadBalancerType", "application") != "application":
            continue
        subnets = [dep for dep in depends_on(balancer, "subnets") if dep.resource_type == SUBNET]
        zones = {_zone_of(subnet) for subnet in subnets}
        if None in zones or len(zones) < 2:
            known = sorted(z for z in zones if z)
            yield f"Place the load balancer in subnets of at least two zones (it has {', '.join(known) or 'none known'}).", balancer.urn


def _name_violations(args: ResourceValidationArgs, _: Guardrails) -> Iterable[str]:
    # Under the CLI a resource policy sees the inputs after the provider's Check, auto-name
    # included; offline the auto-suffix is absent, so a stand-in of its length is added.
    rule = NAME_RULES[args.resource_type]
    given = args.props.get(rule.key)
    name = given if isinstance(given, str) else f"{args.name}-abcdef0"
    if len(name) > rule.limit:
        yield f"Shorten {rule.key} {name!r} to {rule.limit} characters at most (it has {len(name)})."
    elif not rule.pattern.fullmatch(name):
        yield f"Write {rule.key} {name!r} with {rule.described}."


def policies(source: RailsSource) -> list[Policy]:
    return [
        stack_policy(REPLICA_CREDENTIALS, _replica_credential_violations, source),
        resource_policy(PASSWORD_CONFLICT, (DB_INSTANCE,), _password_conflict_violations, source),
        resource_policy(STORAGE_CEILING, (DB_INSTANCE,), _storage_ceiling_violations, source),
        stack_policy(PROXY_ZONES, _proxy_zone_violations, source),
        stack_policy(SPOT_ARCHITECTURE, _capacity_violations, source),
        stack_policy(ALB_ZONES, _alb_zone_violations, source),
        resource_args_policy(NAME_LIMITS, tuple(NAME_RULES), _name_violations, source),
    ]
