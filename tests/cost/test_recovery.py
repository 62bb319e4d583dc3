"""v3.0's pricing: resources priced from their own region's catalogue, Aurora, Route 53 and the
cross-region copies. Resources are built by hand: the graph's regions are not needed here."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tierup_guardrails.cost.estimator import estimate_lines
from tierup_guardrails.cost.model import FREE, PRICED, PRICES_DIR, UNPRICED, CostError, CostLine, PricedResource, load_catalogue
from tierup_guardrails.settings import PROFILES, Release
from tierup_guardrails.settings.model import UsageSettings

US = load_catalogue("us-east-1")
V3_USAGE = PROFILES[Release.V3_0].usage
CLUSTER = "urn:pulumi:prod::tierup::aws:rds/cluster:Cluster::data-aurora"
SECONDARY = "urn:pulumi:prod::tierup::aws:rds/cluster:Cluster::dr-aurora"
ALB = "urn:pulumi:prod::tierup::aws:lb/loadBalancer:LoadBalancer::compute-lb-alb"


def resource(name: str, type_token: str, props: dict[str, object], **options: object) -> PricedResource:
    return PricedResource(urn=f"urn:pulumi:prod::tierup::{type_token}::{name}", type=type_token, name=name, tier="data", props=props, **options)  # type: ignore[arg-type]


def lines(resources: list[PricedResource], usage: UsageSettings = V3_USAGE) -> list[CostLine]:
    """The resources' own lines (the stack-wide usage lines left out)."""
    return [line for line in estimate_lines(resources, US, usage) if line.tier != "stack"]


def summary(found: list[CostLine]) -> list[tuple[str, float, float, str | None]]:
    return [(line.item, line.quantity, line.monthly, line.region) for line in found]


def test_v3_usage_assumes_the_data_and_its_copies() -> None:
    usage = V3_USAGE
    assert (usage.aurora_average_acu, usage.aurora_storage_gb, usage.aurora_io_million, usage.aurora_backup_gb) == (1, 20, 50, 20)
    assert (usage.replicated_writes_million, usage.cross_region_gb) == (20, 20)


def test_a_resource_in_another_region_is_priced_from_its_catalogue() -> None:
    primary = resource("data-key", "aws:kms/key:Key", {})
    recovery = resource("dr-key", "aws:kms/key:Key", {}, region="ap-southeast-1")
    nat = resource("dr-nat", "aws:ec2/natGateway:NatGateway", {}, region="ap-southeast-1")
    found = lines([primary, recovery, nat], replace(V3_USAGE, nat_gb=0))
    # Singapore's NAT hour is $0.059 (S2), not us-east-1's $0.045: 730 × 0.059 = 43.07.
    assert summary(found)[2:4] == [("NAT gateway", 730, 43.07, "ap-southeast-1"), ("data processed (usage: 0 GB across 1 gateway(s))", 0, 0, "ap-southeast-1")]
    # No KMS rate was read for Singapore: the key there is unpriced, named by its region, never $0.
    key_here, key_there = found[0], found[1]
    assert (key_here.monthly, key_here.region, key_there.status, key_there.region) == (1.0, None, UNPRICED, "ap-southeast-1")
    assert key_there.note == "no price for kms.key_month in ap-southeast-1"
    assert (key_there.shown_item, key_here.shown_item) == ("customer managed key [ap-southeast-1]", "customer managed key")


def test_a_resource_in_the_stacks_own_region_is_not_marked() -> None:
    (line,) = lines([resource("data-key", "aws:kms/key:Key", {}, region="us-east-1")])
    assert (line.monthly, line.region, line.shown_item) == (1.0, None, "customer managed key")


def test_a_recovery_region_without_a_catalogue_is_a_one_line_error() -> None:
    with pytest.raises(CostError) as raised:
        lines([resource("dr-key", "aws:kms/key:Key", {}, region="ca-central-1")])
    assert str(raised.value) == (
        "no price catalogue for ca-central-1; available: ap-southeast-1, ap-southeast-2, eu-west-2, us-east-1, us-west-2 "
        "(build one with `tierup prices refresh --region ca-central-1`)"
    )


def aurora(**props: object) -> PricedResource:
    base = {"engine": "aurora-postgresql", "storageEncrypted": True, "backupRetentionPeriod": 30}
    return PricedResource(urn=CLUSTER, type="aws:rds/cluster:Cluster", name="data-aurora", tier="data", props={**base, **props})


def test_the_primary_cluster_pays_storage_io_and_backups() -> None:
    found = lines([aurora(serverlessv2ScalingConfiguration={"minCapacity": 0.5, "maxCapacity": 8})])
    assert summary(found) == [
        ("Aurora storage, primary (usage: 20 GB)", 20, 2.0, None),  # 20 GB × $0.10
        ("I/O requests (usage: 50 million)", 50, 10.0, None),  # 50 × $0.20
        ("backups beyond the free copy (usage: 20 GB, 30 days kept)", 20, 0.42, None),  # 20 GB × $0.021
    ]


def test_io_optimized_storage_has_no_io_line() -> None:
    found = lines([aurora(storageType="aurora-iopt1")])
    assert [(line.item, line.monthly) for line in found][:2] == [
        ("Aurora storage, primary (usage: 20 GB)", 4.6),
        ("backups beyond the free copy (usage: 20 GB, 30 days kept)", 0.42),
    ]


def test_the_secondary_cluster_pays_its_copy_and_the_replicated_writes_in_its_region() -> None:
    secondary = PricedResource(
        urn=SECONDARY, type="aws:rds/cluster:Cluster", name="dr-aurora", tier="data", props={"globalClusterIdentifier": "tierup-prod"}, region="eu-west-2"
    )
    storage, writes = lines([secondary])
    assert (storage.item, storage.monthly, storage.region) == ("Aurora storage, secondary copy (usage: 20 GB)", 2.0, "eu-west-2")  # 20 × $0.10 (S5)
    # No source read gives the replicated write I/O rate: unpriced, with the key it lacks.
    assert (writes.item, writes.quantity, writes.status, writes.note) == (
        "replicated write I/Os (usage: 20 million)",
        20,
        UNPRICED,
        "no price for aurora.replicated_write_io_million in eu-west-2",
    )


def instance(instance_class: str, **props: object) -> PricedResource:
    return resource(
        "data-aurora-writer",
        "aws:rds/clusterInstance:ClusterInstance",
        {"instanceClass": instance_class, "engine": "aurora-postgresql", **props},
        deps={"clusterIdentifier": (CLUSTER,)},
    )


def test_a_serverless_instance_is_priced_by_its_average_acus_up_to_the_clusters_maximum() -> None:
    cluster = aurora(serverlessv2ScalingConfiguration={"minCapacity": 0.5, "maxCapacity": 8})
    capacity = lines([cluster, instance("db.serverless")])[-1]
    # 1 ACU × 730 h × $0.12 = 87.60; at 8 ACUs (the ceiling) 700.80.
    assert (capacity.item, capacity.quantity, capacity.monthly, capacity.monthly_ceiling) == (
        "Serverless v2 capacity (usage: 1 ACU on average, 0.5–8 ACU)",
        730,
        87.6,
        700.8,
    )


def test_the_average_stays_within_the_clusters_range() -> None:
    cluster = aurora(serverlessv2ScalingConfiguration={"minCapacity": 0.5, "maxCapacity": 2})
    capacity = lines([cluster, instance("db.serverless")], replace(V3_USAGE, aurora_average_acu=3))[-1]
    assert (capacity.quantity, capacity.monthly, capacity.ceiling_quantity) == (1460, 175.2, 1460)  # 2 ACUs, the maximum
    unlinked = lines([instance("db.serverless")])[-1]
    assert (unlinked.item, unlinked.monthly, unlinked.ceiling_quantity) == ("Serverless v2 capacity (usage: 1 ACU on average)", 87.6, None)


def test_a_provisioned_instance_is_priced_per_hour() -> None:
    (line,) = lines([instance("db.r7g.large")])
    assert (line.item, line.monthly) == ("aurora-postgresql db.r7g.large", 201.48)  # 730 × $0.276 (S21)
    (unknown,) = lines([instance("db.r6g.large")])
    assert (unknown.status, unknown.note) == (UNPRICED, "no price for rds.aurora-postgresql.db.r6g.large in us-east-1")


def test_the_global_cluster_ecr_replication_and_providers_are_free_with_a_note() -> None:
    found = lines(
        [
            resource("data-global", "aws:rds/globalCluster:GlobalCluster", {}),
            resource("registry-replication", "aws:ecr/replicationConfiguration:ReplicationConfiguration", {}),
            resource("dr-provider", "pulumi:providers:aws", {"region": "ap-southeast-1"}),
            resource("data-aurora-params", "aws:rds/clusterParameterGroup:ClusterParameterGroup", {}),
        ]
    )
    assert [(line.status, line.monthly, line.note) for line in found] == [
        (FREE, 0, "no charge of its own: its clusters' storage, I/O and replicated writes are billed"),
        (FREE, 0, "replication is free; the images' copies are billed as ECR storage in the destination"),
        (FREE, 0, "a provider configures the others; AWS bills nothing for it"),
        (FREE, 0, ""),
    ]


def test_route53_zone_and_records() -> None:
    zone, alias, plain = lines(
        [
            resource("dr-zone", "aws:route53/zone:Zone", {"name": "example.org"}),
            resource("dr-primary", "aws:route53/record:Record", {"aliases": [{"name": "alb.example", "evaluateTargetHealth": True}]}),
            resource("dr-txt", "aws:route53/record:Record", {"type": "TXT", "records": ["v=1"]}),
        ]
    )
    assert (zone.item, zone.monthly) == ("hosted zone", 0.5)
    assert (alias.status, alias.note) == (FREE, "queries to alias records of AWS resources are free")
    assert (plain.status, plain.note) == (FREE, "standard queries are billed per million (not estimated: no usage assumption)")


def test_a_health_check_of_the_alb_is_an_aws_endpoint_with_its_features() -> None:
    alb = PricedResource(urn=ALB, type="aws:lb/loadBalancer:LoadBalancer", name="compute-lb-alb", tier="compute", props={"internal": False})
    check = resource(
        "dr-primary-health",
        "aws:route53/healthCheck:HealthCheck",
        {"type": "HTTPS_STR_MATCH", "fqdn": "[unknown]", "requestInterval": 10, "searchString": "ok"},
        deps={"fqdn": (ALB,)},
    )
    basic, features = [line for line in lines([alb, check]) if line.resource == "dr-primary-health"]
    assert (basic.item, basic.monthly) == ("health check of an AWS endpoint", 0.5)
    assert (features.item, features.quantity, features.monthly) == ("optional features (HTTPS, string matching, fast interval)", 3, 3.0)


def test_a_health_check_of_another_endpoint_costs_more() -> None:
    check = resource("dr-health", "aws:route53/healthCheck:HealthCheck", {"type": "HTTP", "fqdn": "status.example.org", "measureLatency": True})
    basic, features = lines([check])
    assert (basic.item, basic.monthly, features.item, features.monthly) == (
        "health check of a non-AWS endpoint",
        0.75,
        "optional features (latency measurement)",
        2.0,
    )
    (by_name,) = lines([resource("dr-health", "aws:route53/healthCheck:HealthCheck", {"type": "HTTP", "fqdn": "x.elb.us-east-1.amazonaws.com"})])
    assert (by_name.item, by_name.monthly) == ("health check of an AWS endpoint", 0.5)


def test_bucket_replication_pays_inter_region_transfer_from_the_source_region() -> None:
    rule = {"status": "Enabled", "destination": {"bucket": "arn:aws:s3:::dr-uploads"}}
    configs = [
        resource("storage-replication", "aws:s3/bucketReplicationConfig:BucketReplicationConfig", {"rules": [rule]}),
        resource("frontend-replication", "aws:s3/bucketReplicationConfig:BucketReplicationConfig", {"rules": [rule]}, region="ap-southeast-1"),
    ]
    here, there = lines(configs)
    item = "inter-region transfer of replicated objects (usage: 20 GB across 2 configuration(s))"
    assert summary([here, there]) == [(item, 10, 0.2, None), (item, 10, 0.9, "ap-southeast-1")]  # 10 GB × $0.02; 10 GB × $0.09
    timed = {**rule, "destination": {"bucket": "arn:aws:s3:::dr-uploads", "replicationTime": {"status": "Enabled", "time": {"minutes": 15}}}}
    _, control = lines([resource("storage-replication", "aws:s3/bucketReplicationConfig:BucketReplicationConfig", {"rules": [timed]})])
    assert (control.item, control.status) == ("Replication Time Control", UNPRICED)


def test_each_secret_replica_is_billed_as_a_secret_in_its_region() -> None:
    secret = resource("data-master-password", "aws:secretsmanager/secret:Secret", {"replicas": [{"region": "eu-west-2"}, {"region": "ap-southeast-1"}]})
    primary, london, singapore = lines([secret])
    assert summary([primary, london]) == [("secret", 1, 0.4, None), ("replica secret", 1, 0.4, "eu-west-2")]
    # No Secrets Manager rate was read for Singapore.
    assert (singapore.status, singapore.region) == (UNPRICED, "ap-southeast-1")


def test_stack_usage_lines_stay_in_the_stacks_region() -> None:
    found = estimate_lines([resource("dr-key", "aws:kms/key:Key", {}, region="ap-southeast-1")], US, V3_USAGE)
    stack = [line for line in found if line.tier == "stack"]
    assert {line.region for line in stack} == {None}
    assert [line.status for line in stack] == [PRICED] * len(stack)


@pytest.mark.parametrize("region", ["ap-southeast-1", "us-west-2"])
def test_a_recovery_catalogue_has_every_us_east_1_key_or_says_why_not(region: str) -> None:
    document = json.loads((PRICES_DIR / f"{region}.json").read_text(encoding="utf-8"))
    us_keys = set(US.prices)
    assert us_keys <= set(document["prices"]) | set(document["absent"])
    assert not set(document["prices"]) & set(document["absent"])
    assert all(reason.strip() for reason in document["absent"].values())


def test_recovery_catalogue_figures_are_transcribed_exactly() -> None:
    singapore, oregon = load_catalogue("ap-southeast-1"), load_catalogue("us-west-2")
    assert [singapore.get(k).usd for k in ("nat.hour", "rds.postgres.db.t4g.micro.multi_az", "data_transfer.inter_region_gb", "data_transfer.out_gb")] == [  # type: ignore[union-attr]
        0.059,
        0.051,
        0.09,
        0.12,
    ]
    assert [oregon.get(k).usd for k in ("nat.hour", "rds.postgres.db.r6g.large.multi_az", "data_transfer.inter_region_gb", "route53.hosted_zone_month")] == [  # type: ignore[union-attr]
        0.045,
        0.45,
        0.02,
        0.5,
    ]
