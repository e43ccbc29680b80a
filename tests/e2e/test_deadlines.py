"""Every interaction is answered within Discord's 3 s, whatever the database does.

Another process holds a write lock on the bot's SQLite file (as a backup tool or a second bot
on the same file might); the bot's own writes then wait for it, and everything queued behind
them waits too. The guard defers whatever is not answered after 2 s, and the handler's answer,
or a clear "busy" when the lock outlasts the busy timeout, follows.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.client import FanBot
from bot.clock import SystemClock
from bot.config import Settings
from bot.deadline import DEFER_AFTER
from discord_emulator import DemoWorld, Emulator, eventually, running_client
from discord_emulator.driver import InteractionResult

pytestmark = pytest.mark.asyncio

# Takes the write lock, says so, and holds it until its stdin is closed.
LOCK_HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
connection.execute("ROLLBACK")
"""


@contextlib.asynccontextmanager
async def foreign_write_lock(path: Path) -> AsyncIterator[None]:
    """Another process holds `BEGIN IMMEDIATE` on the file for as long as the block runs."""
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        LOCK_HOLDER,
        str(path),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert holder.stdin is not None
    assert holder.stdout is not None
    try:
        assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"locked\n"
        yield
    finally:
        holder.stdin.close()
        await asyncio.wait_for(holder.wait(), 30)


def deadline_bot(
    emu: Emulator, path: Path, *, busy_timeout: float, defer_after: float = DEFER_AFTER
) -> FanBot:
    settings = Settings(
        token=emu.token,
        database_path=path,
        api_base=emu.base_url,
        database_busy_timeout=busy_timeout,
    )
    return FanBot(settings, clock=SystemClock(), guild_ready_timeout=0.05, defer_after=defer_after)


def in_time(result: InteractionResult) -> InteractionResult:
    """The emulator refuses a callback after its 3 s deadline; say how long it took."""
    assert result.response_delay is not None
    assert result.response_delay <= 3.0, result
    print(f"{result.interaction.name}: answered after {result.response_delay:.2f} s")
    return result


async def test_a_write_that_outlasts_the_lock_wait_is_deferred_then_told_busy(
    emu: Emulator, world: DemoWorld, tmp_path
):
    path = tmp_path / "bot.sqlite3"
    async with running_client(deadline_bot(emu, path, busy_timeout=3.0), emu) as bot:
        async with foreign_write_lock(path):
            played = in_time(await emu.slash(world.guild, "trivia", "uaena", "trivia play"))
        # "Thinking" within the deadline, in public as the question would have been...
        assert played.type == 5
        assert played.message is not None
        assert not played.message.ephemeral
        # ... then, once the lock wait gave up, a clear error for the member alone, and the
        # public "thinking" message is gone.
        answer = played.answer
        assert answer is not None
        assert answer.ephemeral
        assert "The bot is busy right now" in answer.content
        assert played.message.deleted
        # Nothing was half done: no round is open, and the channel can play now.
        cog = bot.get_cog("Trivia")
        assert cog.rounds.open_channels == frozenset()
        assert await bot.database.fetchone("SELECT id FROM trivia_rounds") is None
        again = in_time(await emu.slash(world.guild, "trivia", "uaena", "trivia play"))
        assert again.type == 4
        assert not again.ephemeral
        assert "Love wins all trivia" in again.text()


async def test_everything_queued_behind_a_locked_write_is_answered_in_time(
    emu: Emulator, world: DemoWorld, tmp_path
):
    path = tmp_path / "bot.sqlite3"
    # The lock wait outlasts the lock: the writes succeed once it is released.
    async with running_client(deadline_bot(emu, path, busy_timeout=20.0), emu) as bot:
        started = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
        listed = await emu.slash(world.guild, "general", "uaena", "countdown")
        cog = bot.get_cog("Trivia")
        trivia_round = await eventually(lambda: next(iter(cog.rounds.values()), None))
        right = started.message.buttons()[trivia_round.correct_index]["custom_id"]
        next_page = listed.message.buttons()[1]["custom_id"]

        async with foreign_write_lock(path):
            # A write that waits for the lock, holding the bot's database meanwhile.
            play = asyncio.create_task(
                emu.slash(world.guild, "general", "army", "trivia play", timeout=30)
            )
            await emu.wait_until(
                lambda: any(
                    i.name == "trivia play" and i.response_type == 5
                    for i in emu.world.interactions.values()
                ),
                timeout=5,
            )
            queued = {
                "config show": emu.slash(world.guild, "general", "mod", "config show", timeout=30),
                "trivia stats": emu.slash(
                    world.guild, "general", "uaena", "trivia stats", timeout=30
                ),
                "autocomplete": emu.autocomplete(
                    world.guild, "general", "uaena", "trivia play", "category", "vi"
                ),
                "answer click": emu.click(started.message, right, "army", timeout=30),
                "page click": emu.click(listed.message, next_page, "army", timeout=30),
            }
            before = len(emu.world.interactions)
            tasks = {name: asyncio.create_task(call) for name, call in queued.items()}
            await eventually(lambda: len(emu.world.interactions) == before + len(queued))
            interactions = list(emu.world.interactions.values())[before:]
            # Every one of them acknowledged (or, for the autocomplete, answered) in time...
            await emu.wait_until(
                lambda: all(i.response_type is not None for i in interactions), timeout=5
            )
        # ... and once the lock is gone, each gets its real answer.
        choices = await tasks.pop("autocomplete")
        results = {name: in_time(await task) for name, task in tasks.items()}
        played = in_time(await play)
        # The answer is stored once the lock is gone (whenever the member was told).
        clicked = results["answer click"]
        told = clicked.answer or await clicked.wait_followup(timeout=10)
        assert "Correct!" in told.content
        assert await eventually(lambda: bot_answers(path, int(world.army.id)), timeout=10), (
            "the acknowledged answer was lost"
        )
        page = results["page click"]
        edited = await page.wait_edit(timeout=10)

    # The autocomplete could not be deferred: it gave up with no suggestions in time.
    assert choices == []
    # A public command: public "thinking", then the question in that same message.
    assert played.type == 5
    assert not played.ephemeral
    assert "Love wins all trivia" in played.text()
    # A moderator command: "thinking" for the moderator alone, then the settings.
    shown = results["config show"]
    assert shown.type == 5
    assert shown.ephemeral
    assert "Settings for this server" in shown.text()
    stats = results["trivia stats"]
    assert stats.type == 5
    assert not stats.ephemeral
    assert "Trivia figures" in stats.text()
    # The list's page button: a deferred update, then the message edited in place.
    assert page.type == 6
    assert "Page 2/" in edited.text()


def bot_answers(path: Path, user_id: int) -> int:
    """Answers stored for `user_id`, read by another connection (what a restart would see)."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        row = connection.execute(
            "SELECT count(*) FROM trivia_answers WHERE user_id = ?", (user_id,)
        ).fetchone()
    return int(row[0])


async def test_an_unexpected_error_after_the_deferral_gets_the_apology(
    emu: Emulator, world: DemoWorld, tmp_path, monkeypatch
):
    path = tmp_path / "bot.sqlite3"
    release = asyncio.Event()

    async def slow_then_broken(*_args, **_kwargs):
        await release.wait()
        raise RuntimeError("the store broke")

    async with running_client(
        deadline_bot(emu, path, busy_timeout=3.0, defer_after=0.2), emu
    ) as bot:
        monkeypatch.setattr(bot.get_cog("Trivia").store, "score", slow_then_broken)
        asked = asyncio.create_task(emu.slash(world.guild, "general", "uaena", "trivia stats"))
        await emu.wait_until(
            lambda: any(i.response_type == 5 for i in emu.world.interactions.values()),
            timeout=5,
        )
        release.set()
        result = in_time(await asked)
        # An answer that needs no guard is not deferred.
        about = await emu.slash(world.guild, "general", "uaena", "about")
    assert result.type == 5
    answer = result.answer
    assert answer is not None
    assert answer.ephemeral
    assert "Sorry, something went wrong" in answer.content
    assert result.message.deleted
    assert about.type == 4


async def test_a_slow_click_shows_thinking_to_the_member_alone_then_its_answer(
    emu: Emulator, world: DemoWorld, tmp_path, monkeypatch
):
    path = tmp_path / "bot.sqlite3"
    release = asyncio.Event()
    async with running_client(
        deadline_bot(emu, path, busy_timeout=3.0, defer_after=0.2), emu
    ) as bot:
        started = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
        cog = bot.get_cog("Trivia")
        trivia_round = await eventually(lambda: next(iter(cog.rounds.values()), None))
        answer_now = cog.handle_answer

        async def slow_answer(*args):
            await release.wait()
            await answer_now(*args)

        monkeypatch.setattr(cog, "handle_answer", slow_answer)
        right = started.message.buttons()[trivia_round.correct_index]["custom_id"]
        click = asyncio.create_task(emu.click(started.message, right, "army"))
        await emu.wait_until(
            lambda: any(
                i.name.startswith("click") and i.response_type == 5
                for i in emu.world.interactions.values()
            ),
            timeout=5,
        )
        release.set()
        clicked = in_time(await click)
    assert clicked.type == 5
    assert clicked.ephemeral
    assert "Correct!" in clicked.content
    # The question itself was not touched.
    assert not started.message.edited_timestamp
