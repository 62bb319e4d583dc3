"""A generated credential kept in a Secrets Manager secret of the stack's own (no rotation)."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.naming import child_name

SECRET_RECOVERY_DAYS = 7


def generated_secret(
    name: str,
    *,
    description: str,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
    version: int | None = None,
    secret_string: Callable[[pulumi.Output[str]], pulumi.Input[str]] = lambda value: value,
) -> tuple[pulumi.Output[str], aws.secretsmanager.Secret, aws.secretsmanager.SecretVersion]:
    """A 64-character letters-and-digits value `<name>` (generated once, encrypted in state,
    never typed into config), a secret `<name>-secret` and its value `<name>-value` built by
    `secret_string` from the generated value. With a `version`, changing it generates a new
    value (a keeper); None keeps the value for the life of the stack.

    Letters and digits only: ElastiCache refuses some punctuation in AUTH tokens and RDS refuses
    '/', '"', '@' and spaces in master passwords (RDS User Guide, "Master user password")."""
    keepers = None if version is None else {"version": str(version)}
    generated = random.RandomPassword(name, length=64, special=False, keepers=keepers, opts=opts)
    value = pulumi.Output.secret(generated.result)
    secret = aws.secretsmanager.Secret(
        child_name(name, "secret"),
        description=description,
        recovery_window_in_days=SECRET_RECOVERY_DAYS,
        tags=tags,
        opts=opts,
    )
    stored = aws.secretsmanager.SecretVersion(
        child_name(name, "value"), secret_id=secret.id, secret_string=pulumi.Output.secret(secret_string(value)), opts=opts
    )
    return value, secret, stored
