"""Disaster-recovery guardrails (v3.0): a recovery region holding a replica of the data,
health-checked Route 53 failover to it, cross-region copies encrypted with keys of the region
they land in, and none of it below v3.0 (cost).

A resource's region is its aws provider's `region` (base.region_of): the recovery region's
resources are registered with an explicit second provider, everything else with the default
one, in the stack's region (aws:region)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pulumi_policy import Policy, PolicyResource, Severity

from tierup_guardrails.base import (
    AWS_PROVIDER,
    RailsSource,
    Settled,
    Spec,
    as_list,
    depends_on,
    of_type,
    region_of,
    stack_policy,
    truthy,
    when,
)
from tierup_guardrails.buckets import BUCKET, ENCRYPTION, settings_of
from tierup_guardrails.compute import LOAD_BALANCERS
from tierup_guardrails.data_holders import AURORA_CLUSTER, replica_source
from tierup_guardrails.literal_inputs import UNREADABLE, literal
from tierup_guardrails.modes import DataMigration
from tierup_guardrails.settings.guardrails import Guardrails

GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
RECORD = "aws:route53/record:Record"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
KMS_KEY = "aws:kms/key:Key"
SECRET = "aws:secretsmanager/secret:Secret"
# Route 53 health checks that request the endpoint over HTTP(S), as a load balancer answers it
# (Route 53 Developer Guide, "Values that you specify when you create or update health checks").
HTTP_CHECK_TYPES = ("HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH")
RECOVERY_COST = "about $150/month for the recovery region"

RECOVERY_REPLICA = Spec(
    name="dr-recovery-region-holds-replica",
    description=(
        "From release v3.0 a recovery region (tierup:dr.region) holds a replica of the data: resources on a second aws provider in "
        "another region than the stack's, and there a secondary Aurora cluster joined to a global database whose source is the primary cluster."
    ),
    severity=Severity.HIGH,
    remediation=(
        "Set tierup:dr.enabled true with tierup:dr.region, and build the recovery region with its own aws provider: an aws.rds.GlobalCluster "
        "sourced from the primary cluster's ARN and a secondary cluster there with globalClusterIdentifier from it."
    ),
    references=("release-ladder", "issue-15"),
    level=when(lambda rails: rails.disaster_recovery and rails.data_migration is not DataMigration.REPLICATING),
    quiet_reason=lambda rails: (
        "tierup:data.migration is replicating: the Aurora cluster is a read replica of the RDS instance, which cannot be a global database's "
        "primary until it is promoted"
        if rails.disaster_recovery
        else "the release keeps no recovery region"
    ),
)
FAILOVER_HEALTH_CHECKED = Spec(
    name="route53-failover-health-checked",
    description=(
        "From release v3.0 the app's name fails over: a PRIMARY failover record carries the healthCheckId of a Route 53 health check "
        "of the stack that requests the primary over HTTP(S), a SECONDARY record of the same name exists, and its alias is a load "
        "balancer of the recovery region."
    ),
    severity=Severity.HIGH,
    remediation=(
        "Build the failover with components.failover_tier: an HTTP(S) health check on the primary's load balancer, a PRIMARY alias record "
        "with its healthCheckId, and a SECONDARY alias record of the same name to the load balancer built with the recovery region's provider."
    ),
    references=("release-ladder", "issue-15"),
    level=when(lambda rails: rails.disaster_recovery),
    quiet_reason="the release keeps no recovery region to fail over to",
)
CROSS_REGION_ENCRYPTED = Spec(
    name="dr-cross-region-copies-encrypted",
    description=(
        "Copies in another region are encrypted with a key of the region they land in: the secondary Aurora cluster's kmsKeyId is a "
        "KMS key created with that region's provider, bucket replicas land in buckets with default encryption (SSE-S3, or SSE-KMS with "
        "a replica key of the destination's region), and secret replicas go to the recovery region with no key of another region."
    ),
    severity=Severity.HIGH,
    remediation=(
        "Give the secondary cluster kmsKeyId from an aws.kms.Key built with the recovery region's provider; replicate buckets into "
        "components.private_bucket buckets there (SSE-S3); replicate secrets to tierup:dr.region with AWS's key or a key of that region."
    ),
    references=("issue-15", "CKV_AWS_327"),
    settled=(
        Settled(
            controls=("CKV_AWS_327",),
            how="A customer managed key is required for the secondary cluster only, where AWS requires one of its region; buckets and "
            "secrets may use AWS's key of the destination region (SSE-S3, aws/secretsmanager), which costs nothing.",
        ),
    ),
    level=when(lambda rails: rails.disaster_recovery),
    quiet_reason="the release makes no cross-region copies",
)
NOT_BEFORE_V3 = Spec(
    name="dr-not-before-v3",
    description=(
        "Below release v3.0 the stack stays in one region: no second-region aws provider, no Aurora global database, no Route 53 "
        f"health check, no bucket replication and no secret replica ({RECOVERY_COST})."
    ),
    severity=Severity.MEDIUM,
    remediation="Set tierup:dr.enabled false (it is only allowed at v3.0), or move the stack up to tierup:release v3.0.",
    references=("release-ladder", "cost"),
    level=when(lambda rails: not rails.disaster_recovery),
    quiet_reason="the release keeps a recovery region",
)


def _is_primary_cluster(cluster: PolicyResource, stack_region: str) -> bool:
    return region_of(cluster, stack_region) == stack_region and replica_source(AURORA_CLUSTER, cluster.props) is None


def _recovery_replica_violations(resources: Sequence[PolicyResource], rails: Guardrails) -> Iterable[tuple[str, str | None]]:
    home = rails.region
    recovery = rails.recovery_region
    if recovery is None:
        yield f"Set tierup:dr.enabled true: release {rails.release.value} keeps a replica of the data in a recovery region.", None
        return
    providers = of_type(resources, AWS_PROVIDER)
    for provider in providers:
        region = region_of(provider, home)
        if region not in (home, recovery):
            yield f"Set the region of provider {provider.name} to the recovery region {recovery} (it is {region}).", provider.urn
    if not any(region_of(provider, home) == recovery for provider in providers):
        yield f"Add an aws provider for the recovery region {recovery} and build the recovery region's resources with it.", None
    clusters = of_type(resources, AURORA_CLUSTER)
    primaries = [c for c in clusters if _is_primary_cluster(c, home)]
    if not primaries:
        yield f"Add the primary Aurora cluster in {home} (tierup:data.engine aurora-postgresql): the recovery region replicates it.", None
        return
    primary_urns = {c.urn for c in primaries}
    globals_ = [g for g in of_type(resources, GLOBAL_CLUSTER) if {d.urn for d in depends_on(g, "sourceDbClusterIdentifier")} & primary_urns]
    if not globals_:
        yield (
            f"Add an aws.rds.GlobalCluster whose sourceDbClusterIdentifier is {primaries[0].name}'s ARN: the recovery region's secondary joins it.",
            primaries[0].urn,
        )
        return
    global_urns = {g.urn for g in globals_}
    secondaries = [c for c in clusters if region_of(c, home) == recovery and {d.urn for d in depends_on(c, "globalClusterIdentifier")} & global_urns]
    if not secondaries:
        yield (
            f"Add a secondary Aurora cluster in {recovery}, built with its provider, with globalClusterIdentifier from {globals_[0].name}.",
            globals_[0].urn,
        )


def _failover_type(record: PolicyResource) -> str | None:
    for policy in as_list(literal(record.props, "failoverRoutingPolicies")):
        if isinstance(policy, Mapping):
            return str(policy.get("type"))
    return None


def _record_key(record: PolicyResource) -> tuple[str, str]:
    return str(literal(record.props, "name")), str(literal(record.props, "type"))


def _failover_violations(resources: Sequence[PolicyResource], rails: Guardrails) -> Iterable[tuple[str, str | None]]:
    home = rails.region
    records = [r for r in of_type(resources, RECORD) if _failover_type(r) is not None]
    primaries = [r for r in records if _failover_type(r) == "PRIMARY"]
    secondaries = [r for r in records if _failover_type(r) == "SECONDARY"]
    if not primaries:
        yield "Add PRIMARY and SECONDARY failover records of tierup:dr.domain (components.failover_tier): nothing fails over to the recovery region.", None
    for record in primaries:
        checks = [d for d in depends_on(record, "healthCheckId") if d.resource_type == HEALTH_CHECK]
        if not checks:
            yield (
                f"Give the PRIMARY failover record {record.name} the healthCheckId of a Route 53 health check of the stack: without one it never fails over.",
                record.urn,
            )
        for check in checks:
            kind = literal(check.props, "type")
            if kind not in HTTP_CHECK_TYPES or not literal(check.props, "resourcePath"):
                yield f"Make {check.name} request the primary's load balancer over HTTP or HTTPS with a resourcePath (it is {kind}).", check.urn
        name, kind = _record_key(record)
        if not any(_record_key(s) == (name, kind) for s in secondaries):
            yield f"Add a SECONDARY failover record for {name} (type {kind}) to the recovery region's load balancer.", record.urn
    for record in secondaries:
        balancers = [d for d in depends_on(record, "aliases") if d.resource_type in LOAD_BALANCERS]
        if not balancers:
            yield f"Point the alias of the SECONDARY failover record {record.name} at the load balancer built with the recovery region's provider.", record.urn
        for balancer in balancers:
            if region_of(balancer, home) == home:
                yield (
                    f"Point the alias of the SECONDARY failover record {record.name} at the recovery region's load balancer: "
                    f"{balancer.name} is in the primary's region {home}.",
                    record.urn,
                )


def _names_key_of(value: object, region: str) -> bool:
    """A literal KMS key ARN of `region` (an alias or a key id cannot tell its region here)."""
    return isinstance(value, str) and value.startswith(f"arn:aws:kms:{region}:") and ":key/" in value


def _key_violations(owner: PolicyResource, what: str, region: str, keys: list[PolicyResource], value: object, home: str) -> Iterable[str]:
    """A copy in `region` encrypted with `keys` (the KMS keys its key input comes from) or the
    literal `value`: each key must be one of that region."""
    for key in keys:
        key_region = region_of(key, home)
        if key_region != region:
            yield f"Encrypt {what} with a KMS key of {region}: {key.name} is in {key_region}."
    if not keys and value is not UNREADABLE and value is not None and not _names_key_of(value, region):
        yield f"Encrypt {what} with a KMS key built with the {region} provider, not {value}."


def _secondary_cluster_violations(resources: Sequence[PolicyResource], home: str) -> Iterable[tuple[str, str | None]]:
    for cluster in of_type(resources, AURORA_CLUSTER):
        region = region_of(cluster, home)
        if region == home:
            continue
        if not truthy(cluster.props, "storageEncrypted"):
            yield f"Set storageEncrypted to true on {cluster.name}, the copy of the data in {region}.", cluster.urn
        keys = [d for d in depends_on(cluster, "kmsKeyId") if d.resource_type == KMS_KEY]
        value = literal(cluster.props, "kmsKeyId")
        if not keys and value is None:
            # Aurora User Guide, "Adding an AWS Region to an Amazon Aurora global database": a
            # secondary of an encrypted global database needs a KMS key of its own region
            # (RDS API Reference, CreateDBCluster, KmsKeyId: "must specify a KMS key that is
            # valid in the destination AWS Region").
            yield f"Set kmsKeyId on {cluster.name} to a KMS key built with the {region} provider: AWS needs a key valid in its own region.", cluster.urn
        for message in _key_violations(cluster, cluster.name, region, keys, value, home):
            yield message, cluster.urn


def _replication_violations(resources: Sequence[PolicyResource], home: str) -> Iterable[tuple[str, str | None]]:
    # S3 User Guide, "Replicating encrypted objects": SSE-S3 objects replicate as SSE-S3; SSE-KMS
    # objects replicate only with sseKmsEncryptedObjects and a replicaKmsKeyId, which must be a
    # key of the destination bucket's region. tierup's buckets use SSE-S3, so a destination
    # bucket with default encryption of its own is the decision; a replica key is checked when set.
    for config in of_type(resources, REPLICATION):
        destinations = [d for d in depends_on(config, "rules") if d.resource_type == BUCKET]
        keys = [d for d in depends_on(config, "rules") if d.resource_type == KMS_KEY]
        if not destinations:
            yield f"Replicate {config.name} into a bucket of the stack in the recovery region, whose encryption can be checked.", config.urn
        for bucket in destinations:
            region = region_of(bucket, home)
            if region == home:
                yield f"Replicate {config.name} into a bucket of the recovery region: {bucket.name} is in {home}, the source's region.", config.urn
            if not _default_encryption(resources, bucket):
                yield f"Give {bucket.name}, the replica bucket of {config.name}, default encryption (SSE-S3 or a KMS key of {region}).", bucket.urn
            for rule in as_list(literal(config.props, "rules")):
                if not isinstance(rule, Mapping):
                    continue
                yield from ((m, config.urn) for m in _rule_key_violations(config, rule, region, keys, home))


def _rule_key_violations(config: PolicyResource, rule: Mapping[str, object], region: str, keys: list[PolicyResource], home: str) -> Iterable[str]:
    destination = rule.get("destination")
    encryption = destination.get("encryptionConfiguration") if isinstance(destination, Mapping) else None
    replica_key = literal(encryption, "replicaKmsKeyId") if isinstance(encryption, Mapping) else None
    criteria = rule.get("sourceSelectionCriteria")
    sse_kms = criteria.get("sseKmsEncryptedObjects") if isinstance(criteria, Mapping) else None
    if isinstance(sse_kms, Mapping) and sse_kms.get("status") == "Enabled" and replica_key is None:
        rule_id = rule.get("id")
        yield f"Set encryptionConfiguration.replicaKmsKeyId on rule {rule_id} of {config.name} to a KMS key of {region}: S3 re-encrypts SSE-KMS replicas."
    if replica_key is not None:
        yield from _key_violations(config, f"the replicas of rule {rule.get('id')} of {config.name}", region, keys, replica_key, home)


def _default_encryption(resources: Sequence[PolicyResource], bucket: PolicyResource) -> bool:
    for setting in settings_of(resources, bucket, ENCRYPTION):
        for rule in as_list(setting.props.get("rules")):
            default = rule.get("applyServerSideEncryptionByDefault") if isinstance(rule, Mapping) else None
            if isinstance(default, Mapping) and default.get("sseAlgorithm") in ("AES256", "aws:kms", "aws:kms:dsse"):
                return True
    return False


def _secret_violations(resources: Sequence[PolicyResource], home: str, recovery: str | None) -> Iterable[tuple[str, str | None]]:
    for secret in of_type(resources, SECRET):
        keys = [d for d in depends_on(secret, "replicas") if d.resource_type == KMS_KEY]
        for replica in as_list(literal(secret.props, "replicas")):
            if not isinstance(replica, Mapping):
                continue
            region = str(replica.get("region"))
            if recovery is not None and region != recovery:
                yield f"Replicate {secret.name} to the recovery region {recovery}, not {region}.", secret.urn
            # A key id or alias is looked up in the replica's region (Secrets Manager User Guide,
            # "Replicate an AWS Secrets Manager secret to other AWS Regions"); an ARN names its own.
            value = literal(replica, "kmsKeyId")
            if isinstance(value, str) and not value.startswith("arn:"):
                continue
            for message in _key_violations(secret, f"{secret.name}'s replica in {region}", region, keys, value, home):
                yield message, secret.urn


def _cross_region_violations(resources: Sequence[PolicyResource], rails: Guardrails) -> Iterable[tuple[str, str | None]]:
    yield from _secondary_cluster_violations(resources, rails.region)
    yield from _replication_violations(resources, rails.region)
    yield from _secret_violations(resources, rails.region, rails.recovery_region)


def _not_before_v3_violations(resources: Sequence[PolicyResource], rails: Guardrails) -> Iterable[tuple[str, str | None]]:
    home = rails.region
    found: list[tuple[PolicyResource, str]] = []
    for provider in of_type(resources, AWS_PROVIDER):
        region = region_of(provider, home)
        if region != home:
            found.append((provider, f"an aws provider for a second region ({region})"))
    found += [(g, "an Aurora global database") for g in of_type(resources, GLOBAL_CLUSTER)]
    found += [(h, "a Route 53 health check") for h in of_type(resources, HEALTH_CHECK)]
    found += [(c, "cross-region bucket replication") for c in of_type(resources, REPLICATION)]
    found += [(s, "a secret replicated to another region") for s in of_type(resources, SECRET) if as_list(literal(s.props, "replicas"))]
    for resource, what in found:
        yield (
            f"Remove {resource.name}: {what} belongs to release v3.0 ({RECOVERY_COST}); release {rails.release.value} keeps one region.",
            resource.urn,
        )


def policies(source: RailsSource) -> list[Policy]:
    return [
        stack_policy(RECOVERY_REPLICA, _recovery_replica_violations, source),
        stack_policy(FAILOVER_HEALTH_CHECKED, _failover_violations, source),
        stack_policy(CROSS_REGION_ENCRYPTED, _cross_region_violations, source),
        stack_policy(NOT_BEFORE_V3, _not_before_v3_violations, source),
    ]
