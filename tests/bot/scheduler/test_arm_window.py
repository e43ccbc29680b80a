"""The scheduler holds only the runs of its window (`arm_window` from now) and reads the next
window from the table when it gets there; on both backends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock, to_db
from bot.database import Database
from bot.schedule_time import Repeat
from bot.scheduler import DueRun, OutgoingMessage, Scheduler, run_nonce
from bot.scheduler.dispatcher import DEFAULT_INSTANCE
from tests.support.scheduler import ClockedPoster

SEOUL = ZoneInfo("Asia/Seoul")
BERLIN = ZoneInfo("Europe/Berlin")
# 2024-04-30 23:00 UTC: 08:00 in Seoul, 01:00 in Berlin (CEST).
START = datetime(2024, 4, 30, 23, 0, tzinfo=UTC)
WINDOW = timedelta(hours=1)
GUILD, OTHER_GUILD = 100, 200
CHANNEL = 1


async def render_quote(run: DueRun, language: str) -> OutgoingMessage:
    return OutgoingMessage(content=f"quote #{run.announcement_id}")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def poster(clock: FakeClock) -> ClockedPoster:
    return ClockedPoster(clock)


@pytest.fixture
async def scheduler(
    db: Database, clock: FakeClock, poster: ClockedPoster
) -> AsyncIterator[Scheduler]:
    # max_sleep as long as the window: the loop's own cap never hides the window's.
    scheduler = Scheduler(db, clock, poster, arm_window=WINDOW, max_sleep=WINDOW)
    scheduler.register_kind("quote", render_quote)
    yield scheduler
    await scheduler.stop(grace=0)


async def add(scheduler: Scheduler, at: time, zone: ZoneInfo = SEOUL, guild_id: int = GUILD) -> int:
    announcement = await scheduler.add(guild_id, CHANNEL, "quote", at, Repeat.DAILY, zone, 42)
    return announcement.id


async def until(condition: Callable[[], bool], within: float = 2.0) -> None:
    """Let the loop task run until `condition` holds; fails after `within` real seconds."""
    async with asyncio.timeout(within):
        # Polling: the state watched belongs to the code under test, which has no event for it.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.001)


async def test_a_run_beyond_the_window_is_not_held_and_the_loop_posts_it_on_time(
    scheduler: Scheduler, clock: FakeClock, poster: ClockedPoster
) -> None:
    # 09:15 in Seoul is 00:15 UTC: 75 minutes away, beyond the first window.
    due = datetime(2024, 5, 1, 0, 15, tzinfo=UTC)
    announcement_id = await add(scheduler, time(9, 15))
    await scheduler.load()
    assert scheduler.armed_count == 0
    await scheduler.start()
    await until(lambda: scheduler.armed_for is not None)

    # A run added 40 minutes on wakes the loop; once it is posted, the loop's next wake-up is
    # the window's end, not `max_sleep` from now, which would pass the run beyond it.
    soon = START + timedelta(minutes=40)
    await add(scheduler, time(8, 40))
    await until(lambda: scheduler.armed_for == soon)
    clock.set(soon)
    scheduler.wake()
    await until(lambda: scheduler.armed_for != soon)
    assert scheduler.armed_for == START + WINDOW
    await until(lambda: len(poster.posts) == 1)  # sent by a task of its own
    poster.posts.clear()

    # The FakeClock moves only when told: move it to each wake-up the loop chose, as time would.
    for _step in range(10):
        if poster.posts:
            break
        woken_at = scheduler.armed_for
        assert woken_at is not None
        clock.set(woken_at)
        scheduler.wake()
        await until(lambda at=woken_at: poster.posts != [] or scheduler.armed_for != at)
        # A post the pass claimed is sent by a task of its own: let it run before the clock moves.
        await asyncio.sleep(0)
    assert poster.posts == [(CHANNEL, due, run_nonce(announcement_id, due))]
    # Its next run (tomorrow) is beyond the window again: not held.
    assert scheduler.armed_count == 0


async def test_an_add_inside_the_window_is_armed_at_once_and_one_beyond_it_is_not(
    scheduler: Scheduler, clock: FakeClock, poster: ClockedPoster
) -> None:
    await scheduler.load()
    inside = await add(scheduler, time(8, 30))  # 23:30 UTC, in 30 minutes
    assert scheduler.armed_count == 1
    beyond = await add(scheduler, time(12, 0))  # 03:00 UTC, in 4 hours
    assert scheduler.armed_count == 1

    soon, later = START + timedelta(minutes=30), START + timedelta(hours=4)
    clock.set(soon)
    assert [outcome.announcement_id for outcome in await scheduler.run_due()] == [inside]
    clock.set(later - timedelta(seconds=1))
    assert await scheduler.run_due() == []
    clock.set(later)
    assert [outcome.announcement_id for outcome in await scheduler.run_due()] == [beyond]
    assert [(when, nonce) for _channel, when, nonce in poster.posts] == [
        (soon, run_nonce(inside, soon)),
        (later, run_nonce(beyond, later)),
    ]


async def test_a_zone_change_arms_a_run_it_moves_into_the_window_and_drops_one_it_moves_out(
    scheduler: Scheduler, clock: FakeClock, poster: ClockedPoster
) -> None:
    # 09:00 in Seoul is 00:00 UTC (in the window); 09:00 in Berlin is 07:00 UTC (beyond it).
    seoul_nine, berlin_nine = (
        datetime(2024, 5, 1, 0, 0, tzinfo=UTC),
        datetime(2024, 5, 1, 7, 0, tzinfo=UTC),
    )
    moving_in = await add(scheduler, time(9, 0), BERLIN, guild_id=GUILD)
    moving_out = await add(scheduler, time(9, 0), SEOUL, guild_id=OTHER_GUILD)
    await scheduler.load()
    assert scheduler.armed_count == 1  # moving_out's run

    assert await scheduler.reschedule_guild(GUILD, SEOUL) == 1
    assert scheduler.armed_count == 2  # armed at once
    assert await scheduler.reschedule_guild(OTHER_GUILD, BERLIN) == 1

    clock.set(seoul_nine)
    assert [outcome.announcement_id for outcome in await scheduler.run_due()] == [moving_in]
    # moving_out's entry for 00:00 surfaced and was dropped; its 07:00 run stays in the table.
    assert scheduler.armed_count == 0
    clock.set(berlin_nine)
    assert [outcome.announcement_id for outcome in await scheduler.run_due()] == [moving_out]
    assert [(when, nonce) for _channel, when, nonce in poster.posts] == [
        (seoul_nine, run_nonce(moving_in, seoul_nine)),
        (berlin_nine, run_nonce(moving_out, berlin_nine)),
    ]


async def test_of_ten_thousand_rows_only_the_ten_in_the_window_are_held(
    db: Database, clock: FakeClock, poster: ClockedPoster
) -> None:
    rows: list[tuple[object, ...]] = []
    for index in range(10_000):
        # Ten due within the window (one of them overdue, to be caught up), the rest later.
        if index % 1_000 == 0:
            run = START + timedelta(minutes=index // 1_000 * 6 - 1)
        else:
            run = START + WINDOW + timedelta(seconds=1 + index)
        rows.append(
            (
                GUILD + index % 50,
                CHANNEL,
                "quote",
                "09:00",
                None,
                "daily",
                "Asia/Seoul",
                to_db(run),
                42,
                to_db(START),
            )
        )
    # Another process's server, due now: not this one's to hold.
    rows.append(
        (
            999,
            CHANNEL,
            "quote",
            "08:00",
            None,
            "daily",
            "Asia/Seoul",
            to_db(START),
            42,
            to_db(START),
        )
    )
    await db.executemany(
        "INSERT INTO announcements (guild_id, channel_id, kind, time_local, weekday, repeat, "
        "zone, next_run_utc, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    scheduler = Scheduler(
        db, clock, poster, arm_window=WINDOW, owns_guild=lambda guild_id: guild_id != 999
    )
    assert await scheduler.load() == 10
    assert scheduler.armed_count == 10


async def test_an_unconfirmed_claim_is_loaded_whenever_its_next_run_is(
    db: Database, clock: FakeClock, poster: ClockedPoster
) -> None:
    due = START - timedelta(minutes=2)
    nonce = run_nonce(1, due)
    announcement_id = await db.insert(
        "INSERT INTO announcements (guild_id, channel_id, kind, time_local, weekday, repeat, "
        "zone, next_run_utc, created_by, created_at, pending_nonce, pending_due_utc, "
        "claimed_by, claim_expires_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "RETURNING id",
        (
            GUILD,
            CHANNEL,
            "quote",
            "07:58",
            None,
            "daily",
            "Asia/Seoul",
            to_db(due + timedelta(days=1)),
            42,
            to_db(START),
            nonce,
            to_db(due),
            # Its own claim (made before a restart), leased still: no sweep takes it up.
            DEFAULT_INSTANCE,
            to_db(START + timedelta(minutes=1)),
        ),
    )
    assert announcement_id == 1
    scheduler = Scheduler(db, clock, poster, arm_window=WINDOW)
    scheduler.register_kind("quote", render_quote)
    assert await scheduler.load() == 0  # tomorrow's run is beyond the window
    await scheduler.run_due()
    assert [sent for _channel, _when, sent in poster.posts] == [nonce]
