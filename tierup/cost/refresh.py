"""`tierup prices refresh`: rebuild a region's catalogue from the AWS Price List Query API.

Each catalogue key is one query: a service code, exact-match filters, and (where AWS names the
usage type with a region prefix such as USE1-) the usage-type suffix that identifies the item.
A key the API does not answer is left out and reported, never written as $0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tierup_guardrails.cost.model import PRICES_DIR
from tierup_guardrails.settings.guardrails import ALLOWED_DB_CLASSES

PRICING_API_REGION = "us-east-1"  # the Price List Query API answers from us-east-1 for every region


@dataclass(frozen=True)
class PriceQuery:
    """How to find one catalogue price with pricing:GetProducts."""

    key: str
    service_code: str
    unit: str
    filters: dict[str, str] = field(default_factory=dict)
    usagetype_suffix: str | None = None
    region_field: str | None = "regionCode"
    """Data transfer names its region fromRegionCode, most services regionCode; None for a
    global price (CloudFront bills by the viewer's edge, whatever the stack's region)."""


def _fargate(architecture: str, arm: bool) -> list[PriceQuery]:
    prefix = "Fargate-ARM-" if arm else "Fargate-"
    return [
        PriceQuery(f"fargate.vcpu_hour.{architecture}", "AmazonECS", "vCPU-hour", usagetype_suffix=f"{prefix}vCPU-Hours:perCPU"),
        PriceQuery(f"fargate.gb_hour.{architecture}", "AmazonECS", "GB-hour", usagetype_suffix=f"{prefix}GB-Hours"),
    ]


def _rds_instance(instance_class: str, deployment: str) -> PriceQuery:
    option = {"single_az": "Single-AZ", "multi_az": "Multi-AZ"}[deployment]
    return PriceQuery(
        f"rds.postgres.{instance_class}.{deployment}",
        "AmazonRDS",
        "instance-hour",
        {"productFamily": "Database Instance", "databaseEngine": "PostgreSQL", "instanceType": instance_class, "deploymentOption": option},
    )


def default_queries() -> list[PriceQuery]:
    """Every key the estimator reads, for the instance sizes the releases allow."""
    classes = sorted({c for allowed in ALLOWED_DB_CLASSES.values() for c in allowed})
    storage = [
        PriceQuery(
            f"rds.storage.gp3.{deployment}",
            "AmazonRDS",
            "GB-month",
            {"productFamily": "Database Storage", "volumeType": "General Purpose-GP3", "deploymentOption": option, "databaseEngine": "PostgreSQL"},
        )
        for deployment, option in (("single_az", "Single-AZ"), ("multi_az", "Multi-AZ"))
    ]
    cache = [
        PriceQuery(
            f"elasticache.cache.t4g.micro.{engine}",
            "AmazonElastiCache",
            "node-hour",
            {"productFamily": "Cache Instance", "instanceType": "cache.t4g.micro", "cacheEngine": label},
        )
        for engine, label in (("redis", "Redis"), ("valkey", "Valkey"))
    ]
    return [
        *_fargate("ARM64", arm=True),
        *_fargate("X86_64", arm=False),
        *[_rds_instance(c, d) for c in classes for d in ("single_az", "multi_az")],
        *storage,
        PriceQuery("rds.proxy.vcpu_hour", "AmazonRDS", "vCPU-hour", {"productFamily": "RDS Proxy"}),
        *cache,
        PriceQuery("alb.hour", "AWSELB", "ALB-hour", {"productFamily": "Load Balancer-Application"}, "LoadBalancerUsage"),
        PriceQuery("alb.lcu_hour", "AWSELB", "LCU-hour", {"productFamily": "Load Balancer-Application"}, "LCUUsage"),
        PriceQuery("nat.hour", "AmazonEC2", "NAT-hour", {"productFamily": "NAT Gateway"}, "NatGateway-Hours"),
        PriceQuery("nat.gb", "AmazonEC2", "GB", {"productFamily": "NAT Gateway"}, "NatGateway-Bytes"),
        PriceQuery("ipv4.hour", "AmazonVPC", "address-hour", {}, "PublicIPv4:InUseAddress"),
        PriceQuery("vpce.interface_hour", "AmazonVPC", "endpoint-AZ-hour", {"productFamily": "VpcEndpoint"}, "VpcEndpoint-Hours"),
        PriceQuery("waf.web_acl_month", "awswaf", "web ACL-month", {}, "WebACL"),
        PriceQuery("waf.rule_month", "awswaf", "rule-month", {}, "Rule"),
        PriceQuery("waf.requests_million", "awswaf", "1M requests", {}, "Request"),
        PriceQuery("logs.ingest_gb", "AmazonCloudWatch", "GB", {}, "DataProcessing-Bytes"),
        PriceQuery("logs.storage_gb_month", "AmazonCloudWatch", "GB-month", {}, "TimedStorage-ByteHrs"),
        PriceQuery("cloudwatch.metric_month", "AmazonCloudWatch", "metric-month", {}, "CW:MetricMonitorUsage"),
        PriceQuery("cloudwatch.alarm_metric_month", "AmazonCloudWatch", "alarm metric-month", {}, "CW:AlarmMonitorUsage"),
        # Unverified here (no Price List access), like the Cognito usage types below.
        PriceQuery("cloudwatch.dashboard_month", "AmazonCloudWatch", "dashboard-month", {}, "DashboardsUsageHour"),
        PriceQuery("kms.key_month", "awskms", "key-month", {}, "KMS-Keys"),
        PriceQuery("sns.email_100k", "AmazonSNS", "100,000 deliveries", {}, "DeliveryAttempts-SMTP"),
        PriceQuery("secretsmanager.secret_month", "AWSSecretsManager", "secret-month", {}, "AWSSecretsManager-Secrets"),
        PriceQuery("secretsmanager.api_10k", "AWSSecretsManager", "10,000 calls", {}, "AWSSecretsManager-APIRequest"),
        PriceQuery("data_transfer.out_gb", "AWSDataTransfer", "GB", {"transferType": "AWS Outbound"}, "DataTransfer-Out-Bytes", "fromRegionCode"),
        PriceQuery("s3.standard_gb_month", "AmazonS3", "GB-month", {"volumeType": "Standard"}, "TimedStorage-ByteHrs"),
        PriceQuery("s3.put_1k", "AmazonS3", "1,000 requests", {}, "Requests-Tier1"),
        PriceQuery("s3.get_1k", "AmazonS3", "1,000 requests", {}, "Requests-Tier2"),
        PriceQuery("s3.intelligent_tiering_1k_objects", "AmazonS3", "1,000 objects", {}, "Monitoring-Automation-INT"),
        PriceQuery("ses.email_1k", "AmazonSES", "1,000 emails", {}, "Recipients"),
        # PriceClass_100's edges: North America (the US rate) and Europe bill the same per GB.
        PriceQuery("cloudfront.out_gb", "AmazonCloudFront", "GB", {"fromLocation": "United States"}, "US-DataTransfer-Out-Bytes", None),
        PriceQuery("cloudfront.https_10k", "AmazonCloudFront", "10,000 requests", {"location": "United States"}, "US-Requests-Tier2-HTTPS", None),
        # The feature plans' usage types as AWS announced them; unverified here (no Price List
        # access): a key the API does not answer is left out and reported, never written as $0.
        PriceQuery("cognito.essentials.mau", "AmazonCognito", "MAU", {}, "CognitoUserPoolsMAU-Essentials"),
        PriceQuery("cognito.lite.mau", "AmazonCognito", "MAU", {}, "CognitoUserPoolsMAU-Lite"),
        *_recovery_queries(),
    ]


def _recovery_queries() -> list[PriceQuery]:
    """v3.0's items: Aurora, Route 53 (global) and inter-region transfer. The usage types are
    the ones AWS's Aurora and Route 53 pages name; unverified here (no Price List access), so a
    key the API does not answer is left out and reported, never written as $0."""
    aurora = {"databaseEngine": "Aurora PostgreSQL"}
    return [
        PriceQuery("aurora.serverless_v2.acu_hour", "AmazonRDS", "ACU-hour", aurora, "Aurora:ServerlessV2Usage"),
        PriceQuery("aurora.serverless_v2.acu_hour.iopt1", "AmazonRDS", "ACU-hour", aurora, "Aurora:ServerlessV2IOOptimizedUsage"),
        PriceQuery("aurora.storage_gb_month", "AmazonRDS", "GB-month", {}, "Aurora:StorageUsage"),
        PriceQuery("aurora.storage_gb_month.iopt1", "AmazonRDS", "GB-month", {}, "Aurora:IO-OptimizedStorageUsage"),
        PriceQuery("aurora.io_million", "AmazonRDS", "1M requests", {}, "Aurora:StorageIOUsage"),
        PriceQuery("aurora.backup_gb_month", "AmazonRDS", "GB-month", {}, "Aurora:BackupUsage"),
        PriceQuery("aurora.replicated_write_io_million", "AmazonRDS", "1M write I/Os", {}, "Aurora:GlobalDbReplicatedWriteIO"),
        *[
            PriceQuery(f"rds.aurora-postgresql.{c}", "AmazonRDS", "instance-hour", {"productFamily": "Database Instance", **aurora, "instanceType": c})
            for c in ("db.t4g.medium", "db.r7g.large")
        ],
        PriceQuery(
            "data_transfer.inter_region_gb", "AWSDataTransfer", "GB", {"transferType": "InterRegion Outbound"}, "DataTransfer-Regional-Bytes", "fromRegionCode"
        ),
        PriceQuery("route53.hosted_zone_month", "AmazonRoute53", "zone-month", {}, "HostedZone", None),
        PriceQuery("route53.health_check_month.aws", "AmazonRoute53", "check-month", {}, "Health-Check-AWS", None),
        PriceQuery("route53.health_check_month.other", "AmazonRoute53", "check-month", {}, "Health-Check-NonAWS", None),
        PriceQuery("route53.health_check_feature_month.aws", "AmazonRoute53", "feature-month", {}, "Health-Check-Option-AWS", None),
        PriceQuery("route53.health_check_feature_month.other", "AmazonRoute53", "feature-month", {}, "Health-Check-Option-NonAWS", None),
    ]


# The API prices some items per another quantity than the catalogue's unit.
_UNIT_FACTORS = {
    "1M requests": 1_000_000,
    "1M write I/Os": 1_000_000,
    "10,000 calls": 10_000,
    "10,000 requests": 10_000,
    "1,000 requests": 1_000,
    "1,000 objects": 1_000,
    "1,000 emails": 1_000,
    "100,000 deliveries": 100_000,
}


def _products(client: Any, query: PriceQuery, region: str) -> Iterable[dict[str, Any]]:
    filters = [{"Type": "TERM_MATCH", "Field": query.region_field, "Value": region}] if query.region_field else []
    filters += [{"Type": "TERM_MATCH", "Field": name, "Value": value} for name, value in query.filters.items()]
    token = None
    while True:
        page = client.get_products(
            ServiceCode=query.service_code, Filters=filters, FormatVersion="aws_v1", MaxResults=100, **({"NextToken": token} if token else {})
        )
        for item in page.get("PriceList", []):
            yield json.loads(item) if isinstance(item, str) else item
        token = page.get("NextToken")
        if not token:
            return


def _on_demand_price(product: dict[str, Any], query: PriceQuery) -> tuple[float, str] | None:
    """The first non-zero on-demand rate and its effective date."""
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        for dimension in sorted(term.get("priceDimensions", {}).values(), key=lambda d: float(d.get("beginRange", "0") or 0)):
            usd = float(dimension.get("pricePerUnit", {}).get("USD", "0"))
            if usd > 0:
                return usd * _UNIT_FACTORS.get(query.unit, 1), str(term.get("effectiveDate", ""))[:10]
    return None


def fetch_price(client: Any, query: PriceQuery, region: str) -> dict[str, object] | None:
    """The catalogue entry for one query, or None when the API has no matching product."""
    for product in _products(client, query, region):
        attributes = product.get("product", {}).get("attributes", {})
        if query.usagetype_suffix and not str(attributes.get("usagetype", "")).endswith(query.usagetype_suffix):
            continue
        found = _on_demand_price(product, query)
        if found:
            usd, effective = found
            sku = product.get("product", {}).get("sku", "")
            return {"usd": round(usd, 10), "unit": query.unit, "source": f"AWS Price List Query API {query.service_code} sku {sku}", "as_of": effective}
    return None


@dataclass(frozen=True)
class RefreshResult:
    region: str
    written: int
    missing: tuple[str, ...]


def refresh_catalogue(client: Any, region: str, today: date, queries: Sequence[PriceQuery] | None = None, output_dir: Path = PRICES_DIR) -> RefreshResult:
    """Query every price for the region and write its catalogue file. A price the API does not
    answer keeps its earlier entry (with its own source and date), so a partial answer never
    turns a priced line into an unpriced one."""
    path = output_dir / f"{region}.json"
    prices: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))["prices"] if path.is_file() else {}
    missing = []
    written = 0
    for query in queries if queries is not None else default_queries():
        entry = fetch_price(client, query, region)
        if entry is None:
            missing.append(query.key)
        else:
            prices[query.key] = entry
            written += 1
    document = {
        "region": region,
        "retrieved": today.isoformat(),
        "note": f"Built by `tierup prices refresh --region {region}` from the AWS Price List Query API.",
        "prices": dict(sorted(prices.items())),
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return RefreshResult(region=region, written=written, missing=tuple(missing))
