"""The alert topic's policy documents and the Spot-interruption rule's pattern (pure).

Why a customer managed key: CloudWatch alarms and AWS Budgets publish to an encrypted topic only
when the topic's KMS key policy lets their service principal use the key, and the policy of the
AWS managed key alias/aws/sns cannot be changed (SNS Developer Guide, "Key management",
"Enable compatibility between event sources from AWS services and encrypted topics"; Cost
Management User Guide, "Creating an Amazon SNS topic for budget notifications"). Alarms on a
topic encrypted with alias/aws/sns fail with KMS AccessDenied and notify no one
(aws/aws-cdk#11121, ASFHyP3/hyp3#762). The guardrail sns-topic-encrypted-for-its-publishers
holds this."""

from __future__ import annotations

import json

CLOUDWATCH = "cloudwatch.amazonaws.com"
BUDGETS = "budgets.amazonaws.com"
EVENTS = "events.amazonaws.com"
PUBLISH_KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"]


def key_policy(account: str, publishers: list[str]) -> str:
    """The account administers the key (no wildcard principal, CKV_AWS_33); the publishing
    services may use it to encrypt what they publish, as the SNS guide's statement for event
    sources writes it (no condition): the topic policy holds the confused-deputy conditions, and
    the key encrypts this one topic."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "AccountAdministersKey", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"},
                {"Sid": "PublishersEncrypt", "Effect": "Allow", "Principal": {"Service": sorted(publishers)}, "Action": PUBLISH_KEY_ACTIONS, "Resource": "*"},
            ],
        }
    )


def topic_policy(topic_arn: str, account: str, region: str, alarm_prefix: str, spot_rule_arn: str | None) -> str:
    """Only the stack's alarms, the account's budgets and (with Spot) the interruption rule may
    publish (confused-deputy conditions as the Budgets and CloudWatch guides write them)."""
    statements: list[dict[str, object]] = [
        {
            "Sid": "StackAlarmsPublish",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDWATCH},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{region}:{account}:alarm:{alarm_prefix}*"},
            },
        },
        {
            "Sid": "BudgetsPublish",
            "Effect": "Allow",
            "Principal": {"Service": BUDGETS},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": account}, "ArnLike": {"aws:SourceArn": f"arn:aws:budgets::{account}:*"}},
        },
    ]
    if spot_rule_arn is not None:
        statements.append(
            {
                "Sid": "SpotRulePublishes",
                "Effect": "Allow",
                "Principal": {"Service": EVENTS},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": spot_rule_arn}},
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def spot_event_pattern(cluster_arn: str) -> str:
    """ECS task state changes of the stack's cluster stopped by a Spot interruption (ECS
    Developer Guide, "Amazon ECS task state change events": stopCode SpotInterruption)."""
    return json.dumps(
        {"source": ["aws.ecs"], "detail-type": ["ECS Task State Change"], "detail": {"clusterArn": [cluster_arn], "stopCode": ["SpotInterruption"]}}
    )


SPOT_INPUT_PATHS = {"time": "$.time", "task": "$.detail.taskArn", "group": "$.detail.group", "reason": "$.detail.stoppedReason"}
# EventBridge's input transformer: a JSON string, so the email reads as a sentence.
SPOT_INPUT_TEMPLATE = (
    '"Spot interruption at <time>: task <task> of <group> stopped (<reason>). ECS starts a replacement; if this repeats, raise tierup:compute.onDemandBase."'
)
