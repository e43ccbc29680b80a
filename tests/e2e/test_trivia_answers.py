"""A click is answered only once its answer is stored; a failed write counts nothing."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from discord_emulator import DemoWorld, Emulator, add_fans, eventually

pytestmark = pytest.mark.asyncio


@contextmanager
def write_locked(path) -> Iterator[sqlite3.Connection]:
    """Another process's writer holding the database's write lock (as a backup tool would)."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        other.execute("ROLLBACK")
        other.close()


async def open_round(emu: Emulator, world: DemoWorld, bot):
    await bot.guild_settings.update(int(world.guild.id), 0, trivia_timeout=120)
    started = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
    cog = bot.get_cog("Trivia")
    await eventually(lambda: any(r.message_id for r in cog.rounds.values()))
    trivia_round = next(iter(cog.rounds.values()))
    buttons = [button["custom_id"] for button in started.message.buttons()]
    return cog, started, trivia_round, buttons


async def stored_answers(bot, round_id: int) -> list[tuple[int, int]]:
    rows = await bot.database.fetchall(
        "SELECT user_id, choice FROM trivia_answers WHERE round_id = ? ORDER BY user_id",
        (round_id,),
    )
    return [(row["user_id"], row["choice"]) for row in rows]


async def test_the_result_comes_only_once_the_answer_is_stored(emu, world: DemoWorld, bot):
    cog, started, trivia_round, buttons = await open_round(emu, world, bot)
    right = buttons[trivia_round.correct_index]
    cog.answer_defer_after = 0  # don't wait to defer: the lock below holds the commit
    await bot.database.execute("PRAGMA busy_timeout = 30000")
    with write_locked(bot.database.path):
        click = await emu.click(started.message, right, "uaena", wait_deferred=False)
        # Not stored yet, so not acknowledged yet: the member sees "thinking".
        assert click.deferred
        assert click.content is None or "Correct" not in click.content
        assert trivia_round.answers == {}
    result = await click.wait_edit(timeout=10)
    assert "Correct" in result.content
    assert result.ephemeral
    assert await stored_answers(bot, trivia_round.round_id) == [
        (int(world.uaena.id), trivia_round.correct_index)
    ]
    assert trivia_round.answers == {int(world.uaena.id): trivia_round.correct_index}


async def test_a_failed_write_asks_to_click_again_and_counts_nothing(emu, world: DemoWorld, bot):
    cog, started, trivia_round, buttons = await open_round(emu, world, bot)
    right = buttons[trivia_round.correct_index]
    # "database is locked" after 50 ms instead of the usual wait, so the test is quick.
    await bot.database.execute("PRAGMA busy_timeout = 50")
    with write_locked(bot.database.path):
        failed = await emu.click(started.message, right, "uaena")
        other = await emu.click(started.message, buttons[0], "army", locale="ko")
    assert failed.ephemeral
    assert "could not be saved" in failed.content
    assert "Correct" not in failed.content
    assert "저장하지 못해서" in other.content
    assert trivia_round.answers == {}
    assert await stored_answers(bot, trivia_round.round_id) == []

    retry = await emu.click(started.message, right, "uaena")
    assert "Correct" in retry.content
    assert await stored_answers(bot, trivia_round.round_id) == [
        (int(world.uaena.id), trivia_round.correct_index)
    ]
    await cog.close_round(trivia_round.round_id)
    revealed = await started.wait_edit(timeout=5)
    # The reveal counts what the database holds: one answer, not three.
    assert "Choices (1 answers)" in revealed.text()


async def test_a_second_click_while_the_first_is_being_stored(emu, world: DemoWorld, bot):
    cog, started, trivia_round, buttons = await open_round(emu, world, bot)
    first_choice = (trivia_round.correct_index + 1) % 4
    cog.answer_defer_after = 0
    await bot.database.execute("PRAGMA busy_timeout = 30000")
    with write_locked(bot.database.path):
        first = await emu.click(started.message, buttons[first_choice], "army", wait_deferred=False)
        assert first.deferred
        await eventually(lambda: int(world.army.id) in trivia_round.pending)
        second = await emu.click(started.message, buttons[trivia_round.correct_index], "army")
        assert second.ephemeral
        assert "still being saved" in second.content
    result = await first.wait_edit(timeout=10)
    assert "Not quite" in result.content
    again = await emu.click(started.message, buttons[trivia_round.correct_index], "army")
    assert "already answered" in again.content
    assert await stored_answers(bot, trivia_round.round_id) == [(int(world.army.id), first_choice)]


async def test_clicks_at_once_are_stored_together_and_all_answered(emu, world: DemoWorld, bot):
    fans = add_fans(world, 60)
    cog, started, trivia_round, buttons = await open_round(emu, world, bot)
    results = await asyncio.gather(
        *(
            emu.click(started.message, buttons[index % 4], fan, timeout=20)
            for index, fan in enumerate(fans)
        )
    )
    assert all(r.type == 4 and r.ephemeral for r in results)
    right = sum(1 for r in results if "Correct" in r.content)
    assert right == sum(1 for i in range(60) if i % 4 == trivia_round.correct_index)
    assert len(await stored_answers(bot, trivia_round.round_id)) == 60
    assert len(trivia_round.answers) == 60
    # Fewer transactions than answers: the clicks that came while one committed went together.
    assert cog.answers.batches < 60
    assert cog.answers.largest_batch > 1


class GatedStore:
    """The cog's store, but each batch waits at the gate until the test opens it."""

    def __init__(self, store) -> None:
        self.store = store
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()

    async def record_answers(self, answers):
        self.entered.set()
        await self.gate.wait()
        return await self.store.record_answers(answers)


async def test_a_round_closing_meanwhile_is_revealed_with_the_answers_being_stored(
    emu, world: DemoWorld, bot
):
    cog, started, trivia_round, buttons = await open_round(emu, world, bot)
    gated = GatedStore(cog.store)
    cog.answers.sink = gated
    cog.answer_defer_after = 0
    right = buttons[trivia_round.correct_index]
    click = await emu.click(started.message, right, "uaena", wait_deferred=False)
    await gated.entered.wait()
    closing = asyncio.create_task(cog.close_round(trivia_round.round_id))
    await asyncio.sleep(0)
    assert not closing.done()  # the reveal waits for the click taken before the close
    gated.gate.set()
    await closing
    assert "Correct" in (await click.wait_edit(timeout=10)).content
    revealed = await started.wait_edit(timeout=5)
    assert "Choices (1 answers)" in revealed.text()
    assert "UAENA" in revealed.text()


async def test_a_click_that_reached_the_bot_late_is_deferred_at_once(emu, world: DemoWorld, bot):
    """Discord's 3 s count from the click, so an event that came 2.5 s late can't wait."""
    cog, started, trivia_round, buttons = await open_round(emu, world, bot)
    cog.deadline_clock = FakeClock(datetime.now(UTC) + timedelta(seconds=2.5))
    click = await emu.click(started.message, buttons[trivia_round.correct_index], "uaena")
    assert click.deferred
    assert "Correct" in click.content
    assert click.ephemeral
    assert await stored_answers(bot, trivia_round.round_id) == [
        (int(world.uaena.id), trivia_round.correct_index)
    ]


async def test_a_prompt_click_is_answered_directly(emu, world: DemoWorld, bot):
    _, started, trivia_round, buttons = await open_round(emu, world, bot)
    click = await emu.click(started.message, buttons[trivia_round.correct_index], "uaena")
    assert click.type == 4  # no defer, no followup: one request
    assert "Correct" in click.content
    assert not click.followups
