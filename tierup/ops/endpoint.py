"""`tierup endpoint`: where the app answers now."""

from __future__ import annotations

from typing import Any

from tierup.ops.aws import OpsError
from tierup.ops.discovery import LiveStack


def endpoint(live: LiveStack, ecs: Any, ec2: Any) -> str:
    """The ALB's URL, or the public address of the running task (v1.0 has no load balancer)."""
    if live.load_balancers:
        return f"http://{live.load_balancers[0]['DNSName']}"
    for service in live.services:
        tasks = ecs.list_tasks(cluster=service["clusterArn"], serviceName=service["serviceName"], desiredStatus="RUNNING")["taskArns"]
        if not tasks:
            continue
        for task in ecs.describe_tasks(cluster=service["clusterArn"], tasks=tasks)["tasks"]:
            for attachment in task.get("attachments", []):
                details = {d["name"]: d["value"] for d in attachment.get("details", [])}
                if "networkInterfaceId" not in details:
                    continue
                interfaces = ec2.describe_network_interfaces(NetworkInterfaceIds=[details["networkInterfaceId"]])["NetworkInterfaces"]
                address = interfaces[0].get("Association", {}).get("PublicIp") if interfaces else None
                if address:
                    port = _container_port(ecs, task.get("taskDefinitionArn") or service.get("taskDefinition"))
                    return f"http://{address}:{port}" if port else f"http://{address}"
    raise OpsError(f"no load balancer and no running task with a public IP for stack {live.stack}; is the service running?")


def _container_port(ecs: Any, task_definition: str | None) -> int | None:
    """The port the app's container listens on (a public task has no load balancer to say it)."""
    if not task_definition:
        return None
    containers = ecs.describe_task_definition(taskDefinition=task_definition)["taskDefinition"].get("containerDefinitions", [])
    mappings = [m for c in containers for m in c.get("portMappings", [])]
    return mappings[0].get("containerPort") if mappings else None
