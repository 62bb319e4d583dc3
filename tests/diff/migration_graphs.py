"""Hand-built v3.0 graphs at each migration step, until the Aurora components land: the prod
graph with the Aurora cluster, its instances and the global database added to the data tier,
and the RDS instance (and its replica) kept while tierup:data.migration keeps RDS."""

from __future__ import annotations

from typing import Any

from tierup.synth.graph import Resource, ResourceGraph, ResourceOptions

DB_INSTANCE = "aws:rds/instance:Instance"


def _data_resource(graph: ResourceGraph, type_token: str, name: str, inputs: dict[str, Any]) -> Resource:
    parent = f"urn:pulumi:{graph.stack}::{graph.project}::tierup:index:DataTier::data"
    return Resource(
        urn=f"urn:pulumi:{graph.stack}::{graph.project}::tierup:index:DataTier${type_token}::{name}",
        type=type_token, name=name, parent=parent, custom=True, id=None, inputs=inputs, outputs={},
        options=ResourceOptions(protect=True), dependencies=(),
    )  # fmt: skip


def aurora_resources(graph: ResourceGraph, migration: str) -> list[Resource]:
    cluster_id = f"{graph.project}-{graph.stack}-aurora"
    cluster = {"clusterIdentifier": cluster_id, "engine": "aurora-postgresql", "storageEncrypted": True, "deletionProtection": True}
    if migration == "replicating":
        cluster["replicationSourceIdentifier"] = f"arn:aws:rds:us-east-1:123456789012:db:{graph.project}-{graph.stack}-db"
    resources = [
        _data_resource(graph, "aws:rds/cluster:Cluster", "data-aurora", cluster),
        _data_resource(graph, "aws:rds/clusterInstance:ClusterInstance", "data-aurora-writer", {"clusterIdentifier": cluster_id}),
        _data_resource(graph, "aws:rds/clusterInstance:ClusterInstance", "data-aurora-reader", {"clusterIdentifier": cluster_id}),
    ]
    if migration != "replicating":
        resources.append(_data_resource(graph, "aws:rds/globalCluster:GlobalCluster", "data-global", {"globalClusterIdentifier": f"{cluster_id}-global"}))
    return resources


def at_step(graph: ResourceGraph, migration: str, release: str = "v3.0") -> ResourceGraph:
    """`graph` moved to `release` with engine aurora-postgresql and this migration step."""
    keeps_rds = migration != "none"
    kept = [r for r in graph if keeps_rds or r.type != DB_INSTANCE]
    settings = {**graph.settings, "data": {**graph.settings["data"], "engine": "aurora-postgresql", "migration": migration}}
    return ResourceGraph(**{**vars(graph), "release": release, "settings": settings, "resources": (*kept, *aurora_resources(graph, migration))})
