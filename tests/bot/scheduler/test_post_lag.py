"""Each post's lag (sent at minus due at) is stored with it and counted in the metrics: posts
due together wait their turn under the global rate limit. On both backends."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from bot.database import Database
from bot.metrics import BotMetrics
from bot.schedule_time import Repeat
from bot.scheduler import DueRun, OutgoingMessage, RunStatus, Scheduler
from tests.support.metrics import samples

DUE = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)  # 09:00 in Seoul


class QueuedPoster:
    """Each post waits `turn` of the clock behind the ones before it (the rate limit)."""

    def __init__(self, clock: FakeClock, turn: timedelta) -> None:
        self.clock, self.turn = clock, turn

    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        self.clock.advance(self.turn)
        return 1000 + channel_id

    async def find_posted(self, channel_id: int, marker: str, since: datetime) -> int | None:
        return None


async def render(run: DueRun, language: str) -> OutgoingMessage:
    return OutgoingMessage(content="hello")


async def test_each_post_stores_how_late_it_was_sent_and_late_ones_are_counted(db: Database):
    clock = FakeClock(DUE - timedelta(hours=1))
    metrics = BotMetrics()
    scheduler = Scheduler(
        db,
        clock,
        QueuedPoster(clock, timedelta(seconds=40)),
        max_concurrent_posts=1,
        observe_lag=metrics.scheduler_lag,
    )
    scheduler.register_kind("quote", render)
    await scheduler.load()
    added = [
        await scheduler.add(
            guild, 10 + guild, "quote", time(9, 0), Repeat.DAILY, ZoneInfo("Asia/Seoul"), 3
        )
        for guild in (1, 2, 3)
    ]
    clock.set(DUE)
    outcomes = await scheduler.run_due()
    await scheduler.stop(grace=0)
    assert [outcome.status for outcome in outcomes] == [RunStatus.POSTED] * 3
    lags = sorted([(await scheduler.get(a.guild_id, a.id)).last_lag_ms for a in added])
    assert lags == [40_000, 80_000, 120_000]
    found = samples(metrics)
    assert found[("fanbot_scheduler_lag_seconds_count", ())] == 3
    assert found[("fanbot_scheduler_lag_seconds_sum", ())] == 240.0
    # Past 60 s: the second and the third.
    assert found[("fanbot_scheduler_late_posts_total", ())] == 2
