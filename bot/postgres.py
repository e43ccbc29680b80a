"""PostgreSQL through asyncpg: a pool shared by the whole process, and by every process of
a shard cluster through the server.

The stores' SQL is the same as on SQLite (`bot.database`): `?` placeholders become `$1,
$2, ...` here. Migrations are the tracks' `postgresql/` folders, numbered on their own; each
track's version is kept in `schema_versions`, as on SQLite, and processes starting together
migrate once: the first holds an advisory lock while it migrates, the others wait for it and
then find nothing left to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import re
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager

import asyncpg

from bot.database import (
    Database,
    DatabaseError,
    Params,
    Row,
    Subscription,
    Transaction,
    lock_key,
    redacted,
    refuse_newer,
)
from bot.schema_tracks import Track, discover_tracks, split_statements

log = logging.getLogger(__name__)

# Connections per process: a burst of answers is one transaction, the scheduler one at a
# time, commands a few at once; PostgreSQL's default allows 100 in all.
POOL_SIZE = 10
# The advisory lock held while migrating (any number, the same in every version).
MIGRATION_LOCK = lock_key("fanbot-migrations", 0)
_VERSIONS_TABLE = """CREATE TABLE IF NOT EXISTS schema_versions (
    track   TEXT    PRIMARY KEY,
    version INTEGER NOT NULL
)"""
# The listener's own connection, apart from the pool's ("fanbot"), for an operator's
# pg_stat_activity.
LISTENER_NAME = "fanbot-listener"


class PostgresDatabase(Database):
    dialect = "postgresql"
    integrity_errors = (asyncpg.IntegrityConstraintViolationError,)

    def __init__(self, pool: asyncpg.Pool, url: str, *, acquire_timeout: float = 5.0) -> None:
        self._pool = pool
        self.url = url
        # How long a statement waits for a free connection of the pool.
        self._acquire_timeout = acquire_timeout
        # Locks held for a while (`hold_lock`), unlocked by these tasks.
        self._held: set[asyncio.Task[None]] = set()

    @property
    def where(self) -> str:
        return redacted(self.url)

    @classmethod
    async def open(
        cls,
        url: str,
        tracks: Sequence[Track] | None = None,
        *,
        busy_timeout: float = 5.0,
        pool_size: int = POOL_SIZE,
    ) -> PostgresDatabase:
        """Connect, refuse a database from a newer bot, and migrate (under the lock).

        `busy_timeout` is how long a statement waits for another's row lock
        (`lock_timeout`), and a caller for a free connection. Raises `DatabaseError` when the
        server can't be reached or refuses the login, `DatabaseFileError` when the database
        is a newer bot's.
        """
        tracks = discover_tracks("postgresql") if tracks is None else tracks
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=1,
                max_size=pool_size,
                timeout=max(busy_timeout, 5.0),
                server_settings={
                    "lock_timeout": f"{int(busy_timeout * 1000):d}",
                    "application_name": "fanbot",
                },
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise DatabaseError(
                f"can't connect to the database {redacted(url)}: {_reason(exc)}; check "
                "DATABASE_URL, and that the server runs and lets this user in"
            ) from exc
        db = cls(pool, url, acquire_timeout=busy_timeout)
        try:
            await db.migrate(tracks)
        except BaseException:
            await pool.close()
            raise
        return db

    async def migrate(self, tracks: Sequence[Track]) -> int:
        """Apply every migration newer than its track's stored version, each in its own
        transaction, under `MIGRATION_LOCK`. Returns the number applied."""
        applied = 0
        async with self._pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            try:
                await conn.execute(_VERSIONS_TABLE)
                rows = await conn.fetch("SELECT track, version FROM schema_versions")
                versions = {str(row["track"]): int(row["version"]) for row in rows}
                self.refuse_newer(tracks, versions)
                for track in tracks:
                    for migration in track.migrations:
                        if migration.version <= versions.get(track.name, 0):
                            continue
                        async with conn.transaction():
                            for statement in split_statements(migration.sql):
                                await conn.execute(statement)
                            await conn.execute(
                                "INSERT INTO schema_versions (track, version) VALUES ($1, $2) "
                                "ON CONFLICT (track) DO UPDATE SET version = excluded.version",
                                track.name,
                                migration.version,
                            )
                        log.info("database migrated to %s %s", track.name, migration.name)
                        applied += 1
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
        return applied

    def refuse_newer(self, tracks: Sequence[Track], versions: Mapping[str, int]) -> None:
        refuse_newer(self.where, tracks, versions)

    async def schema_versions(self) -> dict[str, int]:
        rows = await self.fetchall("SELECT track, version FROM schema_versions")
        return {str(row["track"]): int(row["version"]) for row in rows}

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with (
            self._pool.acquire(timeout=self._acquire_timeout) as conn,
            conn.transaction(),
        ):
            yield PostgresTransaction(conn)

    async def execute(self, sql: str, params: Params = ()) -> int:
        status = await self._pool.execute(numbered(sql), *params)
        return affected(status)

    async def insert(self, sql: str, params: Params = ()) -> int:
        value = await self._pool.fetchval(numbered(sql), *params)
        return int(value)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._pool.executemany(numbered(sql), list(rows))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = await self._pool.fetchrow(numbered(sql), *params)
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._pool.fetch(numbered(sql), *params))

    async def write_error(self) -> str | None:
        try:
            async with self._pool.acquire(timeout=1.0) as conn:
                read_only = await conn.fetchval("SHOW transaction_read_only")
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            return _reason(exc)
        return "the server is read-only (a standby?)" if read_only == "on" else None

    async def listen(
        self,
        channel: str,
        notified: Callable[[str], None],
        *,
        connected: Callable[[], None],
        first_wait: float = 5.0,
    ) -> Subscription:
        """`LISTEN channel` on a connection of its own (a pooled one would be handed to other
        statements), reconnecting with backoff when it drops. Returns once listening has
        started, or after `first_wait` seconds of trying (it goes on trying meanwhile)."""
        subscription = PostgresSubscription(self.url, channel, notified, connected)
        await subscription.start(first_wait)
        return subscription

    async def hold_lock(self, name: str, key: int, seconds: float) -> None:
        """See `Database.hold_lock`: a session advisory lock on a connection of the pool,
        unlocked and given back after `seconds` (or when the database closes)."""
        conn = await self._pool.acquire(timeout=None)
        try:
            # Waiting here is the point: not bound by the lock timeout of the stores' work
            # (which RESET gives back to this pooled connection).
            await conn.execute("SET lock_timeout = 0")
            await conn.execute("SELECT pg_advisory_lock($1)", lock_key(name, key))
            await conn.execute("RESET lock_timeout")
        except BaseException:
            await self._pool.release(conn)
            raise

        async def unlock_later() -> None:
            try:
                await asyncio.sleep(seconds)
            finally:
                try:
                    await conn.execute("SELECT pg_advisory_unlock($1)", lock_key(name, key))
                finally:
                    await self._pool.release(conn)

        task = asyncio.create_task(unlock_later(), name=f"hold {name} {key}")
        self._held.add(task)
        task.add_done_callback(self._held.discard)

    async def close(self) -> None:
        for task in list(self._held):
            task.cancel()
        await asyncio.gather(*self._held, return_exceptions=True)
        await self._pool.close()

    def pool(self) -> asyncpg.Pool:
        """The pool itself, for what the stores don't do (LISTEN, COPY, the tests)."""
        return self._pool


class PostgresSubscription(Subscription):
    """One `LISTEN` on a dedicated connection, kept up until `close`.

    A dropped connection (a server restart, an operator's pg_terminate_backend, a network
    fault found by the periodic check) is reconnected at once, and while that fails, again
    after a delay that doubles from `retry_after` up to `retry_max` (with jitter, so a
    cluster's processes don't all come back at once); `connected` is called after each
    `LISTEN`, the first included.
    A connection cut off without being closed (a firewall dropping it) is found by a
    `SELECT 1` every `check_every` seconds that gets no answer within `check_timeout`.
    """

    def __init__(
        self,
        url: str,
        channel: str,
        notified: Callable[[str], None],
        connected: Callable[[], None],
        *,
        retry_after: float = 0.1,
        retry_max: float = 10.0,
        check_every: float = 15.0,
        check_timeout: float = 5.0,
    ) -> None:
        self._url = url
        self._channel = channel
        self._notified = notified
        self._connected = connected
        self._retry_after = retry_after
        self._retry_max = retry_max
        self._check_every = check_every
        self._check_timeout = check_timeout
        self._listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.connections = 0  # how many times LISTEN started (for tests and logs)

    async def start(self, first_wait: float) -> None:
        self._task = asyncio.create_task(self._run(), name=f"listen-{self._channel}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._listening.wait()), first_wait)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        delay = self._retry_after
        while True:
            try:
                await self._listen_until_lost()
                delay = self._retry_after  # it was up: the next drop starts the backoff anew
            except Exception as exc:  # whatever it was, the listener must not die of it
                log.warning(
                    "can't listen for %s on %s (%s); trying again in %.1f s",
                    self._channel,
                    redacted(self._url),
                    _reason(exc),
                    delay,
                )
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                delay = min(delay * 2, self._retry_max)

    async def _listen_until_lost(self) -> None:
        conn = await asyncpg.connect(
            self._url, timeout=5.0, server_settings={"application_name": LISTENER_NAME}
        )
        try:
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(self._channel, self._deliver)
            self.connections += 1
            if self.connections > 1:
                log.info("listening for %s again", self._channel)
            self._connected()
            self._listening.set()
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), self._check_every)
                if not lost.is_set():
                    # A silent network fault never closes the socket; a query finds it.
                    await conn.fetchval("SELECT 1", timeout=self._check_timeout)
            log.warning("the connection listening for %s was lost; reconnecting", self._channel)
        finally:
            try:
                await asyncio.wait_for(conn.close(), 1.0)
            except Exception:
                conn.terminate()

    def _deliver(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            self._notified(payload)
        except Exception:
            log.exception("a notification on %s failed: %r", self._channel, payload)


class PostgresTransaction(Transaction):
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        return affected(await self._conn.execute(numbered(sql), *params))

    async def insert(self, sql: str, params: Params = ()) -> int:
        return int(await self._conn.fetchval(numbered(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(numbered(sql), list(rows))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = await self._conn.fetchrow(numbered(sql), *params)
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._conn.fetch(numbered(sql), *params))

    async def lock(self, name: str, key: int) -> None:
        await self._conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key(name, key))


# A quoted string, or a placeholder: `?` (the next number) or `?NNN` (that one).
_TOKEN = re.compile(r"'(?:[^']|'')*'|\?(\d*)")


@functools.lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """`sql` with SQLite's `?` and `?NNN` placeholders as PostgreSQL's `$1, $2, ...`; a `?`
    inside a quoted string is left alone."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(0).startswith("'"):
            return match.group(0)
        if match.group(1):
            return f"${int(match.group(1))}"
        count += 1
        return f"${count}"

    return _TOKEN.sub(replace, sql)


def affected(status: str) -> int:
    """The row count in a command status (`UPDATE 3`, `INSERT 0 1`, `DELETE 0`)."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
