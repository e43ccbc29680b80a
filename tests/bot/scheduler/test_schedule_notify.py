"""The scheduler hears of announcements another writer changed: on PostgreSQL the database
names the server on `fanbot_announcements` (bot/migrations/postgresql/
0008_announcements_notify.sql) and the process owning it re-reads its runs
(`Scheduler.follow_changes`), so an announcement the dashboard's process adds for two minutes
from now is posted on time, not at the owner's next read of its window.

The "dashboard" here is a second `Scheduler` on a pool of its own that never loads or starts.
The bot's scheduler runs its loop on a fake clock; the tests wait (in real time, briefly) for
a notification to be handled, as there is no event another process could be waited on by.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from bot.client import installed_features
from bot.clock import FakeClock
from bot.database import Database, Transaction, open_database
from bot.guild_settings import GuildSettings, GuildSettingsStore
from bot.postgres import LISTENER_NAME, PostgresDatabase, PostgresSubscription
from bot.schedule_time import Repeat
from bot.scheduler import (
    ANNOUNCEMENTS_CHANNEL,
    DueRun,
    OutgoingMessage,
    PostFailed,
    Rescheduled,
    RunStatus,
    Scheduler,
    run_nonce,
)
from tests.support.database import HookedDatabase
from tests.support.postgres import PostgresServer
from tests.support.scheduler import ClockedPoster, NoPoster, nothing_to_post

SEOUL = ZoneInfo("Asia/Seoul")
BERLIN = ZoneInfo("Europe/Berlin")
# 2024-04-30 23:00 UTC: 08:00 in Seoul, 01:00 in Berlin (CEST).
START = datetime(2024, 4, 30, 23, 0, tzinfo=UTC)
WINDOW = timedelta(hours=1)
# The bot's process owns every server but OTHER_GUILD (another shard's).
GUILD, SECOND_GUILD, OTHER_GUILD = 100, 300, 200
CHANNEL, BLOCKED_CHANNEL = 1, 2
MOD = 42
# Real seconds for a notification to be heard and handled.
WITHIN = 5.0


async def render_quote(run: DueRun, language: str) -> OutgoingMessage:
    return OutgoingMessage(content=f"quote #{run.announcement_id}")


async def until(condition: Callable[[], bool], within: float = WITHIN) -> None:
    """Let the other tasks (the loop, the listener) run until `condition` holds."""
    async with asyncio.timeout(within):
        # Polling: what is watched happens in another connection's notification.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


def at(when: datetime) -> Callable[[datetime | None], bool]:
    """Whether an `armed_for` is `when` (to the millisecond: it is computed in floats)."""
    return lambda armed: armed is not None and abs(armed - when) < timedelta(milliseconds=1)


@dataclass
class Cluster:
    """The bot's process (`bot`, loop running, following changes) and the dashboard's
    (`dashboard`, never started) on one PostgreSQL database."""

    server: PostgresServer
    name: str
    clock: FakeClock
    poster: ClockedPoster
    bot: Scheduler
    listening: PostgresSubscription
    dashboard: Scheduler
    dashboard_settings: GuildSettingsStore

    async def psql(self, sql: str, database: str | None = None) -> str:
        """`sql` through psql, in a thread: the loop must go on meanwhile, or a statement of
        the bot's that it has begun (a re-read) would hold its lock until psql gives up."""
        return await asyncio.to_thread(self.server.psql, sql, database or self.name)

    async def listeners(self, select: str) -> str:
        return await self.psql(
            f"{select} FROM pg_stat_activity WHERE application_name = '{LISTENER_NAME}' "
            f"AND datname = '{self.name}'",
            "postgres",
        )

    def sleeps_until(self, when: datetime) -> bool:
        return at(when)(self.bot.armed_for)

    async def add_elsewhere(self, local: time, guild_id: int = GUILD) -> int:
        announcement = await self.dashboard.add(
            guild_id, CHANNEL, "quote", local, Repeat.DAILY, SEOUL, MOD
        )
        return announcement.id

    async def run_until_posted(self, steps: int = 10) -> None:
        """Move the fake clock to each wake-up the loop chose, as time would, until a post."""
        for _step in range(steps):
            if self.poster.posts:
                return
            woken_at = self.bot.armed_for
            assert woken_at is not None
            self.clock.set(woken_at)
            self.bot.wake()
            await until(lambda at=woken_at: self.poster.posts != [] or self.bot.armed_for != at)
            await asyncio.sleep(0)  # a claimed post is sent by a task of its own


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def cluster(postgres: PostgresServer, clock: FakeClock) -> AsyncIterator[Cluster]:
    url = await postgres.fresh_database()
    bot_db = await PostgresDatabase.open(url)
    dashboard_db = await PostgresDatabase.open(url)
    poster = ClockedPoster(clock)
    # max_sleep as long as the window: the loop sleeps to the window's end when idle.
    bot = Scheduler(
        bot_db,
        clock,
        poster,
        owns_guild=lambda guild_id: guild_id != OTHER_GUILD,
        arm_window=WINDOW,
        max_sleep=WINDOW,
    )
    bot.register_kind("quote", render_quote)
    dashboard = Scheduler(dashboard_db, clock, NoPoster())
    dashboard.register_kind("quote", nothing_to_post)
    # As FanBot does: following from before the first load, which then reads everything.
    listening = await bot.follow_changes()
    assert isinstance(listening, PostgresSubscription)
    await bot.start()
    try:
        await until(lambda: at(START + WINDOW)(bot.armed_for))  # idle: nothing armed
        yield Cluster(
            postgres,
            urlsplit(url).path.lstrip("/"),
            clock,
            poster,
            bot,
            listening,
            dashboard,
            GuildSettingsStore(dashboard_db, clock, installed_features()),
        )
    finally:
        await bot.stop(grace=0)
        await listening.close()
        await bot_db.close()
        await dashboard_db.close()


# --- The bot's process hears the other writers ----------------------------------------------


async def test_an_announcement_added_elsewhere_for_two_minutes_on_is_posted_on_time(
    cluster: Cluster,
) -> None:
    due = START + timedelta(minutes=2)  # 08:02 in Seoul
    announcement_id = await cluster.add_elsewhere(time(8, 2))
    # The loop, asleep until its window's end, is woken and sleeps until the new run instead.
    await until(lambda: cluster.sleeps_until(due))
    await cluster.run_until_posted()
    assert cluster.poster.posts == [(CHANNEL, due, run_nonce(announcement_id, due))]


async def test_an_announcement_removed_elsewhere_is_dropped_and_not_posted(
    cluster: Cluster,
) -> None:
    due = START + timedelta(minutes=30)
    announcement = await cluster.bot.add(
        GUILD, CHANNEL, "quote", time(8, 30), Repeat.DAILY, SEOUL, 7
    )
    assert cluster.bot.armed_count == 1
    assert await cluster.dashboard.remove(GUILD, announcement.id)
    await until(lambda: cluster.bot.armed_count == 0)
    # Still asleep until 08:30, when nothing is due any more; then until the window's end.
    cluster.clock.set(due)
    cluster.bot.wake()
    await until(lambda: cluster.sleeps_until(START + WINDOW))
    assert cluster.poster.posts == []


async def test_a_zone_changed_elsewhere_is_posted_at_the_new_local_time(cluster: Cluster) -> None:
    # 01:30 in Seoul is 16:30 UTC, far beyond the window; in Berlin it is 23:30 UTC.
    announcement_id = await cluster.add_elsewhere(time(1, 30))
    due = START + timedelta(minutes=30)
    moved: list[Rescheduled] = []

    async def move_announcements(tx: Transaction, settings: GuildSettings) -> None:
        # What /config timezone (and the dashboard) do: in the change's transaction.
        moved.append(await cluster.dashboard.reschedule_in(tx, GUILD, settings.zone))

    await cluster.dashboard_settings.update(
        GUILD, MOD, timezone="Europe/Berlin", also=move_announcements
    )
    for rescheduled in moved:
        cluster.dashboard.arm_rescheduled(rescheduled)  # never started: arms nothing
    assert cluster.dashboard.armed_count == 0

    await until(lambda: cluster.sleeps_until(due))
    await cluster.run_until_posted()
    assert cluster.poster.posts == [(CHANNEL, due, run_nonce(announcement_id, due))]


async def test_a_server_of_another_process_is_not_read(cluster: Cluster) -> None:
    await cluster.add_elsewhere(time(8, 2), guild_id=OTHER_GUILD)
    await cluster.add_elsewhere(time(8, 5))
    # Heard after the other server's: by then that one was handled, and not armed.
    await until(lambda: cluster.sleeps_until(START + timedelta(minutes=5)))
    assert cluster.bot.armed_count == 1


async def test_a_truncate_rereads_every_server(cluster: Cluster) -> None:
    for guild_id in (GUILD, SECOND_GUILD):
        await cluster.bot.add(guild_id, CHANNEL, "quote", time(8, 30), Repeat.DAILY, SEOUL, 7)
    # Both armed; a re-read (heard of the first add) racing the second add may hold that run
    # twice: entries are hints, and its claim posts it once (bot/scheduler/dispatcher.py).
    assert cluster.bot.armed_count >= 2
    await cluster.psql("TRUNCATE announcements")  # announced as `*`: every server
    await until(lambda: cluster.bot.armed_count == 0)


async def test_a_killed_listener_reconnects_and_rereads_what_it_missed(cluster: Cluster) -> None:
    due = START + timedelta(minutes=2)
    # The listener's connection is cut, and reconnecting is refused for a while: an
    # announcement added meanwhile is notified to nobody.
    await cluster.psql(f'ALTER DATABASE "{cluster.name}" WITH ALLOW_CONNECTIONS false', "postgres")
    try:
        assert await cluster.listeners("SELECT pg_terminate_backend(pid)") == "t"
        for _ in range(200):
            if await cluster.listeners("SELECT count(*)") == "0":
                break
            await asyncio.sleep(0.05)
        assert await cluster.listeners("SELECT count(*)") == "0"
        announcement_id = await cluster.add_elsewhere(time(8, 2))
        assert cluster.bot.armed_count == 0  # not heard
    finally:
        await cluster.psql(
            f'ALTER DATABASE "{cluster.name}" WITH ALLOW_CONNECTIONS true', "postgres"
        )
    # Back: the whole window is read again on reconnecting.
    await until(lambda: cluster.listening.connections == 2, within=15)
    await until(lambda: cluster.sleeps_until(due))
    await cluster.run_until_posted()
    assert cluster.poster.posts == [(CHANNEL, due, run_nonce(announcement_id, due))]


# --- What the database announces ------------------------------------------------------------


@dataclass
class GatedPoster:
    """Posts wait at `gate` (in flight, so a pass renews their leases); one channel refuses."""

    gate: asyncio.Event
    sent: int = 0

    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        await self.gate.wait()
        if channel_id == BLOCKED_CHANNEL:
            raise PostFailed("400 Bad Request")
        self.sent += 1
        return 6000 + self.sent

    async def find_posted(self, channel_id: int, marker: str, since: datetime) -> int | None:
        return None


@dataclass
class Heard:
    """Every notification on `fanbot_announcements`, on a listener of its own."""

    db: Database
    payloads: list[str]

    async def flush(self) -> list[str]:
        """What was heard up to now (a marker notified last arrives after everything before
        it), and forget it."""
        await self.db.execute(f"SELECT pg_notify('{ANNOUNCEMENTS_CHANNEL}', 'flushed')")
        await until(lambda: "flushed" in self.payloads)
        heard = self.payloads[: self.payloads.index("flushed")]
        del self.payloads[:]
        return heard


@pytest.fixture
async def heard(postgres: PostgresServer) -> AsyncIterator[Heard]:
    db = await PostgresDatabase.open(await postgres.fresh_database())
    payloads: list[str] = []
    listening = await db.listen(ANNOUNCEMENTS_CHANNEL, payloads.append, connected=lambda: None)
    try:
        yield Heard(db, payloads)
    finally:
        await listening.close()
        await db.close()


async def unconfirmed(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) FROM announcements WHERE pending_nonce IS NOT NULL")
    assert row is not None
    return int(row[0])


async def test_the_schedulers_own_claims_confirms_leases_and_skips_announce_nothing(
    heard: Heard, clock: FakeClock
) -> None:
    gate = asyncio.Event()
    scheduler = Scheduler(heard.db, clock, GatedPoster(gate), retry_delays=())
    scheduler.register_kind("quote", render_quote)
    guilds = [1000 + number for number in range(20)]
    for guild_id in guilds:
        for _ in range(10):
            await scheduler.add(guild_id, CHANNEL, "quote", time(8, 30), Repeat.DAILY, SEOUL, 7)
    blocked = await scheduler.add(
        GUILD, BLOCKED_CHANNEL, "quote", time(8, 30), Repeat.DAILY, SEOUL, 7
    )
    await scheduler.add(GUILD, CHANNEL, "quote", time(8, 40), Repeat.ONCE, SEOUL, 7)
    # Each add is a transaction of its own: each announces its server (a control: the
    # listener hears).
    assert Counter(await heard.flush()) == {
        **{str(guild_id): 10 for guild_id in guilds},
        str(GUILD): 2,
    }
    await scheduler.load()

    # 08:30 in Seoul: 201 runs claimed, then renewed while in flight, then confirmed or
    # (the blocked channel) given up.
    clock.set(START + timedelta(minutes=30))
    assert await scheduler.run_due(wait=False) == []
    assert await unconfirmed(heard.db) == 201
    await scheduler.run_due(wait=False)  # renews the leases of the posts in flight
    gate.set()
    for _ in range(200):
        if await unconfirmed(heard.db) == 0:
            break
        await asyncio.sleep(0.01)
    assert await unconfirmed(heard.db) == 0
    row = await heard.db.fetchone(
        "SELECT last_error FROM announcements WHERE id = ?", (blocked.id,)
    )
    assert row is not None
    assert row[0] is not None

    # Two hours late for the once-only 08:40 one: skipped.
    clock.set(START + timedelta(minutes=40, hours=2))
    outcomes = await scheduler.run_due()
    assert [outcome.status for outcome in outcomes] == [RunStatus.SKIPPED]

    assert await heard.flush() == []
    await scheduler.stop(grace=0)


async def test_every_other_change_announces_its_server_once_per_transaction(
    heard: Heard, clock: FakeClock
) -> None:
    scheduler = Scheduler(heard.db, clock, NoPoster())
    scheduler.register_kind("quote", nothing_to_post)
    ids = [
        (await scheduler.add(GUILD, CHANNEL, "quote", time(hour, 0), Repeat.DAILY, SEOUL, 7)).id
        for hour in (9, 10, 11)
    ]
    other = await scheduler.add(SECOND_GUILD, CHANNEL, "quote", time(9, 0), Repeat.DAILY, SEOUL, 7)
    assert await heard.flush() == [str(GUILD)] * 3 + [str(SECOND_GUILD)]

    # A zone change moves the server's three rows in one transaction: one notification.
    assert await scheduler.reschedule_guild(GUILD, BERLIN) == 3
    assert await heard.flush() == [str(GUILD)]
    assert await scheduler.remove(GUILD, ids[0])
    assert await heard.flush() == [str(GUILD)]
    # An operator's SQL: a next run moved, a row deleted, the table emptied.
    await heard.db.execute(
        "UPDATE announcements SET next_run_utc = '2024-05-01T00:00:00.000000Z' WHERE id = ?",
        (ids[1],),
    )
    assert await heard.flush() == [str(GUILD)]
    await heard.db.execute("UPDATE announcements SET channel_id = 9 WHERE id = ?", (ids[2],))
    assert await heard.flush() == []  # its place in the schedule is as it was
    await heard.db.execute("DELETE FROM announcements WHERE id = ?", (other.id,))
    assert await heard.flush() == [str(SECOND_GUILD)]
    await heard.db.execute("TRUNCATE announcements")
    assert await heard.flush() == ["*"]


# --- A scheduler that never starts (the dashboard's process), on both databases -------------


async def test_a_scheduler_that_never_starts_only_writes_rows(
    database_target: Path | str, clock: FakeClock
) -> None:
    db = await open_database(database_target)
    try:
        dashboard = Scheduler(db, clock, NoPoster())
        dashboard.register_kind("quote", nothing_to_post)
        listening = await dashboard.follow_changes()
        try:
            kept = await dashboard.add(GUILD, CHANNEL, "quote", time(8, 2), Repeat.DAILY, SEOUL, 7)
            gone = await dashboard.add(GUILD, CHANNEL, "quote", time(8, 5), Repeat.ONCE, SEOUL, 7)
            assert [a.id for a in await dashboard.list(GUILD)] == [kept.id, gone.id]
            assert await dashboard.remove(GUILD, gone.id)
            assert await dashboard.reschedule_guild(GUILD, BERLIN) == 1
            listed = await dashboard.list(GUILD)
            assert [(a.id, a.zone) for a in listed] == [(kept.id, "Europe/Berlin")]
            # Nothing held in memory, no task started: it writes rows and that is all.
            assert dashboard.armed_count == 0
            assert [
                task.get_name()
                for task in asyncio.all_tasks()
                if task.get_name().startswith(("scheduler", "announcement-"))
            ] == []
        finally:
            await listening.close()
        await dashboard.stop()  # harmless, never started

        # The bot's scheduler posts what it wrote: 08:02 in Berlin is 06:02 UTC.
        poster = ClockedPoster(clock)
        bot = Scheduler(db, clock, poster, arm_window=timedelta(days=1))
        bot.register_kind("quote", render_quote)
        await bot.load()
        due = datetime(2024, 5, 1, 6, 2, tzinfo=UTC)
        clock.set(due)
        await bot.run_due()
        assert poster.posts == [(CHANNEL, due, run_nonce(kept.id, due))]
    finally:
        await db.close()


async def test_an_add_committed_while_the_window_is_read_is_armed(
    database_target: Path | str, clock: FakeClock
) -> None:
    added: list[int] = []
    scheduler: Scheduler | None = None

    async def add_meanwhile(sql: str) -> None:
        # Right after the window's read, before load() holds what it read.
        if scheduler is not None and "next_run_utc > ?" in sql and not added:
            announcement = await scheduler.add(
                GUILD, CHANNEL, "quote", time(8, 30), Repeat.DAILY, SEOUL, 7
            )
            added.append(announcement.id)

    db = HookedDatabase(await open_database(database_target), add_meanwhile)
    try:
        scheduler = Scheduler(db, clock, ClockedPoster(clock), arm_window=WINDOW)
        scheduler.register_kind("quote", render_quote)
        await scheduler.load()
        assert added != []
        assert scheduler.armed_count == 1
    finally:
        await db.close()
