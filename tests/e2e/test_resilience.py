"""Restarts lose nothing; unexpected errors are answered; no interaction goes unanswered."""

from __future__ import annotations

import logging

import discord
import pytest

from discord_emulator import DemoWorld, Emulator, eventually, running_client
from tests.support.bots import make_bot

pytestmark = pytest.mark.asyncio


async def test_a_restart_keeps_settings_scores_and_the_open_round(
    emu: Emulator, world: DemoWorld, tmp_path
):
    path = tmp_path / "bot.sqlite3"
    first = make_bot(emu, path)
    async with running_client(first, emu):
        await emu.slash(world.guild, "general", "mod", "config trivia-timeout", {"seconds": 5})
        started = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
        rounds = first.get_cog("Trivia").rounds
        await eventually(lambda: rounds)
        trivia_round = next(iter(rounds.values()))
        right = started.message.buttons()[trivia_round.correct_index]["custom_id"]
        await emu.click(started.message, right, "uaena")
        # Shorten the open round so the restarted bot reveals it soon.
        await first.database.execute(
            "UPDATE trivia_rounds SET closes_at = ? WHERE id = ?",
            ((discord.utils.utcnow()).isoformat(), trivia_round.round_id),
        )
    # The bot is gone with the round still open; a new process takes over the same file.
    second = make_bot(emu, path)
    async with running_client(second, emu):
        revealed = await started.wait_edit(timeout=5)
        assert "Time's up" in revealed.text()
        assert "UAENA" in revealed.text()
        assert (await second.guild_settings.get(int(world.guild.id))).value("trivia_timeout") == 5
        stats = await emu.slash(world.guild, "trivia", "uaena", "trivia stats")
        assert "100%" in stats.message.text()


async def test_a_click_on_a_round_that_is_over_is_answered(emu, world: DemoWorld, tmp_path):
    path = tmp_path / "bot.sqlite3"
    first = make_bot(emu, path)
    async with running_client(first, emu):
        started = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
        cog = first.get_cog("Trivia")
        await eventually(lambda: cog.rounds)
        # The reveal edit fails (say, the bot lost access for a moment): buttons stay live.
        emu.fail_next("PATCH", r"/channels/\d+/messages/\d+", status=403, code=50013)
        await cog.close_round(next(iter(cog.rounds)))
    second = make_bot(emu, path)
    async with running_client(second, emu):
        late = await emu.click(started.message, started.message.buttons()[0]["custom_id"], "army")
        assert late.ephemeral
        assert "This round is over" in late.content


async def test_an_unexpected_error_gets_an_apology_and_a_logged_reference(
    emu: Emulator, world: DemoWorld, bot, caplog
):
    @discord.app_commands.command(name="broken", description="always fails")
    async def broken(interaction: discord.Interaction) -> None:
        raise RuntimeError("database on fire")

    bot.tree.add_command(broken)
    await bot.tree.sync()
    with caplog.at_level(logging.ERROR):
        result = await emu.slash(world.guild, "general", "uaena", "broken")
    assert result.ephemeral
    assert "Sorry, something went wrong" in result.content
    reference = result.content.split("reference `")[1].split("`")[0]
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged
    assert logged[0].exc_info is not None
    assert "database on fire" in str(logged[0].exc_info[1])
