"""A server the bot leaves: its data is kept for 30 days in case it comes back, then erased."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.clock import FakeClock, to_db
from bot.sqlite import SqliteDatabase
from discord_emulator import DemoWorld, Emulator, eventually, running_client
from tests.support.bots import make_bot
from tests.support.clock import T0
from tests.support.trivia import play_a_round

pytestmark = pytest.mark.asyncio


@pytest.fixture
def bot_clock():
    return FakeClock(T0)


async def until(check):
    """Poll an async `check` (database state) until it returns something truthy, up to 5 s."""
    async with asyncio.timeout(5):
        while True:
            value = await check()
            if value:
                return value
            await asyncio.sleep(0.01)


async def server_rows(bot, guild_id: int) -> int:
    total = 0
    for table in ("guild_settings", "trivia_scores", "countdown_events", "announcements"):
        row = await bot.database.fetchone(
            f"SELECT COUNT(*) FROM {table} WHERE guild_id = ?", (guild_id,)
        )
        total += row[0]
    return total


async def departure(bot, guild_id: int):
    return await bot.database.fetchone(
        "SELECT left_at FROM guild_departures WHERE guild_id = ?", (guild_id,)
    )


async def some_data(emu: Emulator, world: DemoWorld) -> None:
    await emu.slash(world.guild, "general", "mod", "config timezone", {"zone": "Europe/Paris"})
    await emu.slash(
        world.guild, "general", "mod", "countdown-admin add", {"name": "Ours", "date": "2030-01-01"}
    )
    await emu.slash(
        world.guild,
        "general",
        "mod",
        "schedule add",
        {"kind": "quote", "time": "09:00", "repeat": "daily", "channel": "general"},
    )


async def test_removed_then_31_days_later_everything_is_erased(emu, world, bot, bot_clock):
    await asyncio.wait_for(bot.wait_until_ready(), 5)
    guild_id = int(world.guild.id)
    await some_data(emu, world)
    await play_a_round(emu, world, bot)  # answers refer to their round: erased in order
    assert await server_rows(bot, guild_id) == 5

    emu.remove_guild(world.guild)
    left = await until(lambda: departure(bot, guild_id))
    assert left["left_at"] == to_db(T0)

    bot_clock.advance(timedelta(days=29))
    assert await bot.departures.erase_expired() == {}
    assert await server_rows(bot, guild_id) == 5

    bot_clock.advance(timedelta(days=2))
    erased = await bot.departures.erase_expired()
    assert set(erased[guild_id]) == {"announcements", "countdown", "settings", "trivia"}
    assert await server_rows(bot, guild_id) == 0
    assert await departure(bot, guild_id) is None


async def test_invited_back_at_day_10_nothing_is_lost(emu, world, bot, bot_clock):
    # Ready first: the check made once ready must not be what notices the return.
    await asyncio.wait_for(bot.wait_until_ready(), 5)
    guild_id = int(world.guild.id)
    await some_data(emu, world)
    before = await server_rows(bot, guild_id)
    emu.remove_guild(world.guild)
    await until(lambda: departure(bot, guild_id))

    bot_clock.advance(timedelta(days=10))
    emu.rejoin_guild(world.guild)
    await eventually(lambda: bot.get_guild(guild_id))
    await until(lambda: _none(departure(bot, guild_id)))

    bot_clock.advance(timedelta(days=40))
    assert await bot.departures.erase_expired() == {}
    assert await server_rows(bot, guild_id) == before
    shown = await emu.slash(world.guild, "general", "mod", "config show")
    assert "Europe/Paris" in shown.message.text()


async def _none(awaitable) -> bool:
    return await awaitable is None


async def test_the_check_runs_when_the_bot_starts(emu: Emulator, world: DemoWorld, tmp_path):
    # A server the bot left 31 days before this start, and one it left yesterday.
    path = tmp_path / "bot.sqlite3"
    db = await SqliteDatabase.open(path)
    for guild_id, days in ((7001, 31), (7002, 1)):
        await db.execute(
            "INSERT INTO countdown_events (guild_id, name, starts_at, created_by, created_at) "
            "VALUES (?, 'Ours', '2030-01-01T00:00:00+09:00', 1, ?)",
            (guild_id, to_db(T0)),
        )
        await db.execute(
            "INSERT INTO guild_departures (guild_id, left_at) VALUES (?, ?)",
            (guild_id, to_db(T0 - timedelta(days=days))),
        )
    await db.close()

    bot = make_bot(emu, path, FakeClock(T0))
    async with running_client(bot, emu, wait_until_ready=True):
        await until(lambda: _none(departure(bot, 7001)))
        assert await server_rows(bot, 7001) == 0
        assert await server_rows(bot, 7002) == 1
        assert await departure(bot, 7002) is not None
