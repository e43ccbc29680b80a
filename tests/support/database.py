"""Databases as an earlier version of the bot left them, and faults planted in one."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

from bot.database import Database, Params, Row, Transaction
from bot.schema_tracks import CORE, Track, discover_tracks


def tracks_before(migration: str) -> list[Track]:
    """Every shipped track, the core's cut just before its migration named `NNNN_<migration>`:
    what a database that this migration has yet to upgrade holds."""
    tracks = discover_tracks()
    [core] = [track for track in tracks if track.name == CORE]
    [ours] = [m for m in core.migrations if m.name.endswith(f"_{migration}")]
    return [track.until(ours.version - 1) if track is core else track for track in tracks]


async def fail_inserts(db: Database, table: str, message: str) -> None:
    """Make every INSERT into `table` fail with `message` (a trigger), on either backend: a
    fault the store's own checks can't see coming, like a full disk."""
    if db.dialect == "sqlite":
        await db.execute(
            f"CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} BEGIN "
            f"SELECT RAISE(ABORT, '{message}'); END"
        )
        return
    await db.execute(
        f"CREATE FUNCTION fail_{table}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
    )
    await db.execute(
        f"CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION fail_{table}()"
    )


class HookedDatabase(Database):
    """`db`, calling `after_fetchall(sql)` once each `fetchall` has read its rows and before
    they are returned: for a write that lands while a reader is between two statements."""

    def __init__(self, db: Database, after_fetchall: Callable[[str], Awaitable[None]]) -> None:
        self._db = db
        self._after_fetchall = after_fetchall
        self.dialect = db.dialect
        self.integrity_errors = db.integrity_errors

    @property
    def where(self) -> str:
        return self._db.where

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._db.transaction() as tx:
            yield tx

    async def execute(self, sql: str, params: Params = ()) -> int:
        return await self._db.execute(sql, params)

    async def insert(self, sql: str, params: Params = ()) -> int:
        return await self._db.insert(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._db.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await self._db.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        rows = await self._db.fetchall(sql, params)
        await self._after_fetchall(sql)
        return rows

    async def write_error(self) -> str | None:
        return await self._db.write_error()

    async def close(self) -> None:
        await self._db.close()
