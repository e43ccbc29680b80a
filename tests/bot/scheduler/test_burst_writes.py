"""A burst of runs due at once (10,000 servers at 09:00) does not ask the database for more
transactions at once than the scheduler's post slots: a PostgreSQL pool has a few
connections, and a confirm still queued for one past its acquire timeout would fail."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from bot.database import Database, Params, Row, Transaction
from bot.schedule_time import Repeat
from bot.scheduler import DueRun, OutgoingMessage, RunStatus, Scheduler

DUE = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)  # 09:00 in Seoul
SLOTS = 4


class CountingDatabase(Database):
    """`db`, counting the transactions asked for and not yet finished (the pool's queue)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.dialect = db.dialect
        self.integrity_errors = db.integrity_errors
        self.open = 0
        self.most_open = 0

    @property
    def where(self) -> str:
        return self._db.where

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            await asyncio.sleep(0)  # let every other ready task ask too
            async with self._db.transaction() as tx:
                yield tx
        finally:
            self.open -= 1

    async def execute(self, sql: str, params: Params = ()) -> int:
        return await self._db.execute(sql, params)

    async def insert(self, sql: str, params: Params = ()) -> int:
        return await self._db.insert(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._db.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await self._db.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._db.fetchall(sql, params)

    async def write_error(self) -> str | None:
        return await self._db.write_error()

    async def close(self) -> None:
        await self._db.close()


class InstantPoster:
    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        return channel_id

    async def find_posted(self, channel_id: int, marker: str, since: datetime) -> Any:
        return None


async def render(run: DueRun, language: str) -> OutgoingMessage:
    return OutgoingMessage(content="hello")


async def test_confirms_of_a_burst_wait_for_a_slot_instead_of_all_asking_at_once(db: Database):
    clock = FakeClock(DUE - timedelta(hours=1))
    counting = CountingDatabase(db)
    scheduler = Scheduler(counting, clock, InstantPoster(), max_concurrent_posts=SLOTS)
    scheduler.register_kind("quote", render)
    await scheduler.load()
    for guild in range(1, 61):
        await scheduler.add(guild, guild, "quote", time(9, 0), Repeat.DAILY, ZoneInfo("UTC"), 1)
    clock.set(DUE.replace(hour=9))
    counting.most_open = 0
    outcomes = await scheduler.run_due()
    await scheduler.stop(grace=0)
    assert [o.status for o in outcomes] == [RunStatus.POSTED] * 60
    assert counting.most_open <= SLOTS
