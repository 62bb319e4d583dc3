"""Cost guardrail: the stack's estimated monthly bill fits its budget, under the real CLI too."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pulumi_policy import Policy, PolicyResource, Severity

from tierup_guardrails.base import Level, RailsSource, Spec, as_list, depends_on, of_type, region_of, stack_policy
from tierup_guardrails.cost.estimator import estimate
from tierup_guardrails.cost.model import CostError, PricedResource, load_catalogue
from tierup_guardrails.settings.guardrails import Guardrails

WITHIN_BUDGET = Spec(
    name="cost-estimate-within-budget",
    description="The stack's estimated monthly cost fits its budget (the release's, or tierup:budget.monthlyUsd).",
    severity=Severity.HIGH,
    remediation="Lower the largest lines (see `tierup cost STACK`), or raise tierup:budget.monthlyUsd deliberately.",
    references=("cost", "budget"),
)
ALERTS_DELIVERED = Spec(
    name="budgets-budget-alerts-reach-someone",
    description=(
        "The stack's budget notifies someone (an address, or an alert topic with a subscription) and counts the stack's spend "
        "(its Stack cost allocation tag is activated); advice only."
    ),
    severity=Severity.MEDIUM,
    remediation="Set tierup:alerts.emails, and tierup:budget.activateCostTags true from the payer account a day after the first deploy.",
    references=("cost", "budget"),
    level=lambda _: Level.ADVISORY,
)
BUDGET = "aws:budgets/budget:Budget"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
COST_ALLOCATION_TAG = "aws:costexplorer/costAllocationTag:CostAllocationTag"


def priced_resources(resources: Sequence[PolicyResource], stack_region: str) -> list[PricedResource]:
    """The stack policy's resources as the estimator reads them (tier from the Tier tag, region
    from the provider)."""
    priced = []
    for resource in resources:
        if resource.resource_type.startswith(("pulumi:", "tierup:")):
            continue
        tags = resource.props.get("tags")
        tier = str(tags.get("Tier", "stack")) if isinstance(tags, Mapping) else "stack"
        deps = {key: tuple(dep.urn for dep in values) for key, values in resource.property_dependencies.items()}
        region = region_of(resource, stack_region)
        priced.append(
            PricedResource(
                urn=resource.urn,
                type=resource.resource_type,
                name=resource.name,
                tier=tier,
                props=resource.props,
                deps=deps,
                region=region if region != stack_region else None,
            )
        )
    return priced


def _budget_violations(resources: Sequence[PolicyResource], rails: Guardrails) -> Iterable[tuple[str, str | None]]:
    # The estimate loads the catalogue of every region a resource is in (the recovery region's too).
    try:
        result = estimate(
            stack="", release=rails.release.value, budget_usd=rails.monthly_budget_usd, goal_usd=rails.monthly_budget_usd,
            resources=priced_resources(resources, rails.region), catalogue=load_catalogue(rails.region), usage=rails.usage,
        )  # fmt: skip
    except CostError as error:
        yield f"Add a price catalogue so the budget can be checked: {error}.", None
        return
    if not result.within_budget:
        largest = sorted(result.lines, key=lambda line: -line.monthly)[:3]
        named = ", ".join(f"{line.resource} {line.item} ${line.monthly:,.2f}" for line in largest)
        yield f"Bring the estimate of ${result.total:,.2f}/month under the budget of ${result.budget_usd:,.2f}; the largest lines: {named}.", None


def _tag_filters(budget: PolicyResource) -> list[str]:
    """The cost allocation tag keys a budget filters on (user:<key>$<value>)."""
    keys = []
    for cost_filter in as_list(budget.props.get("costFilters")):
        if isinstance(cost_filter, Mapping) and cost_filter.get("name") == "TagKeyValue":
            keys += [str(value).split("$")[0].removeprefix("user:") for value in as_list(cost_filter.get("values"))]
    return keys


def _alert_violations(resources: Sequence[PolicyResource], _: Guardrails) -> Iterable[tuple[str, str | None]]:
    activated = {str(tag.props.get("tagKey")) for tag in of_type(resources, COST_ALLOCATION_TAG) if tag.props.get("status") == "Active"}
    subscribed = {dep.urn for s in of_type(resources, SUBSCRIPTION) for dep in depends_on(s, "topic") if dep.resource_type == TOPIC}
    for budget in of_type(resources, BUDGET):
        notifications = [n for n in as_list(budget.props.get("notifications")) if isinstance(n, Mapping)]
        topics = {dep.urn for dep in depends_on(budget, "notifications") if dep.resource_type == TOPIC}
        if not any(as_list(n.get("subscriberEmailAddresses")) for n in notifications) and not topics & subscribed:
            yield "Add tierup:alerts.emails: the budget notifies the alert topic, and no address is subscribed to it.", budget.urn
        for key in _tag_filters(budget):
            if key not in activated:
                yield (
                    f"Activate the {key} cost allocation tag (tierup:budget.activateCostTags true, from the payer account, once AWS has seen "
                    "the tag): until then the budget counts none of the stack's spend and never alerts.",
                    budget.urn,
                )


def policies(source: RailsSource) -> list[Policy]:
    return [stack_policy(WITHIN_BUDGET, _budget_violations, source), stack_policy(ALERTS_DELIVERED, _alert_violations, source)]
