"""`tierup audit`: the live account checked against what the stack's release promises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tierup.ops.discovery import LiveStack
from tierup_guardrails.settings.guardrails import Guardrails
from tierup_guardrails.settings.model import StackSettings
from tierup_guardrails.thresholds import SPOT_INTERRUPTIONS, alarm_name

OK, DRIFT = "ok", "DRIFT"
ON = "on"
# An alarm with no data for this long watches nothing (a metric that stopped, or a wrong dimension).
STALE = timedelta(days=1)


@dataclass(frozen=True)
class Finding:
    item: str
    expected: str
    actual: str

    @property
    def verdict(self) -> str:
        return OK if self.expected == self.actual else DRIFT


def _yes(value: object) -> str:
    return "yes" if value else "no"


def _database(live: LiveStack, rails: Guardrails) -> list[Finding]:
    primaries = [db for db in live.databases if not db.get("ReadReplicaSourceDBInstanceIdentifier")]
    if not primaries:
        return [Finding("database exists", "yes", "no")]
    findings = []
    for db in primaries:
        name = db["DBInstanceIdentifier"]
        findings += [
            Finding(f"{name}: encrypted", "yes", _yes(db.get("StorageEncrypted"))),
            Finding(f"{name}: publicly accessible", "no", _yes(db.get("PubliclyAccessible"))),
            Finding(f"{name}: backups of at least {rails.min_backup_days} day(s)", "yes", _yes(db.get("BackupRetentionPeriod", 0) >= rails.min_backup_days)),
        ]
        if rails.multi_az_database:
            findings.append(Finding(f"{name}: Multi-AZ", "yes", _yes(db.get("MultiAZ"))))
        if rails.protect_database:
            findings.append(Finding(f"{name}: deletion protection", "yes", _yes(db.get("DeletionProtection"))))
    return findings


def _network(live: LiveStack, settings: StackSettings) -> list[Finding]:
    expected = settings.network.nat_strategy.gateway_count(settings.network.az_count)
    return [Finding("NAT gateways", str(expected), str(len(live.nat_gateways)))]


def _tasks(live: LiveStack, rails: Guardrails, waf: Any) -> list[Finding]:
    findings = []
    for service in live.services:
        network = service.get("networkConfiguration", {}).get("awsvpcConfiguration", {})
        allowed = "ENABLED" if rails.public_app_port is not None else "DISABLED"
        findings.append(Finding(f"{service['serviceName']}: tasks' public IP", allowed, network.get("assignPublicIp", "DISABLED")))
    if rails.load_balancer_with_waf:
        findings.append(Finding("load balancer", "yes", _yes(live.load_balancers)))
        for lb in live.load_balancers:
            acl = waf.get_web_acl_for_resource(ResourceArn=lb["LoadBalancerArn"]).get("WebACL")
            findings.append(Finding(f"{lb['LoadBalancerName']}: WAF web ACL", "yes", _yes(acl)))
    return findings


def _cache(live: LiveStack, rails: Guardrails) -> list[Finding]:
    if not rails.elasticache_allowed:
        return [Finding("ElastiCache replication groups", "0", str(len(live.cache_groups)))]
    findings = [Finding("ElastiCache replication group", "yes", _yes(live.cache_groups))]
    for group in live.cache_groups:
        name = group["ReplicationGroupId"]
        findings += [
            Finding(f"{name}: encrypted at rest", "yes", _yes(group.get("AtRestEncryptionEnabled"))),
            Finding(f"{name}: encrypted in transit", "yes", _yes(group.get("TransitEncryptionEnabled"))),
        ]
        if len(group.get("MemberClusters", [])) >= 2:
            findings.append(Finding(f"{name}: automatic failover", "enabled", str(group.get("AutomaticFailover", "disabled"))))
    return findings


BLOCK_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _buckets(live: LiveStack, rails: Guardrails) -> list[Finding]:
    findings = []
    for bucket in live.buckets:
        name, block = bucket["Name"], bucket["PublicAccessBlock"]
        findings.append(Finding(f"{name}: public access blocked", "yes", _yes(all(block.get(flag) for flag in BLOCK_FLAGS))))
        if rails.versioned_buckets:
            findings.append(Finding(f"{name}: versioning", "Enabled", str(bucket["Versioning"])))
    return findings


def _budget(budgets: Any, account: str, stack: str) -> list[Finding]:
    wanted = f"user:Stack${stack}"
    try:
        listed = [b for page in budgets.get_paginator("describe_budgets").paginate(AccountId=account) for b in page.get("Budgets", [])]
    except budgets.exceptions.NotFoundException:
        listed = []  # AWS answers NotFound for an account with no budgets at all
    found = [b for b in listed if wanted in b.get("CostFilters", {}).get("TagKeyValue", [])]
    return [Finding(f"budget filtered on {wanted}", "yes", _yes(found))]


def _alarm_state(alarm: dict[str, Any] | None, now: datetime) -> str:
    if alarm is None:
        return "missing"
    if not alarm.get("ActionsEnabled", True):
        return "actions disabled"
    updated = alarm.get("StateUpdatedTimestamp")
    if alarm.get("StateValue") == "INSUFFICIENT_DATA" and isinstance(updated, datetime) and now - updated > STALE:
        return f"no data for {(now - updated).days} day(s)"
    return ON


def _alarms(live: LiveStack, rails: Guardrails, now: datetime) -> list[Finding]:
    """Each promised alarm exists, has its actions on, and has not lacked data for a day."""
    prefix = alarm_name(live.project, live.stack, "")
    by_suffix = {str(a["AlarmName"]).removeprefix(prefix): a for a in live.alarms}
    findings = []
    for watch_id in rails.promised_alarms:
        if watch_id == SPOT_INTERRUPTIONS:
            rules = [r for r in live.event_rules if r.get("Name") == prefix + watch_id]
            state = "missing" if not rules else (ON if rules[0].get("State") == "ENABLED" else "disabled")
            findings.append(Finding(f"rule {watch_id}", ON, state))
        else:
            findings.append(Finding(f"alarm {watch_id}", ON, _alarm_state(by_suffix.get(watch_id), now)))
    return findings


def _topic(live: LiveStack, settings: StackSettings) -> list[Finding]:
    """The alert topic exists, is encrypted with a KMS key, and every address has confirmed."""
    if not live.topics:
        return [Finding("alert topic", "yes", "no")]
    topic = live.topics[0]
    findings = [Finding("alert topic: KMS-encrypted", "yes", _yes(topic["Attributes"].get("KmsMasterKeyId")))]
    if settings.alerts.emails:
        # An email subscription delivers nothing until its address confirms it.
        confirmed = [s for s in topic["Subscriptions"] if s.get("Protocol") == "email" and str(s.get("SubscriptionArn", "")).startswith("arn:")]
        findings.append(Finding("alert topic: confirmed email subscriptions", str(len(settings.alerts.emails)), str(len(confirmed))))
    return findings


def audit(live: LiveStack, settings: StackSettings, rails: Guardrails, *, waf: Any, budgets: Any, account: str, now: datetime | None = None) -> list[Finding]:
    """Every promise of the release, checked against what AWS describes."""
    return [
        *_database(live, rails),
        *_network(live, settings),
        *_tasks(live, rails, waf),
        *_cache(live, rails),
        *_buckets(live, rails),
        *_budget(budgets, account, live.stack),
        *_topic(live, settings),
        *_alarms(live, rails, now or datetime.now(UTC)),
    ]
