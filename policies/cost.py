"""Cost guardrail: the stack's estimated monthly bill fits its budget, under the real CLI too."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pulumi_policy import Policy, PolicyResource, Severity

from policies.base import Spec, stack_policy
from tierup.cost.estimator import estimate
from tierup.cost.model import CostError, PricedResource, load_catalogue
from tierup.settings.guardrails import Guardrails

WITHIN_BUDGET = Spec(
    name="cost-estimate-within-budget",
    description="The stack's estimated monthly cost fits its budget (the release's, or tierup:budget.monthlyUsd).",
    severity=Severity.HIGH,
    remediation="Lower the largest lines (see `tierup cost STACK`), or raise tierup:budget.monthlyUsd deliberately.",
    references=("cost", "budget"),
)


def priced_resources(resources: Sequence[PolicyResource]) -> list[PricedResource]:
    """The stack policy's resources as the estimator reads them (tier from the Tier tag)."""
    priced = []
    for resource in resources:
        if resource.resource_type.startswith(("pulumi:", "tierup:")):
            continue
        tags = resource.props.get("tags")
        tier = str(tags.get("Tier", "stack")) if isinstance(tags, Mapping) else "stack"
        deps = {key: tuple(dep.urn for dep in values) for key, values in resource.property_dependencies.items()}
        priced.append(PricedResource(urn=resource.urn, type=resource.resource_type, name=resource.name, tier=tier, props=resource.props, deps=deps))
    return priced


def _budget_violations(resources: Sequence[PolicyResource], rails: Guardrails) -> Iterable[tuple[str, str | None]]:
    try:
        catalogue = load_catalogue(rails.region)
    except CostError as error:
        yield f"Add a price catalogue so the budget can be checked: {error}.", None
        return
    result = estimate(
        stack="", release=rails.release.value, budget_usd=rails.monthly_budget_usd, goal_usd=rails.monthly_budget_usd,
        resources=priced_resources(resources), catalogue=catalogue, usage=rails.usage,
    )  # fmt: skip
    if not result.within_budget:
        largest = sorted(result.lines, key=lambda line: -line.monthly)[:3]
        named = ", ".join(f"{line.resource} {line.item} ${line.monthly:,.2f}" for line in largest)
        yield f"Bring the estimate of ${result.total:,.2f}/month under the budget of ${result.budget_usd:,.2f}; the largest lines: {named}.", None


def policies(rails: Guardrails) -> list[Policy]:
    return [stack_policy(WITHIN_BUDGET, _budget_violations, rails)]
