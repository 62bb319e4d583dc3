"""advise, audit, endpoint and spend against moto in server mode (and, where moto cannot model
Fargate task networking, ECS calls stubbed in AWS's response shape)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from botocore.stub import Stubber

from tests.ops import seed
from tests.ops.conftest import run_tierup
from tierup.ops.discovery import LiveStack
from tierup.ops.endpoint import endpoint
from tierup_guardrails.settings import Release


def advise(project_dir: Path, moto_url: str) -> dict:
    result = run_tierup(project_dir, "advise", "prod", "--endpoint-url", moto_url, "--format", "json")
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return json.loads(result.stdout)


def verdicts(document: dict) -> dict[str, str]:
    return {rule["rule"]: rule["verdict"] for rule in document["rules"]}


def test_busy_database_cpu_recommends_v2_0_with_its_cost(aws: Any, moto_url: str, project_dir: Path) -> None:
    seed.production(aws)
    seed.hourly_metric(aws, "AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": "tierup-prod-db"}, [82.0] * 48)
    document = advise(project_dir, moto_url)
    assert verdicts(document)["db-cpu-above-70"] == "TRIGGERED" and verdicts(document)["db-cpu-above-60"] == "TRIGGERED"
    (cpu,) = [r for r in document["rules"] if r["rule"] == "db-cpu-above-70"]
    assert cpu["measured"] == "mean 82.0%, above 70% in 100% of hours"
    assert document["recommendation"] == {"release": "v2.0", "monthly": 302.91, "command": "pulumi config set -s prod tierup:release v2.0"}


def test_quiet_metrics_recommend_staying(aws: Any, moto_url: str, project_dir: Path) -> None:
    seed.production(aws)
    seed.hourly_metric(aws, "AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": "tierup-prod-db"}, [12.0] * 48)
    seed.hourly_metric(aws, "AWS/RDS", "DatabaseConnections", {"DBInstanceIdentifier": "tierup-prod-db"}, [4.0] * 48)
    document = advise(project_dir, moto_url)
    assert (verdicts(document)["db-cpu-above-70"], verdicts(document)["db-conns-above-50"], document["recommendation"]) == ("ok", "ok", None)
    table = run_tierup(project_dir, "advise", "prod", "--endpoint-url", moto_url).stdout
    assert "  recommendation: stay on v1.5; no rule calls for more (rules without data are not counted)" in table.splitlines()


def test_the_tables_fit_100_columns(aws: Any, moto_url: str, project_dir: Path) -> None:
    seed.production(aws)
    seed.database(aws, "dev", multi_az=False)
    seed.hourly_metric(aws, "AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": "tierup-prod-db"}, [82.0] * 48)
    outputs = {
        f"{command} {stack}": run_tierup(project_dir, command, stack, "--endpoint-url", moto_url).stdout
        for command in ("advise", "audit")
        for stack in ("dev", "prod")
    }
    assert [f"{name}: {line}" for name, text in outputs.items() for line in text.splitlines() if len(line) > 100] == []
    assert outputs["advise prod"].splitlines()[1:4] == [
        "  rule                                               verdict           measured",
        "  database CPU stays above 70%                       TRIGGERED → v2.0  mean 82.0%, above 70% in 100%",
        "                                                                       of hours",
    ]
    assert outputs["advise prod"].splitlines()[-5:] == [
        "  recommendation: move to v2.0 (add a cache (ElastiCache arrives with v2.0), scale the database",
        "                  (larger class, read replica, proxy))",
        "  its estimate: $302.91/month against a budget of $350.00 (now $118.28)",
        "  the change: `pulumi config set -s prod tierup:release v2.0` (then",
        "              `tierup diff prod --to-release v2.0`)",
    ]


def test_missing_metrics_say_no_data_never_zero(aws: Any, moto_url: str, project_dir: Path) -> None:
    seed.production(aws)
    document = advise(project_dir, moto_url)
    assert set(verdicts(document).values()) == {"no data"}
    assert {r["measured"] for r in document["rules"]} >= {"no data", "no data (the cache is PostgreSQL; no hit-rate metric)"}


def test_a_compliant_production_account_passes_the_audit(aws: Any, moto_url: str, project_dir: Path) -> None:
    seed.production(aws)
    result = run_tierup(project_dir, "audit", "prod", "--endpoint-url", moto_url)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[-1] == "  no drift: the account keeps every promise of the release"


def test_a_single_az_database_under_v1_5_is_drift(aws: Any, moto_url: str, project_dir: Path) -> None:
    seed.production(aws, multi_az=False)
    result = run_tierup(project_dir, "audit", "prod", "--endpoint-url", moto_url)
    assert result.returncode == 1
    drift = [line.split() for line in result.stdout.splitlines() if line.rstrip().endswith("DRIFT")]
    assert drift == [["tierup-prod-db:", "Multi-AZ", "yes", "no", "DRIFT"]]
    assert result.stdout.splitlines()[-1] == "  1 drift(s) from the release's promises"


def test_a_public_or_unversioned_bucket_under_v1_5_is_drift(aws: Any, moto_url: str, project_dir: Path) -> None:
    seed.production(aws, uploads_blocked=False, uploads_versioned=False)
    result = run_tierup(project_dir, "audit", "prod", "--endpoint-url", moto_url)
    assert result.returncode == 1
    drift = [line.split() for line in result.stdout.splitlines() if line.rstrip().endswith("DRIFT")]
    assert drift == [
        ["storage-uploads-1234567:", "public", "access", "blocked", "yes", "no", "DRIFT"],
        ["storage-uploads-1234567:", "versioning", "Enabled", "Disabled", "DRIFT"],
    ]
    # The other stack's bucket is not this stack's business.
    assert "storage-uploads-other" not in result.stdout


def test_the_endpoint_of_a_v1_5_stack_is_its_load_balancer(aws: Any, moto_url: str, project_dir: Path) -> None:
    stack = seed.production(aws)
    result = run_tierup(project_dir, "endpoint", "prod", "--endpoint-url", moto_url)
    assert (result.returncode, result.stdout) == (0, f"http://{stack['dns']}\n")


def test_the_endpoint_of_a_v1_0_stack_is_its_task_public_ip(aws: Any) -> None:
    # moto models the network interface and its public address; it cannot run an awsvpc
    # Fargate task, so ListTasks and DescribeTasks are stubbed in the ECS API's shape.
    ec2 = aws("ec2")
    subnet = seed.network(aws, "dev", nat_gateways=0)[0]
    interface = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    allocation = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=allocation["AllocationId"], NetworkInterfaceId=interface)
    task_definition = "arn:aws:ecs:us-east-1:123456789012:task-definition/tierup-dev-app:3"
    service = {"serviceName": "compute-service", "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/compute-cluster", "loadBalancers": [],
               "taskDefinition": task_definition}  # fmt: skip
    task_arn = "arn:aws:ecs:us-east-1:123456789012:task/compute-cluster/0123456789abcdef"
    ecs = aws("ecs")
    with Stubber(ecs) as stub:
        stub.add_response(
            "list_tasks", {"taskArns": [task_arn]}, {"cluster": service["clusterArn"], "serviceName": "compute-service", "desiredStatus": "RUNNING"}
        )
        stub.add_response(
            "describe_tasks",
            {
                "tasks": [
                    {
                        "taskArn": task_arn,
                        "lastStatus": "RUNNING",
                        "attachments": [
                            {
                                "id": "a1",
                                "type": "ElasticNetworkInterface",
                                "status": "ATTACHED",
                                "details": [{"name": "subnetId", "value": subnet}, {"name": "networkInterfaceId", "value": interface}],
                            }
                        ],
                    }
                ],
                "failures": [],
            },
            {"cluster": service["clusterArn"], "tasks": [task_arn]},
        )
        stub.add_response(
            "describe_task_definition",
            {
                "taskDefinition": {
                    "taskDefinitionArn": task_definition,
                    "containerDefinitions": [{"name": "app", "portMappings": [{"containerPort": 8080, "protocol": "tcp"}]}],
                }
            },
            {"taskDefinition": task_definition},
        )
        live = LiveStack(project="tierup", stack="dev", region="us-east-1", services=[service])
        assert endpoint(live, ecs, ec2) == f"http://{allocation['PublicIp']}:8080"


def test_spend_reads_cost_explorer_beside_the_estimate(aws: Any, moto_url: str, project_dir: Path) -> None:
    import urllib.request

    results = {"results": [
        {"ResultsByTime": [{"TimePeriod": {"Start": "2026-11-01", "End": "2026-11-22"}, "Total": {"UnblendedCost": {"Amount": "84.10", "Unit": "USD"}}, "Groups": [], "Estimated": True}]},
        {"ResultsByTime": [{"TimePeriod": {"Start": "2026-10-01", "End": "2026-11-01"}, "Total": {"UnblendedCost": {"Amount": "118.37", "Unit": "USD"}}, "Groups": [], "Estimated": False}]},
    ]}  # fmt: skip
    request = urllib.request.Request(f"{moto_url}/moto-api/static/ce/cost-and-usage-results", data=json.dumps(results).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    urllib.request.urlopen(request, timeout=10).read()
    result = run_tierup(project_dir, "spend", "prod", "--endpoint-url", moto_url)
    assert (result.returncode, result.stderr) == (0, "")
    rows = {line.rsplit("  ", 1)[0].strip(): line.rsplit("  ", 1)[1].strip() for line in result.stdout.splitlines()[2:]}
    assert max(len(line) for line in result.stdout.splitlines()) <= 100
    assert rows["month to date (estimated by AWS)"] == "$84.10" and rows["last month"] == "$118.37" and rows["tierup estimate"] == "$118.28"


def test_no_credentials_is_one_line(project_dir: Path, tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
           "AWS_EC2_METADATA_DISABLED": "true"}  # fmt: skip
    result = run_tierup(project_dir, "audit", "prod", env=env)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "tierup: prod: no AWS credentials found; configure them (aws configure, AWS_PROFILE) or pass --endpoint-url for an emulator\n"


def test_an_unreachable_endpoint_is_one_line(project_dir: Path) -> None:
    result = run_tierup(project_dir, "endpoint", "prod", "--endpoint-url", "http://127.0.0.1:9")
    assert (result.returncode, result.stderr) == (2, "tierup: prod: cannot reach http://127.0.0.1:9; check the network or --endpoint-url\n")


def test_an_empty_account_is_one_line(aws: Any, moto_url: str, project_dir: Path) -> None:
    result = run_tierup(project_dir, "advise", "prod", "--endpoint-url", moto_url)
    assert (result.returncode, result.stderr) == (
        2, "tierup: prod: no resources tagged Project=tierup, Stack=prod in us-east-1; deploy the stack first (pulumi up -s prod)\n",
    )  # fmt: skip


def test_an_mvp_is_told_that_v1_5_is_a_business_decision(aws: Any, moto_url: str, project_dir: Path) -> None:
    seed.database(aws, "dev", multi_az=False)
    result = run_tierup(project_dir, "advise", "dev", "--endpoint-url", moto_url, "--format", "json")
    assert result.returncode == 0, result.stderr
    rules = {rule["rule"]: rule for rule in json.loads(result.stdout)["rules"]}
    assert rules["paying-users"]["measured"] == "no data (a business decision: move when users pay and expect uptime)"
    assert rules["paying-users"]["recommends"] == "v1.5" and json.loads(result.stdout)["recommendation"] is None
    assert rules["regional-sla"]["measured"] == "no data (a business decision: move when an SLA or a regulator asks for a second region)"
    assert rules["regional-sla"]["recommends"] == "v3.0"


def test_an_account_without_the_budget_is_drift(aws: Any, moto_url: str, project_dir: Path) -> None:
    seed.database(aws, "prod", multi_az=True)
    subnets = seed.network(aws, "prod", nat_gateways=1)
    seed.service(aws, "prod", subnets, public_ip=False, maximum=6)
    seed.load_balancer(aws, "prod", subnets, waf=True)
    seed.alerting(aws, "prod", Release.V1_5)
    result = run_tierup(project_dir, "audit", "prod", "--endpoint-url", moto_url)
    assert result.returncode == 1
    assert [line.split() for line in result.stdout.splitlines() if line.rstrip().endswith("DRIFT")] == [
        ["budget", "filtered", "on", "user:Stack$prod", "yes", "no", "DRIFT"]
    ]


def test_a_missing_cache_under_v2_0_is_drift() -> None:
    from tierup.ops.audit import _cache
    from tierup_guardrails.settings import load_settings
    from tierup_guardrails.settings.guardrails import guardrails_for

    rails = guardrails_for(load_settings({"tierup:release": "v2.0", "aws:region": "us-east-1"}))
    (finding,) = _cache(LiveStack(project="tierup", stack="scale", region="us-east-1"), rails)
    assert (finding.item, finding.expected, finding.actual, finding.verdict) == ("ElastiCache replication group", "yes", "no", "DRIFT")


def test_an_impossible_window_is_one_line(project_dir: Path) -> None:
    result = run_tierup(project_dir, "advise", "prod", "--days", "90")
    assert (result.returncode, result.stderr) == (2, "tierup: --days: 90 is out of range; allowed: 1 to 60\n")


def drift_of(result: Any) -> list[list[str]]:
    return [line.split() for line in result.stdout.splitlines() if line.rstrip().endswith("DRIFT")]


def test_a_missing_or_switched_off_alarm_is_drift(aws: Any, moto_url: str, project_dir: Path) -> None:
    seed.database(aws, "prod", multi_az=True)
    subnets = seed.network(aws, "prod", nat_gateways=1)
    seed.service(aws, "prod", subnets, public_ip=False, maximum=6)
    seed.load_balancer(aws, "prod", subnets, waf=True)
    seed.budget(aws, "prod")
    seed.alerting(aws, "prod", Release.V1_5, skip=("db-cpu-above-70",))
    aws("cloudwatch").disable_alarm_actions(AlarmNames=["tierup-prod-nat-port-errors"])
    result = run_tierup(project_dir, "audit", "prod", "--endpoint-url", moto_url)
    assert result.returncode == 1
    assert drift_of(result) == [["alarm", "db-cpu-above-70", "on", "missing", "DRIFT"], ["alarm", "nat-port-errors", "on", "actions", "disabled", "DRIFT"]]
    assert max(len(line) for line in result.stdout.splitlines()) <= 100


def test_an_alarm_without_data_for_more_than_a_day_is_drift(aws: Any, moto_url: str, project_dir: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from tierup.ops.audit import audit
    from tierup.ops.aws import Aws
    from tierup.ops.commands import target
    from tierup.ops.discovery import discover
    from tierup_guardrails.settings.guardrails import guardrails_for

    seed.production(aws)
    aws("cloudwatch").set_alarm_state(AlarmName="tierup-prod-latency-above-1s", StateValue="INSUFFICIENT_DATA", StateReason="no requests yet")
    stack = target(project_dir, "prod", moto_url)
    live = discover(Aws("us-east-1", moto_url), "tierup", "prod")
    clients = {"waf": aws("wafv2"), "budgets": aws("budgets"), "account": aws("sts").get_caller_identity()["Account"]}
    today = audit(live, stack.settings, guardrails_for(stack.settings), **clients)
    assert [f.item for f in today if f.verdict == "DRIFT"] == []
    in_two_days = audit(live, stack.settings, guardrails_for(stack.settings), **clients, now=datetime.now(UTC) + timedelta(days=2, hours=1))
    assert [(f.item, f.expected, f.actual) for f in in_two_days if f.verdict == "DRIFT"] == [("alarm latency-above-1s", "on", "no data for 2 day(s)")]


def test_an_unencrypted_topic_or_an_unconfirmed_address_is_drift() -> None:
    from tierup.ops.audit import _topic
    from tierup_guardrails.settings import load_settings

    settings = load_settings({"tierup:release": "v1.5", "aws:region": "us-east-1", "tierup:alerts": {"emails": ["ops@example.com"]}})
    pending = {"Protocol": "email", "SubscriptionArn": "PendingConfirmation", "Endpoint": "ops@example.com"}
    live = LiveStack(project="tierup", stack="prod", region="us-east-1", topics=[{"TopicArn": "t", "Attributes": {}, "Subscriptions": [pending]}])
    assert [(f.item, f.expected, f.actual, f.verdict) for f in _topic(live, settings)] == [
        ("alert topic: KMS-encrypted", "yes", "no", "DRIFT"),
        ("alert topic: confirmed email subscriptions", "1", "0", "DRIFT"),
    ]
    assert [(f.item, f.verdict) for f in _topic(LiveStack(project="tierup", stack="prod", region="us-east-1"), settings)] == [("alert topic", "DRIFT")]
