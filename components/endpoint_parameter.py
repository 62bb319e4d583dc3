"""An endpoint the app reads at start, kept in an SSM parameter whose ARN is known at preview."""

from __future__ import annotations

from typing import NamedTuple

import pulumi
import pulumi_aws as aws

from components.arns import parameter_arn


class EndpointRef(NamedTuple):
    """How the app reads an endpoint: the parameter's ARN for the task's `secrets`, and the
    parameter's version, which changes with the value and restarts the tasks (ECS reads
    parameters only when a task starts)."""

    arn: pulumi.Output[str]
    version: pulumi.Output[str]


def endpoint_parameter(
    name: str, *, path: str, value: pulumi.Input[str], region: str, account_id: pulumi.Input[str], tags: dict[str, str], opts: pulumi.ResourceOptions
) -> EndpointRef:
    """A String parameter `<name>` at `path` holding `value` (a host name AWS assigns).

    Why not an environment variable: a host name is unknown until the database exists, so a
    container definition holding it could not be checked by the guardrails in a first
    preview. The parameter's ARN is written from its name and known at once; it is built from the
    parameter's URN too (also known at preview) so that whatever reads it waits for the parameter
    to exist. Standard-tier parameters cost nothing."""
    parameter = aws.ssm.Parameter(name, name=path, type="String", value=value, tags=tags, opts=opts)
    arn = pulumi.Output.all(account_id, parameter.urn).apply(lambda values: parameter_arn(region, values[0], path))
    return EndpointRef(arn=arn, version=parameter.version.apply(str))
