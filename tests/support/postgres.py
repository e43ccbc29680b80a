"""A throwaway PostgreSQL server for the tests, started from the installed binaries.

`TEST_DATABASE_URL` (a server's URL whose user may create databases) is used when given;
otherwise `initdb` and `pg_ctl` make a server in a temporary folder, listening only on a Unix
socket there, run as the `postgres` user when the tests run as root (PostgreSQL refuses to
run as root). Each test gets a database of its own, copied from a migrated template in
milliseconds.

Where neither is possible the PostgreSQL tests skip with the reason, unless
`FANBOT_REQUIRE_POSTGRES` is set (`.ci/run` sets it): then they fail.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

REQUIRE_ENV = "FANBOT_REQUIRE_POSTGRES"
URL_ENV = "TEST_DATABASE_URL"
TEMPLATE = "fanbot_template"
_SEARCH = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/local/bin")


class Unavailable(Exception):
    """No PostgreSQL server can be had here; the message says why."""


def find_binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for folder in _SEARCH:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    raise Unavailable(f"{name} is not installed (apt-get install postgresql)")


@dataclass
class PostgresServer:
    """A server the tests may create databases on: `admin_url` names its `postgres`
    database, `url(name)` any other."""

    admin_url: str
    folder: Path | None = None
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _template_ready: bool = False

    def url(self, database: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path=f"/{database}"))

    def psql(self, sql: str, database: str = "postgres") -> str:
        done = subprocess.run(
            [
                find_binary("psql"),
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                self.url(database),
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}")
        return done.stdout.strip()

    async def fresh_database(self) -> str:
        """The URL of a new database at today's schema (every track migrated)."""
        if not self._template_ready:
            from bot.postgres import PostgresDatabase

            self.psql(f"DROP DATABASE IF EXISTS {TEMPLATE}")
            self.psql(f"CREATE DATABASE {TEMPLATE}")
            db = await PostgresDatabase.open(self.url(TEMPLATE))
            await db.close()
            self._template_ready = True
        name = f"fanbot_test_{os.getpid()}_{next(self._names)}"
        self.psql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def empty_database(self) -> str:
        """The URL of a new database with no tables at all."""
        name = f"fanbot_empty_{os.getpid()}_{next(self._names)}"
        self.psql(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        if self.folder is None:
            return
        _as_postgres(
            [find_binary("pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"],
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None


def _as_postgres(command: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        _postgres_user()
        command = ["runuser", "-u", "postgres", "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if check and done.returncode != 0:
        raise Unavailable(f"{Path(command[-1]).name} failed: {done.stderr.strip()[-400:]}")
    return done


def start_server() -> PostgresServer:
    """`TEST_DATABASE_URL`'s server, or a new one in a temporary folder. Raises
    `Unavailable` when neither can be had."""
    given = os.environ.get(URL_ENV, "").strip()
    if given:
        server = PostgresServer(given)
        try:
            server.psql("SELECT 1")
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            raise Unavailable(f"{URL_ENV} can't be used: {exc}") from exc
        return server
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    folder = Path(tempfile.mkdtemp(prefix="fanbot-pg-"))
    if os.geteuid() == 0:
        user = _postgres_user()
        os.chown(folder, user.pw_uid, user.pw_gid)
    data = folder / "data"
    _as_postgres(
        [initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]
    )
    options = f"-k {folder} -c listen_addresses= -c fsync=off -c synchronous_commit=off"
    options += " -c full_page_writes=off -c max_connections=200"
    _as_postgres([pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"])
    return PostgresServer(f"postgresql://postgres@/postgres?host={folder}", folder=folder)


def _postgres_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam("postgres")
    except KeyError as exc:
        raise Unavailable("running as root and there is no postgres user") from exc


def skip_or_fail(reason: str) -> None:
    """Skip the test for `reason`, or fail it where PostgreSQL is required (CI)."""
    message = f"PostgreSQL is not available: {reason}"
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{message} ({REQUIRE_ENV} is set: the PostgreSQL tests must run)")
    pytest.skip(message)
