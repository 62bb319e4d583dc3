"""A generated credential kept in a Secrets Manager secret of the stack's own (no rotation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.arns import secret_partial_arn
from components.naming import child_name

SECRET_RECOVERY_DAYS = 7


class GeneratedSecret(NamedTuple):
    """The generated value, its secret, and the secret's partial ARN for the app and its roles."""

    value: pulumi.Output[str]
    secret: aws.secretsmanager.Secret
    partial_arn: pulumi.Output[str]
    """Written from the secret's name (known at preview, unlike its full ARN) and the stored
    value's URN, so that whatever reads it waits for the value to be stored."""


def generated_secret(
    name: str,
    *,
    description: str,
    region: str,
    account_id: pulumi.Input[str],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
    version: int | None = None,
    secret_string: Callable[[pulumi.Output[str]], pulumi.Input[str]] = lambda value: value,
    replica_region: str | None = None,
) -> GeneratedSecret:
    """A 64-character letters-and-digits value `<name>` (generated once, encrypted in state,
    never typed into config), a secret `<name>-secret` and its value `<name>-value` built by
    `secret_string` from the generated value, replicated to `replica_region` when given (under
    the same name, encrypted there with that region's aws/secretsmanager key). With a `version`, changing it generates a new
    value (a keeper); None keeps the value for the life of the stack.

    Letters and digits only: ElastiCache refuses some punctuation in AUTH tokens and RDS refuses
    '/', '"', '@' and spaces in master passwords (RDS User Guide, "Master user password")."""
    keepers = None if version is None else {"version": str(version)}
    generated = random.RandomPassword(name, length=64, special=False, keepers=keepers, opts=opts)
    value: pulumi.Output[str] = pulumi.Output.secret(generated.result)
    secret = aws.secretsmanager.Secret(
        child_name(name, "secret"),
        description=description,
        recovery_window_in_days=SECRET_RECOVERY_DAYS,
        replicas=[{"region": replica_region}] if replica_region else None,
        tags=tags,
        opts=opts,
    )
    stored = aws.secretsmanager.SecretVersion(
        child_name(name, "value"), secret_id=secret.id, secret_string=pulumi.Output.secret(secret_string(value)), opts=opts
    )
    partial = pulumi.Output.all(account_id, secret.name, stored.urn).apply(lambda values: secret_partial_arn(region, values[0], values[1]))
    return GeneratedSecret(value, secret, partial)
