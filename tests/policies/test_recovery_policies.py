"""The v3.0 recovery guardrails and the RDS rules on Aurora clusters, on hand-built resources that
carry their provider (the recovery region's resources are on a second aws provider)."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import PolicyCustomTimeouts, PolicyProviderResource, PolicyResource, PolicyResourceOptions
from pulumi_policy.proxy import unknown_checking_proxy

from tests.policies.harness import check_resource, check_stack, rails
from tierup.synth.graph import Resource, ResourceOptions
from tierup_guardrails.base import region_of
from tierup_guardrails.settings.guardrails import Guardrails

HOME, RECOVERY = "us-east-1", "us-west-2"
DOMAIN = "api.example.com"
CLUSTER = "aws:rds/cluster:Cluster"


def v3(**sections: object) -> Guardrails:
    return rails("v3.0", dr={"domain": DOMAIN}, **sections)


def urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:prod::tierup::{type_token}::{name}"


DR_PROVIDER = PolicyProviderResource("pulumi:providers:aws", {"region": RECOVERY}, urn("pulumi:providers:aws", "recovery-region"), "recovery-region")
HOME_PROVIDER = PolicyProviderResource("pulumi:providers:aws", {"region": HOME}, urn("pulumi:providers:aws", "default_7_0_0"), "default_7_0_0")


def resource(
    type_token: str,
    name: str,
    props: dict[str, Any] | None = None,
    *,
    provider: PolicyProviderResource | None = None,
    deps: dict[str, list[PolicyResource]] | None = None,
    protect: bool = False,
) -> PolicyResource:
    options = PolicyResourceOptions(
        protect=protect,
        ignore_changes=[],
        delete_before_replace=False,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
    )
    found = deps or {}
    dependencies = [d for ds in found.values() for d in ds]
    return PolicyResource(type_token, unknown_checking_proxy(props or {}), urn(type_token, name), name, options, provider, None, dependencies, dict(found))


def stack(
    *,
    secondary_key_provider: PolicyProviderResource | None = DR_PROVIDER,
    secondary_alb_provider: PolicyProviderResource | None = DR_PROVIDER,
    health_checked: bool = True,
    with_secondary_record: bool = True,
    with_secondary_cluster: bool = True,
    replica_encrypted: bool = True,
    secret_replica: dict[str, Any] | None = None,
    dr_region: str = RECOVERY,
) -> list[PolicyResource]:
    """A v3.0 graph's recovery-relevant resources, compliant unless told otherwise."""
    dr = PolicyProviderResource("pulumi:providers:aws", {"region": dr_region}, DR_PROVIDER.urn, DR_PROVIDER.name)
    provider = resource("pulumi:providers:aws", "recovery-region", {"region": dr_region})
    primary = resource(
        CLUSTER,
        "data-aurora",
        {"engine": "aurora-postgresql", "masterUsername": "app", "storageEncrypted": True, "iamDatabaseAuthenticationEnabled": True,
         "backupRetentionPeriod": 30, "deletionProtection": True},
        protect=True,
    )  # fmt: skip
    global_cluster = resource("aws:rds/globalCluster:GlobalCluster", "data-global", {"forceDestroy": True}, deps={"sourceDbClusterIdentifier": [primary]})
    key = resource("aws:kms/key:Key", "recovery-db-key", {"enableKeyRotation": True}, provider=secondary_key_provider and dr)
    key_region = RECOVERY if secondary_key_provider else HOME
    secondary = resource(
        CLUSTER,
        "recovery-aurora",
        {"engine": "aurora-postgresql", "globalClusterIdentifier": "tierup-prod", "storageEncrypted": True,
         "kmsKeyId": f"arn:aws:kms:{key_region}:123456789012:key/abc", "iamDatabaseAuthenticationEnabled": True},
        provider=dr,
        deps={"globalClusterIdentifier": [global_cluster], "kmsKeyId": [key]},
    )  # fmt: skip
    primary_alb = resource("aws:lb/loadBalancer:LoadBalancer", "compute-lb-alb", {"internal": False})
    recovery_alb = resource("aws:lb/loadBalancer:LoadBalancer", "recovery-lb-alb", {"internal": False}, provider=secondary_alb_provider and dr)
    health = resource(
        "aws:route53/healthCheck:HealthCheck", "failover-primary-health", {"type": "HTTP", "fqdn": "alb.example", "resourcePath": "/", "failureThreshold": 3}
    )
    primary_record = resource(
        "aws:route53/record:Record",
        "failover-primary",
        {"name": DOMAIN, "type": "A", "setIdentifier": "primary", "failoverRoutingPolicies": [{"type": "PRIMARY"}],
         **({"healthCheckId": "hc-1"} if health_checked else {})},
        deps={"aliases": [primary_alb], **({"healthCheckId": [health]} if health_checked else {})},
    )  # fmt: skip
    secondary_record = resource(
        "aws:route53/record:Record",
        "failover-recovery",
        {"name": DOMAIN, "type": "A", "setIdentifier": "recovery", "failoverRoutingPolicies": [{"type": "SECONDARY"}]},
        deps={"aliases": [recovery_alb]},
    )
    source = resource("aws:s3/bucket:Bucket", "storage-uploads")
    destination = resource("aws:s3/bucket:Bucket", "recovery-uploads", provider=dr)
    encryption = resource(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "recovery-uploads-encryption",
        {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}, "bucketKeyEnabled": True}]},
        provider=dr,
        deps={"bucket": [destination]},
    )
    replication = resource(
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        "replication-uploads",
        {"role": "arn:aws:iam::123456789012:role/r", "rules": [{"id": "to-recovery-region", "status": "Enabled",
         "destination": {"bucket": "arn:aws:s3:::recovery-uploads", "storageClass": "STANDARD"}}]},
        deps={"bucket": [source], "rules": [destination]},
    )  # fmt: skip
    secret = resource("aws:secretsmanager/secret:Secret", "data-credential", {"replicas": [secret_replica or {"region": RECOVERY}]})
    resources = [provider, primary, global_cluster, key, primary_alb, recovery_alb, health, primary_record, source, destination, replication, secret]
    resources += [secondary] if with_secondary_cluster else []
    resources += [secondary_record] if with_secondary_record else []
    resources += [encryption] if replica_encrypted else []
    return resources


def test_region_of_reads_the_provider_and_defaults_to_the_stack() -> None:
    assert region_of(resource(CLUSTER, "a"), HOME) == HOME
    assert region_of(resource(CLUSTER, "b", provider=DR_PROVIDER), HOME) == RECOVERY
    assert region_of(resource(CLUSTER, "c", provider=HOME_PROVIDER), HOME) == HOME
    assert region_of(resource("pulumi:providers:aws", "recovery-region", {"region": RECOVERY}), HOME) == RECOVERY


def test_v3_keeps_a_replica_of_the_data_in_the_recovery_region() -> None:
    assert check_stack("dr-recovery-region-holds-replica", v3(), stack()).messages == []
    assert check_stack("dr-recovery-region-holds-replica", v3(), stack(with_secondary_cluster=False)).messages == [
        f"data-global: Add a secondary Aurora cluster in {RECOVERY}, built with its provider, with globalClusterIdentifier from data-global."
    ]
    assert check_stack("dr-recovery-region-holds-replica", v3(), [r for r in stack() if r.name != "data-global"]).messages == [
        "data-aurora: Add an aws.rds.GlobalCluster whose sourceDbClusterIdentifier is data-aurora's ARN: the recovery region's secondary joins it."
    ]
    # Everything on the default provider: no second region, so no secondary there either.
    assert check_stack("dr-recovery-region-holds-replica", v3(), stack(dr_region=HOME)).messages == [
        f"(stack): Add an aws provider for the recovery region {RECOVERY} and build the recovery region's resources with it.",
        f"data-global: Add a secondary Aurora cluster in {RECOVERY}, built with its provider, with globalClusterIdentifier from data-global.",
    ]
    assert check_stack("dr-recovery-region-holds-replica", v3(), stack(dr_region="eu-west-1")).messages == [
        f"recovery-region: Set the region of provider recovery-region to the recovery region {RECOVERY} (it is eu-west-1).",
        f"(stack): Add an aws provider for the recovery region {RECOVERY} and build the recovery region's resources with it.",
        f"data-global: Add a secondary Aurora cluster in {RECOVERY}, built with its provider, with globalClusterIdentifier from data-global.",
    ]


def test_the_replica_rule_waits_while_aurora_replicates_rds() -> None:
    outcome = check_stack("dr-recovery-region-holds-replica", v3(data={"migration": "replicating"}), stack(with_secondary_cluster=False))
    assert outcome.not_applicable == (
        "tierup:data.migration is replicating: the Aurora cluster is a read replica of the RDS instance, which cannot be a global "
        "database's primary until it is promoted (release v3.0)"
    )
    assert check_stack("dr-recovery-region-holds-replica", rails("v2.0"), []).not_applicable == "the release keeps no recovery region (release v2.0)"


def test_failover_records_are_health_checked_and_fail_over_to_the_recovery_region() -> None:
    assert check_stack("route53-failover-health-checked", v3(), stack()).messages == []
    assert check_stack("route53-failover-health-checked", v3(), stack(health_checked=False)).messages == [
        "failover-primary: Give the PRIMARY failover record failover-primary the healthCheckId of a Route 53 health check of the stack: "
        "without one it never fails over."
    ]
    assert check_stack("route53-failover-health-checked", v3(), stack(with_secondary_record=False)).messages == [
        f"failover-primary: Add a SECONDARY failover record for {DOMAIN} (type A) to the recovery region's load balancer."
    ]
    assert check_stack("route53-failover-health-checked", v3(), stack(secondary_alb_provider=None)).messages == [
        "failover-recovery: Point the alias of the SECONDARY failover record failover-recovery at the recovery region's load balancer: "
        f"recovery-lb-alb is in the primary's region {HOME}."
    ]
    no_records = [r for r in stack() if r.resource_type != "aws:route53/record:Record"]
    assert check_stack("route53-failover-health-checked", v3(), no_records).messages == [
        "(stack): Add PRIMARY and SECONDARY failover records of tierup:dr.domain (components.failover_tier): nothing fails over to the recovery region."
    ]


def test_cross_region_copies_are_encrypted_with_a_key_of_their_region() -> None:
    assert check_stack("dr-cross-region-copies-encrypted", v3(), stack()).messages == []
    assert check_stack("dr-cross-region-copies-encrypted", v3(), stack(secondary_key_provider=None)).messages == [
        f"recovery-aurora: Encrypt recovery-aurora with a KMS key of {RECOVERY}: recovery-db-key is in {HOME}."
    ]
    assert check_stack("dr-cross-region-copies-encrypted", v3(), stack(replica_encrypted=False)).messages == [
        f"recovery-uploads: Give recovery-uploads, the replica bucket of replication-uploads, default encryption (SSE-S3 or a KMS key of {RECOVERY})."
    ]
    home_key = {"region": RECOVERY, "kmsKeyId": f"arn:aws:kms:{HOME}:123456789012:key/abc"}
    assert check_stack("dr-cross-region-copies-encrypted", v3(), stack(secret_replica=home_key)).messages == [
        f"data-credential: Encrypt data-credential's replica in {RECOVERY} with a KMS key built with the {RECOVERY} provider, not {home_key['kmsKeyId']}."
    ]
    # An alias or key id is looked up in the replica's own region.
    assert check_stack("dr-cross-region-copies-encrypted", v3(), stack(secret_replica={"region": RECOVERY, "kmsKeyId": "alias/app"})).messages == []
    assert check_stack("dr-cross-region-copies-encrypted", v3(), stack(secret_replica={"region": "eu-west-1"})).messages == [
        f"data-credential: Replicate data-credential to the recovery region {RECOVERY}, not eu-west-1."
    ]


def test_a_secondary_cluster_without_a_key_of_its_region_fails() -> None:
    aliased = resource(
        CLUSTER, "recovery-aurora", {"globalClusterIdentifier": "g", "storageEncrypted": True, "kmsKeyId": "alias/aws/rds"}, provider=DR_PROVIDER
    )
    assert check_stack("dr-cross-region-copies-encrypted", v3(), [aliased]).messages == [
        f"recovery-aurora: Encrypt recovery-aurora with a KMS key built with the {RECOVERY} provider, not alias/aws/rds."
    ]
    keyless = resource(CLUSTER, "recovery-aurora", {"globalClusterIdentifier": "g"}, provider=DR_PROVIDER)
    assert check_stack("dr-cross-region-copies-encrypted", v3(), [keyless]).messages == [
        f"recovery-aurora: Set storageEncrypted to true on recovery-aurora, the copy of the data in {RECOVERY}.",
        f"recovery-aurora: Set kmsKeyId on recovery-aurora to a KMS key built with the {RECOVERY} provider: AWS needs a key valid in its own region.",
    ]


@pytest.mark.parametrize("release", ["v1.0", "v1.5", "v2.0"])
def test_no_second_region_below_v3(release: str) -> None:
    assert check_stack("dr-not-before-v3", rails(release), [r for r in stack() if r.name in ("data-aurora", "compute-lb-alb")]).messages == []
    cost = f"belongs to release v3.0 (about $150/month for the recovery region); release {release} keeps one region."
    assert check_stack("dr-not-before-v3", rails(release), stack()).messages == [
        f"recovery-region: Remove recovery-region: an aws provider for a second region ({RECOVERY}) {cost}",
        f"data-global: Remove data-global: an Aurora global database {cost}",
        f"failover-primary-health: Remove failover-primary-health: a Route 53 health check {cost}",
        f"replication-uploads: Remove replication-uploads: cross-region bucket replication {cost}",
        f"data-credential: Remove data-credential: a secret replicated to another region {cost}",
    ]
    assert check_stack("dr-not-before-v3", v3(), stack()).not_applicable == "the release keeps a recovery region (release v3.0)"


def graph_cluster(inputs: dict[str, Any]) -> Resource:
    return Resource(
        urn=urn(CLUSTER, "data-aurora"),
        type=CLUSTER,
        name="data-aurora",
        parent=None,
        custom=True,
        id=None,
        inputs=inputs,
        outputs=inputs,
        options=ResourceOptions(protect=True),
        dependencies=(),
    )


AURORA = {
    "engine": "aurora-postgresql", "masterUsername": "app", "storageEncrypted": True, "iamDatabaseAuthenticationEnabled": True,
    "backupRetentionPeriod": 30, "deletionProtection": True,
}  # fmt: skip


def test_aurora_clusters_meet_the_rds_rules() -> None:
    cluster = graph_cluster(AURORA)
    for name in ("rds-iam-authentication", "rds-storage-encrypted", "rds-backup-retention", "rds-deletion-protection"):
        assert check_resource(name, v3(), cluster).messages == [], name
    assert check_resource("rds-iam-authentication", v3(), cluster, {**AURORA, "iamDatabaseAuthenticationEnabled": False}).messages == [
        "Set iamDatabaseAuthenticationEnabled to true on the Aurora cluster."
    ]
    assert check_resource("rds-storage-encrypted", v3(), cluster, {**AURORA, "storageEncrypted": False}).messages == ["Set storageEncrypted to true."]
    assert check_resource("rds-backup-retention", v3(), cluster, {**AURORA, "backupRetentionPeriod": 7}).messages == [
        "Keep backups at least 30 day(s) (backupRetentionPeriod is 7)."
    ]
    assert check_resource("rds-deletion-protection", v3(), cluster, {**AURORA, "deletionProtection": False}).messages == ["Set deletionProtection to true."]
    # A global database's secondary (no master user) holds the primary's data: its backups are the primary's.
    secondary = {"engine": "aurora-postgresql", "globalClusterIdentifier": "g", "storageEncrypted": True, "iamDatabaseAuthenticationEnabled": True}
    assert check_resource("rds-backup-retention", v3(), cluster, secondary).messages == []
    assert check_resource("rds-deletion-protection", v3(), cluster, secondary).messages == []


def test_the_primary_cluster_is_protected_and_the_only_protected_part_of_the_global_database() -> None:
    assert check_stack("rds-pulumi-protect", v3(), stack()).messages == []
    unprotected = [r for r in stack() if r.name != "data-aurora"] + [resource(CLUSTER, "data-aurora", dict(AURORA))]
    assert check_stack("rds-pulumi-protect", v3(), unprotected).messages == [
        "data-aurora: Set the protect resource option on the database (tierup:data.protect true)."
    ]
    assert check_stack("lifecycle-only-data-holders-protected", v3(), stack()).messages == []
    protected_global = [r for r in stack() if r.name != "data-global"] + [
        resource("aws:rds/globalCluster:GlobalCluster", "data-global", {"forceDestroy": True, "deletionProtection": True}, protect=True)
    ]
    assert check_stack("lifecycle-only-data-holders-protected", v3(), protected_global).messages == [
        "data-global: Remove protect and deletionProtection from data-global: it holds no data, and moving down a release "
        "or `pulumi destroy` must be able to delete it."
    ]


def test_every_aurora_cluster_forces_tls_through_its_cluster_parameter_group() -> None:
    params = resource("aws:rds/clusterParameterGroup:ClusterParameterGroup", "data-aurora-params", {"parameters": [{"name": "rds.force_ssl", "value": "1"}]})
    cluster = resource(CLUSTER, "data-aurora", dict(AURORA), deps={"dbClusterParameterGroupName": [params]}, protect=True)
    assert check_stack("rds-force-ssl", v3(), [params, cluster]).messages == []
    relaxed = resource("aws:rds/clusterParameterGroup:ClusterParameterGroup", "data-aurora-params", {"parameters": [{"name": "rds.force_ssl", "value": "0"}]})
    cluster = resource(CLUSTER, "data-aurora", dict(AURORA), deps={"dbClusterParameterGroupName": [relaxed]}, protect=True)
    assert check_stack("rds-force-ssl", v3(), [relaxed, cluster]).messages == ["data-aurora-params: Set rds.force_ssl to 1 in the database's parameter group."]
    # The secondary becomes the writer on failover: AWS's default cluster parameter group does not force TLS.
    secondary = resource(CLUSTER, "recovery-aurora", {"globalClusterIdentifier": "g"}, provider=DR_PROVIDER)
    assert check_stack("rds-force-ssl", v3(), [secondary]).messages == [
        "recovery-aurora: Give the database a parameter group of the stack's with rds.force_ssl set to 1."
    ]


def test_aurora_cluster_groups_admit_only_the_app() -> None:
    app_sg = resource("aws:ec2/securityGroup:SecurityGroup", "recovery-network-app-sg", {})
    db_sg = resource("aws:ec2/securityGroup:SecurityGroup", "recovery-db-sg", {})
    service = resource(
        "aws:ecs/service:Service", "recovery-compute-service", {"desiredCount": 0}, provider=DR_PROVIDER, deps={"networkConfiguration": [app_sg]}
    )
    cluster = resource(CLUSTER, "recovery-aurora", {"globalClusterIdentifier": "g"}, provider=DR_PROVIDER, deps={"vpcSecurityGroupIds": [db_sg]})
    ingress = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
    from_app = resource(
        ingress, "recovery-db-from-app", {"fromPort": 5432, "toPort": 5432}, deps={"securityGroupId": [db_sg], "referencedSecurityGroupId": [app_sg]}
    )
    assert check_stack("data-ingress-only-from-app", v3(), [app_sg, db_sg, service, cluster, from_app]).messages == []
    from_cidr = resource(ingress, "recovery-db-from-vpc", {"cidrIpv4": "10.1.0.0/16", "fromPort": 5432, "toPort": 5432}, deps={"securityGroupId": [db_sg]})
    assert check_stack("data-ingress-only-from-app", v3(), [app_sg, db_sg, service, cluster, from_cidr]).messages == [
        "recovery-db-from-vpc: Admit only the app's security group (a security-group reference, never a CIDR)."
    ]


def test_a_cluster_is_a_replica_by_its_source_as_aws_reports_it() -> None:
    from tierup_guardrails.data_holders import replica_source

    assert replica_source(CLUSTER, {**AURORA, "replicationSourceIdentifier": "", "globalClusterIdentifier": "g"}) is None
    assert replica_source(CLUSTER, {"masterUsername": "app", "replicationSourceIdentifier": "arn:aws:rds:us-east-1:1:cluster:c"}) is not None
    assert replica_source(CLUSTER, {"globalClusterIdentifier": "g"}) == "g"
    assert replica_source(CLUSTER, {"globalClusterIdentifier": ""}) is None
