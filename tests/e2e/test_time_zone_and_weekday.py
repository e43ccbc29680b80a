"""`/config timezone` as moderators type it, and weekly announcements on a chosen day."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.scheduler import RunStatus
from discord_emulator import DemoWorld, Emulator

pytestmark = pytest.mark.asyncio

# Thursday 2026-11-26, 08:00 UTC (17:00 in Seoul).
START = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
TIMESTAMP = re.compile(r"<t:(\d+):F>")


@pytest.fixture
def bot_clock() -> FakeClock:
    return FakeClock(START)


async def set_zone(emu: Emulator, world: DemoWorld, zone: str, locale: str = "en-US"):
    return await emu.slash(
        world.guild, "general", "mod", "config timezone", {"zone": zone}, locale=locale
    )


async def schedule(emu: Emulator, world: DemoWorld, locale: str = "en-US", **options):
    return await emu.slash(
        world.guild,
        "general",
        "mod",
        "schedule add",
        {"kind": "quote", "channel": world.announcements, **options},
        locale=locale,
    )


def next_run(text: str) -> datetime:
    [stamp] = TIMESTAMP.findall(text)
    return datetime.fromtimestamp(int(stamp), UTC)


# --- /config timezone -----------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored"), [("UTC", "UTC"), ("GMT", "GMT"), ("utc", "UTC")])
async def test_utc_and_gmt_are_accepted_and_stored_as_the_database_spells_them(
    emu: Emulator, world: DemoWorld, bot, typed: str, stored: str
):
    answer = await set_zone(emu, world, typed)
    assert answer.ephemeral
    assert f"read in `{stored}`" in answer.content
    assert "it is 08:00 there now" in answer.content
    assert (await bot.guild_settings.get(int(world.guild.id))).timezone == stored


async def test_an_announcement_at_2130_in_utc_runs_at_2130_utc(
    emu: Emulator, world: DemoWorld, bot, bot_clock: FakeClock
):
    await set_zone(emu, world, "UTC")
    added = await schedule(emu, world, time="21:30", repeat="daily")
    due = datetime(2026, 11, 26, 21, 30, tzinfo=UTC)
    assert next_run(added.content) == due
    assert "server time: Thursday 2026-11-26 21:30, UTC" in added.content

    bot_clock.set(due - timedelta(seconds=1))
    assert await bot.scheduler.run_due() == []
    bot_clock.set(due)
    [outcome] = await bot.scheduler.run_due()
    assert outcome.status is RunStatus.POSTED
    assert outcome.due_utc == due
    assert len(emu.channel_messages(world.announcements)) == 1


async def test_a_city_name_is_accepted(emu: Emulator, world: DemoWorld, bot):
    answer = await set_zone(emu, world, "new york")
    assert "read in `America/New_York` (EST, UTC-05:00; it is 03:00 there now)" in answer.content


@pytest.mark.parametrize(
    ("typed", "means"),
    [
        ("KST", ["`Asia/Seoul`"]),
        ("EST", ["`America/New_York`", "more"]),
        ("pst", ["`America/Los_Angeles`", "`Asia/Manila`"]),
        ("JST", ["`Asia/Tokyo`"]),
        ("CET", ["`Europe/Paris`", "`Europe/Berlin`"]),
    ],
)
async def test_an_abbreviation_is_refused_with_the_zones_it_may_mean(
    emu: Emulator, world: DemoWorld, bot, typed: str, means: list[str]
):
    before = await bot.guild_settings.get(int(world.guild.id))
    answer = await set_zone(emu, world, typed)
    assert answer.ephemeral
    assert f"`{typed.upper()}` is an abbreviation, not a time zone" in answer.content
    for zone in means:
        assert zone in answer.content
    assert len(answer.content) <= 2000
    assert await bot.guild_settings.get(int(world.guild.id)) == before
    assert await bot.database.fetchone("SELECT 1 FROM settings_changes") is None


async def test_an_abbreviation_is_refused_in_korean_too(emu: Emulator, world: DemoWorld, bot):
    answer = await set_zone(emu, world, "KST", locale="ko")
    assert "시간대 약어" in answer.content
    assert "`Asia/Seoul`" in answer.content


async def test_a_near_miss_suggests_the_zone(emu: Emulator, world: DemoWorld, bot):
    answer = await set_zone(emu, world, "Seou")
    assert answer.ephemeral
    assert "not a time zone I know" in answer.content
    assert "Did you mean `Asia/Seoul`?" in answer.content


async def autocomplete(emu: Emulator, world: DemoWorld, typed: str):
    choices = await emu.autocomplete(
        world.guild, "general", "mod", "config timezone", "zone", typed
    )
    assert len(choices) <= 25
    for choice in choices:
        assert len(choice["name"]) <= 100
        assert len(choice["value"]) <= 100
    return choices


async def test_autocomplete_finds_cities(emu: Emulator, world: DemoWorld, bot):
    [seoul] = await autocomplete(emu, world, "seoul")
    assert seoul == {"name": "Asia/Seoul (KST, UTC+09:00)", "value": "Asia/Seoul"}
    new_york = await autocomplete(emu, world, "new york")
    assert new_york[0]["value"] == "America/New_York"
    sao_paulo = await autocomplete(emu, world, "São Paulo")
    assert sao_paulo[0]["value"] == "America/Sao_Paulo"


async def test_autocomplete_with_nothing_typed_shows_utc_and_fan_zones(
    emu: Emulator, world: DemoWorld, bot
):
    values = [choice["value"] for choice in await autocomplete(emu, world, "")]
    assert values[:3] == ["UTC", "Asia/Seoul", "Asia/Tokyo"]
    assert {"Asia/Manila", "Asia/Jakarta", "America/New_York", "Europe/London"} <= set(values)


async def test_what_autocomplete_offers_is_accepted(emu: Emulator, world: DemoWorld, bot):
    for typed in ("", "utc", "kst", "new"):
        for choice in await autocomplete(emu, world, typed):
            answer = await set_zone(emu, world, choice["value"])
            assert f"read in `{choice['value']}`" in answer.content, answer.content


# --- /schedule add weekday ------------------------------------------------------------------


async def test_weekly_on_a_chosen_weekday(
    emu: Emulator, world: DemoWorld, bot, bot_clock: FakeClock
):
    # Thursday in Seoul; Monday 09:00 KST is 2026-11-30 00:00 UTC.
    added = await schedule(emu, world, time="09:00", repeat="weekly", weekday=0)
    assert added.ephemeral
    assert "every Monday at 09:00" in added.content
    first = next_run(added.content)
    assert first == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    assert first.astimezone(ZoneInfo("Asia/Seoul")).strftime("%A %H:%M") == "Monday 09:00"
    assert "server time: Monday 2026-11-30 09:00, Asia/Seoul" in added.content

    listed = (await emu.slash(world.guild, "general", "mod", "schedule list")).message.text()
    assert "every Monday at 09:00" in listed
    assert "server time: Monday 2026-11-30 09:00" in listed

    bot_clock.set(first)
    [outcome] = await bot.scheduler.run_due()
    assert outcome.status is RunStatus.POSTED
    [item] = await bot.scheduler.list(int(world.guild.id))
    assert item.next_run_utc == first + timedelta(days=7)


async def test_weekly_on_a_chosen_weekday_in_korean(emu: Emulator, world: DemoWorld, bot):
    added = await schedule(emu, world, locale="ko", time="21:00", repeat="weekly", weekday=5)
    assert "매주 토요일 21:00" in added.content
    assert next_run(added.content) == datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


async def test_weekly_without_a_weekday_takes_the_day_the_time_next_comes(
    emu: Emulator, world: DemoWorld, bot
):
    # 17:00 in Seoul: 09:00 next comes on Friday.
    added = await schedule(emu, world, time="09:00", repeat="weekly")
    assert "every Friday at 09:00" in added.content


@pytest.mark.parametrize("repeat", ["daily", "once"])
async def test_a_weekday_without_weekly_is_refused(
    emu: Emulator, world: DemoWorld, bot, repeat: str
):
    answer = await schedule(emu, world, time="09:00", repeat=repeat, weekday=2)
    assert answer.ephemeral
    assert "only applies to `repeat:weekly`" in answer.content
    assert "Wednesday" in answer.content
    assert await bot.database.fetchone("SELECT 1 FROM announcements") is None


async def test_weekday_choices_are_readable_in_both_languages(emu: Emulator, bot):
    [schedule_root] = [c for c in emu.commands() if c["name"] == "schedule"]
    [add] = [o for o in schedule_root["options"] if o["name"] == "add"]
    [weekday] = [o for o in add["options"] if o["name"] == "weekday"]
    assert not weekday.get("required")
    assert [c["name"] for c in weekday["choices"]] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    assert [c["value"] for c in weekday["choices"]] == list(range(7))
    korean = [c["name_localizations"]["ko"] for c in weekday["choices"]]
    assert korean == ["월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일"]
