"""An endpoint the app reads at start, kept in an SSM parameter whose ARN is known at preview."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.arns import parameter_arn


def endpoint_parameter(
    name: str, *, path: str, value: pulumi.Input[str], region: str, account_id: pulumi.Input[str], tags: dict[str, str], opts: pulumi.ResourceOptions
) -> pulumi.Output[str]:
    """A String parameter `<name>` at `path` holding `value` (a host name AWS assigns), and the
    ARN for the task's `secrets`.

    Why not an environment variable: a host name is unknown until the database exists, so a
    container definition holding it could not be checked by the guardrails in a first
    preview. The parameter's ARN is written from its name and known at once. Standard-tier
    parameters cost nothing."""
    aws.ssm.Parameter(name, name=path, type="String", value=value, tags=tags, opts=opts)
    return pulumi.Output.from_input(account_id).apply(lambda account: parameter_arn(region, account, path))
