"""Erasing members' and servers' data: every feature's tables, through the registry.

The bot is built offline with every cog loaded, so each feature's erasers are the real
ones. Tables are filled generically (every table with a `guild_id` column), so a table a
feature adds later without registering an eraser fails these tests.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.client import FanBot, discover_cogs
from bot.clock import FakeClock
from bot.config import Settings
from bot.member_data import GuildDepartures

pytestmark = pytest.mark.asyncio

GONE, STAYING = 1001, 1002
MEMBER, OTHER_MEMBER = 501, 502
# Rows about a member that /privacy forget keeps on purpose: the server's audit record.
KEPT_FOR_THE_RECORD = {"settings_changes"}
NOT_PER_SERVER = {"guild_departures"}


@pytest.fixture
async def offline_bot(tmp_path, clock: FakeClock) -> AsyncIterator[FanBot]:
    bot = FanBot(Settings(token="x", database_path=tmp_path / "bot.sqlite3"), clock=clock)
    await bot.open_database()
    for extension in discover_cogs():
        await bot.load_extension(extension)
    yield bot
    await bot.close()


async def per_server_tables(bot: FanBot) -> dict[str, list[dict]]:
    """Every table with a guild_id column, with its columns as PRAGMA table_info gives them."""
    tables = await bot.database.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    found = {}
    for (name,) in tables:
        columns = [dict(row) for row in await bot.database.fetchall(f"PRAGMA table_info({name})")]
        if any(column["name"] == "guild_id" for column in columns) and name not in NOT_PER_SERVER:
            found[name] = columns
    return found


_unique = itertools.count(1)


async def fill(bot: FanBot, guild_id: int, user_id: int) -> None:
    """One row in every per-server table for (guild, member), whatever its other columns."""
    tables = await per_server_tables(bot)
    # Generic rows break CHECKs and foreign keys that real rows keep; only presence matters.
    await bot.database.execute("PRAGMA ignore_check_constraints = ON")
    await bot.database.execute("PRAGMA foreign_keys = OFF")
    async with bot.database.transaction() as tx:
        for table, columns in tables.items():
            names, values = [], []
            row_id = [c["name"] for c in columns if c["pk"]] == ["id"]
            for column in columns:
                if column["name"] == "guild_id":
                    value = guild_id
                elif column["name"] == "user_id":
                    value = user_id
                elif row_id and column["name"] == "id":
                    continue  # its own row id
                elif "INT" in column["type"].upper():
                    value = next(_unique)
                else:
                    value = f"v{next(_unique)}"
                names.append(column["name"])
                values.append(value)
            marks = ", ".join("?" * len(values))
            await tx.execute(
                f"INSERT OR IGNORE INTO {table} ({', '.join(names)}) VALUES ({marks})",
                tuple(values),
            )
    await bot.database.execute("PRAGMA foreign_keys = ON")
    await bot.database.execute("PRAGMA ignore_check_constraints = OFF")


async def counts(bot: FanBot, guild_id: int, user_id: int | None = None) -> dict[str, int]:
    found = {}
    for table, columns in (await per_server_tables(bot)).items():
        sql, params = f"SELECT COUNT(*) FROM {table} WHERE guild_id = ?", [guild_id]
        if user_id is not None:
            if not any(column["name"] == "user_id" for column in columns):
                continue
            sql += " AND user_id = ?"
            params.append(user_id)
        row = await bot.database.fetchone(sql, params)
        found[table] = row[0]
    return found


async def filled(bot: FanBot) -> None:
    for guild_id in (GONE, STAYING):
        for user_id in (MEMBER, OTHER_MEMBER):
            await fill(bot, guild_id, user_id)


def nothing_left(found: dict[str, int]) -> bool:
    return all(count == 0 for count in found.values())


async def test_every_per_server_table_is_filled_by_the_helper(offline_bot):
    await filled(offline_bot)
    found = await counts(offline_bot, GONE)
    assert {"guild_settings", "announcements", "trivia_scores", "countdown_events"} <= set(found)
    assert all(count >= 1 for count in found.values()), found


async def test_forget_member_removes_their_rows_in_one_server_only(offline_bot):
    await filled(offline_bot)
    removed = await offline_bot.member_data.forget_member(GONE, MEMBER)
    assert removed == {"trivia": 3}  # one answer, one score line, one week line
    left = await counts(offline_bot, GONE, MEMBER)
    assert {table for table, count in left.items() if count} == KEPT_FOR_THE_RECORD
    assert nothing_left({t: c for t, c in left.items() if t not in KEPT_FOR_THE_RECORD})
    assert all(
        await_count for await_count in (await counts(offline_bot, GONE, OTHER_MEMBER)).values()
    )
    assert all(count for count in (await counts(offline_bot, STAYING, MEMBER)).values())


async def test_forget_guild_erases_every_table_of_that_server_only(offline_bot):
    await filled(offline_bot)
    before = await counts(offline_bot, STAYING)
    removed = await offline_bot.member_data.forget_guild(GONE)
    assert set(removed) == {"announcements", "countdown", "settings", "symbols", "trivia"}
    assert nothing_left(await counts(offline_bot, GONE))
    assert await counts(offline_bot, STAYING) == before


# --- servers the bot left ----------------------------------------------------------------


async def departure_of(bot: FanBot, guild_id: int):
    return await bot.database.fetchone(
        "SELECT left_at FROM guild_departures WHERE guild_id = ?", (guild_id,)
    )


async def test_a_server_gone_29_days_keeps_everything(offline_bot, clock: FakeClock):
    await filled(offline_bot)
    before = await counts(offline_bot, GONE)
    await offline_bot.departures.left(GONE)
    clock.advance(timedelta(days=29))
    assert await offline_bot.departures.erase_expired() == {}
    assert await counts(offline_bot, GONE) == before
    assert await departure_of(offline_bot, GONE) is not None


async def test_a_server_gone_31_days_is_erased_and_no_other(offline_bot, clock: FakeClock, caplog):
    await filled(offline_bot)
    staying = await counts(offline_bot, STAYING)
    await offline_bot.departures.left(GONE)
    clock.advance(timedelta(days=31))
    with caplog.at_level(logging.INFO, logger="bot.member_data"):
        erased = await offline_bot.departures.erase_expired()
    logged = caplog.text
    assert f"server {GONE}" in logged
    assert f"trivia {erased[GONE]['trivia']}" in logged
    assert set(erased) == {GONE}
    assert set(erased[GONE]) == {"announcements", "countdown", "settings", "symbols", "trivia"}
    assert nothing_left(await counts(offline_bot, GONE))
    assert await counts(offline_bot, STAYING) == staying
    assert await departure_of(offline_bot, GONE) is None
    assert await offline_bot.departures.erase_expired() == {}


async def test_leaving_again_keeps_the_first_departure_time(offline_bot, clock: FakeClock):
    await filled(offline_bot)
    await offline_bot.departures.left(GONE)
    clock.advance(timedelta(days=20))
    await offline_bot.departures.left(GONE)  # a second GUILD_DELETE (a resumed session)
    clock.advance(timedelta(days=11))
    assert set(await offline_bot.departures.erase_expired()) == {GONE}


async def test_a_server_that_invited_the_bot_back_at_day_10_is_never_erased(
    offline_bot, clock: FakeClock
):
    await filled(offline_bot)
    before = await counts(offline_bot, GONE)
    await offline_bot.departures.left(GONE)
    clock.advance(timedelta(days=10))
    assert await offline_bot.departures.returned(GONE)
    for _ in range(3):
        clock.advance(timedelta(days=30))
        assert await offline_bot.departures.erase_expired() == {}
    assert await counts(offline_bot, GONE) == before


async def test_a_server_the_bot_is_in_again_after_a_restart_is_kept(offline_bot, clock: FakeClock):
    # Invited back while this process was down: no join event, but the guild is cached.
    await filled(offline_bot)
    before = await counts(offline_bot, GONE)
    await offline_bot.departures.left(GONE)
    clock.advance(timedelta(days=31))
    departures = GuildDepartures(
        offline_bot.database, clock, offline_bot.member_data, in_guild=lambda g: g == GONE
    )
    assert await departures.erase_expired() == {}
    assert await counts(offline_bot, GONE) == before
    assert await departure_of(offline_bot, GONE) is None


async def test_only_the_process_that_owns_the_server_erases_it(offline_bot, clock: FakeClock):
    await filled(offline_bot)
    before = await counts(offline_bot, GONE)
    await offline_bot.departures.left(GONE)
    clock.advance(timedelta(days=31))
    other_shard = GuildDepartures(
        offline_bot.database, clock, offline_bot.member_data, owns_guild=lambda g: False
    )
    assert await other_shard.erase_expired() == {}
    assert await counts(offline_bot, GONE) == before
    assert set(await offline_bot.departures.erase_expired()) == {GONE}
