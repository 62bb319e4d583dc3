"""Compute and edge guardrails: ECS tasks and service, ALB listeners, WAF."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pulumi_policy import Policy, PolicyResource, Severity

from tierup_guardrails.base import (
    Level,
    Props,
    RailsSource,
    Settled,
    Spec,
    as_list,
    depends_on,
    json_document,
    number,
    of_type,
    resource_policy,
    stack_policy,
    truthy,
    when,
)
from tierup_guardrails.settings.guardrails import Guardrails
from tierup_guardrails.settings.ladder import per_release
from tierup_guardrails.settings.loader import SECRET_LOOKING_NAME

ECS_SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_CLUSTER = "aws:ecs/cluster:Cluster"
SCALING_TARGET = "aws:appautoscaling/target:Target"
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
# TLS 1.2 or newer only (CKV_AWS_103); the TLS13 policies keep 1.2 as the floor.
TLS_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
)
KNOWN_BAD_INPUTS_GROUP = "AWSManagedRulesKnownBadInputsRuleSet"

NO_PUBLIC_IP = Spec(
    name="ecs-service-no-public-ip",
    description="ECS tasks get no public IP from release v1.5; in v1.0 a public task is the documented, advisory exception.",
    severity=Severity.HIGH,
    remediation="Run the tasks in private subnets behind the load balancer (tierup:compute.ingress load-balancer).",
    references=("C1", "CKV_AWS_333", "ECS.2"),
    settled=(
        Settled(
            controls=("CKV_AWS_333", "ECS.2"),
            how="Advisory in v1.0 only: the MVP has no NAT gateway or ALB to stay near $30; the app's group then admits the app port alone "
            "(ec2-security-group-world-ingress-only-at-edge).",
        ),
    ),
    level=when(lambda rails: rails.load_balancer_with_waf, Level.ADVISORY),
)
NOT_PRIVILEGED = Spec(
    name="ecs-task-not-privileged",
    description="No container runs privileged.",
    severity=Severity.CRITICAL,
    remediation="Set privileged to false in the container definition.",
    references=("C2", "CKV_AWS_334", "ECS.4"),
)
READ_ONLY_ROOT = Spec(
    name="ecs-task-read-only-root-filesystem",
    description="Every container's root filesystem is read-only; writes go to tmpfs mounts.",
    severity=Severity.HIGH,
    remediation="Set readonlyRootFilesystem to true and list the paths the app writes in tierup:app.writablePaths.",
    references=("C3", "CKV_AWS_336", "ECS.5"),
)
LOGGING = Spec(
    name="ecs-task-logging-configured",
    description="Every container sends its logs somewhere (awslogs).",
    severity=Severity.MEDIUM,
    remediation="Add a logConfiguration with the awslogs driver to the container definition.",
    references=("C7", "AwsSolutions-ECS7", "ECS.9"),
)
NO_PLAINTEXT_SECRETS = Spec(
    name="ecs-task-no-plaintext-secrets",
    description="No container has a secret-looking environment variable in plaintext; secrets come through valueFrom.",
    severity=Severity.CRITICAL,
    remediation="Move the value to Secrets Manager and list its ARN under tierup:app.secrets.",
    references=("C6", "AVD-AWS-0036", "ECS.8"),
    settled=(
        Settled(
            controls=("AVD-AWS-0036",),
            how="Names only, ECS.8's three among them: Trivy also scans values for known secret formats; "
            "tierup:app.environment refuses secret-looking names first.",
        ),
    ),
)
SEPARATE_ROLES = Spec(
    name="ecs-task-separate-execution-and-task-roles",
    description="A task's execution role (what ECS uses) differs from its task role (what the app uses).",
    severity=Severity.HIGH,
    remediation="Give the task definition a task role of its own.",
    references=("C10", "CKV_AWS_249"),
)
CONTAINER_INSIGHTS = Spec(
    name="ecs-cluster-container-insights",
    description="ECS clusters have Container Insights from release v1.5.",
    severity=Severity.LOW,
    remediation="Set tierup:compute.containerInsights to true.",
    references=("C8", "CKV_AWS_65", "AVD-AWS-0034", "ECS.12"),
    level=when(lambda rails: rails.container_insights, Level.ADVISORY),
)
TASK_COUNT = Spec(
    name="ecs-service-task-count-within-release",
    description=f"The service never runs more tasks than its release allows ({per_release(lambda p: p.compute.max_tasks)}).",
    severity=Severity.MEDIUM,
    remediation="Lower tierup:compute.maxTasks, or move the stack to the release that needs more tasks.",
    references=("release-ladder", "cost"),
)
ALB_WITH_WAF = Spec(
    name="lb-alb-with-waf-in-front-of-tasks",
    description="From release v1.5 every service is reached through an ALB, and every ALB has a WAF web ACL.",
    severity=Severity.HIGH,
    remediation="Set tierup:compute.ingress to load-balancer and tierup:compute.waf to true.",
    references=("L9", "CKV2_AWS_28", "ELB.16"),
    settled=(Settled(controls=("CKV2_AWS_28",), how="Stricter: internal load balancers need a web ACL too, and every service must sit behind an ALB."),),
    level=when(lambda rails: rails.load_balancer_with_waf),
    quiet_reason="the release serves the app from a public task without a load balancer",
)
HTTPS_ONLY = Spec(
    name="lb-listener-http-redirects-to-https",
    description="HTTP listeners only redirect to HTTPS; without a certificate this stays advisory.",
    severity=Severity.HIGH,
    remediation="Set tierup:app.certificateArn to an ACM certificate; HTTP then redirects to HTTPS.",
    references=("L1", "CKV_AWS_2", "CKV2_AWS_20", "AVD-AWS-0054", "ELB.1"),
    settled=(
        Settled(
            controls=("CKV_AWS_2", "ELB.1"),
            how="Advisory until the stack sets tierup:app.certificateArn: without a certificate the ALB can only serve HTTP.",
        ),
    ),
    level=lambda rails: Level.MANDATORY if rails.https_available else Level.ADVISORY,
)
TLS_POLICY = Spec(
    name="lb-listener-tls12-policy",
    description="HTTPS listeners accept TLS 1.2 or newer only.",
    severity=Severity.HIGH,
    remediation="Set sslPolicy to ELBSecurityPolicy-TLS13-1-2-2021-06.",
    references=("L2", "CKV_AWS_103", "AVD-AWS-0047"),
    settled=(
        Settled(
            controls=("CKV_AWS_103", "AVD-AWS-0047"),
            how="Stricter: a list of named TLS 1.2+ policies, where Checkov accepts any ELBSecurityPolicy-TLS13 name (1-0 and 1-1 included) "
            "and Trivy refuses only the outdated ones it lists.",
        ),
    ),
)
DROP_INVALID_HEADERS = Spec(
    name="lb-drop-invalid-headers",
    description="Load balancers drop HTTP headers with invalid names.",
    severity=Severity.MEDIUM,
    remediation="Set dropInvalidHeaderFields to true.",
    references=("L3", "CKV_AWS_131", "AVD-AWS-0052", "ELB.4"),
)
DESYNC_MITIGATION = Spec(
    name="lb-desync-mitigation",
    description="Load balancers mitigate HTTP desync in defensive or strictest mode.",
    severity=Severity.MEDIUM,
    remediation="Set desyncMitigationMode to defensive.",
    references=("L6", "CKV_AWS_328", "ELB.12"),
)
KNOWN_BAD_INPUTS = Spec(
    name="wafv2-known-bad-inputs",
    description=(
        "Web ACLs block requests with AWS's known-bad-inputs managed rules (Log4j and similar), neither in count mode nor with their Log4j rules overridden."
    ),
    severity=Severity.HIGH,
    remediation="Add the AWSManagedRulesKnownBadInputsRuleSet managed rule group with overrideAction none.",
    references=("L10", "CKV_AWS_192", "CKV2_AWS_76", "WAF.10"),
    settled=(
        Settled(
            controls=("CKV2_AWS_76",),
            how="The AWSManagedRulesAnonymousIpList group Checkov also asks for is not required: it blocks every client behind a VPN, Tor or a cloud host, "
            "legitimate users of a public app among them.",
        ),
        Settled(controls=("WAF.10",), how="Stricter: WAF.10 asks for any rule or rule group; tierup asks for this group, blocking."),
    ),
)


def containers(props: Props) -> list[Mapping[str, object]]:
    """The container definitions of a task definition."""
    return [c for c in as_list(json_document(props, "containerDefinitions")) if isinstance(c, Mapping)]


def _public_ip_violations(props: Props, _: Guardrails) -> Iterable[str]:
    network = props.get("networkConfiguration")
    if isinstance(network, Mapping) and truthy(network, "assignPublicIp"):
        yield "Set assignPublicIp to false and reach the tasks through the load balancer."


def _privileged_violations(props: Props, _: Guardrails) -> Iterable[str]:
    for container in containers(props):
        if container.get("privileged") is True:
            yield f"Set privileged to false on container {container.get('name')}."


def _read_only_root_violations(props: Props, _: Guardrails) -> Iterable[str]:
    for container in containers(props):
        if container.get("readonlyRootFilesystem") is not True:
            yield f"Set readonlyRootFilesystem to true on container {container.get('name')}."


def _logging_violations(props: Props, _: Guardrails) -> Iterable[str]:
    for container in containers(props):
        configuration = container.get("logConfiguration")
        if not isinstance(configuration, Mapping) or not configuration.get("logDriver"):
            yield f"Add a logConfiguration (awslogs) to container {container.get('name')}."


def _plaintext_secret_violations(props: Props, _: Guardrails) -> Iterable[str]:
    for container in containers(props):
        for variable in as_list(container.get("environment")):
            name = str(variable.get("name", "")) if isinstance(variable, Mapping) else ""
            if SECRET_LOOKING_NAME.search(name):
                yield f"Move {name} of container {container.get('name')} from environment to secrets (valueFrom)."


def _separate_role_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    for task in of_type(resources, TASK_DEFINITION):
        execution = {dep.urn for dep in depends_on(task, "executionRoleArn")}
        task_role = {dep.urn for dep in depends_on(task, "taskRoleArn")}
        # Roles of the stack are told apart by what the ARNs come from (their values are unknown
        # in a first preview); only two literal ARNs are compared as text.
        literal = not execution and not task_role
        same_value = literal and task.props.get("executionRoleArn") is not None and task.props.get("executionRoleArn") == task.props.get("taskRoleArn")
        if same_value or execution & task_role:
            yield "Give the task a task role separate from its execution role.", task.urn


def _container_insights_violations(props: Props, _: Guardrails) -> Iterable[str]:
    settings = {s.get("name"): s.get("value") for s in as_list(props.get("settings")) if isinstance(s, Mapping)}
    if settings.get("containerInsights") not in ("enabled", "enhanced"):
        yield "Enable Container Insights on the cluster (setting containerInsights)."


def _task_count_violations(props: Props, rails: Guardrails) -> Iterable[str]:
    if props.get("serviceNamespace") not in (None, "ecs"):
        return
    count = props.get("maxCapacity", props.get("desiredCount"))
    if count is not None and number(count) > rails.max_tasks:
        yield f"Lower the task count to at most {rails.max_tasks}, the maximum of release {rails.release.value} (it is {number(count):g})."


def _alb_with_waf_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    albs = of_type(resources, *LOAD_BALANCERS)
    if of_type(resources, ECS_SERVICE) and not albs:
        yield "Put the service behind an ALB (tierup:compute.ingress load-balancer).", None
    protected = {dep.urn for association in of_type(resources, WEB_ACL_ASSOCIATION) for dep in depends_on(association, "resourceArn")}
    for alb in albs:
        if alb.urn not in protected:
            yield "Associate a WAF web ACL with this load balancer (tierup:compute.waf true).", alb.urn
    for service in of_type(resources, ECS_SERVICE):
        if not as_list(service.props.get("loadBalancers")):
            yield "Register the service's tasks with the load balancer's target group.", service.urn


def _https_only_violations(props: Props, _: Guardrails) -> Iterable[str]:
    if props.get("protocol") != "HTTP":
        return
    actions = [a for a in as_list(props.get("defaultActions")) if isinstance(a, Mapping)]
    redirects = [a for a in actions if a.get("type") == "redirect" and (a.get("redirect") or {}).get("protocol") == "HTTPS"]
    if not actions or len(redirects) != len(actions):
        yield "Redirect HTTP to HTTPS instead of serving it (set tierup:app.certificateArn)."


def _tls_policy_violations(props: Props, _: Guardrails) -> Iterable[str]:
    if props.get("protocol") in ("HTTPS", "TLS") and props.get("sslPolicy") not in TLS_POLICIES:
        yield f"Set sslPolicy to {TLS_POLICIES[0]} (TLS 1.2 or newer)."


def _drop_invalid_headers_violations(props: Props, _: Guardrails) -> Iterable[str]:
    if props.get("loadBalancerType", "application") == "application" and not truthy(props, "dropInvalidHeaderFields"):
        yield "Set dropInvalidHeaderFields to true."


def _desync_violations(props: Props, _: Guardrails) -> Iterable[str]:
    if props.get("desyncMitigationMode", "defensive") not in ("defensive", "strictest"):
        yield "Set desyncMitigationMode to defensive or strictest."


def _managed_group(rule: object) -> Mapping[str, object]:
    """The managed rule group a web ACL rule references, or an empty mapping."""
    statement = rule.get("statement") if isinstance(rule, Mapping) else None
    managed = statement.get("managedRuleGroupStatement") if isinstance(statement, Mapping) else None
    return managed if isinstance(managed, Mapping) else {}


def _known_bad_inputs_violations(props: Props, _: Guardrails) -> Iterable[str]:
    rules = [rule for rule in as_list(props.get("rules")) if _managed_group(rule).get("name") == KNOWN_BAD_INPUTS_GROUP]
    if not rules:
        yield f"Add the {KNOWN_BAD_INPUTS_GROUP} managed rule group to the web ACL."
    for rule in rules:
        # As CKV_AWS_192: the group must block (overrideAction none), and its Log4JRCE rules keep AWS's action.
        override = rule.get("overrideAction") if isinstance(rule, Mapping) else None
        if not isinstance(override, Mapping) or override.get("none") is None:
            yield f"Set overrideAction to none on the {KNOWN_BAD_INPUTS_GROUP} rule: in count mode it only records the attacks it matches."
        for action in as_list(_managed_group(rule).get("ruleActionOverrides")):
            overridden = str(action.get("name", "")) if isinstance(action, Mapping) else ""
            if overridden.startswith("Log4JRCE"):
                yield f"Remove the override of {overridden} from {KNOWN_BAD_INPUTS_GROUP}: left as AWS sets it, it blocks Log4j exploits (CVE-2021-44228)."


def policies(source: RailsSource) -> list[Policy]:
    return [
        resource_policy(NO_PUBLIC_IP, (ECS_SERVICE,), _public_ip_violations, source),
        resource_policy(NOT_PRIVILEGED, (TASK_DEFINITION,), _privileged_violations, source),
        resource_policy(READ_ONLY_ROOT, (TASK_DEFINITION,), _read_only_root_violations, source),
        resource_policy(LOGGING, (TASK_DEFINITION,), _logging_violations, source),
        resource_policy(NO_PLAINTEXT_SECRETS, (TASK_DEFINITION,), _plaintext_secret_violations, source),
        stack_policy(SEPARATE_ROLES, _separate_role_violations, source),
        resource_policy(CONTAINER_INSIGHTS, (ECS_CLUSTER,), _container_insights_violations, source),
        resource_policy(TASK_COUNT, (ECS_SERVICE, SCALING_TARGET), _task_count_violations, source),
        stack_policy(ALB_WITH_WAF, _alb_with_waf_violations, source),
        resource_policy(HTTPS_ONLY, LISTENERS, _https_only_violations, source),
        resource_policy(TLS_POLICY, LISTENERS, _tls_policy_violations, source),
        resource_policy(DROP_INVALID_HEADERS, LOAD_BALANCERS, _drop_invalid_headers_violations, source),
        resource_policy(DESYNC_MITIGATION, LOAD_BALANCERS, _desync_violations, source),
        resource_policy(KNOWN_BAD_INPUTS, (WEB_ACL,), _known_bad_inputs_violations, source),
    ]
