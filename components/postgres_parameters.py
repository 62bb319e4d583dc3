"""The database parameter group's settings (pure): TLS only, query stats, and memory for
PostgreSQL serving as the cache, written as RDS instance-memory formulas so that they follow
the instance class through every release without edits."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only the shape ParameterGroup takes: this module stays free of the SDK at run time.
    from pulumi_aws.rds import ParameterGroupParameterArgsDict

# RDS formulas: DBInstanceClassMemory is in bytes; shared_buffers and effective_cache_size are
# counted in 8 KiB pages, work_mem and maintenance_work_mem in KiB.
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ParamValuesRef.html
MEMORY_FORMULAS = {
    # A quarter of RAM for PostgreSQL's own buffers: the cache table's hot rows live here.
    "shared_buffers": "{DBInstanceClassMemory/32768}",
    # Three quarters of RAM between shared buffers and the OS cache, for the planner.
    "effective_cache_size": "{DBInstanceClassMemory*3/32768}",
    # 1/64 of RAM per sort or hash (16 MiB on 1 GiB), and 1/16 for vacuum of the churned cache table.
    "work_mem": "{DBInstanceClassMemory/65536}",
    "maintenance_work_mem": "{DBInstanceClassMemory/16384}",
}

# Applied with a reboot; RDS refuses "immediate" for static parameters.
STATIC_PARAMETERS = {"shared_preload_libraries", "shared_buffers"}


def parameter_family(engine_version: str) -> str:
    """The parameter group family of a PostgreSQL major version, e.g. 16 → postgres16."""
    major = engine_version.split(".")[0]
    if not major.isdigit():
        raise ValueError(f"PostgreSQL version {engine_version!r} has no numeric major version")
    return f"postgres{major}"


def aurora_parameter_family(engine_version: str) -> str:
    """The cluster parameter group family of an Aurora PostgreSQL major version: aurora-postgresql16."""
    return "aurora-" + parameter_family(engine_version).replace("postgres", "postgresql")


def database_parameters(*, memory_formulas: bool = True) -> list[ParameterGroupParameterArgsDict]:
    """Every parameter the group sets, sorted by name, each with its apply method. Aurora's
    cluster group leaves memory to Aurora (`memory_formulas=False`): Serverless v2 resizes an
    instance's memory as it scales, and Aurora sizes its buffers from it (Aurora User Guide,
    "Working with parameter groups for Aurora Serverless v2")."""
    values = {
        # Only TLS connections (CKV2_AWS_69, RDS.38).
        "rds.force_ssl": "1",
        "shared_preload_libraries": "pg_stat_statements",
        "pg_stat_statements.track": "all",
        "track_io_timing": "1",
        # Statements slower than a second reach the exported postgresql log.
        "log_min_duration_statement": "1000",
        # The cache table churns: vacuum it when 5% (not the default 20%) of its rows are dead.
        "autovacuum_vacuum_scale_factor": "0.05",
        **(MEMORY_FORMULAS if memory_formulas else {}),
    }
    return [
        {"name": name, "value": value, "apply_method": "pending-reboot" if name in STATIC_PARAMETERS else "immediate"} for name, value in sorted(values.items())
    ]
