"""Data guardrails: the PostgreSQL instance or Aurora cluster, its parameters, its proxy, and who
may reach data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pulumi_policy import Policy, PolicyResource, Severity

from tierup_guardrails.base import (
    Level,
    Props,
    RailsSource,
    Settled,
    Spec,
    as_list,
    depends_on,
    has_key,
    number,
    of_type,
    resource_policy,
    stack_policy,
    truthy,
    when,
)
from tierup_guardrails.data_holders import AURORA_CLUSTER, replica_source
from tierup_guardrails.settings.guardrails import Guardrails
from tierup_guardrails.settings.ladder import PROFILES, per_release

# RDS keeps automated backups for at most 35 days (RDS API, BackupRetentionPeriod: 0 to 35; 1 to
# 35 for an Aurora cluster, CreateDBCluster).
MAX_BACKUP_DAYS = 35
FEWEST_BACKUP_DAYS = min(profile.limits.min_backup_days for profile in PROFILES.values())
# The log types RDS for PostgreSQL can export; Security Hub's RDS.9 asks for both.
POSTGRESQL_LOG_TYPES = ("postgresql", "upgrade")

DB_INSTANCE = "aws:rds/instance:Instance"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
# The databases that hold the data: an RDS instance (v1.0-v2.0, and while the data moves to
# Aurora) and an Aurora cluster (v3.0); a cluster's instances hold none of their own.
DATABASES = (DB_INSTANCE, AURORA_CLUSTER)
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
# Where each database names its parameter group, and that group's type.
PARAMETER_GROUP_INPUTS = {DB_INSTANCE: ("parameterGroupName", PARAMETER_GROUP), AURORA_CLUSTER: ("dbClusterParameterGroupName", CLUSTER_PARAMETER_GROUP)}
DB_PROXY = "aws:rds/proxy:Proxy"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
ECS_SERVICE = "aws:ecs/service:Service"
SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"

NOT_PUBLIC = Spec(
    name="rds-no-public-access",
    description="Databases (RDS instances and Aurora cluster instances) are not publicly accessible.",
    severity=Severity.CRITICAL,
    remediation="Set publiclyAccessible to false.",
    references=("D1", "CKV_AWS_17", "AVD-AWS-0180", "RDS.2"),
)
ENCRYPTED = Spec(
    name="rds-storage-encrypted",
    description="Database storage (an RDS instance's or an Aurora cluster's) is encrypted.",
    severity=Severity.HIGH,
    remediation="Set storageEncrypted to true (this replaces an existing database: restore a snapshot into a new encrypted one).",
    references=("D2", "CKV_AWS_16", "AVD-AWS-0080", "RDS.3"),
    settled=(
        Settled(
            controls=("CKV_AWS_16",),
            how="A read replica (or a global database's secondary) that leaves storageEncrypted unset passes: it inherits its "
            "primary's encryption (AVD-AWS-0080 agrees).",
        ),
    ),
)
FORCE_SSL = Spec(
    name="rds-force-ssl",
    description="Every database (an RDS instance, each Aurora cluster in either region) uses a parameter group that refuses connections without TLS.",
    severity=Severity.HIGH,
    remediation="Give the instance a parameter group with rds.force_ssl set to 1.",
    references=("D3", "CKV2_AWS_69", "RDS.38"),
    settled=(
        Settled(
            controls=("CKV2_AWS_69",),
            how="Stricter: a database on RDS's default parameter group fails, where Checkov passes an instance without a group of its own.",
        ),
    ),
)
GENERATED_PASSWORD = Spec(
    name="rds-master-password-generated",
    description=(
        "The master password is generated (random.RandomPassword) and kept in the stack's own secret, never written in the program; "
        "RDS's managed password is not used, since it blocks read replicas and Blue/Green deployments and rotates under running tasks."
    ),
    severity=Severity.CRITICAL,
    remediation="Remove manageMasterUserPassword and set password from the stack's generated secret (components.generated_secret).",
    references=("D15",),
)
LOG_EXPORTS = Spec(
    name="rds-log-exports",
    description="Primary databases export their postgresql and upgrade logs to CloudWatch Logs.",
    severity=Severity.MEDIUM,
    remediation='Set enabledCloudwatchLogsExports to ["postgresql", "upgrade"].',
    references=("D8", "CKV_AWS_129", "RDS.9"),
    settled=(
        Settled(
            controls=("CKV_AWS_129",),
            how="Stricter: both of PostgreSQL's log types, as RDS.9 asks, where Checkov accepts any one export.",
        ),
        Settled(
            controls=("RDS.9",),
            how="Read replicas are exempt: RDS would create their log groups without retention, and the primary's log records every write.",
        ),
    ),
)
MINOR_UPGRADES = Spec(
    name="rds-auto-minor-version-upgrade",
    description="Databases take minor engine upgrades automatically.",
    severity=Severity.MEDIUM,
    remediation="Set autoMinorVersionUpgrade to true.",
    references=("D10", "CKV_AWS_226", "RDS.13"),
    settled=(
        Settled(
            controls=("CKV_AWS_226",),
            how="An unset autoMinorVersionUpgrade passes: RDS's default is true, where Checkov fails a missing value.",
        ),
    ),
)
MULTI_AZ = Spec(
    name="rds-multi-az",
    description="The primary database has a standby in a second AZ from release v1.5.",
    severity=Severity.HIGH,
    remediation="Set multiAz to true on the database (tierup:data.multiAz).",
    references=("D6", "CKV_AWS_157", "RDS.5"),
    settled=(
        Settled(
            controls=("CKV_AWS_157", "RDS.5"),
            how="Read replicas are exempt: a replica is already a second copy of the primary, and a Multi-AZ replica would double its cost.",
        ),
    ),
    level=when(lambda rails: rails.multi_az_database),
    quiet_reason="a single-AZ database is the release's design",
)
BACKUPS = Spec(
    name="rds-backup-retention",
    description=(
        "Automated backups of the primary RDS instance or Aurora cluster are kept at least as long as the release requires "
        f"({per_release(lambda p: f'{p.limits.min_backup_days} d')}) and at most RDS's 35 days."
    ),
    severity=Severity.HIGH,
    remediation="Set backupRetentionPeriod between the release's minimum and 35 days (tierup:data.backupRetentionDays).",
    references=("D4", "CKV_AWS_133", "AVD-AWS-0077", "RDS.11"),
    settled=(
        Settled(
            controls=("CKV_AWS_133", "AVD-AWS-0077"),
            how=(
                f"Stricter: {FEWEST_BACKUP_DAYS} days at least, as RDS.11 asks by default (Checkov accepts 1 day, Trivy 2), "
                "and an unset period fails instead of taking RDS's default of 1 day."
            ),
        ),
        Settled(
            controls=("CKV_AWS_133",),
            how="A read replica may keep 0 days, as RDS.11 and AVD-AWS-0077 allow: its primary holds the backups.",
        ),
    ),
)
DELETION_PROTECTION = Spec(
    name="rds-deletion-protection",
    description=(
        "Primary databases (an RDS instance, an Aurora cluster) have deletion protection; mandatory from release v1.5, advice before "
        "(a replica or a global database's secondary holds no data of its own)."
    ),
    severity=Severity.HIGH,
    remediation="Set tierup:data.protect to true: deletion protection and Pulumi protect on the primary.",
    references=("D5", "CKV_AWS_293", "AVD-AWS-0177", "RDS.8"),
    settled=(
        Settled(
            controls=("CKV_AWS_293", "AVD-AWS-0177", "RDS.8"),
            how="Read replicas are exempt, so the stack can scale them down; before v1.5 it is advice, so a throwaway stack can be destroyed.",
        ),
    ),
    level=when(lambda rails: rails.protect_database, Level.ADVISORY),
)
PROTECT = Spec(
    name="rds-pulumi-protect",
    description=(
        "From release v1.5 Pulumi refuses any update that would delete or replace a primary database, RDS instance or Aurora cluster "
        "(a replica is rebuilt from it)."
    ),
    severity=Severity.HIGH,
    remediation="Set the protect resource option on the database (tierup:data.protect).",
    references=("D5", "pulumi-protect"),
    level=when(lambda rails: rails.protect_database),
    quiet_reason="the release does not promise protected data",
)
IAM_AUTHENTICATION = Spec(
    name="rds-iam-authentication",
    description="Aurora clusters accept IAM database authentication, so the app can connect with short-lived tokens of its task role.",
    severity=Severity.MEDIUM,
    remediation="Set iamDatabaseAuthenticationEnabled to true on the cluster (components.aurora_cluster).",
    references=("D11", "CKV_AWS_162", "AwsSolutions-RDS6", "RDS.12"),
    settled=(
        Settled(
            controls=("D11", "CKV_AWS_162", "RDS.12"),
            how="Aurora clusters only: the RDS instances of v1.0-v2.0 keep password authentication, which RDS Proxy and the "
            "generated secret already cover; v3.0's Aurora turns IAM authentication on.",
        ),
    ),
)
INSTANCE_CLASS = Spec(
    name="rds-instance-class-allowed",
    description="Databases use an instance class the release allows.",
    severity=Severity.MEDIUM,
    remediation="Choose one of the release's instance classes, or move the stack up a release.",
    references=("release-ladder", "cost"),
)
PROXY_TLS = Spec(
    name="rds-proxy-require-tls",
    description="RDS proxies require TLS and authenticate with Secrets Manager secrets.",
    severity=Severity.HIGH,
    remediation="Set requireTls to true and give every auth the SECRETS scheme with a secretArn.",
    references=("D17",),
)
INGRESS_FROM_APP = Spec(
    name="data-ingress-only-from-app",
    description="Database, proxy and cache security groups admit only the app's security group (or the proxy's), never a CIDR.",
    severity=Severity.CRITICAL,
    remediation="Replace the rule with one that references the app's security group.",
    references=("N7", "AwsSolutions-RDS8"),
    settled=(
        Settled(
            controls=("AwsSolutions-RDS8",),
            how="Stricter: no CIDR at all, only the app's (or the proxy's) security group, where cdk-nag refuses 0.0.0.0/0 alone.",
        ),
    ),
)


def is_replica(props: Props) -> bool:
    """A read replica of an RDS instance, an Aurora read replica of one (the move to Aurora), or
    a global database's secondary cluster: each is rebuilt from its primary."""
    return replica_source(DB_INSTANCE, props) is not None or replica_source(AURORA_CLUSTER, props) is not None


def _not_public_violations(props: Props, _: Guardrails) -> Iterable[str]:
    if truthy(props, "publiclyAccessible"):
        yield "Set publiclyAccessible to false."


def _encryption_violations(props: Props, _: Guardrails) -> Iterable[str]:
    # A replica inherits the primary's encryption; for a primary the AWS default is unencrypted.
    if not truthy(props, "storageEncrypted", default=is_replica(props)):
        yield "Set storageEncrypted to true."


def _force_ssl_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for instance in of_type(resources, *DATABASES):
        key, group_type = PARAMETER_GROUP_INPUTS[instance.resource_type]
        groups = [dep for dep in depends_on(instance, key) if dep.resource_type == group_type]
        if not groups:
            yield "Give the database a parameter group of the stack's with rds.force_ssl set to 1.", instance.urn
        for group in groups:
            values = {p.get("name"): str(p.get("value")) for p in as_list(group.props.get("parameters")) if isinstance(p, Mapping)}
            if values.get("rds.force_ssl") != "1":
                yield "Set rds.force_ssl to 1 in the database's parameter group.", group.urn


def _generated_password_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for instance in of_type(resources, DB_INSTANCE):
        if is_replica(instance.props):
            continue
        if truthy(instance.props, "manageMasterUserPassword"):
            # RDS User Guide, "Limitations for Secrets Manager integration"; ECS reads secrets at task start.
            yield (
                "Remove manageMasterUserPassword: RDS refuses a read replica of an instance whose password it manages, "
                "and rotates it every 7 days under tasks that read it only at start.",
                instance.urn,
            )
        elif not any(dep.resource_type == RANDOM_PASSWORD for dep in depends_on(instance, "password")):
            yield "Set password from a random.RandomPassword kept in the stack's secret, never from a literal or config.", instance.urn


def _log_export_violations(props: Props, _: Guardrails) -> Iterable[str]:
    if is_replica(props):
        return
    exported = as_list(props.get("enabledCloudwatchLogsExports"))
    for log_type in POSTGRESQL_LOG_TYPES:
        if log_type not in exported:
            yield f'Add "{log_type}" to enabledCloudwatchLogsExports.'


def _minor_upgrade_violations(props: Props, _: Guardrails) -> Iterable[str]:
    if not truthy(props, "autoMinorVersionUpgrade", default=True):
        yield "Set autoMinorVersionUpgrade to true."


def _multi_az_violations(props: Props, rails: Guardrails) -> Iterable[str]:
    if not is_replica(props) and not truthy(props, "multiAz"):
        yield f"Set multiAz to true on the database from release {rails.release.value}."


def _backup_violations(props: Props, rails: Guardrails) -> Iterable[str]:
    days = props.get("backupRetentionPeriod")
    if not is_replica(props) and (days is None or number(days) < rails.min_backup_days):
        shown = "unset" if days is None else f"{number(days):g}"
        yield f"Keep backups at least {rails.min_backup_days} day(s) (backupRetentionPeriod is {shown})."
    elif days is not None and number(days) > MAX_BACKUP_DAYS:
        # RDS refuses the request at apply time (CKV_AWS_133 fails it too); say so at preview.
        yield f"Keep backups at most {MAX_BACKUP_DAYS} days, RDS's maximum (backupRetentionPeriod is {number(days):g})."


def _deletion_protection_violations(props: Props, rails: Guardrails) -> Iterable[str]:
    if is_replica(props) or truthy(props, "deletionProtection"):
        return
    if rails.protect_database:
        yield "Set deletionProtection to true."
    else:
        yield "Set tierup:data.protect to true once the database holds data you must keep; until then `pulumi destroy` deletes it after a final snapshot."


def _protect_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for instance in of_type(resources, *DATABASES):
        if not instance.opts.protect and not is_replica(instance.props):
            yield "Set the protect resource option on the database (tierup:data.protect true).", instance.urn


def _iam_authentication_violations(props: Props, _: Guardrails) -> Iterable[str]:
    if not truthy(props, "iamDatabaseAuthenticationEnabled"):
        yield "Set iamDatabaseAuthenticationEnabled to true on the Aurora cluster."


def _instance_class_violations(props: Props, rails: Guardrails) -> Iterable[str]:
    instance_class = props.get("instanceClass")
    if instance_class not in rails.allowed_instance_classes:
        yield f"Use one of {', '.join(rails.allowed_instance_classes)} in release {rails.release.value}, not {instance_class}."


def _proxy_tls_violations(props: Props, _: Guardrails) -> Iterable[str]:
    if not truthy(props, "requireTls"):
        yield "Set requireTls to true on the proxy."
    for auth in as_list(props.get("auths")):
        # Present is enough: the secret's ARN is unknown until it exists (a first preview).
        if not isinstance(auth, Mapping) or auth.get("authScheme") != "SECRETS" or not has_key(auth, "secretArn"):
            yield "Authenticate the proxy with a Secrets Manager secret (authScheme SECRETS and a secretArn)."


def _data_groups(resources: Sequence[PolicyResource]) -> set[str]:
    keys = {DB_INSTANCE: "vpcSecurityGroupIds", AURORA_CLUSTER: "vpcSecurityGroupIds", DB_PROXY: "vpcSecurityGroupIds", REPLICATION_GROUP: "securityGroupIds"}
    return {dep.urn for resource in of_type(resources, *keys) for dep in depends_on(resource, keys[resource.resource_type])}


def _ingress_from_app_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    data_groups = _data_groups(resources)
    app_groups = {dep.urn for service in of_type(resources, ECS_SERVICE) for dep in depends_on(service, "networkConfiguration")}
    proxy_groups = {dep.urn for proxy in of_type(resources, DB_PROXY) for dep in depends_on(proxy, "vpcSecurityGroupIds")}
    for group in of_type(resources, SECURITY_GROUP):
        if group.urn in data_groups and as_list(group.props.get("ingress")):
            yield "Replace the group's inline ingress with rules that reference the app's security group.", group.urn
    for rule in of_type(resources, SG_INGRESS_RULE, SG_RULE):
        owners = {dep.urn for dep in depends_on(rule, "securityGroupId")}
        if not owners & data_groups or rule.props.get("type") == "egress":
            continue
        sources = {dep.urn for dep in depends_on(rule, "referencedSecurityGroupId") + depends_on(rule, "sourceSecurityGroupId")}
        cidrs = [rule.props.get("cidrIpv4"), rule.props.get("cidrIpv6"), *as_list(rule.props.get("cidrBlocks"))]
        if any(cidrs) or not sources or not sources <= app_groups | proxy_groups:
            yield "Admit only the app's security group (a security-group reference, never a CIDR).", rule.urn


def policies(source: RailsSource) -> list[Policy]:
    instance = (DB_INSTANCE,)
    return [
        resource_policy(NOT_PUBLIC, (DB_INSTANCE, CLUSTER_INSTANCE), _not_public_violations, source),
        resource_policy(ENCRYPTED, DATABASES, _encryption_violations, source),
        stack_policy(FORCE_SSL, _force_ssl_violations, source),
        stack_policy(GENERATED_PASSWORD, _generated_password_violations, source),
        resource_policy(LOG_EXPORTS, instance, _log_export_violations, source),
        resource_policy(MINOR_UPGRADES, instance, _minor_upgrade_violations, source),
        resource_policy(MULTI_AZ, instance, _multi_az_violations, source),
        resource_policy(BACKUPS, DATABASES, _backup_violations, source),
        resource_policy(DELETION_PROTECTION, DATABASES, _deletion_protection_violations, source),
        stack_policy(PROTECT, _protect_violations, source),
        resource_policy(IAM_AUTHENTICATION, (AURORA_CLUSTER,), _iam_authentication_violations, source),
        resource_policy(INSTANCE_CLASS, instance, _instance_class_violations, source),
        resource_policy(PROXY_TLS, (DB_PROXY,), _proxy_tls_violations, source),
        stack_policy(INGRESS_FROM_APP, _ingress_from_app_violations, source),
    ]
