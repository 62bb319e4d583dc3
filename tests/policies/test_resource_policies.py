"""Every resource policy: the compliant baseline (a real synthesized resource) passes, and each
single-field change that breaks it fails with the policy's exact message."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE, UnknownValueError

from tests.policies.harness import DELETE, JSON, changed, check_resource, named, rails
from tierup.synth.graph import ResourceGraph

ALL_PORTS_FROM_WORLD = {"ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0", "fromPort": DELETE, "toPort": DELETE, "referencedSecurityGroupId": DELETE}

FIRST_WAVE_TASK = json.dumps([{
    "name": "app", "image": "public.ecr.aws/nginx/nginx-unprivileged:stable-alpine", "user": "101", "readonlyRootFilesystem": True,
    "mountPoints": [{"sourceVolume": "scratch", "containerPath": "/tmp", "readOnly": False}],
}])  # fmt: skip

# (policy, release, graph, resource, path, new value, expected messages)
CASES: list[tuple[str, str, str, str, tuple[Any, ...], Any, list[str]]] = [
    ("ec2-subnet-no-public-ip-on-launch", "v1.5", "prod_graph", "network-public-1", ("mapPublicIpOnLaunch",), True,
     ["Set mapPublicIpOnLaunch to false on the subnet."]),
    ("ec2-security-group-no-admin-ports-from-world", "v1.5", "prod_graph", "compute-app-ingress", (), {"cidrIpv4": "0.0.0.0/0", "fromPort": 22, "toPort": 22},
     ["Remove the rule admitting port 22 from anywhere."]),
    ("ec2-security-group-no-admin-ports-from-world", "v1.5", "prod_graph", "compute-app-ingress", (), ALL_PORTS_FROM_WORLD,
     ["Remove the rule admitting port 22 from anywhere.", "Remove the rule admitting port 3389 from anywhere."]),
    ("ec2-security-group-no-admin-ports-from-world", "v1.5", "prod_graph", "data-sg", ("ingress",),
     [{"protocol": "tcp", "fromPort": 3389, "toPort": 3389, "ipv6CidrBlocks": ["::/0"]}], ["Remove the rule admitting port 3389 from anywhere."]),
    ("ecs-service-no-public-ip", "v1.5", "prod_graph", "compute-service", ("networkConfiguration", "assignPublicIp"), True,
     ["Set assignPublicIp to false and reach the tasks through the load balancer."]),
    ("ecs-task-not-privileged", "v1.5", "prod_graph", "compute-task", ("containerDefinitions", JSON, 0, "privileged"), True,
     ["Set privileged to false on container app."]),
    ("ecs-task-read-only-root-filesystem", "v1.5", "prod_graph", "compute-task", ("containerDefinitions", JSON, 0, "readonlyRootFilesystem"), DELETE,
     ["Set readonlyRootFilesystem to true on container app."]),
    ("ecs-task-logging-configured", "v1.5", "prod_graph", "compute-task", ("containerDefinitions", JSON, 0, "logConfiguration"), DELETE,
     ["Add a logConfiguration (awslogs) to container app."]),
    ("ecs-task-no-plaintext-secrets", "v1.5", "prod_graph", "compute-task", ("containerDefinitions", JSON, 0, "environment"),
     [{"name": "STRIPE_API_KEY", "value": "sk_live_x"}], ["Move STRIPE_API_KEY of container app from environment to secrets (valueFrom)."]),
    ("ecs-cluster-container-insights", "v1.5", "prod_graph", "compute-cluster", ("settings", 0, "value"), "disabled",
     ["Enable Container Insights on the cluster (setting containerInsights)."]),
    ("ecs-service-task-count-within-release", "v1.5", "prod_graph", "compute-scaling-target", ("maxCapacity",), 7,
     ["Lower the task count to at most 6, the maximum of release v1.5 (it is 7)."]),
    ("ecs-service-task-count-within-release", "v1.0", "dev_graph", "compute-service", ("desiredCount",), 2,
     ["Lower the task count to at most 1, the maximum of release v1.0 (it is 2)."]),
    ("lb-listener-http-redirects-to-https", "v1.5", "tls_graph", "compute-lb-http", ("defaultActions", 0), {"type": "forward", "targetGroupArn": "tg"},
     ["Redirect HTTP to HTTPS instead of serving it (set tierup:app.certificateArn)."]),
    ("lb-listener-tls12-policy", "v1.5", "tls_graph", "compute-lb-https", ("sslPolicy",), "ELBSecurityPolicy-2016-08",
     ["Set sslPolicy to ELBSecurityPolicy-TLS13-1-2-2021-06 (TLS 1.2 or newer)."]),
    ("lb-drop-invalid-headers", "v1.5", "prod_graph", "compute-lb-alb", ("dropInvalidHeaderFields",), DELETE, ["Set dropInvalidHeaderFields to true."]),
    ("lb-desync-mitigation", "v1.5", "prod_graph", "compute-lb-alb", ("desyncMitigationMode",), "monitor", ["Set desyncMitigationMode to defensive or strictest."]),
    ("wafv2-known-bad-inputs", "v1.5", "prod_graph", "compute-lb-waf", ("rules", 1, "statement", "managedRuleGroupStatement", "name"), "AWSManagedRulesSQLiRuleSet",
     ["Add the AWSManagedRulesKnownBadInputsRuleSet managed rule group to the web ACL."]),
    # CKV_AWS_192: the group must block, not count, and keep its Log4j rules as AWS sets them.
    ("wafv2-known-bad-inputs", "v1.5", "prod_graph", "compute-lb-waf", ("rules", 1, "overrideAction"), {"count": {}},
     ["Set overrideAction to none on the AWSManagedRulesKnownBadInputsRuleSet rule: in count mode it only records the attacks it matches."]),
    ("wafv2-known-bad-inputs", "v1.5", "prod_graph", "compute-lb-waf", ("rules", 1, "statement", "managedRuleGroupStatement", "ruleActionOverrides"),
     [{"name": "Log4JRCE_HEADER", "actionToUse": {"count": {}}}],
     ["Remove the override of Log4JRCE_HEADER from AWSManagedRulesKnownBadInputsRuleSet: left as AWS sets it, it blocks Log4j exploits (CVE-2021-44228)."]),
    ("rds-no-public-access", "v1.5", "prod_graph", "data-db", ("publiclyAccessible",), True, ["Set publiclyAccessible to false."]),
    ("cloudfront-viewer-https", "v1.5", "prod_graph", "frontend-cdn", ("defaultCacheBehavior", "viewerProtocolPolicy"), "allow-all",
     ["Set viewerProtocolPolicy to redirect-to-https on the default behaviour (it is allow-all)."]),
    ("cloudfront-viewer-https", "v1.5", "prod_graph", "frontend-cdn", ("viewerCertificate",),
     {"acmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc", "sslSupportMethod": "sni-only", "minimumProtocolVersion": "TLSv1_2016"},
     ["Set minimumProtocolVersion to TLSv1.2_2021 on the custom certificate (it is TLSv1_2016)."]),
    ("cognito-user-pool-deletion-protection", "v1.5", "prod_graph", "auth-users", ("deletionProtection",), "INACTIVE",
     ["Set deletionProtection to ACTIVE on the user pool (tierup:auth.deletionProtection true)."]),
    ("rds-storage-encrypted", "v1.5", "prod_graph", "data-db", ("storageEncrypted",), DELETE, ["Set storageEncrypted to true."]),
    ("rds-password-arguments-do-not-conflict", "v1.5", "prod_graph", "data-db", ("manageMasterUserPassword",), False,
     ["Remove manageMasterUserPassword: the provider refuses it beside password, even as false."]),
    ("rds-storage-autoscaling-ceiling-valid", "v1.5", "prod_graph", "data-db", ("maxAllocatedStorage",), 21,
     ["Raise maxAllocatedStorage to at least 22 GB: RDS refuses a ceiling less than 10% above allocatedStorage 20."]),
    ("aws-names-within-limits", "v1.5", "prod_graph", "data-db", ("identifier",), "Tierup_prod-db",
     ["Write identifier 'Tierup_prod-db' with a lowercase letter first, then lowercase letters, digits and single hyphens."]),
    ("aws-names-within-limits", "v1.5", "prod_graph", "data-db", ("identifier",), "tierup-" + "a" * 60 + "-db",
     [f"Shorten identifier 'tierup-{'a' * 60}-db' to 63 characters at most (it has 70)."]),
    ("aws-names-within-limits", "v1.5", "prod_graph", "auth-sign-in", ("domain",), "tierup-aws-sandbox-123456789012",
     ["Write domain 'tierup-aws-sandbox-123456789012' with lowercase letters, digits and single hyphens, without the words aws, amazon or cognito."]),
    ("aws-names-within-limits", "v1.5", "prod_graph", "auth-sign-in", ("domain",), "tierup-Prod-123456789012",
     ["Write domain 'tierup-Prod-123456789012' with lowercase letters, digits and single hyphens, without the words aws, amazon or cognito."]),
    ("aws-names-within-limits", "v1.5", "prod_graph", "storage-uploads", ("bucket",), "Storage-Uploads-1234567",
     ["Write bucket 'Storage-Uploads-1234567' with lowercase letters, digits, dots and hyphens."]),
    ("aws-names-within-limits", "v1.5", "prod_graph", "email-configuration", ("configurationSetName",), "tierup-" + "p" * 60,
     ["Shorten configurationSetName 'tierup-" + "p" * 60 + "' to 64 characters at most (it has 67)."]),
    ("aws-names-within-limits", "v1.5", "prod_graph", "compute-lb-alb", ("name",), "tierup-production-edge-balancer-1",
     ["Shorten name 'tierup-production-edge-balancer-1' to 32 characters at most (it has 33)."]),
    ("ecs-task-writable-paths-prepared", "v1.5", "prod_graph", "compute-task", ("containerDefinitions", JSON, 0, "linuxParameters", "tmpfs"), DELETE,
     ["Mount a tmpfs at /tmp for container app: its image writes there and the root file system is read-only."]),
    ("ecs-task-writable-paths-prepared", "v1.5", "prod_graph", "compute-task", ("containerDefinitions", JSON, 0, "linuxParameters", "tmpfs", 0, "size"), 300,
     ["Shrink the tmpfs mounts of container app to 256 MiB in all: they live in the task's 512 MiB of memory."]),
    # The first wave's design: a bind mount at /tmp, which Fargate creates root-owned 0755.
    ("ecs-task-writable-paths-prepared", "v1.5", "prod_graph", "compute-task", (), {"volumes": [{"name": "scratch"}], "containerDefinitions": FIRST_WAVE_TASK},
     ["Open volume scratch at /tmp to container app before it starts: Fargate creates it root-owned 0755; use a tmpfs mount "
      "(tierup:app.writablePaths) or a root init container that chmods it."]),
    ("rds-log-exports", "v1.5", "prod_graph", "data-db", ("enabledCloudwatchLogsExports",), ["upgrade"], ['Add "postgresql" to enabledCloudwatchLogsExports.']),
    # RDS.9 asks a PostgreSQL instance for both log types.
    ("rds-log-exports", "v1.5", "prod_graph", "data-db", ("enabledCloudwatchLogsExports",), ["postgresql"], ['Add "upgrade" to enabledCloudwatchLogsExports.']),
    ("rds-auto-minor-version-upgrade", "v1.5", "prod_graph", "data-db", ("autoMinorVersionUpgrade",), False, ["Set autoMinorVersionUpgrade to true."]),
    ("rds-multi-az", "v1.5", "prod_graph", "data-db", ("multiAz",), False, ["Set multiAz to true on the database from release v1.5."]),
    ("rds-backup-retention", "v1.5", "prod_graph", "data-db", ("backupRetentionPeriod",), 3, ["Keep backups at least 7 day(s) (backupRetentionPeriod is 3)."]),
    ("rds-backup-retention", "v1.0", "dev_graph", "data-db", ("backupRetentionPeriod",), DELETE, ["Keep backups at least 7 day(s) (backupRetentionPeriod is unset)."]),
    ("rds-backup-retention", "v1.0", "dev_graph", "data-db", ("backupRetentionPeriod",), 0, ["Keep backups at least 7 day(s) (backupRetentionPeriod is 0)."]),
    ("rds-backup-retention", "v1.0", "dev_graph", "data-db", ("backupRetentionPeriod",), 1, ["Keep backups at least 7 day(s) (backupRetentionPeriod is 1)."]),
    ("rds-backup-retention", "v1.5", "prod_graph", "data-db", ("backupRetentionPeriod",), 36, ["Keep backups at most 35 days, RDS's maximum (backupRetentionPeriod is 36)."]),
    ("rds-backup-retention", "v2.0", "scale_graph", "data-replica", ("backupRetentionPeriod",), 36,
     ["Keep backups at most 35 days, RDS's maximum (backupRetentionPeriod is 36)."]),
    ("rds-deletion-protection", "v1.5", "prod_graph", "data-db", ("deletionProtection",), False, ["Set deletionProtection to true."]),
    ("rds-instance-class-allowed", "v1.5", "prod_graph", "data-db", ("instanceClass",), "db.r7g.large",
     ["Use one of db.t4g.micro, db.t4g.small, db.t4g.medium in release v1.5, not db.r7g.large."]),
    ("rds-proxy-require-tls", "v2.0", "scale_graph", "data-proxy-proxy", ("requireTls",), False, ["Set requireTls to true on the proxy."]),
    ("rds-proxy-require-tls", "v2.0", "scale_graph", "data-proxy-proxy", ("auths", 0, "authScheme"), "NONE",
     ["Authenticate the proxy with a Secrets Manager secret (authScheme SECRETS and a secretArn)."]),
    ("elasticache-encryption", "v2.0", "scale_graph", "cache-group", ("transitEncryptionEnabled",), False, ["Set transitEncryptionEnabled to true."]),
    ("elasticache-encryption", "v2.0", "scale_graph", "cache-group", ("transitEncryptionMode",), "preferred",
     ["Set transitEncryptionMode to required: preferred still accepts unencrypted connections."]),
    ("elasticache-auth", "v2.0", "scale_graph", "cache-group", ("authToken",), DELETE, ["Set authToken (generated, kept in Secrets Manager) or userGroupIds."]),
    # ElastiCache takes AUTH and RBAC only over TLS: either without in-transit encryption fails.
    ("elasticache-auth", "v2.0", "scale_graph", "cache-group", (), {"authToken": DELETE, "userGroupIds": ["app-users"], "transitEncryptionEnabled": False},
     ["Set transitEncryptionEnabled to true: clients authenticate only over TLS."]),
    ("elasticache-auth", "v2.0", "scale_graph", "cache-group", (), {"authToken": DELETE, "userGroupIds": ["app-users"], "transitEncryptionEnabled": DELETE},
     ["Set transitEncryptionEnabled to true: clients authenticate only over TLS."]),
    ("elasticache-auth", "v2.0", "scale_graph", "cache-group", ("transitEncryptionEnabled",), False,
     ["Set transitEncryptionEnabled to true: clients authenticate only over TLS."]),
    ("elasticache-failover", "v2.0", "scale_graph", "cache-group", ("automaticFailoverEnabled",), False, ["Set automaticFailoverEnabled to true."]),
    ("iam-no-wildcard-actions", "v1.5", "prod_graph", "compute-execution-policy", ("policy", JSON, "Statement", 0, "Action"), ["logs:*"],
     ["Replace the wildcard action logs:* with the actions the role needs."]),
    ("iam-no-wildcard-actions", "v1.5", "prod_graph", "compute-execution-policy", ("policy", JSON, "Statement", 0, "Action"), "*",
     ["Replace the wildcard action * with the actions the role needs."]),
    ("iam-no-passrole-on-all-roles", "v1.5", "prod_graph", "compute-execution-policy", ("policy", JSON, "Statement", 0),
     {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}, ["Limit iam:PassRole to named role ARNs instead of *."]),
    ("iam-role-trusts-named-principals", "v1.5", "prod_graph", "compute-task-role", ("assumeRolePolicy", JSON, "Statement", 0, "Principal"), "*",
     ["Name the principals that may assume the role instead of *."]),
    # CKV_AWS_61: a whole account, by id or root ARN, is not a named principal.
    ("iam-role-trusts-named-principals", "v1.5", "prod_graph", "compute-task-role", ("assumeRolePolicy", JSON, "Statement", 0, "Principal"),
     {"AWS": ["123456789012", "arn:aws:iam::210987654321:root"]},
     ["Name the roles that may assume the role instead of the whole account 123456789012.",
      "Name the roles that may assume the role instead of the whole account arn:aws:iam::210987654321:root."]),
    ("cloudwatch-log-retention-bounded", "v1.5", "prod_graph", "compute-logs", ("retentionInDays",), DELETE,
     ["Set retentionInDays on the log group; 0 or unset keeps logs forever."]),
    ("tags-required", "v1.5", "prod_graph", "data-db", ("tags",), DELETE, ["Add the tags Project, Stack, Release, Tier, ManagedBy."]),
    ("kms-key-rotation-enabled", "v1.0", "dev_graph", "alerts-key", ("enableKeyRotation",), False,
     ["Set enableKeyRotation to true on the key: KMS then rotates its material every year."]),
    ("kms-key-rotation-enabled", "v1.5", "prod_graph", "alerts-key", ("enableKeyRotation",), DELETE,
     ["Set enableKeyRotation to true on the key: KMS then rotates its material every year."]),
    ("tags-required", "v1.5", "prod_graph", "data-db", ("tags", "Release"), "v1.0", ["Set the Release tag to v1.5, the stack's release (it is v1.0)."]),
]  # fmt: skip


# Values at the edge of what a policy allows, where a referenced control draws its line elsewhere
# (the policies' settled differences): each single change from the baseline still passes.
# (policy, release, graph, resource, path, new value)
ALLOWED: list[tuple[str, str, str, str, tuple[Any, ...], Any]] = [
    ("rds-backup-retention", "v1.5", "prod_graph", "data-db", ("backupRetentionPeriod",), 35),
    ("rds-backup-retention", "v1.0", "dev_graph", "data-db", ("backupRetentionPeriod",), 7),
    ("rds-backup-retention", "v2.0", "scale_graph", "data-replica", ("backupRetentionPeriod",), 0),
    ("rds-log-exports", "v2.0", "scale_graph", "data-replica", ("enabledCloudwatchLogsExports",), []),
    ("elasticache-auth", "v2.0", "scale_graph", "cache-group", (), {"authToken": DELETE, "userGroupIds": ["app-users"]}),
    ("elasticache-encryption", "v2.0", "scale_graph", "cache-group", ("transitEncryptionMode",), "required"),
    ("wafv2-known-bad-inputs", "v1.5", "prod_graph", "compute-lb-waf", ("rules", 1, "statement", "managedRuleGroupStatement", "ruleActionOverrides"),
     [{"name": "PROPFIND_METHOD", "actionToUse": {"count": {}}}]),
    ("iam-no-passrole-on-all-roles", "v1.5", "prod_graph", "compute-execution-policy", ("policy", JSON, "Statement", 0),
     {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/app"}),
    ("iam-role-trusts-named-principals", "v1.5", "prod_graph", "compute-task-role", ("assumeRolePolicy", JSON, "Statement", 0, "Principal"),
     {"AWS": "arn:aws:iam::123456789012:role/deployer"}),
]  # fmt: skip


def _props(graph: ResourceGraph, resource: str, path: tuple[Any, ...], new: Any) -> dict[str, Any]:
    inputs = named(graph, resource).inputs
    if path:
        return changed(inputs, path, new)
    result = dict(inputs)
    for key, value in new.items():
        if value is DELETE:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def _id(case: tuple[Any, ...]) -> str:
    return f"{case[0]}-{case[3]}-{'.'.join(str(p) for p in case[4] if isinstance(p, (str, int))) or 'fields'}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_baseline_passes(case: tuple[Any, ...], request: pytest.FixtureRequest) -> None:
    name, release, graph_name, resource = case[:4]
    graph = request.getfixturevalue(graph_name)
    assert check_resource(name, rails(release), named(graph, resource)).messages == []


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_one_change_fails_with_the_exact_message(case: tuple[Any, ...], request: pytest.FixtureRequest) -> None:
    name, release, graph_name, resource, path, new, expected = case
    graph = request.getfixturevalue(graph_name)
    outcome = check_resource(name, rails(release), named(graph, resource), _props(graph, resource, path, new))
    assert outcome.messages == expected


@pytest.mark.parametrize("case", ALLOWED, ids=[_id(c) for c in ALLOWED])
def test_one_change_within_the_policy_still_passes(case: tuple[Any, ...], request: pytest.FixtureRequest) -> None:
    name, release, graph_name, resource, path, new = case
    graph = request.getfixturevalue(graph_name)
    assert check_resource(name, rails(release), named(graph, resource), _props(graph, resource, path, new)).messages == []


@pytest.mark.parametrize(
    ("name", "resource", "key"),
    [
        ("rds-no-public-access", "data-db", "publiclyAccessible"),
        ("rds-auto-minor-version-upgrade", "data-db", "autoMinorVersionUpgrade"),
        ("ec2-subnet-no-public-ip-on-launch", "network-public-1", "mapPublicIpOnLaunch"),
        ("lb-desync-mitigation", "compute-lb-alb", "desyncMitigationMode"),
    ],
)
def test_a_missing_property_takes_the_safe_aws_default(name: str, resource: str, key: str, prod_graph: ResourceGraph) -> None:
    props = changed(named(prod_graph, resource).inputs, (key,), DELETE)
    assert check_resource(name, rails("v1.5"), named(prod_graph, resource), props).messages == []


@pytest.mark.parametrize(
    ("name", "resource", "path", "sentinel"),
    [
        ("rds-no-public-access", "data-db", ("publiclyAccessible",), UNKNOWN_BOOLEAN_VALUE),
        ("rds-instance-class-allowed", "data-db", ("instanceClass",), UNKNOWN_STRING_VALUE),
        ("ecs-task-not-privileged", "compute-task", ("containerDefinitions",), UNKNOWN_STRING_VALUE),
        ("iam-no-wildcard-actions", "compute-execution-policy", ("policy",), UNKNOWN_STRING_VALUE),
        ("ecs-service-no-public-ip", "compute-service", ("networkConfiguration", "assignPublicIp"), UNKNOWN_BOOLEAN_VALUE),
    ],
)
def test_an_unknown_value_is_not_evaluated_rather_than_passed(
    name: str, resource: str, path: tuple[str, ...], sentinel: str, prod_graph: ResourceGraph
) -> None:
    props = changed(named(prod_graph, resource).inputs, path, sentinel)
    with pytest.raises(UnknownValueError) as raised:
        check_resource(name, rails("v1.5"), named(prod_graph, resource), props)
    assert raised.value.message.endswith("can't be known during preview")
