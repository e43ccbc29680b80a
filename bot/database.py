"""The SQLite database: one connection, WAL mode, numbered migrations applied on start.

Feature stores (`cogs/*/store.py`, `bot/guild_settings.py`, ...) own their SQL and talk to
the database only through `Database`, so a PostgreSQL backend later replaces this module
and the stores' SQL, not the features.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


# How long a statement waits for another connection's write lock before it fails with
# "database is locked" (`is_busy`), instead of waiting forever.
BUSY_TIMEOUT = 5.0
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6


class DatabaseError(Exception):
    """The database can't be used as it is (for example, it comes from a newer bot)."""


def is_busy(error: BaseException) -> bool:
    """Whether `error` is SQLite giving up on a lock another connection held too long."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return "database is locked" in str(error)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def discover_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The numbered `NNNN_name.sql` files in `folder`, in order, with no gaps."""
    found: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise DatabaseError(f"migration file {path.name} is not named NNNN_name.sql")
        found.append(Migration(int(match.group(1)), path.stem, path.read_text("utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise DatabaseError(f"migration {expected:04d} is missing before {migration.name}")
    return found


class Database:
    """One aiosqlite connection shared by the whole bot.

    Statements are serialised by a lock so that a transaction spanning several awaits never
    has another task's statement slip into it.
    """

    def __init__(self, connection: aiosqlite.Connection, path: str) -> None:
        self._conn = connection
        self._lock = asyncio.Lock()
        self._in_transaction = False
        self.path = path

    @classmethod
    async def open(
        cls,
        path: str | Path,
        migrations: Sequence[Migration] | None = None,
        *,
        busy_timeout: float = BUSY_TIMEOUT,
    ) -> Database:
        """Open (creating the file and its folder if needed) and migrate to the latest schema.

        A statement that waits longer than `busy_timeout` seconds for another process's lock
        raises `sqlite3.OperationalError` ("database is locked"; see `is_busy`).
        """
        path_str = str(path)
        try:
            if path_str != ":memory:":
                Path(path_str).parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so nothing is implicit.
            conn = await aiosqlite.connect(path_str, isolation_level=None, timeout=busy_timeout)
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError(f"can't open the database {path_str}: {exc}") from exc
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path_str)
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000):d}")
            await db.migrate(discover_migrations() if migrations is None else migrations)
        except sqlite3.DatabaseError as exc:
            await conn.close()
            if "not a database" in str(exc) or "unable to open" in str(exc):
                raise DatabaseError(f"can't use {path_str} as the database: {exc}") from exc
            raise
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

    async def schema_version(self) -> int:
        async with self._conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self, migrations: Sequence[Migration]) -> int:
        """Apply every migration newer than the stored version, each in its own transaction.

        Returns the number applied. Refuses a database written by a newer version of the bot.
        """
        latest = migrations[-1].version if migrations else 0
        current = await self.schema_version()
        if current > latest:
            raise DatabaseError(
                f"{self.path} has schema version {current}, but this bot knows only up to "
                f"{latest}: it was written by a newer version. Run that version, or restore "
                "a backup."
            )
        applied = 0
        for migration in migrations:
            if migration.version <= current:
                continue
            async with self.transaction() as tx:
                # executescript would COMMIT on its own; run the statements one by one instead.
                for statement in _split_statements(migration.sql):
                    await tx.execute(statement)
                await tx.execute(f"PRAGMA user_version = {migration.version:d}")
            log.info("database migrated to %s", migration.name)
            applied += 1
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """`BEGIN IMMEDIATE` ... `COMMIT`, rolled back if the block raises."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._conn)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    async def run_in_transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work(connection)` inside `BEGIN IMMEDIATE` ... `COMMIT` in one trip to the
        database thread, rolled back if it raises (and the error raised here).

        For hot paths (a batch of trivia answers): each statement of `transaction()` waits
        for its turn on a busy event loop, while this waits once. `work` runs in another
        thread, so it must only use the connection it is given and touch no shared state.
        """

        def run(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return result

        async with self._lock:
            # aiosqlite runs every call on its own thread through `_execute`; there is no
            # public way to run several statements there in one go.
            return await self._conn._execute(run, self._conn._conn)

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one statement on its own (autocommit); returns the affected row count."""
        async with self._lock:
            cursor = await self._conn.execute(sql, params)
            count = cursor.rowcount
            await cursor.close()
            return count

    async def insert(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one INSERT on its own; returns the new row id."""
        async with self._lock:
            cursor = await self._conn.execute(sql, params)
            rowid = cursor.lastrowid
            await cursor.close()
            return int(rowid or 0)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    async def fetchone(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> aiosqlite.Row | None:
        async with self._lock, self._conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetchall(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> list[aiosqlite.Row]:
        async with self._lock, self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())


class Transaction:
    """The statements of one open transaction (only valid inside `Database.transaction`)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        cursor = await self._conn.execute(sql, params)
        count = cursor.rowcount
        await cursor.close()
        return count

    async def insert(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        cursor = await self._conn.execute(sql, params)
        rowid = cursor.lastrowid
        await cursor.close()
        return int(rowid or 0)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> aiosqlite.Row | None:
        async with self._conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetchall(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> list[aiosqlite.Row]:
        async with self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())


def _split_statements(script: str) -> list[str]:
    """Split a migration into statements; `sqlite3.complete_statement` handles quoted `;`."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise DatabaseError(f"migration ends with an unfinished statement: {buffer.strip()[:60]}")
    return statements
