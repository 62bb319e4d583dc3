"""The cache migration is valid PostgreSQL: applied to a real server, it sets, gets, expires
and cleans up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from components.cache_tier import CACHE_MIGRATION, CACHE_TABLE
from tests.postgres_server import PostgresServer, running_postgres

MIGRATION = Path(__file__).resolve().parents[1] / CACHE_MIGRATION


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        server.psql(MIGRATION.read_text())
        yield server


@pytest.fixture(autouse=True)
def empty_cache(postgres: PostgresServer) -> None:
    postgres.psql(f"TRUNCATE {CACHE_TABLE};")


def test_the_table_is_unlogged(postgres: PostgresServer) -> None:
    assert postgres.psql(f"SELECT relpersistence FROM pg_class WHERE relname = '{CACHE_TABLE}';") == "u"


def test_the_migration_can_run_again(postgres: PostgresServer) -> None:
    postgres.psql(MIGRATION.read_text())
    assert postgres.psql("SELECT count(*) FROM pg_proc WHERE proname LIKE 'tierup_cache_%';") == "3"


def test_set_then_get_returns_the_latest_value(postgres: PostgresServer) -> None:
    postgres.psql("""SELECT tierup_cache_set('user:1', '{"name": "Ada"}', 60);""")
    postgres.psql("""SELECT tierup_cache_set('user:1', '{"name": "Grace"}', 60);""")
    assert postgres.psql("SELECT tierup_cache_get('user:1')->>'name';") == "Grace"
    assert postgres.psql("SELECT count(*) FROM tierup_cache;") == "1"


def test_a_missing_key_is_null(postgres: PostgresServer) -> None:
    assert postgres.psql("SELECT tierup_cache_get('nothing') IS NULL;") == "t"


def test_an_expired_value_is_never_served(postgres: PostgresServer) -> None:
    postgres.psql("""SELECT tierup_cache_set('flash', '"gone"', 0);""")
    assert postgres.psql("SELECT tierup_cache_get('flash') IS NULL;") == "t"
    assert postgres.psql("SELECT count(*) FROM tierup_cache;") == "1"  # still stored until cleanup


def test_cleanup_removes_only_expired_rows_in_batches(postgres: PostgresServer) -> None:
    postgres.psql("""SELECT tierup_cache_set('old:' || n, to_jsonb(n), 0) FROM generate_series(1, 5) AS n;""")
    postgres.psql("""SELECT tierup_cache_set('live', '"here"', 3600);""")
    assert postgres.psql("SELECT tierup_cache_cleanup(3);") == "3"
    assert postgres.psql("SELECT tierup_cache_cleanup();") == "2"
    assert postgres.psql("SELECT key FROM tierup_cache;") == "live"
    assert postgres.psql("SELECT tierup_cache_get('live') #>> '{}';") == "here"
