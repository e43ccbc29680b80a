"""`/trivia leaderboard period:week`: this week on the server's wall clock, not all time."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from cogs.trivia.game import TriviaRound
from cogs.trivia.schema import Question
from discord_emulator import DemoWorld, Emulator

pytestmark = pytest.mark.asyncio

# Monday 01:00 in Seoul (the default zone) is still Sunday 16:00 in UTC.
NOW = datetime(2026, 11, 29, 16, 0, tzinfo=UTC)
SUNDAY_NIGHT_IN_SEOUL = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)  # this week in UTC
MONDAY_IN_SEOUL = datetime(2026, 11, 29, 15, 30, tzinfo=UTC)
WEEKS_AGO = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)

Q = Question("k1", "Q?", "right", ("a", "b", "c"), "video")


@pytest.fixture
def bot_clock() -> FakeClock:
    return FakeClock(NOW)


async def right_answers(bot, guild_id: int, user_id: int, name: str, at: datetime, n: int):
    store = bot.get_cog("Trivia").store
    for _ in range(n):
        # One open round per channel: each stored round gets a channel of its own.
        channel = random.randrange(10**6, 10**7)
        r = TriviaRound.deal(0, guild_id, channel, Q, at + timedelta(seconds=20), random.Random(0))
        r.round_id = await store.open_round(
            guild_id, channel, Q, list(r.choices), r.correct_index, at, r.closes_at, False
        )
        await store.record_answer(r, user_id, name, r.correct_index, at)
        await store.close_round(r.round_id)


def ranked(result) -> list[str]:
    return [line for line in result.message.text().splitlines() if "points" in line]


async def test_the_week_is_the_servers_week_and_not_all_time(emu: Emulator, world: DemoWorld, bot):
    guild_id = int(world.guild.id)
    await right_answers(bot, guild_id, 1, "Veteran", WEEKS_AGO, 3)  # 36 points
    await right_answers(bot, guild_id, 2, "Sunday", SUNDAY_NIGHT_IN_SEOUL, 2)  # 22 points
    await right_answers(bot, guild_id, 3, "Monday", MONDAY_IN_SEOUL, 1)  # 10 points

    week = await emu.slash(world.guild, "trivia", "uaena", "trivia leaderboard", {"period": "week"})
    assert "this week" in week.message.text()
    lines = ranked(week)
    assert len(lines) == 1
    assert "Monday" in lines[0]
    assert "10 points" in lines[0]

    all_time = ranked(await emu.slash(world.guild, "trivia", "uaena", "trivia leaderboard"))
    assert ["Veteran" in all_time[0], "Sunday" in all_time[1], "Monday" in all_time[2]] == [
        True
    ] * 3

    # In a server on UTC the same instant is still Sunday: Sunday's answers count this week.
    await bot.guild_settings.update(guild_id, 0, timezone="UTC")
    utc_week = ranked(
        await emu.slash(world.guild, "trivia", "uaena", "trivia leaderboard", {"period": "week"})
    )
    assert len(utc_week) == 2
    assert "Sunday" in utc_week[0]
    assert "22 points" in utc_week[0]
