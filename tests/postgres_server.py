"""A throwaway PostgreSQL server for tests: initdb in a temporary directory, unix socket only."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "tierup"


def server_bin_dir() -> Path | None:
    """Where initdb and pg_ctl live: PATH first, then Debian's versioned directories."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


@dataclass(frozen=True)
class PostgresServer:
    """A running server reachable through its socket directory."""

    socket_dir: Path
    bin_dir: Path

    def psql(self, sql: str, *, database: str = "postgres") -> str:
        """Run SQL (stopping at the first error) and return unaligned, tuples-only output."""
        command = [str(self.bin_dir / "psql"), "-h", str(self.socket_dir), "-U", SUPERUSER, "-d", database, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"]
        result = subprocess.run(command, input=sql, capture_output=True, text=True, check=False, timeout=30)
        if result.returncode != 0:
            raise AssertionError(f"psql failed ({result.returncode}): {result.stderr.strip()}")
        return result.stdout.strip()


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a server, yield it, stop it and remove its files. initdb refuses root, so as
    root the server runs as the `postgres` user that Debian's package creates."""
    bin_dir = server_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server binaries not found; install Debian's postgresql package (.ci/run does)")
    root = Path(tempfile.mkdtemp(prefix="tierup-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, sockets = root / "data", root
    try:
        _run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust", "--no-sync", "-E", "UTF8"])
        options = f"-k {sockets} -c listen_addresses='' -c fsync=off"
        _run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "server.log"), "-w", "-t", "30", "start"])
        try:
            yield PostgresServer(socket_dir=sockets, bin_dir=bin_dir)
        finally:
            _run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stderr.strip()}")
