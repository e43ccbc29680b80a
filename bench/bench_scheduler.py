"""How long a fresh Scheduler takes to load and arm a big table, what it holds, and a burst.

    .venv/bin/python bench/bench_scheduler.py [--announcements 100000] [--guilds 10000]
                                              [--burst 1000] [--backend sqlite|postgresql]
                                              [--database-url postgresql://...]

Builds a temporary database (rows inserted directly, in one transaction; on PostgreSQL by
COPY, then `VACUUM ANALYZE` as autovacuum would) with the announcement kinds the bot's cogs
register (every cog loaded offline, as the bot loads them), then:

- load: `Scheduler.load()` (what `start()` does before its loop), timed without tracing;
- memory: the same load again under tracemalloc (current = what the scheduler keeps, peak =
  including the pages of rows read on the way), and the process RSS before and after the
  timed load (from /proc/self/statm, with ru_maxrss as the high-water mark). This process's
  memory only: a PostgreSQL server's is its own;
- burst: `run_due()` with `--burst` runs due at the same instant and a poster that does
  nothing, timed from the call to the last confirmation.

Figures vary with the machine; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import os
import random
import resource
import sys
import tempfile
import time as timer
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

# Run as a script from anywhere: make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.client import FanBot, discover_cogs
from bot.clock import FakeClock, to_db
from bot.config import Settings
from bot.database import Database
from bot.postgres import PostgresDatabase
from bot.schedule_time import Repeat, format_hhmm, next_run_after
from bot.scheduler import OutgoingMessage, RunStatus, Scheduler
from bot.sqlite import SqliteDatabase

sys.path.insert(0, str(Path(__file__).resolve().parent))
from backends import add_backend_arguments, postgres_server, server_settings

NOW = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)  # 09:00 in Seoul: the burst's due instant
ZONES = ("Asia/Seoul", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "UTC")


class NoOpPoster:
    def __init__(self) -> None:
        self.count = 0

    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        self.count += 1
        return self.count


async def render(run: object, language: str) -> OutgoingMessage:
    return OutgoingMessage(content="x")


async def registered_kinds(path: Path) -> list[str]:
    """The kinds every cog registers with the scheduler, from a bot built offline on `path`."""
    bot = FanBot(Settings(token="offline", database_path=path), clock=FakeClock(NOW))
    try:
        await bot.open_database()
        for extension in discover_cogs():
            await bot.load_extension(extension)
        return bot.scheduler.kinds
    finally:
        await bot.close()


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def max_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def mib(size: float) -> str:
    return f"{size / 2**20:8.1f} MiB"


def rows(total: int, guilds: int, burst: int, kinds: list[str]) -> Iterator[tuple[object, ...]]:
    rng = random.Random(2024)
    created = to_db(NOW)
    for index in range(total):
        guild_id = 10**17 + index % guilds
        if index < burst:
            # Due now: 09:00 daily in Seoul.
            zone_name, wall, repeat, weekday, next_run = "Asia/Seoul", time(9), "daily", None, NOW
        else:
            zone_name = rng.choice(ZONES)
            wall = time(rng.randrange(24), rng.choice((0, 15, 30, 45)))
            repeat = rng.choice(("daily", "daily", "weekly", "once"))
            weekday = rng.randrange(7) if repeat == "weekly" else None
            next_run = next_run_after(NOW, wall, Repeat(repeat), weekday, ZoneInfo(zone_name))
        yield (
            guild_id,
            2 * 10**17 + index,
            kinds[index % len(kinds)],
            format_hhmm(wall),
            weekday,
            repeat,
            zone_name,
            to_db(next_run),
            3 * 10**17,
            created,
        )


def chunks(table_rows: Iterator[tuple[object, ...]]) -> Iterator[list[tuple[object, ...]]]:
    """The rows 50,000 at a time, so the benchmark holds none of the table before the load."""
    while chunk := list(itertools.islice(table_rows, 50_000)):
        yield chunk


COLUMNS = (
    "guild_id",
    "channel_id",
    "kind",
    "time_local",
    "weekday",
    "repeat",
    "zone",
    "next_run_utc",
    "created_by",
    "created_at",
)


async def build(db: Database, table_rows: Iterator[tuple[object, ...]]) -> None:
    if isinstance(db, PostgresDatabase):
        async with db.pool().acquire() as conn, conn.transaction():
            for chunk in chunks(table_rows):
                await conn.copy_records_to_table("announcements", records=chunk, columns=COLUMNS)
        await db.execute("VACUUM ANALYZE announcements")
        return
    sql = f"INSERT INTO announcements ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * 10)})"
    async with db.transaction() as tx:
        for chunk in chunks(table_rows):
            await tx.executemany(sql, chunk)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--announcements", type=int, default=100_000)
    parser.add_argument("--guilds", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=1_000)
    add_backend_arguments(parser)
    args = parser.parse_args()
    print("$ .venv/bin/python " + " ".join(sys.argv))
    print(f"Python {sys.version.split()[0]}, backend {args.backend}")
    with contextlib.ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        kinds = await registered_kinds(Path(folder) / "cogs.sqlite3")
        db: Database
        if args.backend == "postgresql":
            server = stack.enter_context(postgres_server(args.database_url))
            print(f"PostgreSQL {server.psql('SHOW server_version')}: {server_settings(server)}")
            db = await PostgresDatabase.open(await server.fresh_database())
        else:
            path = Path(folder) / "bench.sqlite3"
            db = await SqliteDatabase.open(path)
        table_rows = rows(args.announcements, args.guilds, args.burst, kinds)
        started = timer.perf_counter()
        await build(db, table_rows)
        built = timer.perf_counter() - started
        print(
            f"database: {args.announcements:,} announcements across {args.guilds:,} servers, "
            f"built in {built:.2f} s (kinds: {', '.join(kinds)})"
        )

        clock = FakeClock(NOW)
        poster = NoOpPoster()

        # Load, timed, with nothing traced.
        gc.collect()
        rss_before = rss_bytes()
        max_rss_before = max_rss_bytes()
        scheduler = Scheduler(db, clock, poster)
        for kind in kinds:
            scheduler.register_kind(kind, render)
        started = timer.perf_counter()
        armed = await scheduler.load()
        load_seconds = timer.perf_counter() - started
        gc.collect()
        rss_after = rss_bytes()
        print(f"load + arm: {load_seconds * 1000:8.1f} ms for {armed:,} armed runs")
        print(f"RSS:        {mib(rss_before)} before, {mib(rss_after)} after load")
        print(
            f"RSS delta:  {mib(rss_after - rss_before)}  (max RSS {mib(max_rss_before)} "
            f"before the load, {mib(max_rss_bytes())} after it: the whole process)"
        )

        # The same load under tracemalloc, for what the scheduler keeps and its peak.
        tracemalloc.start()
        twin = Scheduler(db, clock, poster)
        gc.collect()
        baseline, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        await twin.load()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        kept = current - baseline
        print(
            f"tracemalloc: kept {mib(kept)} ({kept / max(armed, 1):.0f} B per armed run), "
            f"peak during load {mib(peak - baseline)}"
        )
        del twin

        # A burst of due runs through the whole claim -> send -> confirm path.
        started = timer.perf_counter()
        outcomes = await scheduler.run_due()
        burst_seconds = timer.perf_counter() - started
        posted = sum(outcome.status is RunStatus.POSTED for outcome in outcomes)
        print(
            f"run_due burst: {posted:,} of {args.burst:,} due runs posted and confirmed in "
            f"{burst_seconds * 1000:.1f} ms ({burst_seconds / max(posted, 1) * 1e6:.0f} µs each)"
        )
        await scheduler.stop()
        await db.close()


if __name__ == "__main__":
    asyncio.run(main())
