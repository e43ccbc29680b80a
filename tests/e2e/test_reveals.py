"""Reveals that Discord refuses for a while, one round per channel, a reveal across a restart."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.scheduler import RunStatus
from bot.sqlite import SqliteDatabase
from discord_emulator import DemoWorld, Emulator, demo_world, eventually
from tests.support.announcements import START, schedule
from tests.support.bot_process import TOKEN, start_bot_process

pytestmark = pytest.mark.asyncio

EDITS = r"/channels/\d+/messages/\d+$"


class HeldSleep:
    """Stands in for the rounds' `sleep`: records each wait and holds it until released."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.waiting = asyncio.Event()
        self.go = asyncio.Event()

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        self.waiting.set()
        await self.go.wait()


async def round_row(bot, round_id: int):
    return await bot.database.fetchone("SELECT closed FROM trivia_rounds WHERE id = ?", (round_id,))


@pytest.mark.parametrize(
    ("status", "times"), [(503, 1), (429, 6)], ids=["503", "429-beyond-discord.py-retries"]
)
async def test_a_refused_reveal_is_retried_and_the_round_stays_taken_meanwhile(
    emu: Emulator, world: DemoWorld, bot, status: int, times: int
):
    # discord.py retries a 429 itself (after its retry_after) five times; six outlast that,
    # as one 503 (which discord.py never retries) does at once.
    await bot.guild_settings.update(int(world.guild.id), 0, trivia_timeout=1)
    cog = bot.get_cog("Trivia")
    held = HeldSleep()
    cog.rounds.sleep = held
    started = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
    [trivia_round] = await eventually(lambda: list(cog.rounds.values()))
    right = started.message.buttons()[trivia_round.correct_index]["custom_id"]
    assert "Correct" in (await emu.click(started.message, right, "uaena")).content
    emu.fail_next("PATCH", EDITS, status=status, times=times, retry_after=0.01)

    async with asyncio.timeout(30):
        await held.waiting.wait()
    # The reveal did not reach Discord: the round is still open in the database, the
    # buttons are live, and the channel is still taken.
    assert (await round_row(bot, trivia_round.round_id))["closed"] == 0
    assert not any(b.get("disabled") for b in emu.message(started.message.id).buttons())
    late = await emu.click(started.message, right, "army")
    assert late.ephemeral
    assert "Time's up" in late.content
    busy = await emu.slash(world.guild, "trivia", "army", "trivia play")
    assert busy.ephemeral
    assert "still being revealed" in busy.content

    held.go.set()
    revealed = await started.wait_edit(timeout=10)
    assert "Time's up!" in revealed.text()
    assert "UAENA" in revealed.text()
    assert all(button.get("disabled") for button in revealed.buttons())
    assert held.delays == [1.0]
    await eventually(lambda: trivia_round.round_id not in cog.rounds)
    assert (await round_row(bot, trivia_round.round_id))["closed"] == 1
    again = await emu.slash(world.guild, "trivia", "army", "trivia play")
    assert not again.ephemeral


async def test_each_retry_waits_twice_as_long(emu: Emulator, world: DemoWorld, bot):
    await bot.guild_settings.update(int(world.guild.id), 0, trivia_timeout=60)
    cog = bot.get_cog("Trivia")
    delays: list[float] = []

    async def no_wait(delay: float) -> None:
        delays.append(delay)

    cog.rounds.sleep = no_wait
    started = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
    [trivia_round] = await eventually(lambda: [r for r in cog.rounds.values() if r.message_id])
    emu.fail_next("PATCH", EDITS, status=503, times=4)
    await cog.close_round(trivia_round.round_id)
    assert delays == [1.0, 2.0, 4.0, 8.0]
    assert "Time's up!" in emu.message(started.message.id).text()
    assert (await round_row(bot, trivia_round.round_id))["closed"] == 1


@pytest.mark.parametrize(("status", "code"), [(404, 10008), (403, 50001)])
async def test_a_deleted_or_forbidden_message_closes_the_round_with_a_log_line(
    emu: Emulator, world: DemoWorld, bot, caplog, status: int, code: int
):
    cog = bot.get_cog("Trivia")
    await emu.slash(world.guild, "trivia", "uaena", "trivia play")
    [trivia_round] = await eventually(lambda: [r for r in cog.rounds.values() if r.message_id])
    emu.fail_next("PATCH", EDITS, status=status, code=code)
    with caplog.at_level(logging.INFO, logger="cogs.trivia.rounds"):
        await cog.close_round(trivia_round.round_id)
    assert any("closed unrevealed" in record.getMessage() for record in caplog.records)
    assert (await round_row(bot, trivia_round.round_id))["closed"] == 1
    again = await emu.slash(world.guild, "trivia", "army", "trivia play")
    assert not again.ephemeral


async def test_a_round_is_revealed_even_when_its_message_may_not_be_read(
    emu: Emulator, world: DemoWorld, bot
):
    """The reveal reads the posted message for its footer first; refused that (Read Message
    History taken away, say), it still edits its own message."""
    cog = bot.get_cog("Trivia")
    started = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
    [trivia_round] = await eventually(lambda: [r for r in cog.rounds.values() if r.message_id])
    reads = emu.fail_next("GET", EDITS, status=403, code=50001)
    await cog.close_round(trivia_round.round_id)
    assert reads.hits == 1
    assert "Time's up!" in emu.message(started.message.id).text()
    assert (await round_row(bot, trivia_round.round_id))["closed"] == 1


# --- one round per channel, scheduled rounds too ---------------------------------------------


class TestOneRoundPerChannel:
    @pytest.fixture
    def bot_clock(self) -> FakeClock:
        return FakeClock(START)

    async def test_a_scheduled_round_and_trivia_play_at_once_open_one_round(
        self, emu: Emulator, world: DemoWorld, bot, bot_clock: FakeClock
    ):
        await schedule(emu, world, world.trivia, kind="trivia")
        cog = bot.get_cog("Trivia")
        bot_clock.advance(timedelta(minutes=5))
        for attempt in range(8):
            before = len(emu.channel_messages(world.trivia))
            [outcomes, played] = await asyncio.gather(
                bot.scheduler.run_due(),
                emu.slash(world.guild, "trivia", "uaena", "trivia play"),
            )
            posted = [m for m in emu.channel_messages(world.trivia)[before:] if m.buttons()]
            assert len(posted) == 1, f"attempt {attempt}: {len(posted)} rounds in one channel"
            [outcome] = outcomes
            if played.ephemeral:
                assert "already open" in played.content
                assert outcome.status is RunStatus.POSTED
            else:
                assert outcome.status is RunStatus.NOTHING  # skipped, and logged
            rows = await bot.database.fetchall(
                "SELECT id FROM trivia_rounds WHERE channel_id = ? AND closed = 0",
                (int(world.trivia.id),),
            )
            assert len(rows) == 1
            for round_id in list(cog.rounds):
                await cog.close_round(round_id)
            bot_clock.advance(timedelta(days=1))

    async def test_a_scheduled_round_posts_nothing_while_one_is_open(
        self, emu: Emulator, world: DemoWorld, bot, bot_clock: FakeClock
    ):
        await schedule(emu, world, world.trivia, kind="trivia")
        played = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
        assert not played.ephemeral
        cog = bot.get_cog("Trivia")
        await eventually(lambda: cog.rounds)
        [open_round] = list(cog.rounds.values())
        before = len(emu.channel_messages(world.trivia))
        bot_clock.advance(timedelta(minutes=5))
        [outcome] = await bot.scheduler.run_due()
        assert outcome.status is RunStatus.NOTHING
        assert len(emu.channel_messages(world.trivia)) == before
        # The open round is untouched: still the only one, still taking answers.
        assert list(cog.rounds.values()) == [open_round]
        assert not open_round.closed
        rows = await bot.database.fetchall("SELECT id FROM trivia_rounds")
        assert [row["id"] for row in rows] == [open_round.round_id]

    async def test_a_scheduled_round_posts_nothing_while_trivia_is_off(
        self, emu: Emulator, world: DemoWorld, bot, bot_clock: FakeClock
    ):
        await schedule(emu, world, world.trivia, kind="trivia")
        off = await emu.slash(
            world.guild, "general", "mod", "config cog", {"name": "trivia", "enabled": False}
        )
        assert "trivia" in off.content
        bot_clock.advance(timedelta(minutes=5))
        [outcome] = await bot.scheduler.run_due()
        assert outcome.status is RunStatus.NOTHING
        assert emu.channel_messages(world.trivia) == []
        assert await bot.database.fetchone("SELECT 1 FROM trivia_rounds") is None

    async def test_trivia_play_while_a_scheduled_round_is_being_written_wins_alone(
        self, emu: Emulator, world: DemoWorld, bot, bot_clock: FakeClock
    ):
        """The window no check in memory closes: the scheduler has looked and is writing
        its round when /trivia play comes; the database refuses the second round."""
        await schedule(emu, world, world.trivia, kind="trivia")
        store = bot.get_cog("Trivia").store
        write = store.open_round
        writing = asyncio.Event()
        go_on = asyncio.Event()

        async def scheduler_paused_while_writing(*args, **kwargs):
            if kwargs.get("run_nonce"):
                writing.set()
                await go_on.wait()
            return await write(*args, **kwargs)

        store.open_round = scheduler_paused_while_writing
        bot_clock.advance(timedelta(minutes=5))
        run = asyncio.create_task(bot.scheduler.run_due())
        async with asyncio.timeout(10):
            await writing.wait()
        played = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
        assert not played.ephemeral
        go_on.set()
        [outcome] = await run
        assert outcome.status is RunStatus.NOTHING
        assert len([m for m in emu.channel_messages(world.trivia) if m.buttons()]) == 1
        rows = await bot.database.fetchall("SELECT id FROM trivia_rounds WHERE closed = 0")
        assert len(rows) == 1


# --- a reveal pending when the bot stops ------------------------------------------------------


async def open_rounds(db_path: Path) -> list[int]:
    db = await SqliteDatabase.open(db_path)
    try:
        rows = await db.fetchall("SELECT id FROM trivia_rounds WHERE closed = 0")
    finally:
        await db.close()
    return [row["id"] for row in rows]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
async def test_a_reveal_pending_when_the_bot_stops_is_made_by_the_next_start(
    tmp_path: Path, stop: signal.Signals
):
    async with Emulator(token=TOKEN) as emu:
        world = demo_world(emu)
        db_path = tmp_path / "bot.sqlite3"
        db = await SqliteDatabase.open(db_path)
        await db.execute("INSERT INTO guild_settings (guild_id) VALUES (?)", (int(world.guild.id),))
        await db.execute(
            "INSERT INTO feature_settings (guild_id, name, value) VALUES (?, 'trivia_timeout', 5)",
            (int(world.guild.id),),
        )
        await db.close()
        # Discord refuses every edit while the first process runs.
        refusals = emu.fail_next("PATCH", EDITS, status=503, times=1_000_000)

        first = await start_bot_process(emu, db_path)
        try:
            await emu.wait_ready(timeout=30)
            started = await emu.slash(world.guild, "trivia", "uaena", "trivia play", timeout=10)
            assert not started.ephemeral
            await emu.wait_until(lambda: refusals.hits >= 1, timeout=30)
            assert len(await open_rounds(db_path)) == 1
        finally:
            first.send_signal(stop)
            await first.wait()
        assert not any(b.get("disabled") for b in emu.message(started.message.id).buttons())

        refusals.times = refusals.hits  # edits work again
        second = await start_bot_process(emu, db_path)
        try:
            revealed = await started.wait_edit(timeout=30)
            assert "Time's up!" in revealed.text()
            assert all(button.get("disabled") for button in revealed.buttons())
            deadline = time.monotonic() + 30
            while await open_rounds(db_path):
                # Polling: the other process's database has no change feed.
                assert time.monotonic() < deadline, "the round was never closed"
                await asyncio.sleep(0.05)
            # The reveal came from start-up, before the gateway: let it connect before the
            # stop, since discord.py fails on a close in the middle of its handshake.
            await emu.wait_until(lambda: emu.gateway.identify_count >= 2, timeout=30)
            await emu.wait_ready(timeout=30)
        finally:
            second.send_signal(signal.SIGTERM)
            _, stderr = await second.communicate()
        assert second.returncode == 0, stderr.decode()
        assert "Traceback" not in stderr.decode()
