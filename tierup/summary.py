"""Human-readable views of a ResourceGraph: the per-stack summary and the resource list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tierup.synth.graph import ResourceGraph

NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"


def render_table(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]], indent: str = "  ") -> list[str]:
    """Left-aligned columns, numbers right-aligned, one line per row."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: tuple[str, ...]) -> str:
        parts = [str(c).rjust(w) if str(c).isdigit() else str(c).ljust(w) for c, w in zip(cells, widths, strict=True)]
        return (indent + "  ".join(parts)).rstrip()

    return [line(headers), *(line(row) for row in rows)]


def headline(graph: ResourceGraph) -> str:
    zones = graph.settings["network"]["availability_zones"]
    nats = len(graph.of_type(NAT_GATEWAY))
    custom = sum(1 for r in graph if r.custom)
    return (
        f"{graph.stack} · release {graph.release} · {graph.region} · "
        f"{len(zones)} AZs ({', '.join(zones)}) · {nats} NAT gateway{'s' if nats != 1 else ''} · "
        f"{custom} resources"
    )


def promises(settings: dict[str, Any]) -> list[tuple[str, str]]:
    """What the release (with the stack's overrides) promises: (tier, short phrase) pairs."""
    network, compute, data, cache, budget = (settings[k] for k in ("network", "compute", "data", "cache", "budget"))
    nat = {"none": "no NAT gateway", "single": "one NAT gateway", "one-per-az": "one NAT gateway per AZ"}
    if compute["ingress"] == "public-ip":
        placement = "app task on a public IP (app port only)"
    else:
        placement = "private tasks behind an ALB" + (" with WAF" if compute["waf"] else "")
    tasks = str(compute["min_tasks"]) if compute["min_tasks"] == compute["max_tasks"] else f"{compute['min_tasks']}–{compute['max_tasks']}"
    spot = f", Spot weight {compute['spot_weight']} over base {compute['on_demand_base']}" if compute["spot_weight"] else ""
    database = f"{'Multi-AZ' if data['multi_az'] else 'single-AZ'} {data['instance_class']} PostgreSQL {data['engine_version']}"
    database += f", backups {data['backup_retention_days']} days"
    database += ", protected" if data["protect"] else ""
    database += ", read replica" if data["read_replica"] else ""
    database += ", RDS Proxy" if data["proxy"] else ""
    cache_text = (
        "cache in PostgreSQL (UNLOGGED table, no AWS resources)"
        if cache["mode"] == "postgres"
        else f"{cache['engine']} cache, {cache['nodes']} × {cache['node_type']}"
    )
    return [
        ("network", nat[network["nat_strategy"]]),
        ("network", f"flow logs {'on, kept ' + str(network['log_retention_days']) + ' days' if network['flow_logs'] else 'off'}"),
        ("compute", placement),
        ("compute", f"{tasks} × {compute['cpu']} CPU / {compute['memory']} MiB {compute['architecture']} tasks{spot}"),
        ("compute", f"Container Insights {'on' if compute['container_insights'] else 'off'}, app logs kept {compute['log_retention_days']} days"),
        ("data", database),
        ("cache", cache_text),
        ("stack", f"budget ${budget['monthly_usd']:g}/month (goal ${budget['goal_usd']:g})"),
    ]


def summary_lines(graph: ResourceGraph) -> list[str]:
    """The per-stack block `make check` prints."""
    counts = graph.count_by_tier_and_type()
    rows = [(tier, type_, str(n)) for (tier, type_), n in sorted(counts.items())]
    lines = [headline(graph), *render_table(("tier", "type", "count"), rows)]
    lines.append(f"  release {graph.release} promises:")
    built = {graph.tier_of(r) for r in graph} | {"stack"}
    # Tiers arrive issue by issue; say plainly which promises this program does not build yet.
    lines += [f"    - {phrase}" + ("" if tier in built else f" ({tier} tier not built yet)") for tier, phrase in promises(graph.settings)]
    return lines


def resource_lines(graph: ResourceGraph) -> list[str]:
    """Every resource with its tier, type, name and the options that guard it."""
    rows = []
    for resource in graph:
        flags = [flag for flag, on in (("protect", resource.options.protect), ("retain", resource.options.retain_on_delete)) if on]
        kind = "component" if not resource.custom else resource.type
        rows.append((graph.tier_of(resource), kind, resource.name, ",".join(flags)))
    return render_table(("tier", "type", "name", "options"), rows)
