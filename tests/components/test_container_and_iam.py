"""The container definition and IAM documents, exact values, no mocks."""

import dataclasses
import json

import pytest

from components.arns import log_group_arn, parameter_arn, secret_iam_resources, secret_partial_arn
from components.container import AppContainer, container_definitions
from components.iam_documents import assume_role_policy, ecr_repository_arn, execution_role_policy
from tierup_guardrails.settings import PROFILES, Release

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
PARAMETER = "arn:aws:ssm:us-east-1:123456789012:parameter/app/key"
LOGS = "arn:aws:logs:us-east-1:123456789012:log-group:app"


def app(**changes: object) -> AppContainer:
    """A container of the ladder's app settings with `changes` (shape fields or merged env/secrets)."""
    merged = {key: changes.pop(key) for key in ("environment", "secret_arns") if key in changes}
    shape = dataclasses.replace(PROFILES[Release.V1_0].app, **{"image": "x", "port": 8080, "health_check_path": "/", "user": None, **changes})
    return AppContainer(shape=shape, **merged)


def test_container_definition_is_hardened() -> None:
    container = app(image="nginx:1", user="101")
    (definition,) = json.loads(container_definitions(container, {"MODE": "prod"}, {"DB_PASSWORD": SECRET}, "app-logs", "eu-west-2"))
    assert definition == {
        "name": "app",
        "image": "nginx:1",
        "essential": True,
        "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
        "readonlyRootFilesystem": True,
        "privileged": False,
        # A tmpfs, not a bind mount: Fargate makes bind mounts root-owned 0755, unwritable for uid 101.
        "linuxParameters": {
            "initProcessEnabled": True,
            "capabilities": {"drop": ["ALL"]},
            "tmpfs": [{"containerPath": "/tmp", "size": 64, "mountOptions": ["nosuid", "nodev", "mode=1777"]}],
        },
        "environment": [{"name": "MODE", "value": "prod"}],
        "secrets": [{"name": "DB_PASSWORD", "valueFrom": SECRET}],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {"awslogs-group": "app-logs", "awslogs-region": "eu-west-2", "awslogs-stream-prefix": "app"},
        },
        "user": "101",
    }


def test_each_writable_path_gets_its_own_tmpfs() -> None:
    container = app(writable_paths=("/tmp", "/var/cache/app"), writable_mib=32)
    (definition,) = json.loads(container_definitions(container, {}, {}, "g", "us-east-1"))
    assert [(t["containerPath"], t["size"]) for t in definition["linuxParameters"]["tmpfs"]] == [("/tmp", 32), ("/var/cache/app", 32)]


def test_an_app_that_writes_nowhere_has_no_tmpfs() -> None:
    (definition,) = json.loads(container_definitions(app(writable_paths=()), {}, {}, "g", "us-east-1"))
    assert definition["linuxParameters"] == {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}}


def test_container_without_user_keeps_the_images() -> None:
    (definition,) = json.loads(container_definitions(app(), {}, {}, "g", "us-east-1"))
    assert "user" not in definition


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"port": 0}, r"^AppContainer\.shape\.port must be 1-65535, not 0$"),
        ({"health_check_path": "health"}, r"^AppContainer\.shape\.health_check_path must start with '/', not 'health'$"),
        ({"environment": {"KEY": "v"}, "secret_arns": {"KEY": SECRET}}, r"^AppContainer: \['KEY'\] set both as environment and as secrets$"),
        ({"writable_paths": ("tmp",)}, r"^AppContainer\.shape\.writable_paths: 'tmp' is not an absolute path below /$"),
        ({"writable_paths": ("/",)}, r"^AppContainer\.shape\.writable_paths: '/' is not an absolute path below /$"),
        ({"writable_paths": ("/tmp", "/tmp")}, r"^AppContainer\.shape\.writable_paths repeats a path: \['/tmp', '/tmp'\]$"),
    ],
)
def test_container_refuses_bad_args(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        app(**kwargs)


def test_execution_policy_for_a_public_image_reads_only_the_given_secrets() -> None:
    document = json.loads(execution_role_policy(LOGS, [PARAMETER, SECRET], "public.ecr.aws/nginx/nginx-unprivileged:stable"))
    assert document == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "WriteAppLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": f"{LOGS}:*"},
            # The ARN as given, and with the -?????? suffix wildcard for a partial ARN (components/arns.py).
            {"Sid": "ReadAppSecrets", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [SECRET, f"{SECRET}-??????"]},
            {"Sid": "ReadAppParameters", "Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": [PARAMETER]},
        ],
    }


def test_execution_policy_for_a_private_ecr_image_pulls_from_that_repository_only() -> None:
    document = json.loads(execution_role_policy(LOGS, [], "123456789012.dkr.ecr.eu-west-2.amazonaws.com/team/shop:1.2"))
    statements = {s["Sid"]: s for s in document["Statement"]}
    assert sorted(statements) == ["EcrLogin", "PullAppImage", "WriteAppLogs"]
    assert statements["PullAppImage"]["Resource"] == "arn:aws:ecr:eu-west-2:123456789012:repository/team/shop"
    assert statements["EcrLogin"] == {"Sid": "EcrLogin", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"}
    assert all("*" not in action for s in document["Statement"] for action in s["Action"])


def test_arns_are_written_from_names_known_at_preview() -> None:
    assert log_group_arn("eu-west-2", "123456789012", "compute-logs-1a2b3c4") == "arn:aws:logs:eu-west-2:123456789012:log-group:compute-logs-1a2b3c4"
    assert parameter_arn("us-east-1", "123456789012", "/tierup/prod/db/host") == "arn:aws:ssm:us-east-1:123456789012:parameter/tierup/prod/db/host"
    partial = secret_partial_arn("us-east-1", "123456789012", "data-master-password-secret-9f8e7d6")
    assert partial == "arn:aws:secretsmanager:us-east-1:123456789012:secret:data-master-password-secret-9f8e7d6"
    assert secret_iam_resources(f"{partial}:password::") == [partial, f"{partial}-??????"]


def test_ecr_repository_arn() -> None:
    assert ecr_repository_arn("123456789012.dkr.ecr.us-east-1.amazonaws.com/api@sha256:abc") == "arn:aws:ecr:us-east-1:123456789012:repository/api"
    assert ecr_repository_arn("ghcr.io/acme/api:1") is None


def test_assume_role_policy() -> None:
    assert json.loads(assume_role_policy("ecs-tasks.amazonaws.com")) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
