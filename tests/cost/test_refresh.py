"""`tierup prices refresh` against botocore's Stubber with the Price List API's response shape
(moto does not implement the pricing API)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import boto3
from botocore.stub import Stubber

from tierup.cost.refresh import PriceQuery, default_queries, refresh_catalogue
from tierup_guardrails.cost.model import PRICES_DIR

REGION = "eu-west-2"


def price_item(sku: str, attributes: dict[str, str], usd: str, unit: str = "Hrs", effective: str = "2026-09-11T00:00:00Z") -> str:
    """One PriceList entry as GetProducts returns it: a JSON document in a string."""
    return json.dumps(
        {
            "product": {"productFamily": attributes.get("productFamily", ""), "attributes": attributes, "sku": sku},
            "serviceCode": "AmazonECS",
            "terms": {
                "OnDemand": {
                    f"{sku}.JRTCKXETXF": {
                        "effectiveDate": effective,
                        "priceDimensions": {
                            f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
                                "unit": unit,
                                "beginRange": "0",
                                "endRange": "Inf",
                                "pricePerUnit": {"USD": usd},
                                "description": "rate",
                            }
                        },
                    }
                }
            },
            "version": "20260911000000",
            "publicationDate": "2026-09-11T00:00:00Z",
        }
    )


def expected(query: PriceQuery, token: str | None = None) -> dict[str, Any]:
    filters = [{"Type": "TERM_MATCH", "Field": query.region_field, "Value": REGION}]
    filters += [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in query.filters.items()]
    return {"ServiceCode": query.service_code, "Filters": filters, "FormatVersion": "aws_v1", "MaxResults": 100, **({"NextToken": token} if token else {})}


def client() -> Any:
    return boto3.client("pricing", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


def test_refresh_picks_the_usage_type_follows_pages_and_reports_gaps(tmp_path: Path) -> None:
    queries = {q.key: q for q in default_queries()}
    arm_vcpu, nat_hour, waf_requests, proxy = (
        queries["fargate.vcpu_hour.ARM64"], queries["nat.hour"], queries["waf.requests_million"], queries["rds.proxy.vcpu_hour"],
    )  # fmt: skip
    pricing = client()
    with Stubber(pricing) as stub:
        # Fargate: the x86 product comes first and must be skipped by its usage type.
        stub.add_response(
            "get_products",
            {"PriceList": [price_item("X86", {"usagetype": "EUW2-Fargate-vCPU-Hours:perCPU"}, "0.0465600000")], "NextToken": "p2"},
            expected(arm_vcpu),
        )
        stub.add_response(
            "get_products", {"PriceList": [price_item("ARM", {"usagetype": "EUW2-Fargate-ARM-vCPU-Hours:perCPU"}, "0.0372500000")]}, expected(arm_vcpu, "p2")
        )
        stub.add_response(
            "get_products",
            {"PriceList": [price_item("NAT", {"usagetype": "EUW2-NatGateway-Hours", "productFamily": "NAT Gateway"}, "0.0500000000")]},
            expected(nat_hour),
        )
        stub.add_response(
            "get_products", {"PriceList": [price_item("WAF", {"usagetype": "EUW2-Request"}, "0.0000006000", unit="Request")]}, expected(waf_requests)
        )
        stub.add_response("get_products", {"PriceList": []}, expected(proxy))
        result = refresh_catalogue(pricing, REGION, date(2026, 11, 22), [arm_vcpu, nat_hour, waf_requests, proxy], output_dir=tmp_path)
        stub.assert_no_pending_responses()
    assert (result.written, result.missing) == (3, ("rds.proxy.vcpu_hour",))
    document = json.loads((tmp_path / f"{REGION}.json").read_text())
    assert (document["region"], document["retrieved"]) == (REGION, "2026-11-22")
    assert document["prices"] == {
        "fargate.vcpu_hour.ARM64": {"usd": 0.03725, "unit": "vCPU-hour", "source": "AWS Price List Query API AmazonECS sku ARM", "as_of": "2026-09-11"},
        "nat.hour": {"usd": 0.05, "unit": "NAT-hour", "source": "AWS Price List Query API AmazonEC2 sku NAT", "as_of": "2026-09-11"},
        "waf.requests_million": {"usd": 0.6, "unit": "1M requests", "source": "AWS Price List Query API awswaf sku WAF", "as_of": "2026-09-11"},
    }


def test_every_catalogue_key_the_estimator_uses_has_a_query() -> None:
    keys = {q.key for q in default_queries()}
    shipped = set(json.loads((PRICES_DIR / "us-east-1.json").read_text())["prices"])
    assert shipped <= keys
    assert len(keys) == len(default_queries())


def test_the_command_without_credentials_is_one_line(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
           "AWS_EC2_METADATA_DISABLED": "true"}  # fmt: skip
    # Run outside any Pulumi project: the catalogues ship with the toolkit.
    result = subprocess.run(
        [sys.executable, "-m", "tierup.cli", "prices", "refresh", "--region", "eu-west-2"],
        capture_output=True, text=True, env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}, check=False, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "tierup: no AWS credentials found; the Price List API needs any valid credentials (aws configure, or AWS_PROFILE)\n"


def test_a_bad_region_is_one_line() -> None:
    result = subprocess.run([sys.executable, "-m", "tierup.cli", "prices", "refresh", "--region", "London"], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stderr) == (2, "tierup: --region: 'London' is not an AWS region name; allowed: a region such as eu-west-2\n")


def test_a_price_the_api_does_not_answer_keeps_its_earlier_entry(tmp_path: Path) -> None:
    earlier = {"usd": 0.05, "unit": "NAT-hour", "source": "earlier source", "as_of": "2026-09-04"}
    (tmp_path / f"{REGION}.json").write_text(json.dumps({"region": REGION, "retrieved": "2026-10-16", "prices": {"nat.hour": earlier}}))
    nat_hour = {q.key: q for q in default_queries()}["nat.hour"]
    pricing = client()
    with Stubber(pricing) as stub:
        stub.add_response("get_products", {"PriceList": []}, expected(nat_hour))
        result = refresh_catalogue(pricing, REGION, date(2026, 11, 22), [nat_hour], output_dir=tmp_path)
    assert (result.written, result.missing) == (0, ("nat.hour",))
    assert json.loads((tmp_path / f"{REGION}.json").read_text())["prices"] == {"nat.hour": earlier}


def test_data_transfer_is_found_by_its_source_region() -> None:
    (query,) = [q for q in default_queries() if q.key == "data_transfer.out_gb"]
    assert (query.region_field, expected(query)["Filters"][0]) == ("fromRegionCode", {"Type": "TERM_MATCH", "Field": "fromRegionCode", "Value": REGION})
