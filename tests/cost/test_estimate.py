"""The estimate of the shipped stacks: hand-checked arithmetic, golden line-by-line outputs,
prices traceable to the catalogue, and honest unpriced lines."""

from __future__ import annotations

import json
import os
from datetime import UTC
from pathlib import Path

import pytest

from tierup.cost.from_graph import estimate_graph, priced_resources
from tierup.cost.report import infracost_json, render_cost_markdown, render_cost_text
from tierup.synth.graph import ResourceGraph
from tierup_guardrails.cost.estimator import FREE_TYPES, RULES, estimate_lines
from tierup_guardrails.cost.model import PRICED, UNPRICED, CostLine, Estimate, load_catalogue
from tierup_guardrails.settings.model import UsageSettings

GOLDEN = Path(__file__).parent / "golden"


def lines_of(estimate: Estimate, resource: str) -> list[CostLine]:
    return [line for line in estimate.lines if line.resource == resource and line.status == PRICED]


def monthly(estimate: Estimate, resource: str) -> float:
    return round(sum(line.monthly for line in lines_of(estimate, resource)), 2)


def test_fargate_arm_quarter_vcpu_half_gb_by_hand(dev_graph: ResourceGraph) -> None:
    # 0.25 vCPU × $0.03238 × 730 h + 0.5 GB × $0.00356 × 730 h = 5.90935 + 1.2994
    vcpu, memory, ipv4 = lines_of(estimate_graph(dev_graph), "compute-service")
    assert (vcpu.quantity, vcpu.price.usd, memory.quantity, memory.price.usd) == (182.5, 0.03238, 365, 0.00356)  # type: ignore[union-attr]
    assert round(vcpu.monthly + memory.monthly, 2) == 7.21
    # The v1.0 task holds a public IPv4 address: 730 h × $0.005.
    assert (ipv4.item, ipv4.monthly) == ("public IPv4 on 1 task(s)", 3.65)


def test_multi_az_micro_database_by_hand(prod_graph: ResourceGraph) -> None:
    estimate = estimate_graph(prod_graph)
    instance, storage = lines_of(estimate, "data-db")
    (secret,) = lines_of(estimate, "data-master-password-secret")
    assert (instance.item, instance.monthly) == ("postgres db.t4g.micro (multi-az)", 23.36)  # 0.032 × 730
    assert (storage.quantity, storage.monthly) == (20, 4.6)  # 20 GB × 0.23 Multi-AZ gp3
    assert secret.monthly == 0.4


def test_one_nat_gateway_with_its_eip_by_hand(prod_graph: ResourceGraph) -> None:
    estimate = estimate_graph(prod_graph)
    hours, data = lines_of(estimate, "network-nat-1")
    assert (hours.monthly, data.quantity, data.monthly) == (32.85, 20, 0.9)  # 0.045 × 730; 20 GB × 0.045
    assert monthly(estimate, "network-nat-eip-1") == 3.65


def test_autoscaling_prices_the_minimum_and_reports_the_ceiling(prod_graph: ResourceGraph) -> None:
    vcpu, memory = lines_of(estimate_graph(prod_graph), "compute-service")
    assert (vcpu.quantity, vcpu.ceiling_quantity) == (365, 1095)  # 2 tasks priced, 6 at most
    assert (round(vcpu.monthly + memory.monthly, 2), round(vcpu.monthly_ceiling + memory.monthly_ceiling, 2)) == (14.42, 43.25)


def test_spot_is_priced_on_demand_with_a_note_and_the_proxy_by_vcpu(scale_graph: ResourceGraph) -> None:
    estimate = estimate_graph(scale_graph)
    vcpu = lines_of(estimate, "compute-service")[0]
    assert vcpu.note == "Spot tasks priced at the on-demand rate: Spot rates float (up to 70% less)"
    (proxy,) = lines_of(estimate, "data-proxy-proxy")
    assert (proxy.item, proxy.quantity, proxy.monthly) == ("RDS Proxy (2 vCPU of db.t4g.small, 2 minimum)", 1460, 21.9)
    (cache,) = lines_of(estimate, "cache-group")
    assert (cache.monthly, cache.note.startswith("derived price: Redis OSS rate x 0.8")) == (18.688, True)  # 2 × 0.0128 × 730


@pytest.mark.parametrize(
    ("graph_name", "total", "budget", "goal_met"),
    [("dev_graph", 26.81, 45.0, True), ("prod_graph", 118.28, 150.0, True), ("scale_graph", 302.91, 350.0, False)],
)
def test_totals_fit_the_budgets(graph_name: str, total: float, budget: float, goal_met: bool, request: pytest.FixtureRequest) -> None:
    estimate = estimate_graph(request.getfixturevalue(graph_name))
    assert (estimate.total, estimate.budget_usd, estimate.within_budget, estimate.total <= estimate.goal_usd) == (total, budget, True, goal_met)
    assert estimate.unpriced == []


@pytest.mark.parametrize(("graph_name", "golden"), [("dev_graph", "dev.txt"), ("prod_graph", "prod.txt"), ("scale_graph", "prod-v2.0.txt")])
def test_estimates_match_the_golden_files(graph_name: str, golden: str, request: pytest.FixtureRequest) -> None:
    rendered = render_cost_text([estimate_graph(request.getfixturevalue(graph_name))]) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        (GOLDEN / golden).write_text(rendered, encoding="utf-8")
    assert rendered == (GOLDEN / golden).read_text(encoding="utf-8")


@pytest.mark.parametrize("graph_name", ["dev_graph", "prod_graph", "scale_graph"])
def test_the_table_fits_100_columns_and_its_subtotals_add_up(graph_name: str, request: pytest.FixtureRequest) -> None:
    estimate = estimate_graph(request.getfixturevalue(graph_name))
    lines = render_cost_text([estimate]).splitlines()
    assert [line for line in lines if len(line) > 100] == []
    subtotals = [line.split()[-1] for line in lines if line[2:3].isalpha() and line.split()[0] in estimate.by_tier()]
    assert len(subtotals) == len({line.tier for line in estimate.lines if line.monthly > 0})
    # Each subtotal is rounded to the cent on its own: together they may be a cent per tier off.
    assert sum(float(amount.strip("$").replace(",", "")) for amount in subtotals) == pytest.approx(estimate.total, abs=0.01 * len(subtotals))


def test_the_markdown_counts_the_lines_it_shows(dev_graph: ResourceGraph) -> None:
    assert render_cost_markdown([estimate_graph(dev_graph)]).splitlines()[6:] == [
        "<details><summary>dev: 12 lines</summary>",
        "",
        "| tier | resource | item | monthly |",
        "|---|---|---|---|",
        "| compute | `compute-service` | Fargate vCPU (0.25 vCPU / 0.5 GB ARM64, 1 task(s)) | $5.91 |",
        "| compute | `compute-service` | public IPv4 on 1 task(s) | $3.65 |",
        "| compute | `compute-service` | Fargate memory (0.25 vCPU / 0.5 GB ARM64, 1 task(s)) | $1.30 |",
        "| data | `data-db` | postgres db.t4g.micro (single-az) | $11.68 |",
        "| data | `data-db` | gp3 storage (single-az) | $2.30 |",
        "| data | `data-master-password-secret` | secret | $0.40 |",
        "| email | `email-identity` | emails sent (usage: 2 × 1,000) | $0.32 |",
        # v1.0's four alarms fit in CloudWatch's free ten; the key is the alert topic's cost.
        "| observability | `alerts-key` | customer managed key | $1.00 |",
        "| stack | `(stack usage)` | S3 Standard storage (usage: 5 GB) | $0.12 |",
        "| stack | `(stack usage)` | Secrets Manager API calls (usage: 1 × 10,000) | $0.05 |",
        "| stack | `(stack usage)` | S3 PUT/COPY/POST/LIST (usage: 10 × 1,000) | $0.05 |",
        "| stack | `(stack usage)` | S3 GET (usage: 100 × 1,000) | $0.04 |",
        "",
        "</details>",
    ]


@pytest.mark.parametrize("graph_name", ["dev_graph", "prod_graph", "scale_graph"])
def test_every_unit_price_is_a_catalogue_entry(graph_name: str, request: pytest.FixtureRequest) -> None:
    graph: ResourceGraph = request.getfixturevalue(graph_name)
    catalogue = load_catalogue(graph.region)
    for line in estimate_graph(graph).lines:
        if line.status == PRICED:
            assert line.price == catalogue.get(line.price.key), line  # type: ignore[union-attr]


@pytest.mark.parametrize("graph_name", ["dev_graph", "prod_graph", "scale_graph"])
def test_every_resource_type_the_program_creates_is_priced_or_known_free(graph_name: str, request: pytest.FixtureRequest) -> None:
    graph: ResourceGraph = request.getfixturevalue(graph_name)
    assert {r.type for r in graph if r.custom} <= set(RULES) | FREE_TYPES


def test_a_region_without_a_figure_lists_the_line_unpriced(prod_graph: ResourceGraph) -> None:
    usage = UsageSettings(**prod_graph.settings["usage"])
    lines = estimate_lines(priced_resources(prod_graph), load_catalogue("ap-southeast-2"), usage)
    alb = [line for line in lines if line.resource == "compute-lb-alb"]
    assert next((line.status, line.monthly, line.note) for line in alb) == (UNPRICED, 0.0, "no price for alb.hour in ap-southeast-2")
    nat = [line for line in lines if line.resource == "network-nat-1" and line.status == PRICED]
    assert [line.monthly for line in nat] == [43.07]  # 0.059 × 730; Sydney's per-GB rate is a gap


def test_an_unknown_type_is_unpriced_not_free(prod_graph: ResourceGraph) -> None:
    from tierup_guardrails.cost.model import PricedResource

    lines = estimate_lines(
        [PricedResource(urn="u", type="aws:ec2/instance:Instance", name="bastion", tier="network", props={})],
        load_catalogue("us-east-1"),
        UsageSettings(**prod_graph.settings["usage"]),
    )
    assert (lines[0].status, lines[0].item, lines[0].note) == (UNPRICED, "not in the estimator", "resource type has no pricing rule")


def test_infracost_json_has_the_schema_fields(prod_graph: ResourceGraph) -> None:
    from datetime import datetime

    document = infracost_json([estimate_graph(prod_graph)], now=datetime(2026, 11, 22, tzinfo=UTC))
    assert (document["version"], document["currency"], document["totalMonthlyCost"], document["timeGenerated"]) == (
        "0.2",
        "USD",
        "118.28",
        "2026-11-22T00:00:00Z",
    )
    (project,) = document["projects"]  # type: ignore[misc]
    alb = next(r for r in project["breakdown"]["resources"] if r["name"] == "compute-lb-alb")
    assert alb["resourceType"] == "aws:lb/loadBalancer:LoadBalancer" and alb["monthlyCost"] == "24.309"
    assert alb["costComponents"][0] == {
        "name": "application load balancer", "unit": "ALB-hours", "hourlyQuantity": "1", "monthlyQuantity": "730", "price": "0.0225",
        "hourlyCost": "0.0225", "monthlyCost": "16.425", "priceNotFound": False,
    }  # fmt: skip
    assert project["summary"]["totalUnsupportedResources"] == 0
    json.dumps(document)


def test_infracost_summary_counts_each_stack(dev_graph: ResourceGraph, prod_graph: ResourceGraph) -> None:
    dev, prod = estimate_graph(dev_graph), estimate_graph(prod_graph)
    single = [infracost_json([e])["summary"]["totalDetectedResources"] for e in (dev, prod)]
    assert infracost_json([dev, prod])["summary"]["totalDetectedResources"] == sum(single)  # type: ignore[index]


def test_alerting_is_priced_per_alarm_metric_after_the_free_tier(dev_graph: ResourceGraph, prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    def alerting(graph: ResourceGraph) -> list[tuple[str, float, float]]:
        return [(line.item, line.quantity, line.monthly) for line in estimate_graph(graph).lines if line.tier == "observability" and line.status == PRICED]

    assert alerting(dev_graph) == [
        ("customer managed key", 1, 1.0),
        ("email deliveries (usage: 50, first 1,000 free)", 0, 0.0),
        ("4 alarms reading 4 metrics (first 10 free)", 0, 0.0),
    ]
    # Metric math is billed per metric it reads: 3 for the 5xx rate, 3 per NAT gateway for drops.
    assert alerting(prod_graph)[-1] == ("13 alarms reading 18 metrics (first 10 free)", 8, 0.8)
    assert alerting(scale_graph)[-1] == ("17 alarms reading 30 metrics (first 10 free)", 20, 2.0)
    dashboard, deliveries = (next(line for line in estimate_graph(prod_graph).lines if line.resource == name) for name in ("alerts-dashboard", "alerts-topic"))
    assert (dashboard.item, dashboard.monthly) == ("dashboard (first 3 free)", 0.0)
    assert (deliveries.item, deliveries.quantity, deliveries.price.key if deliveries.price else None) == (
        "email deliveries (usage: 200, first 1,000 free)", 0, "sns.email_100k"
    )  # fmt: skip


def test_cloudwatch_s_free_tier_covers_ten_metrics_and_five_gb_of_logs(prod_graph: ResourceGraph) -> None:
    lines = {line.item: line for line in estimate_graph(prod_graph).lines}
    assert lines["Container Insights (usage: 10 metrics, first 10 free)"].monthly == 0.0
    ingest = lines["CloudWatch Logs ingestion (usage: 4 GB, first 5 GB of ingestion and storage free)"]
    storage = lines["CloudWatch Logs storage (usage: 4 GB)"]
    assert (ingest.quantity, storage.quantity, storage.monthly) == (0, 3, 0.09)
