"""DataTier and CacheTier under the mock engine: exact values per release, and data safety
across upgrades of one stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import make_project
from tierup.diff.rules import REPLACEMENT_INPUTS
from tierup.synth.graph import SECRET, Resource, ResourceGraph
from tierup.synth.recorder import MOCK_GENERATED_SECRET
from tierup.synth.runner import synthesize

DB = "aws:rds/instance:Instance"
STATEFUL = ("aws:rds/instance:Instance", "aws:rds/parameterGroup:ParameterGroup", "aws:rds/subnetGroup:SubnetGroup")
SECRET_WORDS = ("password", "token", "secretstring")
# Keys that mention a secret but hold a setting, not a secret.
SETTING_KEYS = {
    "manageMasterUserPassword",
    "authTokenUpdateStrategy",
    "clientPasswordAuthType",
    "passwordPolicy",
    "temporaryPasswordValidityDays",
    "softwareTokenMfaConfiguration",
    "enableTokenRevocation",
    "accessTokenValidity",
    "idTokenValidity",
    "refreshTokenValidity",
    "tokenValidityUnits",
    "generateSecret",
    "dkimSigningAttributes",
}


def named(graph: ResourceGraph, name: str) -> Resource:
    return next(r for r in graph if r.name == name)


@pytest.fixture(scope="module")
def prod_ladder(project_dir: Path, prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> dict[str, ResourceGraph]:
    """The prod stack at each release, as its upgrades would see it."""
    return {"v1.0": synthesize(project_dir, "prod", release="v1.0"), "v1.5": prod_graph, "v2.0": scale_graph}


def test_v1_0_database_is_small_private_encrypted_and_destroyable_after_a_snapshot(dev_graph: ResourceGraph) -> None:
    db = named(dev_graph, "data-db").inputs
    assert (db["instanceClass"], db["multiAz"], db["engine"], db["engineVersion"]) == ("db.t4g.micro", False, "postgres", "16")
    # v1.0 does not promise protected data: `pulumi destroy -s dev` runs in one step.
    assert (db["storageEncrypted"], db["publiclyAccessible"], db["deletionProtection"]) == (True, False, False)
    # Unset, not false: the provider refuses manageMasterUserPassword beside password (ConflictsWith).
    assert "manageMasterUserPassword" not in db
    assert db["password"] == SECRET
    assert named(dev_graph, "data-db").property_dependencies["password"] == (named(dev_graph, "data-master-password").urn,)
    assert (db["storageType"], db["allocatedStorage"], db["maxAllocatedStorage"]) == ("gp3", 20, 100)
    # A suffix drawn once per life of the stack: a second destroy never collides with the first's snapshot.
    assert (db["skipFinalSnapshot"], db["finalSnapshotIdentifier"], db["copyTagsToSnapshot"]) == (False, "tierup-dev-db-final-c0ffee00", True)
    assert named(dev_graph, "data-db").property_dependencies["finalSnapshotIdentifier"] == (named(dev_graph, "data-final-snapshot-suffix").urn,)
    assert (db["enabledCloudwatchLogsExports"], db["autoMinorVersionUpgrade"], db["caCertIdentifier"]) == (["postgresql", "upgrade"], True, "rds-ca-rsa2048-g1")
    assert (db["backupRetentionPeriod"], db["performanceInsightsEnabled"]) == (7, False)
    assert named(dev_graph, "data-db").options.protect is False
    assert [r for r in dev_graph if r.type in ("aws:rds/proxy:Proxy", "aws:elasticache/replicationGroup:ReplicationGroup")] == []


def test_v1_5_database_is_multi_az_backed_up_watched_and_protected(prod_graph: ResourceGraph) -> None:
    db = named(prod_graph, "data-db")
    assert (db.inputs["multiAz"], db.inputs["performanceInsightsEnabled"], db.inputs["performanceInsightsRetentionPeriod"]) == (True, True, 7)
    assert db.inputs["backupRetentionPeriod"] >= 7
    assert (db.options.protect, db.inputs["deletionProtection"]) == (True, True)
    assert db.options.ignore_changes == ("allocatedStorage",)


def test_the_master_password_is_generated_kept_in_the_stacks_secret_and_versioned(dev_graph: ResourceGraph) -> None:
    password = named(dev_graph, "data-master-password")
    assert (password.type, password.inputs["length"], password.inputs["special"], password.inputs["keepers"]) == (
        "random:index/randomPassword:RandomPassword",
        64,
        False,
        {"version": "1"},
    )
    assert named(dev_graph, "data-master-password-secret").outputs["arn"] == dev_graph.outputs["dbSecretArn"]
    assert named(dev_graph, "data-master-password-value").inputs["secretString"] == SECRET
    assert "rotationRules" not in named(dev_graph, "data-master-password-secret").inputs
    (app,) = json.loads(named(dev_graph, "compute-task").inputs["containerDefinitions"])
    assert {"name": "DB_LOGIN_VERSION", "value": "1"} in app["environment"]


def test_a_new_credential_version_changes_the_password_and_restarts_the_tasks(tmp_path: Path, dev_graph: ResourceGraph) -> None:
    stack = "config:\n  aws:region: us-east-1\n  tierup:release: v1.0\n  tierup:data:\n    credentialVersion: 2\n"
    rotated = synthesize(make_project(tmp_path, {"rotated": stack}), "rotated")
    assert named(rotated, "data-master-password").inputs["keepers"] == {"version": "2"}
    (app,) = json.loads(named(rotated, "compute-task").inputs["containerDefinitions"])
    assert {"name": "DB_LOGIN_VERSION", "value": "2"} in app["environment"]


def test_v2_0_adds_replica_proxy_and_an_encrypted_failover_cache(scale_graph: ResourceGraph) -> None:
    primary, replica = named(scale_graph, "data-db"), named(scale_graph, "data-replica")
    # The replica holds no data of its own: unprotected, so v2.0 → v1.5 and destroy can delete it.
    assert (replica.inputs["replicateSourceDb"], replica.inputs["instanceClass"], replica.options.protect, replica.inputs["deletionProtection"]) == (
        primary.outputs["identifier"],
        "db.t4g.small",
        False,
        False,
    )
    assert "password" not in replica.inputs and "manageMasterUserPassword" not in primary.inputs
    proxy = named(scale_graph, "data-proxy-proxy").inputs
    assert (proxy["engineFamily"], proxy["requireTls"]) == ("POSTGRESQL", True)
    assert proxy["auths"] == [
        {"authScheme": "SECRETS", "clientPasswordAuthType": "POSTGRES_SCRAM_SHA_256", "iamAuth": "DISABLED", "secretArn": scale_graph.outputs["dbSecretArn"]}
    ]
    assert named(scale_graph, "data-proxy-read-secret").urn in named(scale_graph, "data-proxy-proxy").dependencies
    policy = json.loads(named(scale_graph, "data-proxy-read-secret").inputs["policy"])
    partial = "arn:aws:secretsmanager:us-east-1:123456789012:secret:data-master-password-secret"
    assert policy["Statement"] == [{"Action": ["secretsmanager:GetSecretValue"], "Effect": "Allow", "Resource": [partial, f"{partial}-??????"]}]
    group = named(scale_graph, "cache-group").inputs
    assert (group["engine"], group["numCacheClusters"], group["atRestEncryptionEnabled"], group["transitEncryptionEnabled"]) == ("valkey", 2, True, True)
    assert (group["automaticFailoverEnabled"], group["multiAzEnabled"], group["authToken"]) == (True, True, SECRET)
    assert named(scale_graph, "cache-auth-token-value").inputs["secretString"] == SECRET


def test_the_app_is_handed_connection_settings_and_secret_arns(scale_graph: ResourceGraph) -> None:
    (container,) = json.loads(named(scale_graph, "compute-task").inputs["containerDefinitions"])
    environment = {e["name"]: e["value"] for e in container["environment"]}
    secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    # Hosts AWS assigns reach the app through SSM parameters (their ARNs are known at preview).
    # (The provider marks a parameter's value secret; what it holds shows in its dependencies.)
    parameters = {r.inputs["name"]: r.property_dependencies["value"] for r in scale_graph.of_type("aws:ssm/parameter:Parameter")}
    assert parameters == {
        "/tierup/prod/db/host": (named(scale_graph, "data-proxy-proxy").urn,),
        "/tierup/prod/db/read-host": (named(scale_graph, "data-replica").urn,),
        "/tierup/prod/cache/host": (named(scale_graph, "cache-group").urn,),
        "/tierup/prod/auth/user-pool-id": (named(scale_graph, "auth-users").urn,),
        "/tierup/prod/auth/client-id": (named(scale_graph, "auth-spa-client").urn,),
    }
    ssm = "arn:aws:ssm:us-east-1:123456789012:parameter/tierup/prod"
    assert (secrets["DB_HOST"], secrets["DB_READ_HOST"], secrets["REDIS_HOST"]) == (f"{ssm}/db/host", f"{ssm}/db/read-host", f"{ssm}/cache/host")
    assert (environment["DB_PORT"], environment["DB_NAME"], environment["DB_HOST_VIA"]) == ("5432", "app", "proxy")
    assert (environment["REDIS_PORT"], environment["REDIS_TLS"]) == ("6379", "true")
    assert secrets["REDIS_AUTH_TOKEN"] == "arn:aws:secretsmanager:us-east-1:123456789012:secret:cache-auth-token-secret"
    assert secrets["DB_PASSWORD"] == "arn:aws:secretsmanager:us-east-1:123456789012:secret:data-master-password-secret:password::"


def test_the_postgres_cache_needs_no_aws_resources(dev_graph: ResourceGraph) -> None:
    assert [r.type for r in dev_graph if dev_graph.tier_of(r) == "cache"] == ["tierup:index:CacheTier"]
    (container,) = json.loads(named(dev_graph, "compute-task").inputs["containerDefinitions"])
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert (environment["CACHE_BACKEND"], environment["CACHE_TABLE"], environment["CACHE_MIGRATION"]) == (
        "postgres",
        "tierup_cache",
        "migrations/001_cache.sql",
    )
    assert environment["DB_HOST_VIA"] == "instance"
    (host,) = [p for p in dev_graph.of_type("aws:ssm/parameter:Parameter") if dev_graph.tier_of(p) == "data"]
    assert (host.name, host.inputs["name"], host.inputs["type"], host.property_dependencies["value"]) == (
        "data-host",
        "/tierup/dev/db/host",
        "String",
        (named(dev_graph, "data-db").urn,),
    )


@pytest.mark.parametrize("graph_name", ["dev_graph", "prod_graph", "scale_graph"])
def test_database_and_cache_admit_only_the_app_group(graph_name: str, request: pytest.FixtureRequest) -> None:
    graph: ResourceGraph = request.getfixturevalue(graph_name)
    app_sg = named(graph, "network-app-sg").id
    for group_name, port in (("data-sg", 5432), ("cache-sg", 6379)):
        if not [r for r in graph if r.name == group_name]:
            continue
        group_id = named(graph, group_name).id
        rules = [r.inputs for r in graph.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") if r.inputs["securityGroupId"] == group_id]
        sources = {rule.get("referencedSecurityGroupId") for rule in rules}
        assert all("cidrIpv4" not in rule and rule["fromPort"] == rule["toPort"] == port for rule in rules), group_name
        assert app_sg in sources and sources <= {app_sg, *(r.id for r in graph if r.name == "data-proxy-sg")}, group_name


def test_stateful_resources_keep_their_urns_and_replacement_inputs_across_releases(prod_ladder: dict[str, ResourceGraph]) -> None:
    def identities(graph: ResourceGraph) -> dict[str, dict[str, object]]:
        return {
            r.urn: {key: r.inputs.get(key) for key in REPLACEMENT_INPUTS[r.type]}
            for r in graph
            if r.type in STATEFUL and graph.tier_of(r) == "data" and r.name != "data-replica"
        }

    first = identities(prod_ladder["v1.0"])
    assert sorted(urn.rsplit("::", 1)[1] for urn in first) == ["data-db", "data-params", "data-subnets"]
    for release in ("v1.5", "v2.0"):
        assert identities(prod_ladder[release]) == first, release


def test_releases_only_add_network_and_compute_resources_around_the_data(prod_ladder: dict[str, ResourceGraph]) -> None:
    for older, newer in (("v1.0", "v1.5"), ("v1.5", "v2.0")):
        removed = {r.urn for r in prod_ladder[older]} - {r.urn for r in prod_ladder[newer]}
        assert not [urn for urn in removed if "$aws:rds/" in urn or "$aws:ec2/subnet:" in urn], (older, newer)


@pytest.mark.parametrize("graph_name", ["dev_graph", "prod_graph", "scale_graph"])
def test_no_plaintext_password_or_token_anywhere(graph_name: str, request: pytest.FixtureRequest) -> None:
    graph: ResourceGraph = request.getfixturevalue(graph_name)
    assert MOCK_GENERATED_SECRET not in graph.to_json()

    def walk(value: object, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in SETTING_KEYS:
                    continue
                if any(word in key.lower() for word in SECRET_WORDS):
                    assert item == SECRET, f"{path}.{key}"
                walk(item, f"{path}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")

    for resource in graph:
        walk(resource.inputs, resource.urn)
        walk(resource.outputs, resource.urn)


def test_tasks_wait_for_what_they_read_and_restart_when_a_host_changes(scale_graph: ResourceGraph) -> None:
    # ARNs written from names are known at preview, yet still carry the dependency: ECS must not
    # start a task before the parameters and the stored secret values exist.
    task = named(scale_graph, "compute-task")
    needed = {"data-host", "data-read-host", "cache-host", "data-master-password-value", "cache-auth-token-value"}
    assert needed <= {urn.rsplit("::", 1)[1] for urn in task.property_dependencies["containerDefinitions"]}
    # A new host (v1.5 → v2.0 moves DB_HOST to the proxy) changes a parameter's version, and the
    # service redeploys: tasks read parameters only when they start.
    service = named(scale_graph, "compute-service")
    assert sorted(service.inputs["triggers"]) == ["COGNITO_CLIENT_ID", "COGNITO_USER_POOL_ID", "DB_HOST", "DB_READ_HOST", "REDIS_HOST"]
    assert {urn.rsplit("::", 1)[1] for urn in service.property_dependencies["triggers"]} == {
        "data-host",
        "data-read-host",
        "cache-host",
        "auth-user-pool-id",
        "auth-client-id",
    }
