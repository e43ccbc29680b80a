"""`/config language`: the language of what the bot writes for the whole channel (here a
scheduled countdown), whatever the language of the moderator who set it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.i18n import t
from bot.scheduler import RunStatus
from discord_emulator import DemoWorld, Emulator, demo_world

pytestmark = pytest.mark.asyncio

# Thursday 2026-11-26, 17:00 in Seoul.
START = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


@pytest.fixture
def bot_clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def guild_locale() -> str:
    return "en-US"


@pytest.fixture
def world(emu: Emulator, guild_locale: str) -> DemoWorld:
    """The demo server with the Discord locale `guild_locale`, set before the bot connects."""
    made = demo_world(emu)
    made.guild.preferred_locale = guild_locale
    return made


async def set_language(emu: Emulator, world: DemoWorld, language: str, locale: str = "en-US"):
    return await emu.slash(
        world.guild, "general", "mod", "config language", {"language": language}, locale=locale
    )


async def scheduled_countdown_title(emu: Emulator, world: DemoWorld, bot, bot_clock) -> str:
    """The title of a countdown scheduled (by an English-locale moderator) and posted."""
    await emu.slash(
        world.guild,
        "general",
        "mod",
        "schedule add",
        {"kind": "countdown", "time": "17:05", "repeat": "once", "channel": world.announcements},
    )
    bot_clock.advance(timedelta(minutes=5))
    [outcome] = await bot.scheduler.run_due()
    assert outcome.status is RunStatus.POSTED
    posted = await emu.wait_for_message(world.announcements)
    return posted.embeds[0]["title"]


@pytest.mark.parametrize(
    ("guild_locale", "chosen", "expected"),
    [
        ("en-US", [], "en"),  # auto, the default, follows the guild's locale
        ("ko", [], "ko"),
        ("en-US", ["ko"], "ko"),  # a Korean server whose Discord locale is English
        ("ko", ["en"], "en"),
        ("en-US", ["ko", "auto"], "en"),  # back to auto: the guild's locale again
        ("ko", ["en", "auto"], "ko"),
    ],
)
async def test_a_scheduled_post_is_in_the_servers_language(
    emu: Emulator, world: DemoWorld, bot, bot_clock, chosen, expected
):
    for language in chosen:
        done = await set_language(emu, world, language)
        assert done.ephemeral
    title = await scheduled_countdown_title(emu, world, bot, bot_clock)
    assert title == t("countdown.title", expected)
    assert await bot.server_language(int(world.guild.id)) == expected


async def test_the_reply_follows_the_moderator_and_the_setting_is_in_show_and_its_history(
    emu: Emulator, world: DemoWorld, bot
):
    before = await emu.slash(world.guild, "general", "mod", "config show")
    [field] = [f for f in before.message.embeds[0]["fields"] if f["name"] == "Language"]
    assert field["value"] == "auto: the server's Discord language (English now)"

    # A Korean-locale moderator reads the reply in Korean; the server's posts become Korean.
    done = await set_language(emu, world, "ko", locale="ko")
    assert done.ephemeral
    assert "한국어로 올라가요" in done.content

    shown = await emu.slash(world.guild, "general", "mod", "config show")
    [field] = [f for f in shown.message.embeds[0]["fields"] if f["name"] == "Language"]
    mod = world.guild.member("mod")
    assert field["value"].startswith("Korean\nlast changed by ")
    assert f"<@{mod.user.id}>" in field["value"]
    names = [f["name"] for f in shown.message.embeds[0]["fields"]]
    assert names.index("Language") == names.index("Time zone") + 1

    shown_ko = await emu.slash(world.guild, "general", "mod", "config show", locale="ko")
    [field] = [f for f in shown_ko.message.embeds[0]["fields"] if f["name"] == "언어"]
    assert field["value"].startswith("한국어\n마지막 변경: ")

    rows = await bot.database.fetchall(
        "SELECT setting, user_id, old_value, new_value FROM settings_changes"
    )
    assert [tuple(row) for row in rows] == [("language", int(mod.user.id), "auto", "ko")]
    # Set to what it is: nothing more is recorded.
    await set_language(emu, world, "ko")
    assert len(await bot.database.fetchall("SELECT id FROM settings_changes")) == 1


async def test_auto_follows_the_guild_locale_when_the_server_changes_it(
    emu: Emulator, world: DemoWorld, bot
):
    guild_id = int(world.guild.id)
    assert await bot.server_language(guild_id) == "en"
    # An admin sets the server's language in Server Settings: Discord sends GUILD_UPDATE.
    updated = asyncio.ensure_future(bot.wait_for("guild_update", timeout=5))
    world.guild.set_preferred_locale("ko")
    await updated
    assert await bot.server_language(guild_id) == "ko"
    shown = await emu.slash(world.guild, "general", "mod", "config show")
    [field] = [f for f in shown.message.embeds[0]["fields"] if f["name"] == "Language"]
    assert field["value"] == "auto: the server's Discord language (Korean now)"
