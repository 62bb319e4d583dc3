"""The `tierup check` text report: the guardrails' block, each finding's fix printed once."""

from __future__ import annotations

from tierup.policy_runner import ADVISORY, MANDATORY, PolicyReport
from tierup.report import fix_to_print, guardrail_lines
from tierup_guardrails.verdicts import NOT_EVALUATED, Finding

VPC = "urn:pulumi:dev::tierup::tierup:index:NetworkTier$aws:ec2/vpc:Vpc::network-vpc"
BUDGET = "urn:pulumi:dev::tierup::tierup:index:StackBudget$aws:budgets/budget:Budget::budget-monthly"
PREVIEW = (
    "can't run policy 'rds-no-public-access' from policy pack 'tierup-guardrails@v0.0.1' during preview: "
    "string value at .publiclyAccessible can't be known during preview"
)
DB = "urn:pulumi:dev::tierup::tierup:index:DataTier$aws:rds/instance:Instance::data-db"


def finding(policy: str, message: str, remediation: str, urn: str | None = VPC, level: str = ADVISORY) -> Finding:
    return Finding(policy=policy, level=level, message=message, urn=urn, severity="medium", remediation=remediation)


def test_a_fix_that_says_something_new_is_printed() -> None:
    found = finding("rds-deletion-protection", "Set tierup:data.protect to true once the database holds data.", "Turn on deletion protection.", DB)
    assert fix_to_print(found, None) == "Turn on deletion protection."


def test_a_fix_the_message_already_says_is_not() -> None:
    same = finding("ec2-vpc-flow-logs-enabled", "Set tierup:network.flowLogs to true.", "set tierup:network.flowLogs  to true")
    inside = finding(
        "ec2-vpc-flow-logs-enabled", "Add an aws.ec2.FlowLog for this VPC (set tierup:network.flowLogs to true).", "Set tierup:network.flowLogs to true."
    )
    assert (fix_to_print(same, None), fix_to_print(inside, None)) == (None, None)


def test_findings_sharing_a_fix_print_it_once_after_the_last() -> None:
    fix = "Set tierup:budget.alertEmails, and tierup:budget.activateCostTags true."
    first = finding("budgets-budget-alerts-reach-someone", "Add tierup:budget.alertEmails.", fix, BUDGET)
    second = finding("budgets-budget-alerts-reach-someone", "Activate the Stack cost allocation tag.", fix, BUDGET)
    elsewhere = finding("budgets-budget-alerts-reach-someone", "Add tierup:budget.alertEmails.", fix, urn=None)
    assert (fix_to_print(first, second), fix_to_print(second, None), fix_to_print(first, elsewhere)) == (None, fix, fix)


def test_a_policy_that_could_not_run_has_no_fix() -> None:
    assert fix_to_print(finding("rds-no-public-access", "can't run policy during preview", "Set publiclyAccessible to false.", DB, NOT_EVALUATED), None) is None


def test_the_guardrails_block_fits_100_columns_with_each_fix_once() -> None:
    fix = "Set tierup:budget.alertEmails, and tierup:budget.activateCostTags true from the payer account a day after the first deploy."
    report = PolicyReport(
        stack="dev",
        pack="tierup-guardrails",
        policy_count=56,
        findings=(
            finding("ec2-nat-gateway-count-within-release", "Remove 1 NAT gateway(s): release v1.0 allows 0 and the stack has 1.", "", None, MANDATORY),
            finding(
                "ec2-vpc-flow-logs-enabled",
                "Add an aws.ec2.FlowLog for this VPC (set tierup:network.flowLogs to true).",
                "Set tierup:network.flowLogs to true.",
            ),
            finding("budgets-budget-alerts-reach-someone", "Add tierup:budget.alertEmails: a budget without subscribers never alerts anyone.", fix, BUDGET),
            finding("budgets-budget-alerts-reach-someone", "Activate the Stack cost allocation tag: until then the budget never alerts.", fix, BUDGET),
            Finding("rds-no-public-access", NOT_EVALUATED, PREVIEW, DB, "critical", "Set publiclyAccessible to false.", policy_level=MANDATORY),
        ),
        not_applicable={"elasticache-encrypted": "no cache", "rds-proxy-tls": "no proxy", "rds-replica": "no replica"},
    )
    assert guardrail_lines(report) == [
        "  guardrails: FAIL · 56 policies · violations: 1 mandatory, 3 advisory",
        "              not evaluated: 1 (1 mandatory, 0 advisory) · 3 not applicable",
        "    mandatory     ec2-nat-gateway-count-within-release  (stack): Remove 1 NAT gateway(s): release",
        "                  v1.0 allows 0 and the stack has 1.",
        "    advisory      ec2-vpc-flow-logs-enabled  network-vpc: Add an aws.ec2.FlowLog for this VPC (set",
        "                  tierup:network.flowLogs to true).",
        "    advisory      budgets-budget-alerts-reach-someone  budget-monthly: Add",
        "                  tierup:budget.alertEmails: a budget without subscribers never alerts anyone.",
        "    advisory      budgets-budget-alerts-reach-someone  budget-monthly: Activate the Stack cost",
        "                  allocation tag: until then the budget never alerts.",
        "                  fix: Set tierup:budget.alertEmails, and tierup:budget.activateCostTags true from",
        "                       the payer account a day after the first deploy.",
        "    not evaluated rds-no-public-access  data-db: can't run policy 'rds-no-public-access' from policy",
        "                  pack 'tierup-guardrails@v0.0.1' during preview: string value at",
        "                  .publiclyAccessible can't be known during preview",
    ]
