"""The container definition and IAM documents, exact values, no mocks."""

import json

import pytest

from components.container import AppContainer, container_definitions
from components.iam_documents import assume_role_policy, ecr_repository_arn, execution_role_policy

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
PARAMETER = "arn:aws:ssm:us-east-1:123456789012:parameter/app/key"
LOGS = "arn:aws:logs:us-east-1:123456789012:log-group:app"


def test_container_definition_is_hardened() -> None:
    container = AppContainer(image="nginx:1", port=8080, health_check_path="/", user="101")
    init, app = json.loads(container_definitions(container, {"MODE": "prod"}, {"DB_PASSWORD": SECRET}, "app-logs", "eu-west-2"))
    logging = {"logDriver": "awslogs", "options": {"awslogs-group": "app-logs", "awslogs-region": "eu-west-2", "awslogs-stream-prefix": "app"}}
    mounts = [{"sourceVolume": "scratch-1", "containerPath": "/tmp", "readOnly": False}]
    assert app == {
        "name": "app",
        "image": "nginx:1",
        "essential": True,
        "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
        "readonlyRootFilesystem": True,
        "privileged": False,
        "mountPoints": mounts,
        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
        "environment": [{"name": "MODE", "value": "prod"}],
        "secrets": [{"name": "DB_PASSWORD", "valueFrom": SECRET}],
        "logConfiguration": logging,
        "user": "101",
        "dependsOn": [{"containerName": "scratch-init", "condition": "SUCCESS"}],
    }
    # Fargate bind mounts are root-owned 0755: a root container with no capabilities opens them first.
    assert init == {
        "name": "scratch-init",
        "image": "public.ecr.aws/docker/library/busybox:1.37",
        "essential": False,
        "user": "0",
        "command": ["chmod", "1777", "/tmp"],
        "readonlyRootFilesystem": True,
        "privileged": False,
        "mountPoints": mounts,
        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
        "logConfiguration": logging,
    }


def test_each_writable_path_gets_its_own_scratch_volume() -> None:
    container = AppContainer(image="x", port=8080, health_check_path="/", writable_paths=("/tmp", "/var/cache/app"))
    assert container.scratch_volumes == [("scratch-1", "/tmp"), ("scratch-2", "/var/cache/app")]
    init, app = json.loads(container_definitions(container, {}, {}, "g", "us-east-1"))
    assert init["command"] == ["chmod", "1777", "/tmp", "/var/cache/app"]
    assert [m["sourceVolume"] for m in app["mountPoints"]] == ["scratch-1", "scratch-2"]


def test_an_app_that_writes_nowhere_has_no_init_container() -> None:
    (app,) = json.loads(container_definitions(AppContainer(image="x", port=8080, health_check_path="/", writable_paths=()), {}, {}, "g", "us-east-1"))
    assert (app["mountPoints"], "dependsOn" in app) == ([], False)


def test_container_without_user_keeps_the_images() -> None:
    _, app = json.loads(container_definitions(AppContainer(image="x", port=8080, health_check_path="/"), {}, {}, "g", "us-east-1"))
    assert "user" not in app


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"port": 0}, r"^AppContainer\.port must be 1-65535, not 0$"),
        ({"health_check_path": "health"}, r"^AppContainer\.health_check_path must start with '/', not 'health'$"),
        ({"environment": {"KEY": "v"}, "secret_arns": {"KEY": SECRET}}, r"^AppContainer: \['KEY'\] set both as environment and as secrets$"),
        ({"writable_paths": ("tmp",)}, r"^AppContainer\.writable_paths: 'tmp' is not an absolute path below /$"),
        ({"writable_paths": ("/",)}, r"^AppContainer\.writable_paths: '/' is not an absolute path below /$"),
        ({"writable_paths": ("/tmp", "/tmp")}, r"^AppContainer\.writable_paths repeats a path: \['/tmp', '/tmp'\]$"),
    ],
)
def test_container_refuses_bad_args(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AppContainer(**{"image": "x", "port": 8080, "health_check_path": "/", **kwargs})


def test_execution_policy_for_a_public_image_reads_only_the_given_secrets() -> None:
    document = json.loads(execution_role_policy(LOGS, [PARAMETER, SECRET], "public.ecr.aws/nginx/nginx-unprivileged:stable"))
    assert document == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "WriteAppLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": f"{LOGS}:*"},
            {"Sid": "ReadAppSecrets", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [SECRET]},
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


def test_ecr_repository_arn() -> None:
    assert ecr_repository_arn("123456789012.dkr.ecr.us-east-1.amazonaws.com/api@sha256:abc") == "arn:aws:ecr:us-east-1:123456789012:repository/api"
    assert ecr_repository_arn("ghcr.io/acme/api:1") is None


def test_assume_role_policy() -> None:
    assert json.loads(assume_role_policy("ecs-tasks.amazonaws.com")) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
