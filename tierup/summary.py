"""Human-readable views of a ResourceGraph: the per-stack summary and the resource list."""

from __future__ import annotations

from typing import Any

from tierup.render import columns, short_type, wrap, wrap_parts
from tierup.synth.graph import ResourceGraph
from tierup_guardrails.thresholds import SPOT_INTERRUPTIONS

NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"


def headline(graph: ResourceGraph) -> list[str]:
    """The stack's headline (release, region, AZs, NAT gateways, resources): one line unless it must wrap."""
    zones = graph.settings["network"]["availability_zones"]
    nats = len([r for r in graph.of_type(NAT_GATEWAY) if graph.region_of(r) == graph.region])
    custom = sum(1 for r in graph if r.custom)
    parts = (
        graph.stack,
        f"release {graph.release}",
        graph.region,
        f"{len(zones)} AZs ({', '.join(zones)})",
        f"{nats} NAT gateway{'s' if nats != 1 else ''}",
        *_recovery_parts(graph),
        f"{custom} resources",
    )
    return wrap_parts(parts, hang="  ")


def _recovery_parts(graph: ResourceGraph) -> tuple[str, ...]:
    """The second region, when the stack has one: where it is and how many resources live there."""
    elsewhere = [r for r in graph if r.custom and graph.region_of(r) != graph.region]
    regions = sorted({graph.region_of(r) for r in elsewhere})
    dr = graph.settings.get("dr", {})
    return tuple(f"recovery {region} ({dr.get('standby', 'passive')}, {len(elsewhere)} resources)" for region in regions)


def promises(settings: dict[str, Any]) -> list[tuple[str, str]]:
    """What the release (with the stack's overrides) promises: (tier, short phrase) pairs."""
    network, compute, data, cache, budget = (settings[k] for k in ("network", "compute", "data", "cache", "budget"))
    frontend, storage, auth, email = (settings[k] for k in ("frontend", "storage", "auth", "email"))
    alerts, promised = settings["alerts"], settings["limits"]["alarms"]
    nat = {"none": "no NAT gateway", "single": "one NAT gateway", "one-per-az": "one NAT gateway per AZ"}
    if compute["ingress"] == "public-ip":
        placement = "app task on a public IP (app port only)"
    else:
        placement = "private tasks behind an ALB" + (" with WAF" if compute["waf"] else "")
    tasks = str(compute["min_tasks"]) if compute["min_tasks"] == compute["max_tasks"] else f"{compute['min_tasks']}–{compute['max_tasks']}"
    spot = f", Spot weight {compute['spot_weight']} over base {compute['on_demand_base']}" if compute["spot_weight"] else ""
    database = _database_text(data)
    cache_text = (
        "cache in PostgreSQL (UNLOGGED table, no AWS resources)"
        if cache["mode"] == "postgres"
        else f"{cache['engine']} cache, {cache['nodes']} × {cache['node_type']}"
    )
    storage_text = f"buckets versioned, old versions kept {storage['noncurrent_expiry_days']} days" if storage["versioning"] else "buckets unversioned"
    storage_text += ", uploads to Intelligent-Tiering" if storage["intelligent_tiering"] else ""
    return [
        ("network", nat[network["nat_strategy"]]),
        ("network", f"flow logs {'on, kept ' + str(network['log_retention_days']) + ' days' if network['flow_logs'] else 'off'}"),
        ("compute", placement),
        ("compute", f"{tasks} × {compute['cpu']} CPU / {compute['memory']} MiB {compute['architecture']} tasks{spot}"),
        ("compute", f"Container Insights {'on' if compute['container_insights'] else 'off'}, app logs kept {compute['log_retention_days']} days"),
        ("data", database),
        ("cache", cache_text),
        ("frontend", f"frontend on CloudFront ({frontend['price_class']})" + (f" at {frontend['domain']}" if frontend["domain"] else "")),
        ("storage", storage_text),
        ("auth", f"Cognito {auth['tier'].lower()} user pool, MFA {auth['mfa'].lower()}" + (", protected" if auth["deletion_protection"] else "")),
        (
            "email",
            f"SES identity {email['domain']} (sandbox until AWS grants production access)" if email["domain"] else "no email identity (tierup:email.domain)",
        ),
        *_recovery_promises(settings),
        ("observability", _alerts_text(alerts, promised)),
        ("stack", f"budget ${budget['monthly_usd']:g}/month (goal ${budget['goal_usd']:g})"),
    ]


def _database_text(data: dict[str, Any]) -> str:
    if data.get("engine") == "aurora-postgresql":
        database = f"Aurora PostgreSQL {data['engine_version']} Serverless v2 ({data['aurora_min_acu']:g}–{data['aurora_max_acu']:g} ACUs), writer"
        database += " + reader" if data["read_replica"] else ""
    else:
        database = f"{'Multi-AZ' if data['multi_az'] else 'single-AZ'} {data['instance_class']} PostgreSQL {data['engine_version']}"
    database += f", backups {data['backup_retention_days']} days"
    database += ", protected" if data["protect"] else ""
    database += ", read replica" if data["read_replica"] and data.get("engine") != "aurora-postgresql" else ""
    database += ", RDS Proxy" if data["proxy"] else ""
    migration = data.get("migration", "none")
    return database + (f'; moving from RDS: step {migration} (README, "Moving to v3.0")' if migration != "none" else "")


def _recovery_promises(settings: dict[str, Any]) -> list[tuple[str, str]]:
    dr = settings.get("dr", {})
    if not dr.get("enabled"):
        return []
    standby = "passive: no tasks, no NAT, a headless Aurora secondary" if dr["standby"] == "passive" else "active: tasks, NAT and an Aurora writer running"
    return [
        ("recovery", f"recovery region {dr['region']} ({standby}), buckets and the database credential replicated there"),
        ("failover", f"Route 53 fails {dr['domain']} over to it when the primary's health check fails"),
    ]


def _alerts_text(alerts: dict[str, Any], promised: list[str]) -> str:
    alarms = [name for name in promised if name != SPOT_INTERRUPTIONS]
    text = f"{len(alarms)} alarms" + (" and Spot-interruption alerts" if SPOT_INTERRUPTIONS in promised else "") + " to an encrypted SNS topic"
    text += ", a dashboard" if alerts["dashboard"] else ""
    emails = len(alerts["emails"])
    return text + (f", {emails} address(es) subscribed" if emails else ", nobody subscribed yet (tierup:alerts.emails)")


def summary_lines(graph: ResourceGraph) -> list[str]:
    """The per-stack block `make check` prints."""
    counts = graph.count_by_tier_and_type()
    rows = [(tier, short_type(type_), str(n)) for (tier, type_), n in sorted(counts.items())]
    lines = [*headline(graph), *columns(("tier", "type", "count"), rows)]
    lines.append(f"  release {graph.release} promises:")
    built = {graph.tier_of(r) for r in graph} | {"stack"}
    # Tiers arrive issue by issue; say plainly which promises this program does not build yet.
    for tier, phrase in promises(graph.settings):
        lines += wrap(phrase + ("" if tier in built else f" ({tier} tier not built yet)"), "    - ")
    return lines


def resource_lines(graph: ResourceGraph) -> list[str]:
    """Every resource with its tier, type and name, and in brackets the options that guard it
    (beside the name rather than in a column of their own, so that lines fit 100 columns)."""
    rows = []
    for resource in graph:
        flags = [flag for flag, on in (("protect", resource.options.protect), ("retain", resource.options.retain_on_delete)) if on]
        kind = "component" if not resource.custom else short_type(resource.type)
        rows.append((graph.tier_of(resource), kind, resource.name + (f" [{','.join(flags)}]" if flags else "")))
    return columns(("tier", "type", "name [options]"), rows)
