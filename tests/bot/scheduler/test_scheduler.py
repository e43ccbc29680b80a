from __future__ import annotations

import asyncio
import signal
import sys
import textwrap
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock, to_db
from bot.database import Database, open_database
from bot.schedule_time import Repeat
from bot.scheduler import (
    ChannelGone,
    DueRun,
    OutgoingMessage,
    PostForbidden,
    RunOutcome,
    RunStatus,
    Scheduler,
    TooManyAnnouncements,
    UnknownKind,
    run_nonce,
)
from tests.support.paths import ROOT
from tests.support.scheduler import FileDiscord

SEOUL = ZoneInfo("Asia/Seoul")
BERLIN = ZoneInfo("Europe/Berlin")
NINE = time(9, 0)
# 2024-05-01 09:00 KST; the clock starts an hour before it.
DUE = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)
START = DUE - timedelta(hours=1)
GUILD, OTHER_GUILD = 100, 200
CHANNEL, BLOCKED_CHANNEL, GONE_CHANNEL = 1, 2, 3


class SimulatedCrash(BaseException):
    """The process dying: not an `Exception`, so nothing in the scheduler handles it."""


@dataclass
class Post:
    channel_id: int
    content: str | None
    nonce: str
    message_id: int


@dataclass
class FakePoster:
    """Discord as the scheduler sees it: a repeated nonce returns the message already made."""

    posts: list[Post] = field(default_factory=list)
    calls: list[tuple[int, str]] = field(default_factory=list)
    by_nonce: dict[str, int] = field(default_factory=dict)
    # Raised before Discord creates anything, per channel.
    fail: dict[int, BaseException] = field(default_factory=dict)
    transient_failures: int = 0
    crash_after_post: bool = False
    gate: asyncio.Event | None = None

    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        self.calls.append((channel_id, nonce))
        if self.gate is not None:
            await self.gate.wait()
        if nonce in self.by_nonce:
            return self.by_nonce[nonce]
        if channel_id in self.fail:
            raise self.fail[channel_id]
        if self.transient_failures > 0:
            self.transient_failures -= 1
            raise ConnectionResetError("503 Service Unavailable")
        message_id = 5000 + len(self.posts)
        self.posts.append(Post(channel_id, message.content, nonce, message_id))
        self.by_nonce[nonce] = message_id
        if self.crash_after_post:
            raise SimulatedCrash
        return message_id


@dataclass
class ForgetfulPoster(FakePoster):
    """Discord after its nonce window: a repeated nonce makes a second message, but the
    channel's history shows what was posted."""

    footers: list[str | None] = field(default_factory=list)

    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        self.by_nonce.clear()
        self.footers.append(message.embed.footer.text if message.embed else None)
        return await super().post(channel_id, message, nonce)

    async def find_posted(self, channel_id: int, marker: str, since: datetime) -> int | None:
        for post, footer in zip(self.posts, self.footers, strict=True):
            if post.channel_id == channel_id and footer and marker in footer:
                return post.message_id
        return None


async def render_quote(run: DueRun, language: str) -> OutgoingMessage:
    return OutgoingMessage(content=f"quote #{run.announcement_id}")


class Bot:
    """One database (an SQLite file or a PostgreSQL database), restarted at will, with a
    scheduler on it."""

    def __init__(
        self, path: Path | str, clock: FakeClock, poster: FakePoster, **options: Any
    ) -> None:
        self.path = path
        self.clock = clock
        self.poster = poster
        self.options = {"retry_delays": (0.0, 0.0, 0.0), **options}
        self.db: Database | None = None
        self.scheduler: Scheduler | None = None

    async def open(self) -> Scheduler:
        self.db = await open_database(self.path)
        self.scheduler = Scheduler(self.db, self.clock, self.poster, **self.options)
        self.scheduler.register_kind("quote", render_quote)
        await self.scheduler.load()
        return self.scheduler

    async def close(self) -> None:
        if self.scheduler is not None:
            await self.scheduler.stop(grace=0)
        if self.db is not None:
            await self.db.close()
        self.db = self.scheduler = None

    async def restart(self) -> Scheduler:
        await self.close()
        return await self.open()

    async def row(self, announcement_id: int) -> dict[str, Any]:
        assert self.db is not None
        row = await self.db.fetchone("SELECT * FROM announcements WHERE id = ?", (announcement_id,))
        assert row is not None
        return dict(row)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def poster() -> FakePoster:
    return FakePoster()


@pytest.fixture
async def bot(
    database_target: Path | str, clock: FakeClock, poster: FakePoster
) -> AsyncIterator[Bot]:
    harness = Bot(database_target, clock, poster)
    await harness.open()
    yield harness
    await harness.close()


async def add(
    scheduler: Scheduler,
    *,
    guild_id: int = GUILD,
    channel_id: int = CHANNEL,
    at: time = NINE,
    repeat: Repeat = Repeat.DAILY,
    zone: ZoneInfo = SEOUL,
) -> int:
    announcement = await scheduler.add(guild_id, channel_id, "quote", at, repeat, zone, 42)
    return announcement.id


def statuses(outcomes: list[RunOutcome]) -> list[RunStatus]:
    return [outcome.status for outcome in outcomes]


async def until(condition: Callable[[], bool], within: float = 2.0) -> None:
    """Let the loop task run until `condition` holds; fails after `within` real seconds."""
    async with asyncio.timeout(within):
        # Polling: the state watched belongs to the code under test, which has no event for it.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.001)


# --- Posting on time ------------------------------------------------------------------------


async def test_due_run_is_posted_once_and_not_early(bot: Bot) -> None:
    scheduler = bot.scheduler
    assert scheduler is not None
    announcement = await scheduler.add(GUILD, CHANNEL, "quote", NINE, Repeat.DAILY, SEOUL, 42)
    assert announcement.next_run_utc == DUE

    assert await scheduler.run_due() == []
    bot.clock.set(DUE - timedelta(seconds=1))
    assert await scheduler.run_due() == []
    assert bot.poster.posts == []

    bot.clock.set(DUE)
    outcomes = await scheduler.run_due()
    assert statuses(outcomes) == [RunStatus.POSTED]
    assert [post.content for post in bot.poster.posts] == [f"quote #{announcement.id}"]
    assert bot.poster.posts[0].nonce == run_nonce(announcement.id, DUE)

    bot.clock.advance(timedelta(seconds=30))
    assert await scheduler.run_due() == []
    assert len(bot.poster.posts) == 1

    [listed] = await scheduler.list(GUILD)
    assert listed.next_run_utc == DUE + timedelta(days=1)
    assert listed.last_message_id == bot.poster.posts[0].message_id
    assert listed.last_posted_at == DUE
    assert listed.pending_due_utc is None


async def test_renderer_sees_the_run(bot: Bot) -> None:
    scheduler = bot.scheduler
    assert scheduler is not None
    seen: list[DueRun] = []
    posted_ids: list[int] = []

    async def render(run: DueRun, language: str) -> OutgoingMessage:
        seen.append(run)

        async def remember(message_id: int) -> None:
            posted_ids.append(message_id)

        return OutgoingMessage(content="hi", after_post=remember)

    scheduler.register_kind("trivia", render)
    announcement = await scheduler.add(GUILD, CHANNEL, "trivia", NINE, Repeat.ONCE, SEOUL, 42)
    bot.clock.set(DUE)
    await scheduler.run_due()
    assert seen == [
        DueRun(announcement.id, GUILD, CHANNEL, "trivia", DUE, run_nonce(announcement.id, DUE))
    ]
    assert posted_ids == [bot.poster.posts[0].message_id]


async def test_once_runs_once_then_is_finished(bot: Bot) -> None:
    scheduler = bot.scheduler
    assert scheduler is not None
    announcement_id = await add(scheduler, repeat=Repeat.ONCE)
    bot.clock.set(DUE)
    assert statuses(await scheduler.run_due()) == [RunStatus.POSTED]
    bot.clock.advance(timedelta(days=2))
    assert await scheduler.run_due() == []
    [listed] = await scheduler.list(GUILD)
    assert listed.id == announcement_id
    assert listed.finished
    assert len(bot.poster.posts) == 1


async def test_weekly_takes_the_weekday_of_its_first_run(bot: Bot) -> None:
    scheduler = bot.scheduler
    assert scheduler is not None
    announcement = await scheduler.add(GUILD, CHANNEL, "quote", NINE, Repeat.WEEKLY, SEOUL, 42)
    assert announcement.weekday == 2  # 2024-05-01 is a Wednesday
    bot.clock.set(DUE)
    await scheduler.run_due()
    bot.clock.advance(timedelta(days=6))
    assert await scheduler.run_due() == []
    bot.clock.advance(timedelta(days=1))
    assert statuses(await scheduler.run_due()) == [RunStatus.POSTED]
    assert len(bot.poster.posts) == 2


async def test_weekly_runs_on_the_chosen_weekday_across_dst(bot: Bot) -> None:
    new_york = ZoneInfo("America/New_York")
    # Thursday 2024-02-29; Sunday 09:00 in New York, over the spring-forward of 2024-03-10.
    bot.clock.set(datetime(2024, 2, 29, 12, 0, tzinfo=UTC))
    scheduler = bot.scheduler
    assert scheduler is not None
    announcement = await scheduler.add(
        GUILD, CHANNEL, "quote", NINE, Repeat.WEEKLY, new_york, 42, weekday=6
    )
    assert announcement.weekday == 6
    posted_at = []
    for expected in (
        datetime(2024, 3, 3, 14, 0, tzinfo=UTC),
        datetime(2024, 3, 10, 13, 0, tzinfo=UTC),
        datetime(2024, 3, 17, 13, 0, tzinfo=UTC),
    ):
        bot.clock.set(expected - timedelta(seconds=1))
        assert await scheduler.run_due() == []
        bot.clock.set(expected)
        assert statuses(await scheduler.run_due()) == [RunStatus.POSTED]
        posted_at.append(expected.astimezone(new_york).strftime("%a %H:%M"))
    assert posted_at == ["Sun 09:00"] * 3
    [listed] = await scheduler.list(GUILD)
    assert listed.weekday == 6
    assert listed.next_run_utc == datetime(2024, 3, 24, 13, 0, tzinfo=UTC)


async def test_a_weekday_for_a_daily_one_is_refused_and_nothing_stored(bot: Bot) -> None:
    assert bot.scheduler is not None
    with pytest.raises(ValueError, match="weekly"):
        await bot.scheduler.add(GUILD, CHANNEL, "quote", NINE, Repeat.DAILY, SEOUL, 42, weekday=1)
    assert await bot.scheduler.list(GUILD) == []


async def test_unknown_kind_is_refused(bot: Bot) -> None:
    assert bot.scheduler is not None
    with pytest.raises(UnknownKind, match="quote"):
        await bot.scheduler.add(GUILD, CHANNEL, "horoscope", NINE, Repeat.DAILY, SEOUL, 42)


async def test_a_renderer_may_post_nothing(bot: Bot) -> None:
    scheduler = bot.scheduler
    assert scheduler is not None

    async def nothing(run: DueRun, language: str) -> OutgoingMessage | None:
        return None

    scheduler.register_kind("quote", nothing)
    announcement_id = await add(scheduler)
    bot.clock.set(DUE)
    assert statuses(await scheduler.run_due()) == [RunStatus.NOTHING]
    assert bot.poster.calls == []
    assert (await bot.row(announcement_id))["pending_nonce"] is None


async def test_a_kind_no_longer_rendered_records_an_error(bot: Bot) -> None:
    scheduler = bot.scheduler
    assert scheduler is not None
    announcement_id = await add(scheduler)
    scheduler.unregister_kind("quote")
    bot.clock.set(DUE)
    assert statuses(await scheduler.run_due()) == [RunStatus.FAILED]
    row = await bot.row(announcement_id)
    assert "quote" in row["last_error"]
    assert row["pending_nonce"] is None


# --- Restarts and crashes -----------------------------------------------------------------


async def test_restart_posts_nothing_twice(bot: Bot) -> None:
    assert bot.scheduler is not None
    await add(bot.scheduler)
    bot.clock.set(DUE)
    await bot.scheduler.run_due()

    scheduler = await bot.restart()
    assert await scheduler.run_due() == []
    bot.clock.advance(timedelta(minutes=5))
    assert await scheduler.run_due() == []
    assert len(bot.poster.posts) == 1

    # And the next day it runs again, once.
    bot.clock.set(DUE + timedelta(days=1))
    scheduler = await bot.restart()
    assert statuses(await scheduler.run_due()) == [RunStatus.POSTED]
    scheduler = await bot.restart()
    assert await scheduler.run_due() == []
    assert len(bot.poster.posts) == 2


async def test_claimed_but_unsent_is_resent_with_the_same_nonce(bot: Bot) -> None:
    assert bot.scheduler is not None
    announcement_id = await add(bot.scheduler)
    bot.clock.set(DUE)
    bot.poster.fail[CHANNEL] = SimulatedCrash()  # dies before Discord hears of it
    with pytest.raises(SimulatedCrash):
        await bot.scheduler.run_due()
    claimed = await bot.row(announcement_id)
    assert claimed["pending_nonce"] == run_nonce(announcement_id, DUE)
    assert claimed["next_run_utc"] == to_db(DUE + timedelta(days=1))
    assert bot.poster.posts == []

    bot.poster.fail.clear()
    bot.clock.advance(timedelta(seconds=20))
    scheduler = await bot.restart()
    assert statuses(await scheduler.run_due()) == [RunStatus.POSTED]
    assert [post.nonce for post in bot.poster.posts] == [claimed["pending_nonce"]]
    confirmed = await bot.row(announcement_id)
    assert confirmed["pending_nonce"] is None
    assert confirmed["last_message_id"] == bot.poster.posts[0].message_id


async def test_crash_after_discord_got_it_yields_one_post(bot: Bot) -> None:
    assert bot.scheduler is not None
    announcement_id = await add(bot.scheduler)
    bot.clock.set(DUE)
    bot.poster.crash_after_post = True
    with pytest.raises(SimulatedCrash):
        await bot.scheduler.run_due()
    assert len(bot.poster.posts) == 1

    bot.poster.crash_after_post = False
    bot.clock.advance(timedelta(seconds=20))
    scheduler = await bot.restart()
    assert statuses(await scheduler.run_due()) == [RunStatus.POSTED]
    assert len(bot.poster.posts) == 1
    nonce = run_nonce(announcement_id, DUE)
    assert bot.poster.calls == [(CHANNEL, nonce), (CHANNEL, nonce)]
    assert (await bot.row(announcement_id))["last_message_id"] == bot.poster.posts[0].message_id


@pytest.mark.parametrize("where", ["render", "before_post", "after_post", "after_post_hook"])
async def test_a_crash_anywhere_yields_exactly_one_post(bot: Bot, where: str) -> None:
    scheduler = bot.scheduler
    assert scheduler is not None
    crash = {"on": True}

    async def render(run: DueRun, language: str) -> OutgoingMessage:
        if where == "render" and crash["on"]:
            raise SimulatedCrash

        async def hook(message_id: int) -> None:
            if where == "after_post_hook" and crash["on"]:
                raise SimulatedCrash

        return OutgoingMessage(content="quote", after_post=hook)

    scheduler.register_kind("quote", render)
    await add(scheduler)
    bot.poster.fail = {CHANNEL: SimulatedCrash()} if where == "before_post" else {}
    bot.poster.crash_after_post = where == "after_post"
    bot.clock.set(DUE)
    with pytest.raises(SimulatedCrash):
        await scheduler.run_due()

    crash["on"] = False
    bot.poster.fail.clear()
    bot.poster.crash_after_post = False
    bot.clock.advance(timedelta(minutes=1))
    scheduler = await bot.restart()
    scheduler.register_kind("quote", render)
    assert statuses(await scheduler.run_due()) == [RunStatus.POSTED]
    assert len(bot.poster.posts) == 1
    scheduler = await bot.restart()
    bot.clock.advance(timedelta(minutes=1))
    assert await scheduler.run_due() == []
    assert len(bot.poster.posts) == 1


async def test_an_unconfirmed_claim_older_than_catch_up_is_not_resent(bot: Bot) -> None:
    assert bot.scheduler is not None
    announcement_id = await add(bot.scheduler)
    bot.clock.set(DUE)
    bot.poster.fail[CHANNEL] = SimulatedCrash()
    with pytest.raises(SimulatedCrash):
        await bot.scheduler.run_due()
    bot.poster.fail.clear()

    bot.clock.set(DUE + timedelta(minutes=61))
    scheduler = await bot.restart()
    assert statuses(await scheduler.run_due()) == [RunStatus.SKIPPED]
    assert bot.poster.posts == []
    row = await bot.row(announcement_id)
    assert row["pending_nonce"] is None
    assert "not confirmed" in row["last_error"]


async def test_sigkill_while_posting_yields_exactly_one_post(tmp_path: Path) -> None:
    """A real process killed with SIGKILL: once before Discord hears of it, once after."""
    discord_log = tmp_path / "discord.jsonl"
    db_path = tmp_path / "x.sqlite3"
    for stage, kill_after_recording in enumerate([False, True]):
        clock = FakeClock(START + timedelta(days=stage))
        poster = FileDiscord(discord_log)
        harness = Bot(db_path, clock, poster)
        scheduler = await harness.open()
        announcement_id = await add(scheduler, channel_id=10 + stage, repeat=Repeat.ONCE)
        await harness.close()

        due = DUE + timedelta(days=stage)
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _CHILD,
            str(db_path),
            str(discord_log),
            due.isoformat(),
            *(["after"] if kill_after_recording else []),
            cwd=ROOT,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(child.communicate(), timeout=60)
        assert child.returncode == -signal.SIGKILL, stderr.decode()
        assert len(poster.load()) == stage + (1 if kill_after_recording else 0)

        clock.set(due + timedelta(seconds=30))
        scheduler = await harness.open()
        assert statuses(await scheduler.run_due()) == [RunStatus.POSTED]
        await harness.close()
        channel_posts = [post for post in poster.load() if post["channel_id"] == 10 + stage]
        assert [post["nonce"] for post in channel_posts] == [run_nonce(announcement_id, due)]


_CHILD = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from datetime import datetime
    from pathlib import Path
    from bot.clock import FakeClock
    from bot.sqlite import SqliteDatabase
    from bot.scheduler import OutgoingMessage, Scheduler
    from tests.support.scheduler import FileDiscord

    db_path, log_path, due = sys.argv[1], Path(sys.argv[2]), datetime.fromisoformat(sys.argv[3])
    after = sys.argv[4:] == ["after"]

    class KillingDiscord(FileDiscord):
        async def post(self, channel_id, message, nonce):
            if after:
                await super().post(channel_id, message, nonce)
            os.kill(os.getpid(), signal.SIGKILL)

    async def render(run, language):
        return OutgoingMessage(content="quote")

    async def main():
        db = await SqliteDatabase.open(db_path)
        scheduler = Scheduler(db, FakeClock(due), KillingDiscord(log_path))
        scheduler.register_kind("quote", render)
        await scheduler.load()
        await scheduler.run_due()

    asyncio.run(main())
    """
)


# --- Late runs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("late", "expected"),
    [
        (timedelta(minutes=59), RunStatus.POSTED),
        (timedelta(minutes=59, seconds=59), RunStatus.POSTED),
        (timedelta(minutes=60), RunStatus.SKIPPED),
        (timedelta(minutes=61), RunStatus.SKIPPED),
    ],
)
async def test_a_run_missed_while_down_is_posted_only_if_less_than_an_hour_late(
    bot: Bot, late: timedelta, expected: RunStatus
) -> None:
    assert bot.scheduler is not None
    announcement_id = await add(bot.scheduler)
    await bot.close()

    bot.clock.set(DUE + late)
    scheduler = await bot.open()
    assert statuses(await scheduler.run_due()) == [expected]
    assert len(bot.poster.posts) == (1 if expected is RunStatus.POSTED else 0)
    row = await bot.row(announcement_id)
    assert row["next_run_utc"] == to_db(DUE + timedelta(days=1))
    if expected is RunStatus.SKIPPED:
        assert "late" in row["last_error"]


async def test_a_repeating_one_moves_on_without_a_burst(bot: Bot) -> None:
    assert bot.scheduler is not None
    announcement_id = await add(bot.scheduler)
    await bot.close()

    # Down for three days, back two hours after the fourth day's run: nothing is posted.
    bot.clock.set(DUE + timedelta(days=3, hours=2))
    scheduler = await bot.open()
    assert statuses(await scheduler.run_due()) == [RunStatus.SKIPPED]
    assert bot.poster.posts == []
    row = await bot.row(announcement_id)
    assert row["next_run_utc"] == to_db(DUE + timedelta(days=4))
    assert "late" in row["last_error"]
    assert await scheduler.run_due() == []

    bot.clock.set(DUE + timedelta(days=4))
    assert statuses(await scheduler.run_due()) == [RunStatus.POSTED]
    assert (await bot.row(announcement_id))["last_error"] is None
    assert len(bot.poster.posts) == 1


async def test_after_a_long_outage_only_the_latest_recent_run_is_posted(bot: Bot) -> None:
    assert bot.scheduler is not None
    announcement_id = await add(bot.scheduler)
    await bot.close()

    # Down for three days, back 30 minutes after the fourth day's run: that one is posted,
    # once; the three before it are not.
    bot.clock.set(DUE + timedelta(days=3, minutes=30))
    scheduler = await bot.open()
    assert statuses(await scheduler.run_due()) == [RunStatus.POSTED]
    assert [post.nonce for post in bot.poster.posts] == [
        run_nonce(announcement_id, DUE + timedelta(days=3))
    ]
    row = await bot.row(announcement_id)
    assert row["next_run_utc"] == to_db(DUE + timedelta(days=4))
    assert await scheduler.run_due() == []


async def test_a_once_only_run_missed_by_more_than_an_hour_is_finished(bot: Bot) -> None:
    assert bot.scheduler is not None
    announcement_id = await add(bot.scheduler, repeat=Repeat.ONCE)
    await bot.close()
    bot.clock.set(DUE + timedelta(days=1, minutes=10))
    scheduler = await bot.open()
    assert statuses(await scheduler.run_due()) == [RunStatus.SKIPPED]
    [listed] = await scheduler.list(GUILD)
    assert listed.id == announcement_id
    assert listed.finished
    assert listed.last_error is not None
    assert bot.poster.posts == []


# --- Failures -------------------------------------------------------------------------------


async def test_a_forbidden_channel_is_recorded_and_does_not_stop_the_others(bot: Bot) -> None:
    scheduler = bot.scheduler
    assert scheduler is not None
    blocked = await add(scheduler, channel_id=BLOCKED_CHANNEL)
    gone = await add(scheduler, channel_id=GONE_CHANNEL)
    fine = await add(scheduler, channel_id=CHANNEL)
    bot.poster.fail[BLOCKED_CHANNEL] = PostForbidden("the bot may not post in <#2>")
    bot.poster.fail[GONE_CHANNEL] = ChannelGone("channel 3 no longer exists")

    bot.clock.set(DUE)
    outcomes = {outcome.announcement_id: outcome.status for outcome in await scheduler.run_due()}
    assert outcomes == {
        blocked: RunStatus.FORBIDDEN,
        gone: RunStatus.CHANNEL_GONE,
        fine: RunStatus.POSTED,
    }
    assert [post.channel_id for post in bot.poster.posts] == [CHANNEL]
    # Refused for good: one attempt each, no retries.
    assert [channel for channel, _ in bot.poster.calls].count(BLOCKED_CHANNEL) == 1

    listed = {announcement.id: announcement for announcement in await scheduler.list(GUILD)}
    assert listed[blocked].last_error == "the bot may not post in <#2>"
    assert listed[blocked].last_error_at == DUE
    assert listed[blocked].pending_due_utc is None
    assert listed[blocked].next_run_utc == DUE + timedelta(days=1)
    assert listed[gone].last_error == "channel 3 no longer exists"
    assert listed[fine].last_error is None

    # Once the permission is fixed, the next run posts and the error is cleared.
    bot.poster.fail.pop(BLOCKED_CHANNEL)
    bot.clock.set(DUE + timedelta(days=1))
    await scheduler.run_due()
    listed = {announcement.id: announcement for announcement in await scheduler.list(GUILD)}
    assert listed[blocked].last_error is None
    assert listed[blocked].last_posted_at == DUE + timedelta(days=1)


async def test_transient_errors_are_retried_with_the_same_nonce(bot: Bot) -> None:
    assert bot.scheduler is not None
    announcement_id = await add(bot.scheduler)
    bot.poster.transient_failures = 2
    bot.clock.set(DUE)
    assert statuses(await bot.scheduler.run_due()) == [RunStatus.POSTED]
    nonce = run_nonce(announcement_id, DUE)
    assert bot.poster.calls == [(CHANNEL, nonce)] * 3
    assert len(bot.poster.posts) == 1


async def test_transient_errors_that_last_are_recorded(bot: Bot) -> None:
    assert bot.scheduler is not None
    announcement_id = await add(bot.scheduler)
    bot.poster.transient_failures = 100
    bot.clock.set(DUE)
    [outcome] = await bot.scheduler.run_due()
    assert outcome.status is RunStatus.FAILED
    assert len(bot.poster.calls) == 4  # the first try and three retries
    row = await bot.row(announcement_id)
    assert "4 attempts" in row["last_error"]
    assert row["pending_nonce"] is None


async def test_no_retry_past_the_catch_up_window(
    database_target: Path | str, clock: FakeClock
) -> None:
    poster = FakePoster(transient_failures=100)
    harness = Bot(database_target, clock, poster, retry_delays=(120.0,))
    scheduler = await harness.open()
    await add(scheduler)
    await harness.close()
    clock.set(DUE + timedelta(minutes=59))
    scheduler = await harness.open()
    assert statuses(await scheduler.run_due()) == [RunStatus.FAILED]
    assert len(poster.calls) == 1
    await harness.close()


# --- Servers --------------------------------------------------------------------------------


async def test_owns_guild_keeps_only_this_process_servers(
    database_target: Path | str, clock: FakeClock, poster: FakePoster
) -> None:
    harness = Bot(database_target, clock, poster)
    scheduler = await harness.open()
    await add(scheduler, guild_id=GUILD)
    await add(scheduler, guild_id=OTHER_GUILD)
    await harness.close()

    harness.options["owns_guild"] = lambda guild_id: guild_id == OTHER_GUILD
    scheduler = await harness.open()
    assert scheduler.armed_count == 1
    await add(scheduler, guild_id=GUILD, at=time(9, 30))  # stored, but not ours to post
    assert scheduler.armed_count == 1
    clock.set(DUE + timedelta(minutes=30))
    assert statuses(await scheduler.run_due()) == [RunStatus.POSTED]
    assert len(poster.posts) == 1
    await harness.close()


async def test_remove_only_touches_that_server(bot: Bot) -> None:
    scheduler = bot.scheduler
    assert scheduler is not None
    mine = await add(scheduler)
    theirs = await add(scheduler, guild_id=OTHER_GUILD)

    assert not await scheduler.remove(GUILD, theirs)
    assert await scheduler.remove(GUILD, mine)
    assert not await scheduler.remove(GUILD, mine)
    assert await scheduler.list(GUILD) == []
    assert [a.id for a in await scheduler.list(OTHER_GUILD)] == [theirs]

    bot.clock.set(DUE)
    outcomes = await scheduler.run_due()
    assert [outcome.announcement_id for outcome in outcomes] == [theirs]


async def test_a_removed_claim_is_not_resent_after_restart(bot: Bot) -> None:
    assert bot.scheduler is not None
    announcement_id = await add(bot.scheduler)
    bot.clock.set(DUE)
    bot.poster.fail[CHANNEL] = SimulatedCrash()
    with pytest.raises(SimulatedCrash):
        await bot.scheduler.run_due()
    assert await bot.scheduler.remove(GUILD, announcement_id)
    bot.poster.fail.clear()
    scheduler = await bot.restart()
    assert await scheduler.run_due() == []
    assert bot.poster.posts == []


async def test_reschedule_guild_follows_a_new_zone(bot: Bot) -> None:
    scheduler = bot.scheduler
    assert scheduler is not None
    daily = await add(scheduler)
    weekly = await add(scheduler, repeat=Repeat.WEEKLY)
    untouched = await add(scheduler, guild_id=OTHER_GUILD)

    assert await scheduler.reschedule_guild(GUILD, BERLIN) == 2
    # 09:00 in Berlin (CEST, +2) is 07:00 UTC; the weekly one keeps Wednesday.
    listed = {a.id: a for a in await scheduler.list(GUILD)}
    assert listed[daily].next_run_utc == datetime(2024, 5, 1, 7, 0, tzinfo=UTC)
    assert listed[daily].zone == "Europe/Berlin"
    assert listed[weekly].next_run_utc == datetime(2024, 5, 1, 7, 0, tzinfo=UTC)
    assert listed[weekly].weekday == 2

    # Seoul's 09:00 passes with nothing from this server; Berlin's posts both.
    bot.clock.set(DUE)
    outcomes = await scheduler.run_due()
    assert [outcome.announcement_id for outcome in outcomes] == [untouched]
    bot.clock.set(datetime(2024, 5, 1, 7, 0, tzinfo=UTC))
    outcomes = await scheduler.run_due()
    assert sorted(outcome.announcement_id for outcome in outcomes) == [daily, weekly]
    listed = {a.id: a for a in await scheduler.list(GUILD)}
    assert listed[daily].next_run_utc == datetime(2024, 5, 2, 7, 0, tzinfo=UTC)
    assert listed[weekly].next_run_utc == datetime(2024, 5, 8, 7, 0, tzinfo=UTC)


async def test_a_reschedule_rolled_back_with_its_transaction_moves_and_arms_nothing(
    database_target: Path | str, clock: FakeClock, poster: FakePoster
) -> None:
    # A window that holds the day: a run beyond the window is read from the table when the
    # window reaches it (there, a committed reschedule is armed whether or not it was told).
    bot = Bot(database_target, clock, poster, arm_window=timedelta(days=1))
    await bot.open()
    scheduler, db = bot.scheduler, bot.db
    assert scheduler is not None
    assert db is not None
    daily = await add(scheduler)

    async def change_that_fails() -> None:
        async with db.transaction() as tx:
            await scheduler.reschedule_in(tx, GUILD, BERLIN)
            raise RuntimeError("the settings change failed")

    with pytest.raises(RuntimeError):
        await change_that_fails()
    assert (await bot.row(daily))["zone"] == "Asia/Seoul"

    async with db.transaction() as tx:
        moved = await scheduler.reschedule_in(tx, GUILD, BERLIN)
    assert moved.count == 1
    # Nothing is armed until told: Berlin's 09:00 (07:00 UTC) passes without a post...
    bot.clock.set(datetime(2024, 5, 1, 7, 0, tzinfo=UTC))
    assert await scheduler.run_due() == []
    # ...and once armed after the commit, it posts at once (it is due).
    scheduler.arm_rescheduled(moved)
    assert [outcome.announcement_id for outcome in await scheduler.run_due()] == [daily]
    await bot.close()


async def test_the_limit_counts_unfinished_announcements_where_they_are_inserted(
    bot: Bot,
) -> None:
    scheduler = bot.scheduler
    assert scheduler is not None
    once = await scheduler.add(GUILD, CHANNEL, "quote", NINE, Repeat.ONCE, SEOUL, 42, limit=3)
    results = await asyncio.gather(
        *(
            scheduler.add(GUILD, CHANNEL, "quote", NINE, Repeat.DAILY, SEOUL, 42, limit=3)
            for _ in range(6)
        ),
        return_exceptions=True,
    )
    assert [type(result).__name__ for result in results].count("TooManyAnnouncements") == 4
    # The once-only one runs and is finished: it no longer counts.
    bot.clock.set(DUE)
    await scheduler.run_due()
    assert (await scheduler.get(GUILD, once.id)).finished  # type: ignore[union-attr]
    await scheduler.add(GUILD, CHANNEL, "quote", NINE, Repeat.DAILY, SEOUL, 42, limit=3)
    with pytest.raises(TooManyAnnouncements):
        await scheduler.add(GUILD, CHANNEL, "quote", NINE, Repeat.DAILY, SEOUL, 42, limit=3)


# --- The loop -------------------------------------------------------------------------------


async def test_add_wakes_the_sleeping_loop(
    database_target: Path | str, clock: FakeClock, poster: FakePoster
) -> None:
    harness = Bot(database_target, clock, poster, max_sleep=timedelta(hours=6))
    scheduler = await harness.open()
    await scheduler.start()
    # Nothing armed: the loop sleeps for its cap.
    await until(lambda: scheduler.armed_for is not None)
    assert scheduler.armed_for == START + timedelta(hours=6)

    # 09:00 KST is an hour away: the loop wakes at once and re-arms for it.
    await add(scheduler)
    await until(
        lambda: scheduler.armed_for is not None and scheduler.armed_for < START + timedelta(hours=6)
    )
    assert scheduler.armed_for is not None
    assert abs(scheduler.armed_for - DUE) < timedelta(milliseconds=1)

    # When the time comes (told by wake(), since a FakeClock does not move by itself), it posts.
    clock.set(DUE)
    scheduler.wake()
    await until(lambda: len(poster.posts) == 1)
    await harness.close()


async def test_the_loop_posts_what_fell_due_while_down(
    database_target: Path | str, clock: FakeClock, poster: FakePoster
) -> None:
    harness = Bot(database_target, clock, poster, max_sleep=timedelta(hours=1))
    scheduler = await harness.open()
    announcement_id = await add(scheduler)
    await harness.close()

    clock.set(DUE + timedelta(minutes=2))
    scheduler = await harness.open()
    await scheduler.start()
    await until(lambda: len(poster.posts) == 1)
    await until(lambda: scheduler.armed_for is not None and scheduler.armed_for > DUE)
    await harness.close()
    assert poster.posts[0].nonce == run_nonce(announcement_id, DUE)


async def test_a_slow_channel_does_not_hold_up_the_others(bot: Bot) -> None:
    scheduler = bot.scheduler
    assert scheduler is not None
    slow_gate = asyncio.Event()

    class GatedPoster(FakePoster):
        async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
            if channel_id == BLOCKED_CHANNEL:
                await slow_gate.wait()
            return await super().post(channel_id, message, nonce)

    gated = GatedPoster()
    scheduler._poster = gated  # a different Discord for this test only
    await add(scheduler, channel_id=BLOCKED_CHANNEL)
    for _ in range(20):
        await add(scheduler, channel_id=CHANNEL)
    bot.clock.set(DUE)
    assert await scheduler.run_due(wait=False) == []
    await until(lambda: len(gated.posts) == 20)
    slow_gate.set()
    await until(lambda: len(gated.posts) == 21)


async def test_stop_leaves_unfinished_posts_claimed_for_the_next_start(bot: Bot) -> None:
    assert bot.scheduler is not None
    announcement_id = await add(bot.scheduler)
    bot.poster.gate = asyncio.Event()  # Discord never answers
    bot.clock.set(DUE)
    await bot.scheduler.run_due(wait=False)
    await until(lambda: len(bot.poster.calls) == 1)
    await bot.scheduler.stop(grace=0.01)
    assert (await bot.row(announcement_id))["pending_nonce"] == run_nonce(announcement_id, DUE)

    bot.poster.gate = None
    scheduler = await bot.restart()
    assert statuses(await scheduler.run_due()) == [RunStatus.POSTED]
    assert [post.nonce for post in bot.poster.posts] == [run_nonce(announcement_id, DUE)]


def test_nonce_fits_discord_limit() -> None:
    longest = run_nonce(2**63 - 1, datetime(2200, 1, 1, tzinfo=UTC))
    assert len(longest) <= 25
    assert run_nonce(7, DUE) == run_nonce(7, DUE)
    assert run_nonce(7, DUE) != run_nonce(7, DUE + timedelta(days=1))
    assert run_nonce(7, DUE) != run_nonce(8, DUE)


async def test_a_closed_gate_posts_nothing_and_moves_on(
    database_target: Path | str, clock: FakeClock, poster: FakePoster
) -> None:
    open_servers = {OTHER_GUILD}

    async def announcements_on(guild_id: int, feature: str) -> bool:
        return guild_id in open_servers

    harness = Bot(database_target, clock, poster, feature_enabled=announcements_on)
    scheduler = await harness.open()
    try:
        await add(scheduler, guild_id=GUILD)
        await add(scheduler, guild_id=OTHER_GUILD)
        clock.set(DUE)
        outcomes = await scheduler.run_due()
        assert sorted(s.value for s in statuses(outcomes)) == ["nothing", "posted"]
        assert len(poster.posts) == 1
        [closed] = await scheduler.list(GUILD)
        assert closed.next_run_utc == DUE + timedelta(days=1)
        assert closed.pending_due_utc is None
    finally:
        await harness.close()


async def test_a_kind_whose_feature_is_off_posts_nothing_and_renderers_get_the_language(
    database_target: Path | str, clock: FakeClock, poster: FakePoster
) -> None:
    """The dispatcher, not each cog, asks whether the kind's feature is on in the server and
    which language the server's posts are in."""
    off = {(GUILD, "symbols")}

    async def feature_enabled(guild_id: int, feature: str) -> bool:
        return (guild_id, feature) not in off

    async def server_language(guild_id: int) -> str:
        return "ko" if guild_id == OTHER_GUILD else "en"

    rendered: list[tuple[int, str]] = []

    async def render(run: DueRun, language: str) -> OutgoingMessage:
        rendered.append((run.guild_id, language))
        return OutgoingMessage(content=f"quote in {language}")

    harness = Bot(
        database_target,
        clock,
        poster,
        feature_enabled=feature_enabled,
        server_language=server_language,
    )
    scheduler = await harness.open()
    try:
        scheduler.register_kind("quote", render, feature="symbols")
        await add(scheduler, guild_id=GUILD)
        await add(scheduler, guild_id=OTHER_GUILD)
        clock.set(DUE)
        outcomes = await scheduler.run_due()
        assert sorted(s.value for s in statuses(outcomes)) == ["nothing", "posted"]
        assert rendered == [(OTHER_GUILD, "ko")]
        assert [post.content for post in poster.posts] == ["quote in ko"]
        [skipped] = await scheduler.list(GUILD)
        assert skipped.next_run_utc == DUE + timedelta(days=1)
        assert skipped.pending_due_utc is None
        assert skipped.last_error is None
    finally:
        await harness.close()


async def test_a_restart_after_discord_forgot_the_nonce_finds_the_post_by_its_mark(
    database_target: Path | str, clock: FakeClock
) -> None:
    import discord

    async def render_embed(run: DueRun, language: str) -> OutgoingMessage:
        return OutgoingMessage(embed=discord.Embed(title="quote").set_footer(text="Source: x"))

    poster = ForgetfulPoster(crash_after_post=True)
    harness = Bot(database_target, clock, poster)
    scheduler = await harness.open()
    scheduler.register_kind("quote", render_embed)
    announcement_id = await add(scheduler)
    clock.set(DUE)
    with pytest.raises(SimulatedCrash):
        await scheduler.run_due()
    assert poster.footers == [f"Source: x · ⏰ #{announcement_id}"]

    poster.crash_after_post = False
    clock.advance(timedelta(minutes=30))  # long past the nonce window, within the hour
    scheduler = await harness.restart()
    scheduler.register_kind("quote", render_embed)
    [outcome] = await scheduler.run_due()
    assert outcome.status is RunStatus.POSTED
    assert outcome.message_id == poster.posts[0].message_id
    assert len(poster.posts) == 1
    [listed] = await scheduler.list(GUILD)
    assert listed.last_message_id == poster.posts[0].message_id
    await harness.close()
