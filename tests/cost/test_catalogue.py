"""The price catalogues: every figure has a unit, a source and a date; gaps stay gaps."""

from __future__ import annotations

import re

import pytest

from tierup_guardrails.cost.model import CostError, available_regions, load_catalogue


def test_five_regions_ship() -> None:
    # v3.0's recovery regions next to the primaries: ap-southeast-1 (the roadmap's) and us-west-2.
    assert available_regions() == ["ap-southeast-1", "ap-southeast-2", "eu-west-2", "us-east-1", "us-west-2"]


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-2", "ap-southeast-2", "ap-southeast-1", "us-west-2"])
def test_every_price_is_sourced_and_dated(region: str) -> None:
    catalogue = load_catalogue(region)
    assert catalogue.region == region and re.fullmatch(r"\d{4}-\d{2}-\d{2}", catalogue.retrieved)
    for price in catalogue.prices.values():
        assert price.usd > 0 and price.unit and price.source, price.key
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", price.as_of), price.key


def test_reference_figures_are_transcribed_exactly() -> None:
    us = load_catalogue("us-east-1")
    assert (us.get("fargate.vcpu_hour.ARM64").usd, us.get("fargate.gb_hour.ARM64").usd) == (0.03238, 0.00356)  # type: ignore[union-attr]
    assert (us.get("rds.postgres.db.t4g.micro.multi_az").usd, us.get("nat.hour").usd, us.get("ipv4.hour").usd) == (0.032, 0.045, 0.005)  # type: ignore[union-attr]
    assert load_catalogue("eu-west-2").get("elasticache.cache.t4g.micro.valkey").usd == 0.0144  # type: ignore[union-attr]


def test_derived_figures_say_how() -> None:
    derived = {p.key: p.derived for p in load_catalogue("us-east-1").prices.values() if p.derived}
    assert sorted(derived) == [
        "cloudfront.https_10k",
        "cloudfront.out_gb",
        "cloudwatch.dashboard_month",
        "cloudwatch.metric_month",
        "cognito.essentials.mau",
        "cognito.lite.mau",
        "elasticache.cache.t4g.micro.valkey",
        "route53.health_check_feature_month.aws",
        "route53.health_check_feature_month.other",
        "route53.health_check_month.aws",
        "route53.health_check_month.other",
        "route53.hosted_zone_month",
        "s3.intelligent_tiering_1k_objects",
        "ses.email_1k",
    ]
    assert derived["elasticache.cache.t4g.micro.valkey"].startswith("Redis OSS rate x 0.8")


def test_a_missing_figure_is_absent_not_zero() -> None:
    sydney = load_catalogue("ap-southeast-2")
    assert sydney.get("alb.hour") is None and sydney.get("nat.hour").usd == 0.059  # type: ignore[union-attr]
    # Sydney's CloudWatch, KMS and SNS rates were not found: alarms, the key and deliveries stay unpriced there.
    assert [sydney.get(key) for key in ("cloudwatch.alarm_metric_month", "kms.key_month", "sns.email_100k")] == [None, None, None]


def test_an_unknown_region_is_a_clear_error() -> None:
    with pytest.raises(CostError) as raised:
        load_catalogue("ca-central-1")
    assert str(raised.value) == (
        "no price catalogue for ca-central-1; available: ap-southeast-1, ap-southeast-2, eu-west-2, us-east-1, us-west-2 (build one with `tierup prices refresh --region ca-central-1`)"
    )
