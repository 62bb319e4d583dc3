"""The parameter group's settings, exact values."""

import pytest

from components.postgres_parameters import database_parameters, parameter_family


def test_parameters_force_tls_load_stats_and_size_memory_by_formula() -> None:
    assert {p["name"]: (p["value"], p["apply_method"]) for p in database_parameters()} == {
        "autovacuum_vacuum_scale_factor": ("0.05", "immediate"),
        "effective_cache_size": ("{DBInstanceClassMemory*3/32768}", "immediate"),
        "log_min_duration_statement": ("1000", "immediate"),
        "maintenance_work_mem": ("{DBInstanceClassMemory/16384}", "immediate"),
        "pg_stat_statements.track": ("all", "immediate"),
        "rds.force_ssl": ("1", "immediate"),
        "shared_buffers": ("{DBInstanceClassMemory/32768}", "pending-reboot"),
        "shared_preload_libraries": ("pg_stat_statements", "pending-reboot"),
        "track_io_timing": ("1", "immediate"),
        "work_mem": ("{DBInstanceClassMemory/65536}", "immediate"),
    }


def test_parameters_are_sorted_by_name() -> None:
    names = [p["name"] for p in database_parameters()]
    assert names == sorted(names)


def test_family_follows_the_major_version() -> None:
    assert (parameter_family("16"), parameter_family("17.2")) == ("postgres16", "postgres17")
    with pytest.raises(ValueError, match=r"^PostgreSQL version 'latest' has no numeric major version$"):
        parameter_family("latest")
