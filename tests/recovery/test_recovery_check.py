"""v3.0 as a user runs it: `tierup check`, `tierup synth` and `tierup diff` on prod moved up, and
the settings' one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from components.recovery_tier import image_in_region
from tests.conftest import make_project
from tierup.synth.runner import synthesize
from tierup_guardrails.settings import ConfigError, load_settings
from tierup_guardrails.settings.recovery import default_recovery_region

V3 = {"aws:region": "us-east-1", "tierup:release": "v3.0", "tierup:dr": {"domain": "api.example.org"}}
EAST_CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f2b3c4d-1111-2222-3333-444455556666"
WEST_CERTIFICATE = "arn:aws:acm:us-west-2:123456789012:certificate/0f2b3c4d-1111-2222-3333-444455556667"


def tierup(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tierup.cli", *args], cwd=cwd, capture_output=True, text=True, check=False)


def test_prod_at_v3_0_passes_its_guardrails_within_the_budget(project_dir: Path) -> None:
    result = tierup(project_dir, "check", "prod", "--release", "v3.0")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "guardrails: PASS" in result.stdout
    assert "    internet → dr-compute-lb-alb:80 → dr-compute-service:8080 → dr-aurora:5432\n" in result.stdout
    assert "dr-compute-service → internet" not in result.stdout  # a passive standby promises no way out
    lines = result.stdout.splitlines()
    cost = lines.index("  cost: $465.80/month · budget $700.00 (within budget, headroom $234.20)")
    assert lines[cost + 1 : cost + 3] == [
        "        goal $600.00 (meets the goal) · ceiling at full scale $1,951.71",
        "        roadmap band $500.00–$700.00 (below it)",
    ]


def test_the_replicas_are_priced_in_the_recovery_region(project_dir: Path) -> None:
    result = tierup(project_dir, "cost", "prod", "--release", "v3.0", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert '"S3 Standard storage of the replicas (usage: 100 GB)' in result.stdout


def test_synth_shows_both_regions(project_dir: Path) -> None:
    result = tierup(project_dir, "synth", "prod", "--release", "v3.0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "prod · release v3.0 · us-east-1 · 2 AZs (use1-az1, use1-az2) · 2 NAT gateways",
        "  recovery us-west-2 (passive, 69 resources) · 216 resources",
    ]


def test_the_one_shot_jump_is_danger_with_the_runbook(project_dir: Path) -> None:
    result = tierup(project_dir, "diff", "prod", "--to-release", "v3.0")
    assert result.returncode == 3, result.stderr
    assert "  migration runbook: RDS → Aurora, one reviewed step at a time · prod is at step 0; this change\n" in result.stdout
    assert "        pulumi config set -s prod --path tierup:data.migration replicating\n" in result.stdout
    assert "        aws rds promote-read-replica-db-cluster --db-cluster-identifier tierup-prod-aurora\n" in result.stdout


@pytest.mark.parametrize(
    ("primary", "recovery"),
    [
        ("ap-southeast-2", "ap-southeast-1"),
        ("ap-southeast-1", "ap-southeast-2"),
        ("us-east-1", "us-west-2"),
        ("us-west-2", "us-east-1"),
        ("eu-west-2", "eu-west-1"),
    ],
)
def test_the_default_recovery_region_is_the_primarys_neighbour(primary: str, recovery: str) -> None:
    assert default_recovery_region(primary) == recovery
    assert load_settings({**V3, "aws:region": primary}).dr.region == recovery


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {**V3, "tierup:release": "v2.0", "tierup:dr": {"enabled": True}},
            "tierup:dr.enabled: true is only allowed from v3.0 (a second region costs about $150/month); allowed: false, or tierup:release v3.0",
        ),
        (
            {**V3, "tierup:release": "v2.0", "tierup:data": {"engine": "aurora-postgresql"}},
            'tierup:data.engine: "aurora-postgresql" is only allowed from v3.0; allowed: postgres, or tierup:release v3.0',
        ),
        (
            {**V3, "tierup:data": {"engine": "postgres"}},
            "tierup:dr.enabled: true needs the Aurora global database, and tierup:data.engine is postgres; allowed: false, or engine aurora-postgresql",
        ),
        (
            {**V3, "tierup:release": "v2.0", "tierup:data": {"migration": "replicating"}},
            'tierup:data.migration: "replicating" moves the data to Aurora, and tierup:data.engine is postgres; allowed: none',
        ),
        (
            {**V3, "tierup:data": {"auroraMinAcu": 4, "auroraMaxAcu": 2}},
            "tierup:data.auroraMaxAcu: 2 is below auroraMinAcu 4; allowed: a number from 4 to 256",
        ),
        (
            {**V3, "tierup:dr": {"domain": "api.example.org", "region": "us-east-1"}},
            'tierup:dr.region: "us-east-1" is the stack\'s own region; allowed: another region than us-east-1',
        ),
        (
            {**V3, "tierup:dr": {}},
            "tierup:dr.domain: missing; allowed: the app's host name that Route 53 fails over, such as api.example.com",
        ),
        (
            {**V3, "tierup:dr": {"domain": "api.example.org", "cidr": "10.0.128.0/17"}},
            'tierup:dr.cidr: "10.0.128.0/17" overlaps tierup:network.cidr 10.0.0.0/16; allowed: a private range apart from it, such as 10.1.0.0/16',
        ),
        (
            {**V3, "tierup:app": {"certificateArn": EAST_CERTIFICATE}},
            "tierup:dr.certificateArn: missing; allowed: an ACM certificate ARN in us-west-2 covering api.example.org (tierup:app.certificateArn serves HTTPS)",
        ),
        (
            {**V3, "tierup:dr": {"domain": "api.example.org", "certificateArn": EAST_CERTIFICATE}},
            f'tierup:dr.certificateArn: "{EAST_CERTIFICATE}" is not in the recovery region us-west-2; allowed: an ACM certificate ARN in us-west-2',
        ),
        (
            {**V3, "tierup:storage": {"versioning": False}},
            "tierup:storage.versioning: false cannot replicate the buckets to the recovery region (S3 needs versioning); allowed: true",
        ),
        (
            {**V3, "tierup:dr": {"domain": "api.example.org", "standby": "warm"}},
            'tierup:dr.standby: "warm" is not allowed; allowed: passive, active',
        ),
    ],
)
def test_bad_recovery_settings_are_one_line_errors(config: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:1.4", "123456789012.dkr.ecr.us-west-2.amazonaws.com/shop:1.4"),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/shop@sha256:abc", "123456789012.dkr.ecr.us-west-2.amazonaws.com/team/shop@sha256:abc"),
        ("public.ecr.aws/nginx/nginx-unprivileged:stable-alpine", "public.ecr.aws/nginx/nginx-unprivileged:stable-alpine"),
    ],
)
def test_the_standby_pulls_a_private_image_from_its_own_region(image: str, expected: str) -> None:
    assert image_in_region(image, "us-west-2") == expected


def test_with_https_the_standby_serves_https_and_the_health_check_probes_it(tmp_path: Path) -> None:
    stack = (
        f"config:\n  aws:region: us-east-1\n  tierup:release: v3.0\n  tierup:app:\n    certificateArn: {EAST_CERTIFICATE}\n"
        f"  tierup:dr:\n    domain: api.example.org\n    certificateArn: {WEST_CERTIFICATE}\n"
    )
    graph = synthesize(make_project(tmp_path / "tls", {"tls": stack}), "tls")
    listeners = {r.name: r.inputs for r in graph.of_type("aws:lb/listener:Listener") if graph.region_of(r) == "us-west-2"}
    assert listeners["dr-compute-lb-https"]["certificateArn"] == WEST_CERTIFICATE
    health = next(r for r in graph if r.name == "failover-primary-health")
    assert (health.inputs["type"], health.inputs["port"]) == ("HTTPS", 443)
