"""The database a benchmark runs on: `--backend sqlite` (a file in a temporary folder) or
`--backend postgresql` (a fresh migrated database on the server `--database-url` names, whose
user may create databases, or on a throwaway server started from the installed PostgreSQL
binaries the way the tests start theirs).

The throwaway server is `tests/support/postgres.py`'s (initdb + pg_ctl in a temporary folder,
a Unix socket only, fsync off, run as the `postgres` user when run as root): one recipe for
tests and benchmarks. Its settings favour speed over durability, as a test server's do; the
figures say so.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.postgres import PostgresServer, find_binary, start_server  # noqa: E402

BACKENDS = ("sqlite", "postgresql")


def add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL", ""),
        help="postgresql://... of a server whose user may create databases (default: "
        "TEST_DATABASE_URL, else a throwaway server in a temporary folder)",
    )


@contextlib.contextmanager
def postgres_server(database_url: str) -> Iterator[PostgresServer]:
    """The server `database_url` names, or a throwaway one stopped (and removed) at the end."""
    if database_url:
        yield PostgresServer(database_url)
        return
    os.environ.pop("TEST_DATABASE_URL", None)
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


def server_version(server: PostgresServer) -> str:
    return server.psql("SHOW server_version")


def server_settings(server: PostgresServer) -> str:
    names = ("shared_buffers", "fsync", "synchronous_commit", "work_mem")
    values = [f"{name}={server.psql(f'SHOW {name}')}" for name in names]
    return ", ".join(values)


def describe(command: list[str]) -> str:
    """The command line that produced the figures, to print above them."""
    return " ".join([".venv/bin/python", *[str(part) for part in command]])


def psql_binary() -> str:
    return find_binary("psql")


def run_psql(server: PostgresServer, database: str, sql: str) -> str:
    done = subprocess.run(
        [psql_binary(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", server.url(database)],
        input=sql,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"psql failed: {done.stderr.strip()}")
    return done.stdout


def server_cpu(server: PostgresServer | None) -> float | None:
    """User + system CPU seconds used so far by a throwaway server's processes (the
    postmaster and its children, ended children included), or None for a server elsewhere."""
    if server is None or server.folder is None:
        return None
    try:
        postmaster = int((server.folder / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(stat.parent.name), int(fields[1])
        if pid == postmaster:
            # Its own time and that of the children it has waited for (ended backends).
            total += sum(int(value) for value in fields[11:15])
        elif parent == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")
