"""Moderators acting at the same moment: every change lands, every limit holds.

Each test sends its commands through the emulator all at once (`asyncio.gather`), so the
bot handles them concurrently as it would a busy server, then compares what each moderator
was told with what the database holds.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.client import installed_features
from bot.clock import FakeClock
from bot.guild_settings import DEFAULT_TIMEZONE
from bot.schedule_time import Repeat, next_run_after, parse_hhmm
from cogs.countdown.admin import GUILD_MAX_EVENTS
from cogs.countdown.own_events import HISTORY_NAME as COUNTDOWN_HISTORY
from cogs.schedule.adding import GUILD_MAX_ANNOUNCEMENTS
from cogs.schedule.adding import HISTORY_NAME as SCHEDULE_HISTORY
from cogs.trivia.feature import TRIVIA_TIMEOUT
from cogs.trivia.own_questions import GUILD_MAX_QUESTIONS, PACK_HISTORY, QUESTION_HISTORY
from discord_emulator import DemoWorld, Emulator, eventually

pytestmark = pytest.mark.asyncio

COG_NAMES = installed_features().switchable

# Thursday 2026-11-26, 08:00 UTC: a fixed instant, so the next runs of announcements can be
# computed again by the test.
START = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
# Concurrent commands queue behind each other in the bot; give them room on a busy machine.
TIMEOUT = 60.0
SCHEDULED = re.compile(r"Scheduled:\n\*\*#(\d+)\*\*")
ZONES = (
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Los_Angeles",
    "Europe/London",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Africa/Cairo",
    "Pacific/Auckland",
    "Asia/Singapore",
)


@pytest.fixture
def bot_clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def no_deadline(emu: Emulator):
    """Bursts of hundreds of commands, with the bot and the emulator sharing one event loop
    on a small machine, answer some after Discord's 3 s: answering in time is the deadline
    guard's work and its tests'. Here only what is stored and what each was told counts."""
    emu.interaction_deadline = TIMEOUT
    return emu


def bot_sees_role(bot, world: DemoWorld, role_id: int) -> bool:
    guild = bot.get_guild(int(world.guild.id))
    return guild is not None and guild.get_role(int(role_id)) is not None


async def mod(emu: Emulator, world: DemoWorld, command: str, options=None):
    return await emu.slash(world.guild, "general", "mod", command, options, timeout=TIMEOUT)


async def all_at_once(emu: Emulator, world: DemoWorld, commands: list[tuple[str, dict]]):
    return await asyncio.gather(*(mod(emu, world, command, opts) for command, opts in commands))


async def stored_settings(bot, guild_id: int) -> dict[str, str | None]:
    """The settings row and the trivia timeout as `settings_changes` writes values (text;
    cogs comma-separated); the defaults for a server with no row."""
    row = await bot.database.fetchone(
        "SELECT timezone, announce_channel_id, mod_role_id, disabled_cogs, "
        "COALESCE((SELECT value FROM feature_settings AS f WHERE f.guild_id = g.guild_id "
        "AND name = 'trivia_timeout'), ?) AS trivia_timeout "
        "FROM guild_settings AS g WHERE guild_id = ?",
        (TRIVIA_TIMEOUT.default, guild_id),
    )
    if row is None:
        return dict(DEFAULTS)
    return {key: None if row[key] is None else str(row[key]) for key in DEFAULTS}


# What the history also records that is not a setting: announcements, questions, events.
NOT_SETTINGS = {SCHEDULE_HISTORY, QUESTION_HISTORY, PACK_HISTORY, COUNTDOWN_HISTORY}


async def history(bot, guild_id: int) -> dict[str, list[tuple[str | None, str | None]]]:
    rows = await bot.database.fetchall(
        "SELECT setting, old_value, new_value FROM settings_changes WHERE guild_id = ? ORDER BY id",
        (guild_id,),
    )
    by_setting: dict[str, list[tuple[str | None, str | None]]] = {}
    for row in rows:
        if row["setting"] in NOT_SETTINGS:
            continue
        by_setting.setdefault(row["setting"], []).append((row["old_value"], row["new_value"]))
    return by_setting


DEFAULTS: dict[str, str | None] = {
    "timezone": DEFAULT_TIMEZONE,
    "trivia_timeout": str(TRIVIA_TIMEOUT.default),
    "announce_channel_id": None,
    "mod_role_id": None,
    "disabled_cogs": "",
}


async def assert_history_and_table_agree(bot, guild_id: int) -> dict[str, list]:
    """Each setting's changes form one chain from its default to the stored value: every
    change started from the value the one before it left (none was computed from a stale
    copy), and the last one is what the table holds."""
    table = await stored_settings(bot, guild_id)
    changes = await history(bot, guild_id)
    for setting, chain in changes.items():
        before = DEFAULTS[setting]
        for old, new in chain:
            assert old == before, f"{setting}: a change from {old!r}, but it was {before!r}"
            assert new != old
            before = new
        assert table[setting] == before, f"{setting}: history ends at {before!r}"
    cached = await bot.guild_settings.get(guild_id)
    assert str(cached.value("trivia_timeout")) == table["trivia_timeout"]
    assert cached.timezone == table["timezone"]
    assert ",".join(sorted(cached.disabled_cogs)) == table["disabled_cogs"]
    return changes


async def test_six_config_commands_of_different_kinds_at_once_all_land(
    emu: Emulator, world: DemoWorld, bot
):
    helpers = world.guild.add_role("Helpers", 0)
    await eventually(lambda: bot_sees_role(bot, world, helpers.id))
    results = await all_at_once(
        emu,
        world,
        [
            ("config cog", {"name": "trivia", "enabled": False}),
            ("config cog", {"name": "symbols", "enabled": False}),
            ("config channel", {"channel": world.announcements}),
            ("config timezone", {"zone": "America/New_York"}),
            ("config trivia-timeout", {"seconds": 45}),
            ("config modrole", {"role": helpers}),
        ],
    )
    assert all(result.ephemeral for result in results)
    assert not any("went wrong" in result.content for result in results)

    guild_id = int(world.guild.id)
    assert await stored_settings(bot, guild_id) == {
        "timezone": "America/New_York",
        "trivia_timeout": "45",
        "announce_channel_id": str(world.announcements.id),
        "mod_role_id": str(helpers.id),
        "disabled_cogs": "symbols,trivia",
    }
    changes = await assert_history_and_table_agree(bot, guild_id)
    assert sum(len(chain) for chain in changes.values()) == 6


async def test_fifty_config_commands_at_once_all_land_and_history_agrees(
    emu: Emulator, world: DemoWorld, bot
):
    roles = [world.guild.add_role(f"Helpers {n}", 0) for n in range(12)]
    channels = [world.guild.add_text_channel(f"news-{n}") for n in range(10)]
    await eventually(lambda: all(bot.get_channel(int(channel.id)) for channel in channels))
    await eventually(lambda: all(bot_sees_role(bot, world, role.id) for role in roles))
    commands = (
        [("config cog", {"name": name, "enabled": False}) for name in COG_NAMES]
        + [("config trivia-timeout", {"seconds": 30 + n}) for n in range(12)]
        + [("config timezone", {"zone": zone}) for zone in ZONES]
        + [("config channel", {"channel": channel}) for channel in channels]
        + [("config modrole", {"role": role}) for role in roles]
    )
    assert len(commands) == 50
    results = await all_at_once(emu, world, commands)
    assert not any("went wrong" in result.content for result in results)

    guild_id = int(world.guild.id)
    changes = await assert_history_and_table_agree(bot, guild_id)
    # Each command changed its setting from what the one before it left: 50 changes.
    assert sum(len(chain) for chain in changes.values()) == 50
    assert {new for _, new in changes["trivia_timeout"]} == {str(30 + n) for n in range(12)}
    assert {new for _, new in changes["timezone"]} == set(ZONES)
    assert (await stored_settings(bot, guild_id))["disabled_cogs"] == ",".join(sorted(COG_NAMES))


async def test_time_zone_changes_at_once_leave_settings_and_announcements_agreeing(
    emu: Emulator, world: DemoWorld, bot
):
    for time, repeat in (("09:00", "daily"), ("21:30", "weekly"), ("07:15", "once")):
        added = await mod(
            emu,
            world,
            "schedule add",
            {"kind": "quote", "time": time, "repeat": repeat, "channel": world.announcements},
        )
        assert "#" in added.content
    # Zone changes among changes of other settings: each must keep the others' columns.
    commands = [("config timezone", {"zone": zone}) for zone in ZONES[:8]] + [
        ("config trivia-timeout", {"seconds": 30 + n}) for n in range(8)
    ]
    results = await all_at_once(emu, world, commands)
    assert not any("went wrong" in result.content for result in results)

    guild_id = int(world.guild.id)
    await assert_history_and_table_agree(bot, guild_id)
    zone = (await stored_settings(bot, guild_id))["timezone"]
    rows = await bot.database.fetchall(
        "SELECT time_local, weekday, repeat, zone, next_run_utc FROM announcements"
    )
    assert len(rows) == 3
    for row in rows:
        assert row["zone"] == zone
        expected = next_run_after(
            START,
            parse_hhmm(row["time_local"]),
            Repeat(row["repeat"]),
            row["weekday"],
            ZoneInfo(zone),
        )
        assert datetime.fromisoformat(row["next_run_utc"]) == expected


async def test_announcements_added_during_a_zone_change_follow_the_stored_zone(
    emu: Emulator, world: DemoWorld, bot
):
    schedule = [
        (
            "schedule add",
            {
                "kind": "quote",
                "time": f"{n:02d}:00",
                "repeat": "daily",
                "channel": world.announcements,
            },
        )
        for n in range(20)
    ]
    zone_change = ("config timezone", {"zone": "America/New_York"})
    results = await all_at_once(emu, world, [*schedule[:10], zone_change, *schedule[10:]])
    assert not any("went wrong" in result.content for result in results)
    zones = await bot.database.fetchall("SELECT DISTINCT zone FROM announcements")
    assert [row["zone"] for row in zones] == ["America/New_York"]
    assert (await stored_settings(bot, int(world.guild.id)))["timezone"] == "America/New_York"


async def test_a_zone_change_whose_announcements_cannot_move_changes_nothing(
    emu: Emulator, world: DemoWorld, bot
):
    added = await mod(
        emu,
        world,
        "schedule add",
        {"kind": "quote", "time": "09:00", "repeat": "daily", "channel": world.announcements},
    )
    assert "Scheduled" in added.content
    # A row that can't be moved (written by hand, say): its next run can't be computed.
    await bot.database.execute("UPDATE announcements SET time_local = 'soon'")
    answer = await mod(emu, world, "config timezone", {"zone": "Europe/Paris"})
    assert answer.ephemeral
    assert "Scheduled announcements follow it" not in answer.content
    assert "went wrong" in answer.content
    # Not "done", and nothing half done: the zone, its history and the row are as before.
    guild_id = int(world.guild.id)
    assert (await stored_settings(bot, guild_id))["timezone"] == DEFAULT_TIMEZONE
    assert (await bot.guild_settings.get(guild_id)).timezone == DEFAULT_TIMEZONE
    assert await history(bot, guild_id) == {}
    row = await bot.database.fetchone("SELECT zone FROM announcements")
    assert row["zone"] == DEFAULT_TIMEZONE


def event_names(count: int) -> list[str]:
    return [f"Watch party {n}" for n in range(count)]


async def test_three_hundred_event_adds_at_once_stop_at_the_limit(
    emu: Emulator, world: DemoWorld, bot, no_deadline
):
    results = await all_at_once(
        emu,
        world,
        [
            ("countdown-admin add", {"name": name, "date": "2030-01-01"})
            for name in event_names(300)
        ],
    )
    names = event_names(300)
    added = {name for name, result in zip(names, results, strict=True) if "Added" in result.content}
    refused = [r for r in results if f"already has {GUILD_MAX_EVENTS} events" in r.content]
    assert len(added) == GUILD_MAX_EVENTS
    assert len(refused) == 300 - GUILD_MAX_EVENTS
    # Nobody was told "added" without a row: the names told so are exactly the stored ones.
    rows = await bot.database.fetchall("SELECT name FROM countdown_events")
    assert {row["name"] for row in rows} == added


async def test_two_events_of_one_name_at_once_one_is_added_one_is_told_it_exists(
    emu: Emulator, world: DemoWorld, bot
):
    results = await all_at_once(
        emu,
        world,
        [
            ("countdown-admin add", {"name": "Lilac night", "date": "2030-01-01"}),
            ("countdown-admin add", {"name": "LILAC NIGHT", "date": "2031-01-01"}),
        ],
    )
    contents = sorted(result.content for result in results)
    assert sum("Added" in content for content in contents) == 1
    assert sum("There is already an event called" in content for content in contents) == 1
    row = await bot.database.fetchone("SELECT COUNT(*) FROM countdown_events")
    assert row[0] == 1


async def test_three_hundred_announcements_at_once_stop_at_the_limit(
    emu: Emulator, world: DemoWorld, bot, no_deadline
):
    commands = [
        (
            "schedule add",
            {
                "kind": "quote",
                "time": f"{n // 60 % 24:02d}:{n % 60:02d}",
                "repeat": "daily",
                "channel": world.announcements,
            },
        )
        for n in range(300)
    ]
    results = await all_at_once(emu, world, commands)
    told = {int(m.group(1)) for r in results if (m := SCHEDULED.match(r.content or ""))}
    refused = [r for r in results if f"already has {GUILD_MAX_ANNOUNCEMENTS} sched" in r.content]
    assert len(told) == GUILD_MAX_ANNOUNCEMENTS
    assert len(refused) == 300 - GUILD_MAX_ANNOUNCEMENTS
    # Every "scheduled" names a stored row, and every stored row was answered so.
    rows = await bot.database.fetchall("SELECT id FROM announcements")
    assert {row["id"] for row in rows} == told


def pack(number: int, size: int) -> bytes:
    questions = [
        {
            "question": f"Pack {number}, question {n}: which day is watch party {n}?",
            "correct": "Friday",
            "wrong1": "Monday",
            "wrong2": "Tuesday",
            "wrong3": "Sunday",
        }
        for n in range(size)
    ]
    return json.dumps({"questions": questions}).encode()


async def test_a_hundred_imports_at_once_stop_at_the_limit(
    emu: Emulator, world: DemoWorld, bot, no_deadline
):
    size = 25  # 100 packs of 25 = 2,500 questions, 500 more than the limit
    files = [emu.add_attachment(f"pack-{n}.json", pack(n, size)) for n in range(100)]
    results = await all_at_once(
        emu, world, [("trivia-admin import", {"file": file}) for file in files]
    )
    told = {f"pack-{n}.json" for n, r in enumerate(results) if r.text().startswith("Imported `")}
    refused = [r for r in results if "would pass the limit" in r.text()]
    assert len(told) == GUILD_MAX_QUESTIONS // size
    assert len(refused) == 100 - GUILD_MAX_QUESTIONS // size
    rows = await bot.database.fetchall(
        "SELECT pack, COUNT(*) AS questions FROM trivia_questions GROUP BY pack"
    )
    assert sum(row["questions"] for row in rows) == GUILD_MAX_QUESTIONS
    # All or none per pack, and exactly the packs whose moderator was told "imported".
    assert {row["pack"]: row["questions"] for row in rows} == dict.fromkeys(told, size)
