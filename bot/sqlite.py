"""The SQLite database: one connection, WAL mode, numbered migrations applied on start.

The migrations come in tracks (`bot.schema_tracks`): the core's and one per feature, each
with its own version, kept in the table `schema_versions`. `PRAGMA user_version` says how the
versions are kept: 0 for a new file, 1 to 7 for a file from before the tracks (its single
version), `TRACKED` once they are in `schema_versions`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.database import (
    NEWER,
    Database,
    DatabaseError,
    DatabaseFileError,
    Params,
    Row,
    Transaction,
    is_busy,
    refuse_newer,
)
from bot.schema_tracks import (
    LEGACY_LATEST,
    LEGACY_VERSIONS,
    Migration,
    Schema,
    Track,
    discover_tracks,
    expected_schema,
    read_schema,
    split_statements,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# PRAGMA user_version of a file whose versions are per track, in `schema_versions`: above
# the single track's last (7), so a bot from before the tracks refuses the file as one from
# a newer version instead of mistaking it for its own.
TRACKED = LEGACY_LATEST + 1
_VERSIONS_TABLE = """CREATE TABLE schema_versions (
    track   TEXT    PRIMARY KEY,
    version INTEGER NOT NULL
);"""
# The bookkeeping's table, checked with the tracks' own as if a migration had made it.
_BOOKKEEPING = Track("schema_versions", (Migration(1, "schema_versions", _VERSIONS_TABLE),))


# How long a statement waits for another connection's write lock before it fails with
# "database is locked" (`is_busy`), instead of waiting forever.
BUSY_TIMEOUT = 5.0

# Below this size the start-up check is a full `integrity_check` (about 1 s per 100 MB here,
# so at most half a second); above it `quick_check` (about 0.4 s per 100 MB), which skips
# only the comparison of indexes with their tables.
INTEGRITY_CHECK_LIMIT = 50 * 1024 * 1024

# A health check must answer quickly, even when another process holds the file's lock.
WRITE_CHECK_TIMEOUT = 0.5

RESTORE_HINT = "restore a backup (README.md, 'Back up and restore')"


class SqliteDatabase(Database):
    """One aiosqlite connection shared by the whole bot.

    Statements are serialised by a lock so that a transaction spanning several awaits never
    has another task's statement slip into it.
    """

    def __init__(self, connection: aiosqlite.Connection, path: str) -> None:
        self._conn = connection
        self._lock = asyncio.Lock()
        self._in_transaction = False
        self.path = path

    dialect = "sqlite"
    integrity_errors = (sqlite3.IntegrityError,)

    @property
    def where(self) -> str:
        return self.path

    @classmethod
    async def open(
        cls,
        path: str | Path,
        tracks: Sequence[Track] | None = None,
        *,
        busy_timeout: float = BUSY_TIMEOUT,
    ) -> SqliteDatabase:
        """Open (creating the file and its folder if needed), check and migrate the file.

        Before anything is written the file is checked: it must pass SQLite's integrity
        check, be writable, and hold exactly the tables and columns that its versions of the
        `tracks` (default: every shipped one) make (checked again after migrating). Raises
        `DatabaseFileError` when it fails one, can't be opened or comes from a newer bot;
        `DatabaseError` when another process holds it locked past `busy_timeout`.

        A statement that waits longer than `busy_timeout` seconds for another process's lock
        raises `sqlite3.OperationalError` ("database is locked"; see `is_busy`).
        """
        path_str = str(path)
        tracks = discover_tracks() if tracks is None else tracks
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
            versions = await db.schema_versions()
            db.refuse_newer(tracks, versions)
            await db.check_schema(
                [track.until(versions.get(track.name, 0)) for track in tracks],
                versions_table=await db._user_version() == TRACKED,
            )
            await conn.execute("PRAGMA journal_mode=WAL")
            await db.migrate(tracks)
            await db.check_schema(tracks)
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

    async def check_schema(self, tracks: Sequence[Track], *, versions_table: bool = True) -> None:
        """The file's tables and columns are the ones `tracks` make from nothing (as a fresh
        in-memory database shows), with `schema_versions` unless the file is from before the
        tracks or new. Raises `DatabaseFileError` naming the differences."""
        expected = expected_schema([_BOOKKEEPING, *tracks] if versions_table else tracks)
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
            versions = _described({track.name: track.latest for track in tracks})
            raise DatabaseFileError(
                f"{self.path} is not this bot's database at schema version {versions} "
                f"({shown}): set DATABASE_PATH to the bot's own file, or move this one away to "
                "start with an empty one"
            )

    async def _schema(self) -> Schema:
        async with self._lock:
            return await self._on_connection_thread(read_schema)

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

    async def write_error(self) -> str | None:
        return await asyncio.to_thread(database_write_error, self.path)

    async def _user_version(self) -> int:
        async with self._conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def schema_versions(self) -> dict[str, int]:
        """The version of each track in the file (none for a new file). A file from before
        the tracks is at what its single version had made (`LEGACY_VERSIONS`).

        Raises `DatabaseFileError` for a file whose versions are kept in a way newer than
        this bot's, or that says it has `schema_versions` and has not.
        """
        kept = await self._user_version()
        if kept == 0:
            return {}
        if kept <= LEGACY_LATEST:
            return dict(LEGACY_VERSIONS[kept])
        if kept > TRACKED:
            raise DatabaseFileError(
                f"{self.path} has schema version {kept}, but this bot knows only up to "
                f"{TRACKED}: {NEWER}"
            )
        if await self.fetchone("SELECT 1 FROM sqlite_master WHERE name = 'schema_versions'"):
            rows = await self.fetchall("SELECT track, version FROM schema_versions")
            return {str(track): int(version) for track, version in rows}
        raise DatabaseFileError(
            f"{self.path} is not this bot's database (its table schema_versions is missing): "
            "set DATABASE_PATH to the bot's own file, or move this one away to start with an "
            "empty one"
        )

    def refuse_newer(self, tracks: Sequence[Track], versions: Mapping[str, int]) -> None:
        refuse_newer(self.path, tracks, versions)

    async def migrate(self, tracks: Sequence[Track]) -> int:
        """Apply every migration newer than its track's stored version, each in its own
        transaction, the tracks in their order. A file from before the tracks first gets
        `schema_versions` with what it had (one transaction of its own, changing no row).

        Returns the number applied. Refuses a database written by a newer version of the bot.
        """
        versions = await self.schema_versions()
        self.refuse_newer(tracks, versions)
        if (kept := await self._user_version()) != TRACKED:
            async with self.transaction() as tx:
                await tx.execute(_VERSIONS_TABLE)
                await tx.executemany(
                    "INSERT INTO schema_versions (track, version) VALUES (?, ?)",
                    sorted(versions.items()),
                )
                await tx.execute(f"PRAGMA user_version = {TRACKED:d}")
            if kept:
                log.info(
                    "database from before per-feature migrations (version %d) recorded as %s",
                    kept,
                    _described(versions),
                )
        applied = 0
        for track in tracks:
            for migration in track.migrations:
                if migration.version <= versions.get(track.name, 0):
                    continue
                async with self.transaction() as tx:
                    # executescript would COMMIT on its own; run the statements one by one.
                    for statement in split_statements(migration.sql):
                        await tx.execute(statement)
                    await tx.execute(
                        "INSERT INTO schema_versions (track, version) VALUES (?, ?) "
                        "ON CONFLICT (track) DO UPDATE SET version = excluded.version",
                        (track.name, migration.version),
                    )
                log.info("database migrated to %s %s", track.name, migration.name)
                applied += 1
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """`BEGIN IMMEDIATE` ... `COMMIT`, rolled back if the block raises."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTransaction(self._conn)
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
            return await self._on_connection_thread(run)

    async def _on_connection_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work(connection)` on aiosqlite's own thread, in one trip (call it holding the lock).

        aiosqlite runs every call on that thread through `_execute`; there is no public way to
        run several statements there in one go.
        """
        result: T = await self._conn._execute(work, self._conn._conn)  # type: ignore[no-untyped-call]
        return result

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement on its own (autocommit); returns the affected row count."""
        async with self._lock:
            cursor = await self._conn.execute(sql, params)
            count = cursor.rowcount
            await cursor.close()
            return count

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one `INSERT ... RETURNING id` on its own; returns the new row's id."""
        async with self._lock:
            return await _returned_id(self._conn, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._lock, self._conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._lock, self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())


class SqliteTransaction(Transaction):
    """The statements of one open transaction (only valid inside `Database.transaction`)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        cursor = await self._conn.execute(sql, params)
        count = cursor.rowcount
        await cursor.close()
        return count

    async def insert(self, sql: str, params: Params = ()) -> int:
        return await _returned_id(self._conn, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def lock(self, name: str, key: int) -> None:
        """Nothing to do: `BEGIN IMMEDIATE` holds the file's write lock already."""


async def _returned_id(conn: aiosqlite.Connection, sql: str, params: Params) -> int:
    async with conn.execute(sql, params) as cursor:
        row = await cursor.fetchone()
    if row is None:
        raise DatabaseError(f"an INSERT returned no id: {sql[:60]}")
    return int(row[0])


def database_write_error(path: str, timeout: float = WRITE_CHECK_TIMEOUT) -> str | None:
    """None when a write transaction can start on the file at `path` within `timeout`, else
    why not ("database is locked", "attempt to write a readonly database", ...).

    A connection of its own, so a check never queues behind the bot's statements; the
    transaction writes nothing (`BEGIN IMMEDIATE` takes the write lock, `ROLLBACK` drops it).
    Blocking: run it in a thread.
    """
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        conn.close()
    return None


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


def _described(versions: Mapping[str, int]) -> str:
    """`core 3, trivia 3`: the tracks a file has, or `0` for none."""
    return ", ".join(f"{name} {version}" for name, version in versions.items() if version) or "0"


def _columns(columns: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(name for name, _ in columns)
