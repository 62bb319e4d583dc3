"""ARNs built from names that are known before anything exists (pure).

In a first `pulumi preview` every ARN AWS assigns is unknown, and so is anything built from one:
a container definition or a policy document built from an unknown ARN cannot be checked by the
guardrails until after the deploy. Names are known at preview (given, or auto-named by the
engine's Check), so the ARNs the app and its roles need are written from them."""

from __future__ import annotations


def log_group_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:logs:{region}:{account}:log-group:{name}"


def secret_partial_arn(region: str, account: str, name: str) -> str:
    """A secret's ARN without its random suffix: ECS resolves it in `valueFrom` (the form AWS
    CDK's Secret.fromSecretNameV2 gives ECS, aws/aws-cdk#11042) and IAM matches it with
    `secret_iam_resource`."""
    return f"arn:aws:secretsmanager:{region}:{account}:secret:{name}"


def secret_iam_resources(value_from: str) -> list[str]:
    """The IAM resources for a secret in an ECS valueFrom (which may add :json-key:stage:version):
    the ARN as given and, for a partial ARN, the same with AWS's `-??????` wildcard for the random
    suffix (Secrets Manager User Guide, "Permissions policy examples"). A full ARN and a partial
    one cannot be told apart by their text (a name may end in six letters), so both are granted;
    the wildcard adds exactly six characters, nothing wider."""
    arn = ":".join(value_from.split(":")[:7])
    return [arn, f"{arn}-??????"]


def parameter_arn(region: str, account: str, name: str) -> str:
    """An SSM parameter's ARN; its name starts with a slash."""
    return f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/')}"


def bucket_arn(name: str) -> str:
    """An S3 bucket's ARN: bucket names are global, so it carries no region or account."""
    return f"arn:aws:s3:::{name}"


def ses_identity_arn(region: str, account: str, identity: str) -> str:
    return f"arn:aws:ses:{region}:{account}:identity/{identity}"


def ses_configuration_set_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:ses:{region}:{account}:configuration-set/{name}"


def topic_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:sns:{region}:{account}:{name}"


def event_rule_arn(region: str, account: str, name: str) -> str:
    """A rule of the default event bus."""
    return f"arn:aws:events:{region}:{account}:rule/{name}"


def cluster_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:ecs:{region}:{account}:cluster/{name}"
