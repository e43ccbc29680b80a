"""The SQLite database: one connection, WAL mode, numbered migrations applied on start.

Feature stores (`cogs/*/store.py`, `bot/guild_settings.py`, ...) own their SQL and talk to
the database only through `Database`, so a PostgreSQL backend later replaces this module
and the stores' SQL, not the features.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.resources import package_folder

log = logging.getLogger(__name__)

T = TypeVar("T")

MIGRATIONS_DIR = package_folder("bot") / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


# How long a statement waits for another connection's write lock before it fails with
# "database is locked" (`is_busy`), instead of waiting forever.
BUSY_TIMEOUT = 5.0
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6

# Below this size the start-up check is a full `integrity_check` (about 1 s per 100 MB here,
# so at most half a second); above it `quick_check` (about 0.4 s per 100 MB), which skips
# only the comparison of indexes with their tables.
INTEGRITY_CHECK_LIMIT = 50 * 1024 * 1024

RESTORE_HINT = "restore a backup (README.md, 'Back up and restore')"


class DatabaseError(Exception):
    """The database can't be used as it is (for example, it comes from a newer bot)."""


class DatabaseFileError(DatabaseError):
    """The file itself is unusable: damaged, not this bot's database, or read-only.

    Starting again would not help; the message (one line) names the file and what to do.
    """


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
        """Open (creating the file and its folder if needed), check and migrate the file.

        Before anything is written the file is checked: it must pass SQLite's integrity
        check, be writable, and hold exactly the tables and columns that its schema version's
        migrations make (checked again after migrating). Raises `DatabaseFileError` when it
        fails one, can't be opened or comes from a newer bot; `DatabaseError` when another
        process holds it locked past `busy_timeout`.

        A statement that waits longer than `busy_timeout` seconds for another process's lock
        raises `sqlite3.OperationalError` ("database is locked"; see `is_busy`).
        """
        path_str = str(path)
        migrations = discover_migrations() if migrations is None else migrations
        try:
            if path_str != ":memory:":
                Path(path_str).parent.mkdir(parents=True, exist_ok=True)
                # A file SQLite can't open fails here, in a thread of our own: aiosqlite's
                # worker outlives such an error and reports it to an event loop that
                # `python -m bot` has closed by then (a traceback after the one-line message).
                await asyncio.to_thread(_probe_open, path_str)
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so nothing is implicit.
            conn = await aiosqlite.connect(path_str, isolation_level=None, timeout=busy_timeout)
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseFileError(
                f"can't open the database {path_str}: {exc}; check DATABASE_PATH, and that the "
                "bot's user may create files in its folder"
            ) from exc
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path_str)
        try:
            await conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000):d}")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            # The checks read (and roll back their one write): a refused file is left as it
            # was, not even switched to WAL.
            await db.check_integrity()
            await db.check_writable()
            current = await db.schema_version()
            if current <= (migrations[-1].version if migrations else 0):
                await db.check_schema([m for m in migrations if m.version <= current])
            await conn.execute("PRAGMA journal_mode=WAL")
            await db.migrate(migrations)
            await db.check_schema(migrations)
        except sqlite3.Error as exc:
            await conn.close()
            raise explain_sqlite_error(path_str, exc) from exc
        except BaseException:
            await conn.close()
            raise
        return db

    async def check_integrity(self) -> None:
        """SQLite's own check of every page: `integrity_check` on a file under
        `INTEGRITY_CHECK_LIMIT`, `quick_check` above. Raises `DatabaseFileError`."""
        pages = await self.fetchone(
            "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size"
        )
        size = int(pages[0]) if pages else 0
        pragma = "integrity_check" if size < INTEGRITY_CHECK_LIMIT else "quick_check"
        started = time.perf_counter()
        rows = [str(row[0]) for row in await self.fetchall(f"PRAGMA {pragma}")]
        if rows != ["ok"]:
            first = " ".join(rows[0].split()) if rows else "no answer"
            raise DatabaseFileError(
                f"{self.path} is damaged ({pragma} found {len(rows)} problem(s), the first: "
                f"{first}): stop the bot and {RESTORE_HINT}, or move the file away to start "
                "with an empty one"
            )
        log.info(
            "database %s passed %s in %.2f s", self.path, pragma, time.perf_counter() - started
        )

    async def check_writable(self) -> None:
        """A write in a transaction that is rolled back: a read-only file (permissions, an
        immutable flag, a read-only mount) fails here rather than at a member's first click."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                version = await self._conn.execute("PRAGMA user_version")
                row = await version.fetchone()
                await version.close()
                await self._conn.execute(f"PRAGMA user_version = {int(row[0]) if row else 0:d}")
            finally:
                await self._conn.execute("ROLLBACK")

    async def check_schema(self, migrations: Sequence[Migration]) -> None:
        """The file's tables and columns are the ones `migrations` make from nothing (as a
        fresh in-memory database shows). Raises `DatabaseFileError` naming the differences."""
        expected = expected_schema(tuple(migrations))
        actual = await self._schema()
        problems: list[str] = []
        for table in sorted(actual.keys() - expected.keys()):
            problems.append(f"unexpected table {table}")
        for table in sorted(expected.keys() - actual.keys()):
            problems.append(f"table {table} is missing")
        for table in sorted(expected.keys() & actual.keys()):
            if actual[table] != expected[table]:
                problems.append(
                    f"table {table} has columns ({_columns(actual[table])}), "
                    f"expected ({_columns(expected[table])})"
                )
        if problems:
            shown = "; ".join(problems[:3]) + (
                f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
            )
            raise DatabaseFileError(
                f"{self.path} is not this bot's database at schema version "
                f"{migrations[-1].version if migrations else 0} ({shown}): set DATABASE_PATH "
                "to the bot's own file, or move this one away to start with an empty one"
            )

    async def _schema(self) -> dict[str, tuple[tuple[str, str], ...]]:
        tables = await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
            "ESCAPE '\\'"
        )
        schema: dict[str, tuple[tuple[str, str], ...]] = {}
        for (name,) in tables:
            columns = await self.fetchall("SELECT name, type FROM pragma_table_info(?)", (name,))
            schema[name] = tuple((column, kind.upper()) for column, kind in columns)
        return schema

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
            raise DatabaseFileError(
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


def _probe_open(path: str) -> None:
    sqlite3.connect(path).close()


def explain_sqlite_error(path: str, exc: sqlite3.Error) -> DatabaseError:
    """What an SQLite error at open means for the operator, as one line naming the file."""
    text = str(exc)
    if is_busy(exc):
        return DatabaseError(
            f"{path} is locked by another process ({text}): is another bot running on it? "
            "Stop it, then start this one again"
        )
    if "not a database" in text:
        return DatabaseFileError(
            f"can't use {path} as the database: it is not an SQLite database file. Set "
            "DATABASE_PATH to the bot's database, or move this file away"
        )
    if "malformed" in text or "corrupt" in text:
        return DatabaseFileError(
            f"{path} is damaged ({text}): stop the bot and {RESTORE_HINT}, or move the file "
            "away to start with an empty one"
        )
    if "readonly" in text or "read-only" in text:
        return DatabaseFileError(
            f"{path} is read-only ({text}): let the bot's user write the file and its folder "
            "(permissions, `chattr -i`, a read-only mount), or point DATABASE_PATH elsewhere"
        )
    if "unable to open" in text:
        return DatabaseFileError(
            f"can't use {path} as the database ({text}): the bot's user must be able to write "
            f"the file and its folder {Path(path).parent}, where SQLite keeps "
            f"{Path(path).name}-wal and -shm"
        )
    return DatabaseFileError(f"can't use {path} as the database: {text}")


def expected_schema(migrations: tuple[Migration, ...]) -> dict[str, tuple[tuple[str, str], ...]]:
    """Tables and their (column, type) as `migrations` make them in a fresh database."""
    return _expected_schema(tuple((m.version, m.sql) for m in migrations))


@functools.cache
def _expected_schema(
    scripts: tuple[tuple[int, str], ...],
) -> dict[str, tuple[tuple[str, str], ...]]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for _, sql in scripts:
            for statement in _split_statements(sql):
                conn.execute(statement)
        names = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
            "ESCAPE '\\'"
        ).fetchall()
        return {
            name: tuple(
                (column, kind.upper())
                for column, kind in conn.execute(
                    "SELECT name, type FROM pragma_table_info(?)", (name,)
                )
            )
            for (name,) in names
        }
    finally:
        conn.close()


def _columns(columns: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(name for name, _ in columns)


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
