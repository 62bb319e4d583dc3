"""Every release resolves to its profile, with the exact values of the ladder."""

import pytest

from tierup_guardrails.settings import (
    Architecture,
    CacheEngine,
    CacheMode,
    Ingress,
    NatStrategy,
    Release,
    load_settings,
)


def settings_for(release: str, region: str = "us-east-1", **overrides: object):
    return load_settings({"tierup:release": release, "aws:region": region, **overrides})


def test_v1_0_is_the_mvp() -> None:
    s = settings_for("v1.0")
    assert s.release is Release.V1_0
    assert (s.network.cidr, s.network.availability_zones) == ("10.0.0.0/16", ("use1-az1", "use1-az2"))
    assert (s.network.nat_strategy, s.network.flow_logs, s.network.log_retention_days) == (NatStrategy.NONE, False, 7)
    assert (s.compute.cpu, s.compute.memory, s.compute.architecture) == (256, 512, Architecture.ARM64)
    assert (s.compute.ingress, s.compute.waf, s.compute.min_tasks, s.compute.max_tasks) == (Ingress.PUBLIC_IP, False, 1, 1)
    assert (s.compute.container_insights, s.compute.log_retention_days, s.compute.spot_weight) == (False, 7, 0)
    assert (s.data.instance_class, s.data.multi_az, s.data.protect) == ("db.t4g.micro", False, False)
    assert (s.data.backup_retention_days, s.data.read_replica, s.data.proxy) == (7, False, False)
    assert s.cache.mode is CacheMode.POSTGRES
    assert (s.budget.monthly_usd, s.budget.goal_usd) == (45.0, 30.0)


def test_v1_5_is_production() -> None:
    s = settings_for("v1.5")
    assert (s.network.nat_strategy, s.network.flow_logs, s.network.log_retention_days) == (NatStrategy.SINGLE, True, 30)
    assert (s.compute.ingress, s.compute.waf, s.compute.min_tasks, s.compute.max_tasks) == (Ingress.LOAD_BALANCER, True, 2, 6)
    assert (s.compute.container_insights, s.compute.log_retention_days) == (True, 30)
    assert (s.data.multi_az, s.data.backup_retention_days, s.data.performance_insights, s.data.protect) == (True, 14, True, True)
    assert s.cache.mode is CacheMode.POSTGRES
    assert (s.budget.monthly_usd, s.budget.goal_usd) == (150.0, 120.0)


def test_v2_0_is_scale() -> None:
    s = settings_for("v2.0")
    assert (s.network.nat_strategy, s.network.az_count, s.network.log_retention_days) == (NatStrategy.ONE_PER_AZ, 2, 90)
    assert (s.compute.cpu, s.compute.memory, s.compute.min_tasks, s.compute.max_tasks) == (512, 1024, 2, 10)
    assert (s.compute.on_demand_base, s.compute.spot_weight) == (1, 3)
    assert (s.data.instance_class, s.data.read_replica, s.data.proxy) == ("db.t4g.small", True, True)
    assert (s.cache.mode, s.cache.engine, s.cache.nodes) == (CacheMode.REDIS, CacheEngine.VALKEY, 2)
    assert (s.budget.monthly_usd, s.budget.goal_usd) == (350.0, 250.0)


@pytest.mark.parametrize("release", ["v1.0", "v1.5", "v2.0"])
def test_the_vpc_range_never_changes_between_releases(release: str) -> None:
    assert settings_for(release).network.cidr == "10.0.0.0/16"


def test_zones_follow_the_region() -> None:
    assert settings_for("v1.0", region="eu-west-2").network.availability_zones == ("euw2-az1", "euw2-az2")
    # Where the region's zone IDs are not known here, AZ names by letter (pin them to choose).
    assert settings_for("v1.0", region="sa-east-1").network.availability_zones == ("sa-east-1a", "sa-east-1b")


def test_settings_are_frozen() -> None:
    s = settings_for("v1.0")
    with pytest.raises(AttributeError):
        s.compute.cpu = 512  # type: ignore[misc]
