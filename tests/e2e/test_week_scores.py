"""The weekly totals through the real bot: a click counts in the server's week, and a
database from before the totals gets them filled in when the bot starts."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.client import FanBot
from bot.clock import FakeClock, SystemClock, to_db
from bot.config import Settings
from bot.database import open_database
from bot.weeks import week_start
from cogs.trivia.game import TriviaRound
from cogs.trivia.schema import Question
from cogs.trivia.store import AnswerToStore, TriviaStore
from discord_emulator import DemoWorld, Emulator, eventually, running_client

pytestmark = pytest.mark.asyncio

# Sunday 20:00 in Los Angeles: already Monday in UTC and in Seoul (the default zone).
SUNDAY_EVENING_IN_LA = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
LA = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def bot_clock() -> FakeClock:
    return FakeClock(SUNDAY_EVENING_IN_LA)


async def test_a_click_counts_in_the_servers_week(
    emu: Emulator, world: DemoWorld, bot, monkeypatch
):
    guild_id = int(world.guild.id)
    await bot.guild_settings.update(guild_id, 0, timezone="America/Los_Angeles")
    started = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
    rounds = bot.get_cog("Trivia").rounds
    await eventually(lambda: rounds)
    trivia_round = next(iter(rounds.values()))
    right = started.message.buttons()[trivia_round.correct_index]
    clicked = await emu.click(started.message, right["custom_id"], "uaena")
    assert "Correct" in clicked.content

    rows = await bot.database.fetchall(
        "SELECT week_start, points FROM trivia_week_scores WHERE guild_id = ?", (guild_id,)
    )
    # The week that began on Monday 23 November in Los Angeles, not Seoul's new one.
    assert [tuple(row) for row in rows] == [(to_db(week_start(SUNDAY_EVENING_IN_LA, LA)), 10)]
    # The week's board is the kept totals, not a sum over the week's answers.
    store = bot.get_cog("Trivia").store

    async def no_summing(*args, **kwargs):
        raise AssertionError("summed the answers")

    monkeypatch.setattr(store, "leaderboard_since", no_summing)
    week = await emu.slash(world.guild, "trivia", "uaena", "trivia leaderboard", {"period": "week"})
    lines = [line for line in week.message.text().splitlines() if "points" in line]
    assert len(lines) == 1
    assert "UAENA" in lines[0]
    assert "10 points" in lines[0]


async def test_the_bot_fills_in_the_weeks_of_older_answers_at_start(
    emu: Emulator, world: DemoWorld, database_target: str | Path
):
    """A database migrated to trivia 0006 has its older answers and no week rows: the bot
    fills them in at start, in the server's zone, and leaves them alone at the next start."""
    guild_id = int(world.guild.id)
    question = Question("k1", "Q?", "right", ("a", "b", "c"), "video")
    db = await open_database(database_target)
    try:
        store = TriviaStore(db)
        at = SUNDAY_EVENING_IN_LA
        for user in (1, 2, 1):
            channel = random.randrange(10**6, 10**7)
            r = TriviaRound.deal(
                0, guild_id, channel, question, at + timedelta(seconds=20), random.Random(0)
            )
            r.round_id = await store.open_round(
                guild_id,
                channel,
                question,
                list(r.choices),
                r.correct_index,
                at,
                r.closes_at,
                False,
            )
            await store.close_round(r.round_id)
            await store.record_answers([AnswerToStore(r, user, "m", r.correct_index, at, LA)])
        await db.execute(
            "INSERT INTO guild_settings (guild_id, timezone) VALUES (?, ?)",
            (guild_id, "America/Los_Angeles"),
        )
        live = await db.fetchall("SELECT * FROM trivia_week_scores ORDER BY user_id")
        await db.execute("DELETE FROM trivia_week_scores")  # as migration 0006 leaves them
    finally:
        await db.close()

    if isinstance(database_target, Path):
        settings = Settings(token=emu.token, database_path=database_target, api_base=emu.base_url)
    else:
        settings = Settings(token=emu.token, database_url=database_target, api_base=emu.base_url)
    for _ in range(2):  # started twice: filled in once, kept the second time
        client = FanBot(settings, clock=SystemClock(), guild_ready_timeout=0.05)
        async with running_client(client, emu):
            rows = await client.database.fetchall(
                "SELECT * FROM trivia_week_scores ORDER BY user_id"
            )
            assert [tuple(row) for row in rows] == [tuple(row) for row in live]
            assert [row["points"] for row in rows] == [10 + 12, 10]
