"""`/privacy forget`: a member removes their own data in one server, after confirming."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from discord_emulator import DemoWorld, DriverError
from tests.support.clock import T0
from tests.support.trivia import play_a_round

pytestmark = pytest.mark.asyncio

OTHER_GUILD = 4242


@pytest.fixture
def bot_clock():
    """Every test here runs the bot on a clock that moves only when told."""
    return FakeClock(T0)


async def rows_of(bot, user_id: int, guild_id: int) -> dict[str, int]:
    counts = {}
    for table in ("trivia_answers", "trivia_scores", "trivia_week_scores"):
        row = await bot.database.fetchone(
            f"SELECT COUNT(*) FROM {table} WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        counts[table] = row[0]
    return counts


async def uaena_elsewhere(bot, world: DemoWorld) -> None:
    """uaena's score in another server, which /privacy forget here must not touch."""
    await bot.database.execute(
        "INSERT INTO trivia_scores (guild_id, user_id, display_name, answered) VALUES (?, ?, ?, 1)",
        (OTHER_GUILD, int(world.uaena.id), "UAENA"),
    )


def button(message, action: str) -> str:
    ids = [b["custom_id"] for b in message.buttons()]
    return next(custom_id for custom_id in ids if f":{action}:" in custom_id)


async def test_confirm_removes_the_members_data_here_and_nobody_elses(emu, world, bot):
    await play_a_round(emu, world, bot)
    await uaena_elsewhere(bot, world)
    guild, uaena, army = int(world.guild.id), int(world.uaena.id), int(world.army.id)
    assert await rows_of(bot, uaena, guild) == {
        "trivia_answers": 1,
        "trivia_scores": 1,
        "trivia_week_scores": 1,
    }

    prompt = await emu.slash(world.guild, "general", "uaena", "privacy forget")
    assert prompt.ephemeral
    text = prompt.content
    assert "this server" in text
    assert "trivia answers" in text
    assert "scores and streaks" in text
    assert "display name" in text
    assert "server's record" in text  # what stays: settings history, moderators' content

    await emu.click(prompt.message, button(prompt.message, "confirm"), "uaena")
    done = await prompt.wait_edit(timeout=5)
    assert done.ephemeral
    # One answer, one score line, one week's totals.
    assert "Done: 3 stored records" in done.text()
    assert "Trivia: 3" in done.text()
    assert done.buttons() == []

    assert await rows_of(bot, uaena, guild) == {
        "trivia_answers": 0,
        "trivia_scores": 0,
        "trivia_week_scores": 0,
    }
    assert await rows_of(bot, army, guild) == {
        "trivia_answers": 1,
        "trivia_scores": 1,
        "trivia_week_scores": 1,
    }
    assert (await rows_of(bot, uaena, OTHER_GUILD))["trivia_scores"] == 1

    stats = await emu.slash(world.guild, "trivia", "uaena", "trivia stats")
    assert "hasn't answered" in stats.message.text()
    board = await emu.slash(world.guild, "trivia", "army", "trivia leaderboard")
    assert "UAENA" not in board.message.text()
    assert "ARMY" in board.message.text()


async def test_cancel_keeps_everything(emu, world, bot):
    await play_a_round(emu, world, bot)
    prompt = await emu.slash(world.guild, "general", "uaena", "privacy forget")
    cancelled = await emu.click(prompt.message, button(prompt.message, "cancel"), "uaena")
    assert "Cancelled: nothing was removed" in cancelled.message.text()
    assert cancelled.message.buttons() == []
    uaena = await rows_of(bot, int(world.uaena.id), int(world.guild.id))
    assert uaena == {"trivia_answers": 1, "trivia_scores": 1, "trivia_week_scores": 1}
    stats = await emu.slash(world.guild, "trivia", "uaena", "trivia stats")
    assert "Answered" in stats.message.text()


async def test_another_member_cannot_press_the_buttons(emu, world, bot):
    await play_a_round(emu, world, bot)
    prompt = await emu.slash(world.guild, "general", "uaena", "privacy forget")
    for action in ("confirm", "cancel"):
        refused = await emu.click(prompt.message, button(prompt.message, action), "army")
        assert refused.ephemeral
        assert "Only the member who ran `/privacy forget`" in refused.content
    assert prompt.message.buttons()  # still there for uaena
    uaena = await rows_of(bot, int(world.uaena.id), int(world.guild.id))
    assert uaena == {"trivia_answers": 1, "trivia_scores": 1, "trivia_week_scores": 1}


async def test_the_buttons_disable_themselves_when_time_is_up(emu, world, bot):
    bot.get_cog("Privacy").confirm_seconds = 0.2
    prompt = await emu.slash(world.guild, "general", "uaena", "privacy forget")
    expired = await prompt.wait_edit(timeout=5)
    assert "expired" in expired.text()
    buttons = expired.buttons()
    assert len(buttons) == 2
    assert all(b.get("disabled") for b in buttons)
    with pytest.raises(DriverError, match="disabled"):
        await emu.click(expired, buttons[0]["custom_id"], "uaena")


async def test_a_click_after_the_deadline_removes_nothing(emu, world, bot, bot_clock):
    await uaena_elsewhere(bot, world)
    await bot.database.execute(
        "INSERT INTO trivia_scores (guild_id, user_id, display_name, answered) VALUES (?, ?, ?, 1)",
        (int(world.guild.id), int(world.uaena.id), "UAENA"),
    )
    prompt = await emu.slash(world.guild, "general", "uaena", "privacy forget")
    # The button still shows as enabled (say its disabling edit was lost); its deadline holds.
    bot_clock.advance(timedelta(minutes=3))
    late = await emu.click(prompt.message, button(prompt.message, "confirm"), "uaena")
    assert "expired" in late.message.text()
    assert (await rows_of(bot, int(world.uaena.id), int(world.guild.id)))["trivia_scores"] == 1


async def test_privacy_works_with_every_cog_off_and_in_korean(emu, world, bot):
    for name in ("trivia", "symbols", "countdown", "announcements"):
        await emu.slash(
            world.guild, "general", "mod", "config cog", {"name": name, "enabled": False}
        )
    prompt = await emu.slash(world.guild, "general", "uaena", "privacy forget", locale="ko")
    assert prompt.ephemeral
    assert "퀴즈 답변" in prompt.content
    await emu.click(prompt.message, button(prompt.message, "confirm"), "uaena", locale="ko")
    done = await prompt.wait_edit(timeout=5)
    assert "아무것도 지우지 않았어요" in done.text()
