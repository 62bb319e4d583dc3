"""Release-aware policies: the same resource is quiet or advisory under one release and
mandatory under another; the limits come from the ladder."""

from __future__ import annotations

import pytest
from pulumi_policy import EnforcementLevel

from tests.policies.harness import changed, check_resource, named, policy, rails
from tierup.synth.graph import ResourceGraph

LEVELS = [
    ("ecs-service-no-public-ip", EnforcementLevel.ADVISORY, EnforcementLevel.MANDATORY),
    ("ec2-vpc-flow-logs-enabled", EnforcementLevel.ADVISORY, EnforcementLevel.MANDATORY),
    ("ecs-cluster-container-insights", EnforcementLevel.ADVISORY, EnforcementLevel.MANDATORY),
    ("rds-deletion-protection", EnforcementLevel.ADVISORY, EnforcementLevel.MANDATORY),
    ("rds-multi-az", EnforcementLevel.MANDATORY, EnforcementLevel.MANDATORY),
]


@pytest.mark.parametrize(("name", "in_v1_0", "in_v1_5"), LEVELS)
def test_enforcement_level_follows_the_release(name: str, in_v1_0: EnforcementLevel, in_v1_5: EnforcementLevel) -> None:
    assert (policy(name, rails("v1.0")).enforcement_level, policy(name, rails("v1.5")).enforcement_level) == (in_v1_0, in_v1_5)


def test_a_single_az_database_is_quiet_in_v1_0_and_refused_in_v1_5(dev_graph: ResourceGraph) -> None:
    database = named(dev_graph, "data-db")
    quiet = check_resource("rds-multi-az", rails("v1.0"), database)
    assert (quiet.messages, quiet.not_applicable) == ([], "a single-AZ database is the release's design (release v1.0)")
    assert check_resource("rds-multi-az", rails("v1.5"), database).messages == ["Set multiAz to true on the database from release v1.5."]


def test_elasticache_is_refused_before_v2_and_quiet_from_it(scale_graph: ResourceGraph) -> None:
    group = named(scale_graph, "cache-group")
    assert check_resource("elasticache-not-before-v2", rails("v1.5"), group).messages == [
        "Remove the ElastiCache resource: release v1.5 caches in PostgreSQL (tierup:cache.mode postgres)."
    ]
    allowed = check_resource("elasticache-not-before-v2", rails("v2.0"), group)
    assert (allowed.messages, allowed.not_applicable) == ([], "the release includes ElastiCache (release v2.0)")


def test_https_redirect_is_mandatory_only_once_a_certificate_exists(prod_graph: ResourceGraph) -> None:
    listener = named(prod_graph, "compute-lb-http")
    certificate = {"certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc-123"}
    assert policy("lb-listener-http-redirects-to-https", rails("v1.5")).enforcement_level == EnforcementLevel.ADVISORY
    assert policy("lb-listener-http-redirects-to-https", rails("v1.5", app=certificate)).enforcement_level == EnforcementLevel.MANDATORY
    assert check_resource("lb-listener-http-redirects-to-https", rails("v1.5"), listener).messages == [
        "Redirect HTTP to HTTPS instead of serving it (set tierup:app.certificateArn)."
    ]


def test_limits_come_from_the_ladder_and_the_stack(scale_graph: ResourceGraph) -> None:
    assert (rails("v1.0").max_tasks, rails("v1.5").max_tasks, rails("v2.0").max_tasks) == (1, 6, 10)
    assert (rails("v2.0").max_nat_gateways, rails("v2.0", network={"azCount": 3}).max_nat_gateways) == (2, 3)
    target = named(scale_graph, "compute-scaling-target")
    assert check_resource("ecs-service-task-count-within-release", rails("v2.0"), target).messages == []
    assert check_resource("ecs-service-task-count-within-release", rails("v1.5"), target).messages == [
        "Lower the task count to at most 6, the maximum of release v1.5 (it is 10)."
    ]
    assert (
        check_resource(
            "rds-backup-retention", rails("v1.0"), named(scale_graph, "data-db"), changed(named(scale_graph, "data-db").inputs, ("backupRetentionPeriod",), 7)
        ).messages
        == []
    )
