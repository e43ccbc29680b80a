"""A trivia round played through the emulator, for tests of what the round leaves behind."""

from __future__ import annotations

from discord_emulator import DemoWorld, Emulator, eventually


async def play_a_round(emu: Emulator, world: DemoWorld, bot) -> None:
    """One trivia round that uaena and army answer, waited for until it is revealed."""
    await bot.guild_settings.update(int(world.guild.id), 0, trivia_timeout=1)
    started = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
    rounds = bot.get_cog("Trivia").rounds
    await eventually(lambda: rounds)
    trivia_round = next(iter(rounds.values()))
    right = started.message.buttons()[trivia_round.correct_index]["custom_id"]
    await emu.click(started.message, right, "uaena")
    await emu.click(started.message, right, "army")
    await started.wait_edit(timeout=5)
