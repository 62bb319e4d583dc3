"""StackBudget: a real AWS budget for the stack, alerting before the bill outgrows the plan."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.naming import child_name
from tierup_guardrails.settings.model import BudgetSettings
from tierup_guardrails.tags import StackTags

TIER = "stack"
COST_ALLOCATION_TAGS = ("Project", "Stack", "Release", "Tier")


@dataclass(frozen=True, kw_only=True)
class StackBudgetArgs:
    """The monthly limit and where its notifications go."""

    shape: BudgetSettings
    """The budget's settings: the monthly limit and tag activation."""
    alert_topic_arn: pulumi.Input[str]
    """The stack's alert topic: the budget notifies the addresses the alarms notify."""
    tags: StackTags
    """The stack's shared tags; the budget filters on its Stack tag."""

    def __post_init__(self) -> None:
        if self.shape.monthly_usd <= 0:
            raise ValueError(f"StackBudgetArgs.monthly_usd must be positive, not {self.shape.monthly_usd}")


class StackBudget(pulumi.ComponentResource):
    """A monthly COST budget filtered to the stack's `Stack` cost allocation tag, with a
    forecasted-80% and an actual-100% notification to the stack's alert topic, and (when asked)
    the activation of the Project, Stack, Release and Tier cost allocation tags."""

    budget_name: pulumi.Output[str]

    def __init__(self, name: str, args: StackBudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tierup:index:StackBudget", name, None, opts)
        activations = [self._activate(name, key) for key in COST_ALLOCATION_TAGS] if args.shape.activate_cost_tags else []
        notifications: list[aws.budgets.BudgetNotificationArgsDict] = [
            {
                "notification_type": kind,
                "comparison_operator": "GREATER_THAN",
                "threshold": threshold,
                "threshold_type": "PERCENTAGE",
                # One address list for alarms and budget alike (tierup:alerts.emails), on the
                # topic whose policy lets budgets.amazonaws.com publish.
                "subscriber_sns_topic_arns": [args.alert_topic_arn],
            }
            for kind, threshold in (("FORECASTED", 80), ("ACTUAL", 100))
        ]
        budget = aws.budgets.Budget(
            child_name(name, "monthly"),
            budget_type="COST",
            limit_amount=f"{args.shape.monthly_usd:.2f}",
            limit_unit="USD",
            time_unit="MONTHLY",
            # Cost Explorer's tag filter format is user:<key>$<value>.
            cost_filters=[{"name": "TagKeyValue", "values": [f"user:Stack${args.tags.stack}"]}],
            notifications=notifications,
            tags=args.tags.for_resource(TIER, "budget"),
            opts=pulumi.ResourceOptions(parent=self, depends_on=activations),
        )
        self.budget_name = budget.name
        self.register_outputs({"budget_name": self.budget_name})

    def _activate(self, name: str, key: str) -> aws.costexplorer.CostAllocationTag:
        # Account-wide: another stack may rely on the same activation, so deleting this stack
        # leaves it active.
        return aws.costexplorer.CostAllocationTag(
            child_name(name, f"tag-{key.lower()}"),
            tag_key=key,
            status="Active",
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
        )
