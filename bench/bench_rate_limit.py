"""10,000 servers with a daily post at 09:00: how long until the last is sent under Discord's
global rate limit, and how late each post is.

    .venv/bin/python bench/bench_rate_limit.py [--servers 10000] [--per-second 48]
                                               [--database-url postgresql://...]

The real `Scheduler` claims and confirms every run in a temporary SQLite file (or, with
`--database-url`, an empty PostgreSQL database), and stores each post's lag. The poster
sends nothing: each post takes its token from the bot's `LocalLimiter`, whose waits move a
fake clock instead of sleeping, so the minutes the burst takes on the clock cost only the
scheduler's own work in real time. Both are printed, with the lag percentiles as
`/schedule list` and the metrics see them.

Figures vary with the machine; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time as timer
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as a script from anywhere: make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import FakeClock, to_db
from bot.database import Database, open_database
from bot.metrics import LATE_POST_SECONDS, BotMetrics
from bot.rate_limit import DISCORD_GLOBAL_LIMIT, GlobalLimit, LocalLimiter
from bot.scheduler import DueRun, OutgoingMessage, RunStatus, Scheduler

DUE = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)  # 09:00 in Seoul


class LimitedPoster:
    """Sends nothing; each post waits for the limiter first, as every REST request does."""

    def __init__(self, limiter: LocalLimiter) -> None:
        self._limiter = limiter
        self.count = 0

    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        await self._limiter.acquire()
        self.count += 1
        return self.count

    async def find_posted(self, channel_id: int, marker: str, since: datetime) -> int | None:
        return None


async def render(run: DueRun, language: str) -> OutgoingMessage:
    return OutgoingMessage(content="Good morning, UAENA")


async def fill(db: Database, servers: int) -> None:
    """One daily 09:00 (Seoul) announcement per server, all due at `DUE`."""
    await db.executemany(
        "INSERT INTO announcements (guild_id, channel_id, kind, time_local, weekday, repeat, "
        "zone, next_run_utc, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (n, 10**6 + n, "quote", "09:00", None, "daily", "Asia/Seoul", to_db(DUE), 1, to_db(DUE))
            for n in range(1, servers + 1)
        ),
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(db: Database, servers: int, limit: GlobalLimit, where: str) -> None:
    await fill(db, servers)
    clock = FakeClock(DUE - timedelta(seconds=1))

    async def advance(seconds: float) -> None:
        # The limiter's wait passes on the fake clock; nothing sleeps.
        clock.advance(timedelta(seconds=seconds))

    limiter = LocalLimiter(limit, clock=lambda: clock.now().timestamp(), sleep=advance)
    poster = LimitedPoster(limiter)
    metrics = BotMetrics()
    scheduler = Scheduler(db, clock, poster, observe_lag=metrics.scheduler_lag)
    scheduler.register_kind("quote", render)
    await scheduler.load()
    clock.set(DUE)
    started = timer.perf_counter()
    outcomes = await scheduler.run_due()
    real = timer.perf_counter() - started
    await scheduler.stop(grace=0)

    posted = [o for o in outcomes if o.status is RunStatus.POSTED]
    rows = await db.fetchall("SELECT last_lag_ms FROM announcements WHERE last_lag_ms IS NOT NULL")
    lags = [row[0] / 1000 for row in rows]
    last = (clock.now() - DUE).total_seconds()
    late = sum(1 for lag in lags if lag > LATE_POST_SECONDS)
    print(
        f"{where}: {servers:,} servers, one post each due at 09:00, {len(posted):,} posted "
        f"at {limit.per_second} a second (burst {limit.burst}, then {limit.rate:g} a second)"
    )
    print(
        f"  last post sent {last:.0f} s after 09:00 ({last / 60:.1f} min) on the clock; "
        f"stored lags: p50 {statistics.median(lags):.0f} s, p99 {percentile(lags, 0.99):.0f} s, "
        f"max {max(lags):.0f} s; {late:,} posts more than {LATE_POST_SECONDS:g} s late"
    )
    print(
        f"  the scheduler's own work (claims, renders, confirms): {real:.1f} s real time, "
        f"{servers / real:,.0f} posts a second if Discord allowed them"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--per-second", type=int, default=DISCORD_GLOBAL_LIMIT - 2)
    parser.add_argument("--burst", type=int, default=5)
    parser.add_argument("--database-url", help="an empty PostgreSQL database to use instead")
    args = parser.parse_args()
    limit = GlobalLimit(per_second=args.per_second, burst=args.burst)
    if args.database_url:
        db = await open_database(args.database_url)
        try:
            await run(db, args.servers, limit, "PostgreSQL")
        finally:
            await db.close()
        return
    with tempfile.TemporaryDirectory() as folder:
        db = await open_database(Path(folder) / "bench.sqlite3")
        try:
            await run(db, args.servers, limit, "SQLite")
        finally:
            await db.close()


if __name__ == "__main__":
    asyncio.run(main())
