"""Every stack policy: the synthesized stack passes, and one broken link or resource fails
with the exact message on the exact resource."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel

from tests.policies.harness import changed, check_stack, named, policy, policy_resources, rails
from tierup.synth.graph import Resource, ResourceGraph
from tierup_guardrails.settings import load_settings
from tierup_guardrails.settings.guardrails import Guardrails, guardrails_for


def without(graph: ResourceGraph, *names: str) -> list[Resource]:
    return [r for r in graph if r.name not in names]


def test_nat_count_follows_the_release(prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    assert check_stack("ec2-nat-gateway-count-within-release", rails("v1.5"), list(prod_graph)).messages == []
    assert check_stack("ec2-nat-gateway-count-within-release", rails("v2.0"), list(scale_graph)).messages == []
    assert check_stack("ec2-nat-gateway-count-within-release", rails("v1.0"), list(prod_graph)).messages == [
        "(stack): Remove 1 NAT gateway(s): release v1.0 allows 0 and the stack has 1."
    ]
    assert check_stack("ec2-nat-gateway-count-within-release", rails("v1.5"), list(scale_graph)).messages == [
        "(stack): Remove 1 NAT gateway(s): release v1.5 allows 1 and the stack has 2."
    ]


def test_every_vpc_needs_its_flow_log(prod_graph: ResourceGraph) -> None:
    assert check_stack("ec2-vpc-flow-logs-enabled", rails("v1.5"), list(prod_graph)).messages == []
    assert check_stack("ec2-vpc-flow-logs-enabled", rails("v1.5"), without(prod_graph, "network-flow-log")).messages == [
        "network-vpc: Add an aws.ec2.FlowLog for this VPC (set tierup:network.flowLogs to true)."
    ]


def test_the_default_security_group_is_adopted_and_empty(prod_graph: ResourceGraph) -> None:
    assert check_stack("ec2-default-security-group-closed", rails("v1.5"), list(prod_graph)).messages == []
    assert check_stack("ec2-default-security-group-closed", rails("v1.5"), without(prod_graph, "network-default-sg")).messages == [
        "network-vpc: Adopt this VPC's default security group with no rules (aws.ec2.DefaultSecurityGroup)."
    ]
    sg = named(prod_graph, "network-default-sg")
    opened = policy_resources(list(prod_graph), {sg.name: changed(sg.outputs, ("ingress",), [{"protocol": "-1", "self": True}])})
    assert check_stack("ec2-default-security-group-closed", rails("v1.5"), opened).messages == [
        "network-default-sg: Remove every ingress and egress rule from the default security group."
    ]


def test_world_ingress_is_allowed_only_at_the_edge(dev_graph: ResourceGraph, prod_graph: ResourceGraph) -> None:
    assert check_stack("ec2-security-group-world-ingress-only-at-edge", rails("v1.0"), list(dev_graph)).messages == []
    assert check_stack("ec2-security-group-world-ingress-only-at-edge", rails("v1.5"), list(prod_graph)).messages == []
    # The same public task is refused once the release promises an ALB.
    assert check_stack("ec2-security-group-world-ingress-only-at-edge", rails("v1.5"), list(dev_graph)).messages == [
        "compute-app-ingress: Close port 8080 to the internet: only the load balancer may be reached from anywhere, on 80 and 443."
    ]
    rule = named(prod_graph, "data-from-app")
    opened = policy_resources(list(prod_graph), {rule.name: {**rule.outputs, "cidrIpv4": "0.0.0.0/0"}})
    assert check_stack("ec2-security-group-world-ingress-only-at-edge", rails("v1.5"), opened).messages == [
        "data-from-app: Close port 5432 to the internet: only the load balancer may be reached from anywhere, on 80 and 443."
    ]


def test_execution_and_task_roles_differ(prod_graph: ResourceGraph) -> None:
    assert check_stack("ecs-task-separate-execution-and-task-roles", rails("v1.5"), list(prod_graph)).messages == []
    task = named(prod_graph, "compute-task")
    execution_role = named(prod_graph, "compute-execution-role")
    # Told apart by what the ARNs come from (unknown values in a first preview)...
    links = {**task.property_dependencies, "taskRoleArn": (execution_role.urn,)}
    shared = [Resource(**{**vars(r), "property_dependencies": links}) if r is task else r for r in prod_graph]
    assert check_stack("ecs-task-separate-execution-and-task-roles", rails("v1.5"), shared).messages == [
        "compute-task: Give the task a task role separate from its execution role."
    ]
    # ...and two literal ARNs as text.
    literal = {k: v for k, v in task.property_dependencies.items() if k not in ("taskRoleArn", "executionRoleArn")}
    same_text = Resource(
        **{
            **vars(task),
            "property_dependencies": literal,
            "outputs": {**task.outputs, "taskRoleArn": "arn:aws:iam::1:role/x", "executionRoleArn": "arn:aws:iam::1:role/x"},
        }
    )
    assert check_stack("ecs-task-separate-execution-and-task-roles", rails("v1.5"), [same_text if r is task else r for r in prod_graph]).messages == [
        "compute-task: Give the task a task role separate from its execution role."
    ]


def test_alb_and_waf_stand_in_front_of_the_tasks_from_v1_5(dev_graph: ResourceGraph, prod_graph: ResourceGraph) -> None:
    assert check_stack("lb-alb-with-waf-in-front-of-tasks", rails("v1.5"), list(prod_graph)).messages == []
    assert check_stack("lb-alb-with-waf-in-front-of-tasks", rails("v1.5"), without(prod_graph, "compute-lb-waf-association")).messages == [
        "compute-lb-alb: Associate a WAF web ACL with this load balancer (tierup:compute.waf true)."
    ]
    assert check_stack("lb-alb-with-waf-in-front-of-tasks", rails("v1.5"), list(dev_graph)).messages == [
        "(stack): Put the service behind an ALB (tierup:compute.ingress load-balancer).",
        "compute-service: Register the service's tasks with the load balancer's target group.",
    ]
    quiet = check_stack("lb-alb-with-waf-in-front-of-tasks", rails("v1.0"), list(dev_graph))
    assert (quiet.messages, quiet.not_applicable) == ([], "the release serves the app from a public task without a load balancer (release v1.0)")


def test_every_database_forces_tls(prod_graph: ResourceGraph) -> None:
    assert check_stack("rds-force-ssl", rails("v1.5"), list(prod_graph)).messages == []
    group = named(prod_graph, "data-params")
    parameters = [p if p["name"] != "rds.force_ssl" else {**p, "value": "0"} for p in group.outputs["parameters"]]
    relaxed = policy_resources(list(prod_graph), {group.name: {**group.outputs, "parameters": parameters}})
    assert check_stack("rds-force-ssl", rails("v1.5"), relaxed).messages == ["data-params: Set rds.force_ssl to 1 in the database's parameter group."]
    assert check_stack("rds-force-ssl", rails("v1.5"), without(prod_graph, "data-params")).messages == [
        "data-db: Give the database a parameter group of the stack's with rds.force_ssl set to 1."
    ]


def test_the_database_is_protected_from_v1_5(dev_graph: ResourceGraph, prod_graph: ResourceGraph) -> None:
    assert check_stack("rds-pulumi-protect", rails("v1.5"), list(prod_graph)).messages == []
    assert check_stack("rds-pulumi-protect", rails("v1.5"), list(dev_graph)).messages == [
        "data-db: Set the protect resource option on the database (tierup:data.protect true)."
    ]
    assert check_stack("rds-pulumi-protect", rails("v1.0"), list(dev_graph)).not_applicable == "the release does not promise protected data (release v1.0)"


def test_data_stores_admit_only_the_app(prod_graph: ResourceGraph, scale_graph: ResourceGraph) -> None:
    assert check_stack("data-ingress-only-from-app", rails("v1.5"), list(prod_graph)).messages == []
    assert check_stack("data-ingress-only-from-app", rails("v2.0"), list(scale_graph)).messages == []
    rule = named(scale_graph, "cache-from-app")
    by_cidr = policy_resources(list(scale_graph), {rule.name: {**rule.outputs, "cidrIpv4": "10.0.0.0/16"}})
    assert check_stack("data-ingress-only-from-app", rails("v2.0"), by_cidr).messages == [
        "cache-from-app: Admit only the app's security group (a security-group reference, never a CIDR)."
    ]
    stranger = [r for r in scale_graph if r.name != "cache-from-app"] + [
        Resource(
            **{**vars(rule), "property_dependencies": {**rule.property_dependencies, "referencedSecurityGroupId": (named(scale_graph, "compute-lb-sg").urn,)}}
        )
    ]
    assert check_stack("data-ingress-only-from-app", rails("v2.0"), stranger).messages == [
        "cache-from-app: Admit only the app's security group (a security-group reference, never a CIDR)."
    ]


def test_the_estimate_must_fit_the_budget(prod_graph: ResourceGraph) -> None:
    assert check_stack("cost-estimate-within-budget", rails("v1.5"), list(prod_graph)).messages == []
    tight = rails("v1.5", budget={"monthlyUsd": 100, "goalUsd": 90})
    assert check_stack("cost-estimate-within-budget", tight, list(prod_graph)).messages == [
        "(stack): Bring the estimate of $118.28/month under the budget of $100.00; the largest lines: "
        "network-nat-1 NAT gateway $32.85, data-db postgres db.t4g.micro (multi-az) $23.36, compute-lb-alb application load balancer $16.43."
    ]


def test_a_region_without_prices_cannot_pass_the_budget_silently(prod_graph: ResourceGraph) -> None:
    canada = rails("v1.5")
    canada = type(canada)(**{**vars(canada), "region": "ca-central-1"})
    assert check_stack("cost-estimate-within-budget", canada, list(prod_graph)).messages == [
        "(stack): Add a price catalogue so the budget can be checked: no price catalogue for ca-central-1; available: "
        "ap-southeast-1, ap-southeast-2, eu-west-2, us-east-1, us-west-2 (build one with `tierup prices refresh --region ca-central-1`)."
    ]


def test_the_stack_config_must_name_a_valid_release(prod_graph: ResourceGraph) -> None:
    assert check_stack("tierup-stack-config-valid", rails("v1.5"), list(prod_graph)).messages == []

    def invalid() -> Guardrails:
        return guardrails_for(load_settings({"aws:region": "us-east-1", "tierup:release": "v9"}))

    assert check_stack("tierup-stack-config-valid", invalid, list(prod_graph)).messages == [
        '(stack): Fix the stack\'s config: tierup:release: "v9" is not allowed; allowed: v1.0, v1.5, v2.0, v3.0.'
    ]
    # Every release-aware policy then steps aside, and says why, instead of guessing a release.
    quiet = check_stack("ec2-nat-gateway-count-within-release", invalid, list(prod_graph))
    assert (quiet.messages, quiet.not_applicable) == ([], "the stack's tierup config is missing or invalid (see tierup-stack-config-valid)")
    assert policy("rds-multi-az", invalid).enforcement_level is EnforcementLevel.MANDATORY
    assert policy("rds-multi-az", rails("v1.0")).enforcement_level is EnforcementLevel.MANDATORY
    assert policy("ecs-service-no-public-ip", rails("v1.0")).enforcement_level is EnforcementLevel.ADVISORY
    assert policy("ecs-service-no-public-ip", rails("v1.5")).enforcement_level is EnforcementLevel.MANDATORY
