"""ComputeTier: the app on ECS Fargate, from one public task to an autoscaled Spot mix behind an ALB."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.arns import log_group_arn
from components.container import CONTAINER_NAME, AppContainer, container_definitions
from components.iam_documents import assume_role_policy, execution_role_policy, policy_document
from components.load_balancer import LoadBalancer, LoadBalancerArgs
from components.naming import child_name
from components.security_rules import tcp_rule
from tierup_guardrails.modes import Ingress
from tierup_guardrails.settings.model import ComputeSettings
from tierup_guardrails.tags import StackTags

TIER = "compute"
ECS_TASKS = "ecs-tasks.amazonaws.com"


@dataclass(frozen=True, kw_only=True)
class ComputeTierArgs:
    """The app, its size and scaling, and the network ids handed forward by NetworkTier."""

    shape: ComputeSettings
    """The service's settings: size, architecture, ingress, WAF, scaling, Spot mix, logs."""
    vpc_id: pulumi.Input[str]
    """VPC of the service."""
    vpc_cidr: str
    """VPC range: tasks may reach anything inside it (database, cache) and only HTTPS outside."""
    public_subnet_ids: pulumi.Input[Sequence[str]]
    """Public subnets: the ALB, or the task itself with `Ingress.PUBLIC_IP`."""
    private_subnet_ids: pulumi.Input[Sequence[str]]
    """Private subnets: the tasks behind an ALB."""
    app_security_group_id: pulumi.Input[str]
    """The tasks' security group (from NetworkTier); this tier adds its ingress and egress."""
    region: str
    """Region, for the awslogs driver and the log group's ARN."""
    account_id: pulumi.Input[str]
    """Account of the stack, for the log group's ARN (known at preview, unlike assigned ARNs)."""
    container: AppContainer
    """What runs."""
    certificate_arn: str | None
    """ACM certificate for HTTPS on the ALB."""
    restart_triggers: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Values whose change rolls the service onto new tasks (endpoints the app reads at start)."""
    task_policy_statements: Sequence[pulumi.Input[Sequence[Mapping[str, object]]]] = ()
    """The app's own permissions, each tier's statements on its resources only (the task role)."""
    tags: StackTags
    """The stack's shared tags."""

    def __post_init__(self) -> None:
        # Zero tasks is a passive standby (the recovery region); the settings allow one at least.
        if not 0 <= self.shape.min_tasks <= self.shape.max_tasks or self.shape.max_tasks < 1:
            raise ValueError(f"ComputeTierArgs needs 0 <= min_tasks <= max_tasks, 1 <= max_tasks, got {self.shape.min_tasks} and {self.shape.max_tasks}")
        if self.shape.ingress is Ingress.PUBLIC_IP and (self.shape.waf or self.certificate_arn):
            raise ValueError("ComputeTierArgs.waf and certificate_arn need ingress=Ingress.LOAD_BALANCER")


class ComputeTier(pulumi.ComponentResource):
    """An ECS cluster (FARGATE and FARGATE_SPOT capacity providers, Container Insights per
    release), the app's log group, an execution role and a separate task role, a hardened
    Fargate task definition, the app security group's rules, and the service (circuit breaker with
    rollback) on public IPs or behind a LoadBalancer, with CPU target-tracking autoscaling
    when min_tasks < max_tasks."""

    cluster_name: pulumi.Output[str]
    service_name: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    app_url: pulumi.Output[str | None]
    endpoint_hint: pulumi.Output[str]
    load_balancer_suffix: pulumi.Output[str] | None
    """The ALB's metric dimension; None on public IPs."""
    target_group_suffix: pulumi.Output[str] | None
    web_acl_name: pulumi.Output[str] | None
    load_balancer_dns_name: pulumi.Output[str] | None
    load_balancer_zone_id: pulumi.Output[str] | None
    """The ALB's DNS name and hosted zone, for Route 53 alias records; None on public IPs."""

    def __init__(self, name: str, args: ComputeTierArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tierup:index:ComputeTier", name, None, opts)
        self._name = name
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)

        log_group = aws.cloudwatch.LogGroup(
            child_name(name, "logs"), retention_in_days=args.shape.log_retention_days, tags=self._tags("logs"), opts=self._child
        )
        cluster = aws.ecs.Cluster(
            child_name(name, "cluster"),
            settings=[{"name": "containerInsights", "value": "enabled" if args.shape.container_insights else "disabled"}],
            tags=self._tags("cluster"),
            opts=self._child,
        )
        # Both providers exist from v1.0 so that moving to a Spot mix changes the service's
        # strategy in place; switching from launch_type to a strategy would replace the service.
        capacity = aws.ecs.ClusterCapacityProviders(
            child_name(name, "capacity-providers"),
            cluster_name=cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=[{"capacity_provider": "FARGATE", "weight": 1}],
            opts=self._child,
        )
        load_balancer = self._create_load_balancer() if args.shape.ingress is Ingress.LOAD_BALANCER else None
        self._add_app_security_rules(load_balancer)
        task_definition, role_policies = self._create_task_definition(log_group)
        service = self._create_service(cluster, task_definition, load_balancer, [capacity, *role_policies])
        if args.shape.autoscaling:
            self._create_autoscaling(cluster, service)

        self.cluster_name = cluster.name
        self.service_name = service.name
        self.log_group_name = log_group.name
        self.app_url = load_balancer.url if load_balancer else pulumi.Output.from_input(None)
        self.endpoint_hint = self._endpoint_hint(load_balancer)
        self.load_balancer_suffix = load_balancer.arn_suffix if load_balancer else None
        self.target_group_suffix = load_balancer.target_group_suffix if load_balancer else None
        self.web_acl_name = load_balancer.web_acl_name if load_balancer else None
        self.load_balancer_dns_name = load_balancer.dns_name if load_balancer else None
        self.load_balancer_zone_id = load_balancer.zone_id if load_balancer else None
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "service_name": self.service_name,
                "log_group_name": self.log_group_name,
                "app_url": self.app_url,
                "endpoint_hint": self.endpoint_hint,
                "load_balancer_suffix": self.load_balancer_suffix,
                "target_group_suffix": self.target_group_suffix,
                "web_acl_name": self.web_acl_name,
            }
        )

    def _endpoint_hint(self, load_balancer: LoadBalancer | None) -> pulumi.Output[str]:
        if load_balancer is not None:
            return load_balancer.url.apply(lambda url: f"The app answers at {url}")
        port = self._args.container.shape.port
        # A public task's address changes with every deployment, so no output can hold it.
        return pulumi.Output.all(self.cluster_name, self.service_name).apply(
            lambda names: (
                f"The task's public IP changes with each deployment: "
                f"`aws ecs list-tasks --cluster {names[0]} --service-name {names[1]}`, then `aws ecs describe-tasks` for its "
                f"network interface and `aws ec2 describe-network-interfaces` for the public IP; the app listens on port {port}"
            )
        )

    def _tags(self, role: str) -> dict[str, str]:
        return self._args.tags.for_resource(TIER, role)

    def _create_load_balancer(self) -> LoadBalancer:
        args = self._args
        return LoadBalancer(
            child_name(self._name, "lb"),
            LoadBalancerArgs(
                vpc_id=args.vpc_id,
                public_subnet_ids=args.public_subnet_ids,
                app_port=args.container.shape.port,
                app_security_group_id=args.app_security_group_id,
                health_check_path=args.container.shape.health_check_path,
                certificate_arn=args.certificate_arn,
                waf=args.shape.waf,
                waf_block_large_bodies=args.shape.waf_block_large_bodies,
                tags=args.tags,
            ),
            opts=self._child,
        )

    def _add_app_security_rules(self, load_balancer: LoadBalancer | None) -> None:
        port = self._args.container.shape.port
        group_id = self._args.app_security_group_id
        # v1.0 has no ALB: the app port is open to the internet, the one documented exception
        # to "no public ingress" (C1 is advisory in v1.0). Behind an ALB only the ALB may connect.
        edge = {"peer_group_id": load_balancer.security_group_id} if load_balancer else {"cidr": "0.0.0.0/0"}
        rules: list[tuple[str, str, tuple[int, int], dict[str, Any], str]] = [
            ("app-ingress", "ingress", (port, port), edge, "The edge to the app port"),
            ("egress-https", "egress", (443, 443), {"cidr": "0.0.0.0/0"}, "HTTPS out: image pulls, AWS APIs, third parties"),
            ("egress-vpc", "egress", (0, 65535), {"cidr": self._args.vpc_cidr}, "TCP inside the VPC: database and cache"),
        ]
        for role, direction, ports, peer, description in rules:
            tcp_rule(
                child_name(self._name, role), direction=direction, group_id=group_id, ports=ports, description=description,
                tags=self._tags(role), opts=self._child, **peer,
            )  # fmt: skip

    def _create_task_definition(self, log_group: aws.cloudwatch.LogGroup) -> tuple[aws.ecs.TaskDefinition, list[aws.iam.RolePolicy]]:
        args = self._args
        execution_role = aws.iam.Role(
            child_name(self._name, "execution-role"), assume_role_policy=assume_role_policy(ECS_TASKS), tags=self._tags("execution-role"), opts=self._child
        )
        execution_policy = aws.iam.RolePolicy(
            child_name(self._name, "execution-policy"),
            role=execution_role.id,
            # The log group's ARN written from its name: known at preview (components/arns.py).
            policy=pulumi.Output.all(account=args.account_id, log_group=log_group.name, secrets=args.container.secret_arns).apply(
                lambda values: execution_role_policy(
                    log_group_arn(args.region, values["account"], values["log_group"]), list(values["secrets"].values()), args.container.shape.image
                )
            ),
            opts=self._child,
        )
        # The app's own permissions live on a separate role (CKV_AWS_249).
        task_role = aws.iam.Role(
            child_name(self._name, "task-role"), assume_role_policy=assume_role_policy(ECS_TASKS), tags=self._tags("task-role"), opts=self._child
        )
        role_policies = [execution_policy]
        if args.task_policy_statements:
            role_policies.append(
                aws.iam.RolePolicy(
                    child_name(self._name, "task-policy"),
                    role=task_role.id,
                    policy=pulumi.Output.all(*args.task_policy_statements).apply(lambda groups: policy_document([s for group in groups for s in group])),
                    opts=self._child,
                )
            )
        definitions = pulumi.Output.all(log_group=log_group.name, environment=args.container.environment, secrets=args.container.secret_arns).apply(
            lambda values: container_definitions(args.container, values["environment"], values["secrets"], values["log_group"], args.region)
        )
        task_definition = aws.ecs.TaskDefinition(
            child_name(self._name, "task"),
            family=f"{args.tags.project}-{args.tags.stack}-app",
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(args.shape.cpu),
            memory=str(args.shape.memory),
            runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": args.shape.architecture.value},
            execution_role_arn=execution_role.arn,
            task_role_arn=task_role.arn,
            container_definitions=definitions,
            tags=self._tags("task"),
            opts=self._child,
        )
        return task_definition, role_policies

    def _capacity_strategy(self) -> list[aws.ecs.ServiceCapacityProviderStrategyArgsDict]:
        args = self._args
        strategy: list[aws.ecs.ServiceCapacityProviderStrategyArgsDict] = [{"capacity_provider": "FARGATE", "base": args.shape.on_demand_base, "weight": 1}]
        if args.shape.spot_weight:
            strategy.append({"capacity_provider": "FARGATE_SPOT", "base": 0, "weight": args.shape.spot_weight})
        return strategy

    def _create_service(
        self,
        cluster: aws.ecs.Cluster,
        task_definition: aws.ecs.TaskDefinition,
        load_balancer: LoadBalancer | None,
        prerequisites: list[pulumi.Resource],
    ) -> aws.ecs.Service:
        args = self._args
        behind_alb = load_balancer is not None
        return aws.ecs.Service(
            child_name(self._name, "service"),
            cluster=cluster.arn,
            task_definition=task_definition.arn,
            desired_count=args.shape.min_tasks,
            capacity_provider_strategies=self._capacity_strategy(),
            # The provider applies a changed strategy (v1.5 → v2.0 Spot mix) only with a new deployment.
            force_new_deployment=True,
            # A changed endpoint parameter (a new host) redeploys too: tasks read it only at start.
            triggers=args.restart_triggers or None,
            platform_version="LATEST",
            network_configuration={
                "subnets": args.private_subnet_ids if behind_alb else args.public_subnet_ids,
                "security_groups": [args.app_security_group_id],
                "assign_public_ip": not behind_alb,
            },
            load_balancers=(
                [{"target_group_arn": load_balancer.target_group_arn, "container_name": CONTAINER_NAME, "container_port": args.container.shape.port}]
                if load_balancer
                else []
            ),
            health_check_grace_period_seconds=60 if behind_alb else None,
            deployment_circuit_breaker={"enable": True, "rollback": True},
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            # `pulumi up` returns once the new tasks are healthy, or fails when the breaker rolls back.
            wait_for_steady_state=True,
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            tags=self._tags("service"),
            opts=pulumi.ResourceOptions(
                parent=self,
                # The execution policy too: IAM is eventually consistent, and tasks started
                # before ECS may pull the image and read the secrets fail to start.
                depends_on=[*prerequisites, *(load_balancer.listeners if load_balancer else [])],
                # The autoscaler owns the count; an update must not reset it to the floor.
                ignore_changes=["desiredCount"] if args.shape.autoscaling else None,
            ),
        )

    def _create_autoscaling(self, cluster: aws.ecs.Cluster, service: aws.ecs.Service) -> None:
        args = self._args
        target = aws.appautoscaling.Target(
            child_name(self._name, "scaling-target"),
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", cluster.name, "/", service.name),
            min_capacity=args.shape.min_tasks,
            max_capacity=args.shape.max_tasks,
            tags=self._tags("scaling-target"),
            opts=self._child,
        )
        aws.appautoscaling.Policy(
            child_name(self._name, "cpu-scaling"),
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration={
                "target_value": args.shape.cpu_target_percent,
                "predefined_metric_specification": {"predefined_metric_type": "ECSServiceAverageCPUUtilization"},
                "scale_in_cooldown": 300,
                "scale_out_cooldown": 60,
            },
            opts=self._child,
        )
