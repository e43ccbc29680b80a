"""A shard bucket's IDENTIFY window is kept across the processes of a cluster: on PostgreSQL
a process waits while another holds the bucket's lock."""

from __future__ import annotations

import asyncio

from bot.database import open_database
from tests.support.postgres import PostgresServer


async def test_a_second_process_waits_for_the_bucket_another_holds(postgres: PostgresServer):
    url = await postgres.fresh_database()
    first, second = await open_database(url), await open_database(url)
    try:
        await first.hold_lock("identify", 0, 30.0)
        waiting = asyncio.create_task(second.hold_lock("identify", 0, 0.0))
        other_bucket = asyncio.create_task(second.hold_lock("identify", 1, 0.0))
        await asyncio.wait_for(other_bucket, 10)  # another bucket does not wait
        await asyncio.sleep(0.3)
        assert not waiting.done()
        # The first process ends (or its window does): its lock goes with its connection.
        await first.close()
        await asyncio.wait_for(waiting, 10)
    finally:
        await second.close()
        await first.close()


async def test_sqlite_holds_nothing(sqlite_db):
    await sqlite_db.hold_lock("identify", 0, 30.0)
    await asyncio.wait_for(sqlite_db.hold_lock("identify", 0, 30.0), 1)


async def test_the_wait_is_not_cut_short_by_the_lock_timeout(postgres: PostgresServer):
    url = await postgres.fresh_database()
    first = await open_database(url)
    second = await open_database(url, busy_timeout=0.2)
    try:
        await first.hold_lock("identify", 0, 1.0)
        # Longer than the second's lock timeout (0.2 s): it waits, it does not fail.
        await asyncio.wait_for(second.hold_lock("identify", 0, 0.0), 10)
        # ...and its connections are back to the stores' lock timeout.
        row = await second.fetchone("SHOW lock_timeout")
        assert row is not None
        assert row[0] == "200ms"
    finally:
        await second.close()
        await first.close()
