"""Scheduled announcements through the real client: posted once, failures shown, restarts."""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.scheduler import RunStatus, run_nonce
from bot.sqlite import SqliteDatabase
from discord_emulator import DemoWorld, Emulator, demo_world, permissions, running_client
from tests.support.announcements import START, schedule
from tests.support.bot_process import TOKEN, start_bot_process
from tests.support.bots import make_bot

pytestmark = pytest.mark.asyncio


@pytest.fixture
def bot_clock() -> FakeClock:
    return FakeClock(START)


async def test_a_scheduled_post_arrives_once(emu: Emulator, world: DemoWorld, bot, bot_clock):
    added = await schedule(emu, world, world.announcements)
    assert added.ephemeral
    assert "**#1** · quote" in added.content
    assert "every day at 17:05" in added.content

    bot_clock.advance(timedelta(minutes=4, seconds=59))
    assert await bot.scheduler.run_due() == []

    bot_clock.advance(timedelta(seconds=1))
    [outcome] = await bot.scheduler.run_due()
    assert outcome.status is RunStatus.POSTED
    posted = await emu.wait_for_message(world.announcements)
    assert "Attribution" in posted.text()
    assert not posted.pings().everyone

    bot_clock.advance(timedelta(seconds=30))
    assert await bot.scheduler.run_due() == []
    assert len(emu.channel_messages(world.announcements)) == 1

    listed = await emu.slash(world.guild, "general", "mod", "schedule list")
    text = listed.message.text()
    assert "#1" in text
    assert "last posted" in text
    assert "next:" in text


async def test_a_forbidden_channel_is_shown_and_does_not_stop_the_others(
    emu: Emulator, world: DemoWorld, bot, bot_clock
):
    await schedule(emu, world, world.announcements)
    await schedule(emu, world, world.trivia, kind="countdown")
    # Someone takes the bot's right to post in #announcements after it was scheduled.
    world.announcements.set_overwrite(world.guild.me, deny=permissions.SEND_MESSAGES)

    bot_clock.advance(timedelta(minutes=5))
    outcomes = {o.announcement_id: o.status for o in await bot.scheduler.run_due()}
    assert outcomes == {1: RunStatus.FORBIDDEN, 2: RunStatus.POSTED}
    countdown = await emu.wait_for_message(world.trivia)
    assert "Countdown" in countdown.text()
    assert emu.channel_messages(world.announcements) == []

    listed = await emu.slash(world.guild, "general", "mod", "schedule list")
    assert "last attempt failed" in listed.message.text()


async def test_rate_limited_post_still_posts_once(emu: Emulator, world: DemoWorld, bot, bot_clock):
    await schedule(emu, world, world.announcements, kind="symbol")
    emu.fail_next("POST", rf"/channels/{world.announcements.id}/messages", status=429)
    bot_clock.advance(timedelta(minutes=5))
    [outcome] = await bot.scheduler.run_due()
    assert outcome.status is RunStatus.POSTED
    assert len(emu.channel_messages(world.announcements)) == 1


async def test_scheduled_trivia_round_takes_answers(
    emu: Emulator, world: DemoWorld, bot, bot_clock
):
    await schedule(emu, world, world.trivia, kind="trivia")
    bot_clock.advance(timedelta(minutes=5))
    await bot.scheduler.run_due()
    question = await emu.wait_for_message(world.trivia)
    assert "⏰ #1" in question.text()
    answer = await emu.click(question, question.buttons()[0]["custom_id"], "army")
    assert answer.ephemeral
    assert "Correct" in answer.content or "Not quite" in answer.content
    cog = bot.get_cog("Trivia")
    await cog.close_round(next(iter(cog.rounds)))
    # The reveal keeps the mark, so a restart can still tell the run was posted.
    revealed = emu.message(question.id)
    assert "Time's up" in revealed.text()
    assert "⏰ #1" in revealed.text()


async def test_announcements_off_posts_nothing(emu: Emulator, world: DemoWorld, bot, bot_clock):
    await schedule(emu, world, world.announcements)
    off = await emu.slash(
        world.guild, "general", "mod", "config cog", {"name": "announcements", "enabled": False}
    )
    assert off.ephemeral
    bot_clock.advance(timedelta(minutes=5))
    [outcome] = await bot.scheduler.run_due()
    assert outcome.status is RunStatus.NOTHING
    assert emu.channel_messages(world.announcements) == []


async def test_schedule_remove(emu: Emulator, world: DemoWorld, bot, bot_clock):
    await schedule(emu, world, world.announcements)
    removed = await emu.slash(world.guild, "general", "mod", "schedule remove", {"id": 1})
    assert "is removed" in removed.content
    bot_clock.advance(timedelta(days=2))
    assert await bot.scheduler.run_due() == []


async def test_schedule_add_tells_every_problem_at_once(emu: Emulator, world: DemoWorld, bot):
    # The same checks as the dashboard's add form (cogs/schedule/adding.py), which lists them all.
    options = {"kind": "quote", "time": "25:00", "repeat": "daily", "weekday": 2}
    refused = await emu.slash(world.guild, "general", "mod", "schedule add", options)
    assert refused.ephemeral
    lines = refused.content.splitlines()
    assert "only applies to `repeat:weekly`" in lines[0]
    assert "`25:00` is not a time of day" in lines[1]
    assert "No announcement channel is set" in lines[2]
    assert await bot.scheduler.list(int(world.guild.id)) == []


# --- killed while posting -------------------------------------------------------------------


async def due_announcement(db_path: Path, guild_id: int, channel_id: int) -> None:
    """An announcement that fell due ten seconds ago, as if the bot had just been down."""
    db = await SqliteDatabase.open(db_path)
    due = datetime.now(UTC) - timedelta(seconds=10)
    await db.execute(
        "INSERT INTO announcements (guild_id, channel_id, kind, time_local, repeat, zone, "
        "next_run_utc, created_by, created_at) VALUES (?, ?, 'quote', '09:00', 'daily', "
        "'Asia/Seoul', ?, 1, ?)",
        (guild_id, channel_id, due.isoformat(timespec="seconds"), due.isoformat()),
    )
    await db.close()


async def confirmed(db_path: Path) -> None:
    """Wait until the bot recorded the announcement as posted (it runs in another process)."""
    async with asyncio.timeout(30):
        # Polling: the other process's database has no change feed.
        while True:
            db = await SqliteDatabase.open(db_path)
            row = await db.fetchone("SELECT last_message_id, pending_nonce FROM announcements")
            await db.close()
            if row["last_message_id"] is not None and row["pending_nonce"] is None:
                return
            await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    ("when", "nonce_forgotten"),
    [("before", False), ("after", False), ("after", True)],
    ids=["before-discord-created-it", "after", "after-and-back-once-discord-forgot-the-nonce"],
)
async def test_killed_mid_post_posts_exactly_once_after_restart(
    tmp_path: Path, when: str, nonce_forgotten: bool
):
    """SIGKILL while Discord holds the post: before it created the message, or after; and a
    restart that comes after Discord's few minutes of remembering the nonce."""
    downtime = [0.0]
    async with Emulator(token=TOKEN, clock=lambda: time.monotonic() + downtime[0]) as emu:
        world = demo_world(emu)
        db_path = tmp_path / "bot.sqlite3"
        await due_announcement(db_path, int(world.guild.id), int(world.announcements.id))
        hold = emu.hold("POST", rf"/channels/{world.announcements.id}/messages", when)

        first = await start_bot_process(emu, db_path)
        try:
            await hold.reached(timeout=30)
        finally:
            first.send_signal(signal.SIGKILL)
            await first.wait()
        hold.release()
        if nonce_forgotten:
            downtime[0] = 10 * 60  # the emulator, like Discord, forgets nonces after 5 minutes

        second = await start_bot_process(emu, db_path)
        try:
            message = await emu.wait_for_message(world.announcements, timeout=30)
            assert "Attribution" in message.text()
            assert "⏰ #1" in message.text()  # the mark a restarted bot looks for
            await confirmed(db_path)
            assert len(emu.channel_messages(world.announcements)) == 1
            posts = emu.requests_matching("POST", rf"/channels/{world.announcements.id}/messages")
            nonces = {request.json["nonce"] for request in posts}
            assert len(nonces) == 1  # a re-send, if any, was the same run, not a new one
        finally:
            second.send_signal(signal.SIGTERM)
            _, stderr = await second.communicate()
        assert second.returncode == 0, stderr.decode()
        assert "Traceback" not in stderr.decode()


# --- nonce and mark: what a restart relies on ---------------------------------------------

MESSAGES = r"/channels/{}/messages$"


async def last_message_id(db_path: Path) -> int:
    db = await SqliteDatabase.open(db_path)
    row = await db.fetchone("SELECT last_message_id FROM announcements")
    await db.close()
    return int(row["last_message_id"])


async def test_a_post_carries_its_runs_nonce(emu: Emulator, world: DemoWorld, bot, bot_clock):
    await schedule(emu, world, world.announcements)
    bot_clock.advance(timedelta(minutes=5))
    [outcome] = await bot.scheduler.run_due()
    [post] = emu.requests_matching("POST", MESSAGES.format(world.announcements.id))
    assert post.json["nonce"] == run_nonce(outcome.announcement_id, START + timedelta(minutes=5))
    assert post.json["enforce_nonce"] is True


async def test_a_post_resent_after_a_restart_is_one_message_when_the_channel_cannot_be_read(
    emu: Emulator, world: DemoWorld, tmp_path: Path
):
    """Discord made the post but the bot stopped before hearing so; after the restart the
    channel can't be searched for its mark, so only the run's nonce prevents a second one."""
    path, clock = tmp_path / "bot.sqlite3", FakeClock(START)
    messages = MESSAGES.format(world.announcements.id)
    async with running_client(make_bot(emu, path, clock), emu) as first:
        await schedule(emu, world, world.announcements)
        hold = emu.hold("POST", messages, "after")
        clock.advance(timedelta(minutes=5))
        sending = asyncio.create_task(first.scheduler.run_due())
        await hold.reached()
        await first.scheduler.stop(grace=0)  # stopped before Discord's answer arrives
        await asyncio.gather(sending, return_exceptions=True)
        hold.release()
    assert len(emu.channel_messages(world.announcements)) == 1

    emu.fail_next("GET", messages, status=403)  # say, Read Message History was taken away
    async with running_client(make_bot(emu, path, clock), emu) as second:
        await second.scheduler.run_due()  # (its loop may have re-sent the claim already)
        await confirmed(path)
    posts = emu.requests_matching("POST", messages)
    assert len(posts) == 2  # searching failed, so the post was sent again ...
    assert len({post.json["nonce"] for post in posts}) == 1
    [message] = emu.channel_messages(world.announcements)  # ... and Discord kept one
    assert await last_message_id(path) == int(message.id)


async def test_after_a_restart_only_the_bots_own_post_counts_as_the_run(
    emu: Emulator, world: DemoWorld, tmp_path: Path
):
    """A claim left by a dead process is confirmed only by a post of the bot's own: another
    bot's or a webhook's message with the same mark in its footer is not the announcement."""
    path, clock = tmp_path / "bot.sqlite3", FakeClock(START)
    messages = MESSAGES.format(world.announcements.id)
    async with running_client(make_bot(emu, path, clock), emu) as first:
        await schedule(emu, world, world.announcements)
        hold = emu.hold("POST", messages, "before")
        clock.advance(timedelta(minutes=5))
        sending = asyncio.create_task(first.scheduler.run_due())
        await hold.reached()
        await first.scheduler.stop(grace=0)  # stopped before Discord made the post
        await asyncio.gather(sending, return_exceptions=True)
    hold.release()
    assert emu.channel_messages(world.announcements) == []
    impostor = emu.user_message(
        world.announcements, "army", "", embeds=[{"title": "fake", "footer": {"text": "⏰ #1"}}]
    )

    async with running_client(make_bot(emu, path, clock), emu) as second:
        await second.scheduler.run_due()  # (its loop may have re-sent the claim already)
        await confirmed(path)
    posted = await emu.wait_for_message(world.announcements)  # the bot's own post
    assert "Attribution" in posted.text()
    assert posted.id != impostor.id
    assert await last_message_id(path) == int(posted.id)


async def test_a_new_time_zone_moves_the_armed_run(emu: Emulator, world: DemoWorld, bot, bot_clock):
    """17:05 in Seoul is 08:05 UTC; after /config timezone UTC the run is at 17:05 UTC."""
    await schedule(emu, world, world.announcements)
    moved = await emu.slash(world.guild, "general", "mod", "config timezone", {"zone": "UTC"})
    assert moved.ephemeral
    bot_clock.advance(timedelta(minutes=5))
    assert await bot.scheduler.run_due() == []  # not at 17:05 in Seoul any more
    assert emu.channel_messages(world.announcements) == []
    bot_clock.set(datetime(2026, 11, 26, 17, 5, tzinfo=UTC))
    [outcome] = await bot.scheduler.run_due()
    assert outcome.status is RunStatus.POSTED
    assert outcome.due_utc == datetime(2026, 11, 26, 17, 5, tzinfo=UTC)
    assert len(emu.channel_messages(world.announcements)) == 1


async def test_a_server_has_at_most_25_announcements(
    emu: Emulator, world: DemoWorld, bot, bot_clock
):
    for minute in range(25):
        added = await schedule(emu, world, world.announcements, time=f"18:{minute:02d}")
        assert "every day at" in added.content, added.content
    refused = await schedule(emu, world, world.announcements, time="19:00")
    assert refused.ephemeral
    assert "already has 25 sched" in refused.content
    row = await bot.database.fetchone("SELECT COUNT(*) FROM announcements")
    assert row[0] == 25
