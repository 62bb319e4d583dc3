"""IAM policy documents for the tiers, least privilege, as JSON text (pure)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from components.arns import secret_iam_resources

_PRIVATE_ECR_IMAGE = re.compile(r"(?P<account>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<repository>[^:@]+)")


def assume_role_policy(service: str, *, source_account: str | None = None, source_arn: str | None = None) -> str:
    """Trust policy letting one AWS service principal assume the role; with a source account
    and ARN pattern, only on behalf of those (the confused-deputy guard AWS recommends)."""
    statement: dict[str, object] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if source_account is not None and source_arn is not None:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}, "ArnLike": {"aws:SourceArn": source_arn}}
    return policy_document([statement])


def ecr_repository_arn(image: str) -> str | None:
    """The ECR repository ARN of a private ECR image, or None for any other registry."""
    match = _PRIVATE_ECR_IMAGE.match(image)
    if match is None:
        return None
    return f"arn:aws:ecr:{match['region']}:{match['account']}:repository/{match['repository']}"


def execution_role_policy(log_group_arn: str, secret_arns: Sequence[str], image: str) -> str:
    """What ECS needs to start the task: write its logs, pull a private ECR image, and read
    exactly the container's secrets. Nothing else, and no wildcard action."""
    statements: list[dict[str, object]] = [
        {"Sid": "WriteAppLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": f"{log_group_arn}:*"},
    ]
    repository = ecr_repository_arn(image)
    if repository is not None:
        statements += [
            # GetAuthorizationToken has no resource-level permissions: "*" is the only valid resource.
            {"Sid": "EcrLogin", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
            {
                "Sid": "PullAppImage",
                "Effect": "Allow",
                "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                "Resource": repository,
            },
        ]
    secrets = sorted({resource for arn in secret_arns if ":secretsmanager:" in arn for resource in secret_iam_resources(arn)})
    parameters = sorted(arn for arn in secret_arns if ":ssm:" in arn)
    if secrets:
        statements.append({"Sid": "ReadAppSecrets", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": secrets})
    if parameters:
        statements.append({"Sid": "ReadAppParameters", "Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": parameters})
    return policy_document(statements)


# What AWS documents for a flow-log delivery role (Amazon VPC User Guide, "IAM role for
# publishing flow logs to CloudWatch Logs"; the Pulumi registry's aws.ec2.FlowLog example grants
# the same five actions), granted on the one log group instead of "*".
FLOW_LOG_DELIVERY_ACTIONS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:PutLogEvents")


def flow_log_delivery_policy(group_arn: str) -> str:
    """Flow-log delivery: the documented actions, on this one group and its streams only."""
    return policy_document([{"Effect": "Allow", "Action": list(FLOW_LOG_DELIVERY_ACTIONS), "Resource": [group_arn, f"{group_arn}:*"]}])


def secret_reader_policy(secret_arn: str) -> str:
    """Read one Secrets Manager secret (full or partial ARN), nothing else. The AWS-managed
    aws/secretsmanager key needs no kms:Decrypt grant; a customer-managed key would."""
    return policy_document([{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": secret_iam_resources(secret_arn)}])


def policy_document(statements: Sequence[Mapping[str, object]]) -> str:
    """An IAM policy document of the statements, as JSON text with sorted keys."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, sort_keys=True)
