"""Each kind of override reaches the settings, in both the YAML and the CLI (string) forms."""

import json

from tierup_guardrails.settings import Architecture, CacheMode, Ingress, NatStrategy, load_settings

BASE = {"tierup:release": "v1.0", "aws:region": "us-east-1"}


def load(**sections: object):
    return load_settings({**BASE, **{f"tierup:{k}": v for k, v in sections.items()}})


def test_object_overrides_from_yaml() -> None:
    s = load(
        network={"natStrategy": "single", "flowLogs": True, "logRetentionDays": 14, "cidr": "10.20.0.0/20"},
        compute={"cpu": 1024, "memory": 4096, "architecture": "X86_64", "ingress": "load-balancer", "minTasks": 2, "maxTasks": 4},
        data={"instanceClass": "db.t4g.small", "multiAz": True, "backupRetentionDays": 21, "maxAllocatedStorageGb": 300},
        cache={"mode": "redis", "nodes": 2},
        budget={"monthlyUsd": 60, "goalUsd": 40.5},
        alerts={"emails": ["ops@example.com"], "dashboard": True},
    )
    assert (s.network.nat_strategy, s.network.flow_logs, s.network.log_retention_days) == (NatStrategy.SINGLE, True, 14)
    assert s.network.cidr == "10.20.0.0/20"
    assert (s.compute.cpu, s.compute.memory, s.compute.architecture, s.compute.ingress) == (1024, 4096, Architecture.X86_64, Ingress.LOAD_BALANCER)
    assert (s.compute.min_tasks, s.compute.max_tasks, s.compute.autoscaling) == (2, 4, True)
    assert (s.data.instance_class, s.data.multi_az, s.data.backup_retention_days, s.data.max_allocated_storage_gb) == ("db.t4g.small", True, 21, 300)
    assert (s.cache.mode, s.cache.nodes) == (CacheMode.REDIS, 2)
    assert (s.budget.monthly_usd, s.budget.goal_usd) == (60.0, 40.5)
    assert (s.alerts.emails, s.alerts.dashboard) == (("ops@example.com",), True)


def test_object_overrides_as_the_cli_passes_them() -> None:
    # The CLI hands objects to the program as JSON text, and --path scalars may arrive as strings.
    s = load(network=json.dumps({"azCount": "3", "flowLogs": "true"}), compute=json.dumps({"minTasks": "1", "maxTasks": "3"}))
    assert (s.network.az_count, s.network.availability_zones) == (3, ("use1-az1", "use1-az2", "use1-az4"))
    assert s.network.flow_logs is True
    assert (s.compute.min_tasks, s.compute.max_tasks) == (1, 3)


def test_pinned_zones_set_the_count() -> None:
    s = load(network={"availabilityZones": ["us-east-1b", "us-east-1c", "us-east-1d"]})
    assert (s.network.az_count, s.network.availability_zones) == (3, ("us-east-1b", "us-east-1c", "us-east-1d"))


def test_overrides_leave_other_fields_at_the_profile() -> None:
    s = load(compute={"maxTasks": 3})
    assert (s.compute.cpu, s.compute.memory, s.compute.min_tasks, s.compute.max_tasks) == (256, 512, 1, 3)


def test_keys_of_other_namespaces_are_ignored() -> None:
    assert load_settings({**BASE, "aws:profile": "work", "app:token": "[secret]"}).release.value == "v1.0"


def test_app_overrides() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-AbCdEf"
    s = load(app={"image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:1.4.2", "port": 3000, "healthCheckPath": "/healthz",
                  "environment": {"NODE_ENV": "production", "WORKERS": 4}, "secrets": {"STRIPE_KEY": arn}, "user": "1000:1000",
                  "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0f2b3c4d-1111-2222-3333-444455556666"})  # fmt: skip
    assert (s.app.image, s.app.port, s.app.health_check_path, s.app.user) == (
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:1.4.2",
        3000,
        "/healthz",
        "1000:1000",
    )
    assert s.app.environment == (("NODE_ENV", "production"), ("WORKERS", "4"))
    assert s.app.secrets == (("STRIPE_KEY", arn),)
    assert s.app.certificate_arn == "arn:aws:acm:us-east-1:123456789012:certificate/0f2b3c4d-1111-2222-3333-444455556666"


def test_app_defaults_run_the_unprivileged_placeholder() -> None:
    app = load().app
    assert (app.image, app.port, app.health_check_path, app.user, app.environment, app.secrets, app.certificate_arn) == (
        "public.ecr.aws/nginx/nginx-unprivileged:stable-alpine",
        8080,
        "/",
        "101",
        (),
        (),
        None,
    )
