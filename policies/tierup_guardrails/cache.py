"""Cache guardrails: ElastiCache only from v2.0, and then encrypted, authenticated, failing over."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import Policy, Severity

from tierup_guardrails.base import Level, Props, RailsSource, Settled, Spec, as_list, number, resource_policy, truthy
from tierup_guardrails.settings.guardrails import Guardrails

REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_TYPES = (REPLICATION_GROUP, "aws:elasticache/cluster:Cluster", "aws:elasticache/serverlessCache:ServerlessCache")

NOT_BEFORE_RELEASE = Spec(
    name="elasticache-not-before-v2",
    description="No ElastiCache before release v2.0: until then PostgreSQL is the cache.",
    severity=Severity.MEDIUM,
    remediation="Set tierup:cache.mode to postgres, or move the stack to release v2.0.",
    references=("release-ladder", "cost"),
    level=lambda rails: Level.QUIET if rails.elasticache_allowed else Level.MANDATORY,
    quiet_reason="the release includes ElastiCache",
)
ENCRYPTION = Spec(
    name="elasticache-encryption",
    description="Cache data is encrypted at rest and in transit, and the cache refuses unencrypted connections.",
    severity=Severity.HIGH,
    remediation="Set atRestEncryptionEnabled and transitEncryptionEnabled to true, with transitEncryptionMode required (its default).",
    references=("E1", "E2", "CKV_AWS_29", "CKV_AWS_30", "AVD-AWS-0045", "AVD-AWS-0051", "ElastiCache.4", "ElastiCache.5"),
    settled=(
        Settled(
            controls=("CKV_AWS_30", "AVD-AWS-0051", "ElastiCache.5"),
            how="Stricter: transitEncryptionMode preferred fails too, since it still accepts plaintext connections (it is for migrating clients).",
        ),
    ),
)
AUTH = Spec(
    name="elasticache-auth",
    description="Cache clients authenticate with an AUTH token or an RBAC user group, over TLS (ElastiCache takes neither without it).",
    severity=Severity.HIGH,
    remediation="Set authToken from a generated secret, or userGroupIds, and transitEncryptionEnabled to true.",
    references=("E3", "CKV_AWS_31", "AwsSolutions-AEC6"),
    settled=(
        Settled(
            controls=("AwsSolutions-AEC6",),
            how="An RBAC user group is accepted as well as an AUTH token, as CKV_AWS_31 accepts it; cdk-nag's rule predates RBAC.",
        ),
    ),
)
FAILOVER = Spec(
    name="elasticache-failover",
    description="A cache of two or more nodes fails over automatically across AZs.",
    severity=Severity.MEDIUM,
    remediation="Set automaticFailoverEnabled and multiAzEnabled to true.",
    references=("E4", "CKV2_AWS_50", "ElastiCache.3"),
    settled=(
        Settled(
            controls=("CKV2_AWS_50", "ElastiCache.3"),
            how="A single-node group is exempt, since it has no replica to fail over to (ElastiCache refuses the flag); "
            "from two nodes multiAzEnabled is required too.",
        ),
    ),
)


def _release_violations(_props: Props, rails: Guardrails) -> Iterable[str]:
    yield f"Remove the ElastiCache resource: release {rails.release.value} caches in PostgreSQL (tierup:cache.mode postgres)."


def _encryption_violations(props: Props, _: Guardrails) -> Iterable[str]:
    if not truthy(props, "atRestEncryptionEnabled"):
        yield "Set atRestEncryptionEnabled to true."
    if not truthy(props, "transitEncryptionEnabled"):
        yield "Set transitEncryptionEnabled to true."
    elif props.get("transitEncryptionMode") == "preferred":
        # ElastiCache User Guide, "Enabling in-transit encryption": preferred accepts encrypted and
        # unencrypted connections while clients migrate; required accepts TLS only.
        yield "Set transitEncryptionMode to required: preferred still accepts unencrypted connections."


def _auth_violations(props: Props, _: Guardrails) -> Iterable[str]:
    if props.get("authToken") is None and not as_list(props.get("userGroupIds")):
        yield "Set authToken (generated, kept in Secrets Manager) or userGroupIds."
    elif not truthy(props, "transitEncryptionEnabled"):
        # ElastiCache takes an AUTH token or an RBAC user group only with in-transit encryption
        # (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html: "AUTH can only be
        # enabled for encryption in-transit enabled" clusters; RBAC likewise, see
        # https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html), so AWS
        # refuses the group at apply time: say so at preview, before a password crosses in clear.
        yield "Set transitEncryptionEnabled to true: clients authenticate only over TLS."


def _failover_violations(props: Props, _: Guardrails) -> Iterable[str]:
    nodes = props.get("numCacheClusters")
    if nodes is not None and number(nodes) >= 2:
        if not truthy(props, "automaticFailoverEnabled"):
            yield "Set automaticFailoverEnabled to true."
        if not truthy(props, "multiAzEnabled"):
            yield "Set multiAzEnabled to true."


def policies(source: RailsSource) -> list[Policy]:
    return [
        resource_policy(NOT_BEFORE_RELEASE, CACHE_TYPES, _release_violations, source),
        resource_policy(ENCRYPTION, (REPLICATION_GROUP,), _encryption_violations, source),
        resource_policy(AUTH, (REPLICATION_GROUP,), _auth_violations, source),
        resource_policy(FAILOVER, (REPLICATION_GROUP,), _failover_violations, source),
    ]
