"""`tierup diff` as a user runs it: release upgrades on the real stacks, and seeded dangers
in a temporary git repository compared with --base."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR
from tierup.diff.compare import PropertyChange, alias_urns, compare, property_changes
from tierup.diff.report import property_lines
from tierup.synth.graph import Resource, ResourceGraph, ResourceOptions

COPIED = ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "__main__.py", "pyproject.toml", "tierup", "components", "policies", "migrations")


def tierup(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tierup.cli", *args], cwd=cwd, capture_output=True, text=True, check=False)


def diff_json(cwd: Path, *args: str) -> tuple[int, dict]:
    result = tierup(cwd, "diff", *args, "--format", "json")
    assert result.stderr == "", result.stderr
    return result.returncode, json.loads(result.stdout)["diffs"][0]


def names(diff: dict, kind: str) -> set[str]:
    return {c["name"] for c in diff["changes"] if c["kind"] == kind}


def test_v1_0_to_v1_5_adds_the_edge_and_changes_the_database_in_place(project_dir: Path) -> None:
    code, diff = diff_json(project_dir, "dev", "--to-release", "v1.5")
    assert code == 0
    added_types = {c["type"] for c in diff["changes"] if c["kind"] == "added"}
    assert {
        "aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip", "aws:lb/loadBalancer:LoadBalancer", "aws:lb/listener:Listener",
        "aws:lb/targetGroup:TargetGroup", "aws:wafv2/webAcl:WebAcl", "aws:wafv2/webAclAssociation:WebAclAssociation", "aws:appautoscaling/target:Target",
    } <= added_types  # fmt: skip
    (database,) = [c for c in diff["changes"] if c["name"] == "data-db"]
    assert (database["kind"], database["severity"]) == ("changed", "WARN")
    assert {"path": "multiAz", "old": False, "new": True} in database["properties"]
    assert names(diff, "deleted") == set() and not [c for c in diff["changes"] if c["severity"] == "DANGER"]
    assert (diff["cost"], diff["policiesPassed"]) == ({"old": 26.81, "new": 118.28, "delta": 91.47}, True)
    assert any("create-db-snapshot --db-instance-identifier tierup-dev-db" in step for step in diff["checklist"]["before"])


def test_v1_5_to_v2_0_adds_replica_proxy_cache_and_a_second_nat(project_dir: Path) -> None:
    code, diff = diff_json(project_dir, "prod", "--to-release", "v2.0")
    assert code == 0
    assert {"data-replica", "data-proxy-proxy", "cache-group", "network-nat-2", "network-nat-eip-2"} <= names(diff, "added")
    assert names(diff, "deleted") == set()
    (database,) = [c for c in diff["changes"] if c["name"] == "data-db"]
    assert database["severity"] == "WARN" and database["reasons"][0].startswith("changing the instance class restarts the database")
    assert diff["cost"]["delta"] == round(302.91 - 118.28, 2)


def test_the_table_report_collapses_retagging(project_dir: Path) -> None:
    result = tierup(project_dir, "diff", "dev", "--to-release", "v1.5")
    assert result.returncode == 0
    assert "  changed (48), of which 39 only retagged (tags.Release and the like)" in result.stdout.splitlines()
    assert "  DANGER: 0 (no data at risk)" in result.stdout.splitlines()


def test_a_changed_value_is_shown_whole_wrapped_under_itself() -> None:
    arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/compute-lb-targets/0123456789abcdef"
    change = PropertyChange("loadBalancers", [], [{"containerPort": 8080, "containerName": "app", "targetGroupArn": arn}])
    assert property_lines(change) == [
        "      loadBalancers: []",
        '                     → [{"containerPort": 8080, "containerName": "app", "targetGroupArn": "arn:aws:',
        "                       elasticloadbalancing:us-east-1:123456789012:targetgroup/compute-lb-targets/",
        '                       0123456789abcdef"}]',
    ]
    assert property_lines(PropertyChange("multiAz", False, True)) == ["      multiAz: false → true"]


def test_a_long_path_s_values_continue_under_the_path() -> None:
    old = ["arn:aws:ssm:us-east-1:123456789012:parameter/tierup/prod/db/host"]
    change = PropertyChange("containerDefinitions[0].secrets[0].valueFrom", old, [*old, "arn:aws:ssm:us-east-1:123456789012:parameter/tierup/prod/cache/host"])
    assert property_lines(change) == [
        '      containerDefinitions[0].secrets[0].valueFrom: ["arn:aws:ssm:us-east-1:123456789012:parameter/',
        '          tierup/prod/db/host"]',
        '          → ["arn:aws:ssm:us-east-1:123456789012:parameter/tierup/prod/db/host",',
        '            "arn:aws:ssm:us-east-1:123456789012:parameter/tierup/prod/cache/host"]',
    ]


def test_a_diff_without_changes_says_so_and_has_no_checklist(project_dir: Path) -> None:
    from tierup.diff.command import diff_to_release
    from tierup.diff.report import render_diff_json, render_diff_markdown, render_diff_text

    same = diff_to_release(project_dir, "dev", "v1.0")
    text = render_diff_text([same]).splitlines()
    assert text[:3] == [
        "diff dev: release v1.0 → v1.0",
        "  no changes: both sides build the same resources with the same inputs",
        "  cost: $26.81/month, unchanged",
    ]
    assert text[3].startswith("  guardrails: PASS") and "  migration checklist:" not in text
    assert render_diff_markdown([same]).splitlines()[2:] == [
        "### :white_check_mark: `dev`: dev at v1.0 → release v1.0",
        "",
        "No changes: both sides build the same resources with the same inputs. Cost: $26.81/month, unchanged.",
    ]
    document = json.loads(render_diff_json([same]))["diffs"][0]
    assert (document["changes"], document["checklist"]) == ([], {"before": [], "downtime": [], "after": [], "rollback": []})


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A git repository holding a copy of the project, its stacks committed."""
    root = tmp_path_factory.mktemp("repo")
    for name in COPIED:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__", ".venv", "*.egg-info"))
        else:
            shutil.copy(source, root / name)
    (root / "Pulumi.scale.yaml").write_text("config:\n  aws:region: us-east-1\n  tierup:release: v2.0\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git[:1], "init", "-q", str(root)], check=True)
    subprocess.run([*git, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(root), "commit", "-q", "-m", "base"], check=True)
    (root / "README.md").write_text("second commit\n")
    subprocess.run([*git, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(root), "commit", "-q", "-m", "docs"], check=True)
    yield root


@pytest.fixture()
def workspace(repo: Path) -> Iterator[Path]:
    yield repo
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "--", "."], check=True)
    subprocess.run(["git", "-C", str(repo), "clean", "-qfd", "-e", "README.md"], check=True)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def dangers(diff: dict) -> list[tuple[str, str]]:
    return sorted((c["kind"], c["name"]) for c in diff["changes"] if c["severity"] == "DANGER")


def test_an_unchanged_tree_against_an_older_commit_is_empty(workspace: Path) -> None:
    code, diff = diff_json(workspace, "dev", "--base", "HEAD~1")
    assert (code, diff["changes"], diff["base"]) == (0, [], "dev at HEAD~1")


def test_renaming_the_database_component_without_an_alias_is_danger(workspace: Path) -> None:
    edit(workspace / "__main__.py", 'database = DataTier(\n    "data",', 'database = DataTier(\n    "database",')
    code, diff = diff_json(workspace, "dev", "--base", "HEAD")
    assert code == 3
    assert ("deleted", "data-db") in dangers(diff) and ("deleted", "data-params") in dangers(diff) and ("deleted", "data-subnets") in dangers(diff)


def test_a_renamed_database_with_an_alias_is_clean(workspace: Path) -> None:
    edit(
        workspace / "components" / "data_tier.py",
        '            child_name(self._name, "db"),\n            identifier=identifier,',
        '            child_name(self._name, "primary"),\n            identifier=identifier,',
    )
    edit(workspace / "components" / "data_tier.py", "                protect=protect,\n                depends_on=log_groups,",
         '                protect=protect,\n                aliases=[pulumi.Alias(name=child_name(self._name, "db"))],\n                depends_on=log_groups,')  # fmt: skip
    code, diff = diff_json(workspace, "dev", "--base", "HEAD")
    assert (code, dangers(diff)) == (0, [])
    (renamed,) = [c for c in diff["changes"] if c["name"] == "data-primary"]
    assert (renamed["kind"], renamed["oldUrn"]) == ("changed", "urn:pulumi:dev::tierup::tierup:index:DataTier$aws:rds/instance:Instance::data-db")


def test_turning_off_storage_encryption_is_danger(workspace: Path) -> None:
    edit(workspace / "components" / "data_tier.py", '"storage_encrypted": True,', '"storage_encrypted": False,')
    code, diff = diff_json(workspace, "dev", "--base", "HEAD")
    assert (code, dangers(diff)) == (3, [("changed", "data-db")])
    (database,) = [c for c in diff["changes"] if c["name"] == "data-db"]
    assert database["reasons"] == ["storageEncrypted changes: the provider replaces the Instance (data lost)"]


def test_moving_the_database_to_another_subnet_group_is_danger(workspace: Path) -> None:
    edit(workspace / "components" / "data_tier.py", 'child_name(name, "subnets"), subnet_ids=', 'child_name(name, "db-subnets"), subnet_ids=')
    code, diff = diff_json(workspace, "dev", "--base", "HEAD")
    assert code == 3
    assert dangers(diff) == [("changed", "data-db"), ("deleted", "data-subnets")]
    (database,) = [c for c in diff["changes"] if c["name"] == "data-db"]
    assert "dbSubnetGroupName changes: the provider replaces the Instance (data lost)" in database["reasons"]


def test_removing_the_cache_replication_group_is_danger(workspace: Path) -> None:
    (workspace / "Pulumi.scale.yaml").write_text("config:\n  aws:region: us-east-1\n  tierup:release: v2.0\n  tierup:cache:\n    mode: postgres\n")
    code, diff = diff_json(workspace, "scale", "--base", "HEAD")
    assert code == 3
    assert ("deleted", "cache-group") in dangers(diff) and ("deleted", "cache-auth-token-secret") in dangers(diff)


def test_deleting_a_bucket_is_danger(workspace: Path, repo: Path) -> None:
    bucket = '\nimport pulumi_aws as aws\n\naws.s3.Bucket("uploads", tags=tags.for_resource("stack", "uploads"))\n'
    (workspace / "__main__.py").write_text((workspace / "__main__.py").read_text() + bucket)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(repo), "commit", "-qam", "uploads bucket"], check=True)
    try:
        subprocess.run(["git", "-C", str(repo), "checkout", "-q", "HEAD~1", "--", "__main__.py"], check=True)
        code, diff = diff_json(workspace, "dev", "--base", "HEAD")
        assert (code, dangers(diff)) == (3, [("deleted", "uploads")])
    finally:
        subprocess.run(["git", "-C", str(repo), "reset", "-q", "--hard", "HEAD~1"], check=True)


def test_an_unknown_base_is_one_line(workspace: Path) -> None:
    result = tierup(workspace, "diff", "dev", "--base", "no-such-ref")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"tierup: --base no-such-ref: no such commit in {workspace}\n"


def test_alias_specs_resolve_to_old_urns() -> None:
    resource = Resource(
        urn="urn:pulumi:dev::tierup::tierup:index:DataTier$aws:rds/instance:Instance::data-primary", type="aws:rds/instance:Instance", name="data-primary",
        parent="urn:pulumi:dev::tierup::tierup:index:DataTier::data", custom=True, id=None, inputs={}, outputs={},
        options=ResourceOptions(aliases=("name=data-db", "name=db,noParent", "urn:pulumi:dev::tierup::aws:rds/instance:Instance::legacy")), dependencies=(),
    )  # fmt: skip
    assert alias_urns(resource) == [
        "urn:pulumi:dev::tierup::tierup:index:DataTier$aws:rds/instance:Instance::data-db",
        "urn:pulumi:dev::tierup::aws:rds/instance:Instance::db",
        "urn:pulumi:dev::tierup::aws:rds/instance:Instance::legacy",
    ]


def test_property_changes_look_inside_json_strings() -> None:
    old = {"policy": json.dumps({"Statement": [{"Action": "s3:GetObject"}]}), "tags": {"Release": "v1.0"}}
    new = {"policy": json.dumps({"Statement": [{"Action": "s3:*"}]}), "tags": {"Release": "v1.5"}}
    assert [(c.path, c.old, c.new) for c in property_changes(old, new)] == [
        ("policy.Statement[0].Action", "s3:GetObject", "s3:*"),
        ("tags.Release", "v1.0", "v1.5"),
    ]


def test_every_warning_reaches_the_downtime_section_once(scale_graph) -> None:  # type: ignore[no-untyped-def]
    from tierup.diff.checklist import checklist
    from tierup.diff.compare import compare
    from tierup.synth.graph import ResourceGraph

    upgraded = ResourceGraph(
        **{
            **vars(scale_graph),
            "resources": tuple(
                Resource(**{**vars(r), "inputs": {**r.inputs, "engineVersion": "17"}}) if r.type == "aws:rds/instance:Instance" else r for r in scale_graph
            ),
        }
    )
    downtime = checklist(compare(scale_graph, upgraded), scale_graph, upgraded)["downtime"]
    reason = "an engine version change upgrades the database in place with downtime; take a snapshot first."
    assert downtime == [f"data-db: {reason}", f"data-replica: {reason}"]


def test_commands_without_stack_files_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: empty\nruntime: python\n")
    for args in (("cost",), ("diff", "--to-release", "v1.5"), ("check",)):
        result = tierup(tmp_path, *args)
        assert (result.returncode, result.stderr) == (2, f"tierup: no Pulumi.<stack>.yaml files in {tmp_path}\n"), args


def test_moving_down_a_release_warns_about_what_goes_away(project_dir: Path) -> None:
    code, diff = diff_json(project_dir, "prod", "--to-release", "v1.0")
    # The flow log group goes with its logs: stateful, so moving down is DANGER.
    assert (code, dangers(diff)) == (3, [("deleted", "network-flow-logs")])
    assert {"network-nat-1", "compute-lb-alb"} <= names(diff, "deleted")
    assert diff["checklist"]["downtime"][-2:] == [
        "The load balancer is removed: the app answers only on its task's public address once the new task runs.",
        "NAT gateways are removed: tasks left in private subnets lose internet access.",
    ]


def _replaced(graph: ResourceGraph, name: str, **inputs: object) -> ResourceGraph:
    resources = tuple(Resource(**{**vars(r), "inputs": {**r.inputs, **inputs}}) if r.name == name else r for r in graph)
    return ResourceGraph(**{**vars(graph), "resources": resources})


def test_replacing_the_user_pool_or_a_bucket_is_danger(prod_graph: ResourceGraph) -> None:
    pool = compare(prod_graph, _replaced(prod_graph, "auth-users", usernameAttributes=["phone_number"]))
    assert [(c.name, c.severity, c.reasons) for c in pool.dangers] == [
        ("auth-users", "DANGER", ("usernameAttributes changes: the provider replaces the UserPool (data lost)",))
    ]
    bucket = compare(prod_graph, _replaced(prod_graph, "storage-uploads", bucket="renamed-uploads"))
    assert [(c.name, c.severity) for c in bucket.dangers] == [("storage-uploads", "DANGER")]
    removed = ResourceGraph(**{**vars(prod_graph), "resources": tuple(r for r in prod_graph if not r.name.startswith("auth-users"))})
    assert ("auth-users", "DANGER") in [(c.name, c.severity) for c in compare(prod_graph, removed).dangers]
