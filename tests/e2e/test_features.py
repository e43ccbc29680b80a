"""A feature the core has never heard of, declared in a test: it shows in /config cog and
/config show and its setting gets its /config subcommand; mismatched kinds stop the start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.client import FanBot, installed_features
from bot.config import Settings
from bot.features import Feature, FeatureError, Features
from cogs.config.cog import ConfigCog
from cogs.schedule.cog import ScheduleCog
from discord_emulator import DemoWorld, Emulator, running_client
from tests.support.features import LYRICS

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def bot(emu: Emulator, world: DemoWorld, tmp_path) -> AsyncIterator[FanBot]:
    settings = Settings(
        token=emu.token, database_path=tmp_path / "bot.sqlite3", api_base=emu.base_url
    )
    client = FanBot(
        settings, guild_ready_timeout=0.05, features=installed_features().with_feature(LYRICS)
    )
    async with running_client(client, emu):
        yield client


def synced(emu: Emulator, path: str) -> dict:
    """The synced definition of `/config cog` ("config cog") and the like."""
    root, sub = path.split()
    command = next(c for c in emu.commands() if c["name"] == root)
    return next(option for option in command["options"] if option["name"] == sub)


async def test_a_declared_feature_can_be_switched_off(emu, world: DemoWorld, bot):
    choices = [choice["value"] for choice in synced(emu, "config cog")["options"][0]["choices"]]
    assert choices == ["trivia", "symbols", "countdown", "announcements", "lyrics"]
    off = await emu.slash(
        world.guild, "general", "mod", "config cog", {"name": "lyrics", "enabled": False}
    )
    assert "`lyrics` is now off" in off.content
    assert not (await bot.guild_settings.get(int(world.guild.id))).cog_enabled("lyrics")
    shown = (await emu.slash(world.guild, "general", "mod", "config show")).message.text()
    assert "`lyrics`: off" in shown
    assert "`trivia`: on" in shown


async def test_a_declared_setting_gets_its_config_subcommand(emu, world: DemoWorld, bot):
    command = synced(emu, "config lyrics-lines")
    assert command["description"] == "How many lines of lyrics a post shows"
    assert [(o["name"], o["description"]) for o in command["options"]] == [
        ("lines", "From 1 to 12 lines")
    ]
    # The test feature has no catalog entries: its keys are shown as they are.
    done = await emu.slash(world.guild, "general", "mod", "config lyrics-lines", {"lines": 7})
    assert done.ephemeral
    assert done.content == "lyrics.lines_set"
    refused = await emu.slash(world.guild, "general", "mod", "config lyrics-lines", {"lines": 13})
    assert refused.ephemeral
    assert refused.content == "lyrics.bad_lines"
    assert (await bot.guild_settings.get(int(world.guild.id))).value("lyrics_lines") == 7
    rows = await bot.database.fetchall("SELECT setting, old_value, new_value FROM settings_changes")
    assert [tuple(row) for row in rows] == [("lyrics_lines", "4", "7")]
    shown = await emu.slash(world.guild, "general", "mod", "config show")
    fields = [field["name"] for field in shown.message.embeds[0]["fields"]]
    assert fields[-3:] == ["Trivia timeout", "lyrics.label", "Moderator role"]


async def test_members_may_not_set_a_declared_setting(emu, world: DemoWorld, bot):
    refused = await emu.slash(
        world.guild,
        "general",
        "uaena",
        "config lyrics-lines",
        {"lines": 7},
        ignore_default_permissions=True,
    )
    assert "Only moderators" in refused.content
    assert await bot.database.fetchone("SELECT 1 FROM feature_settings") is None


async def start_with(tmp_path, features: Features) -> None:
    """Run the bot's start-up (without connecting) with `features`; closes it after."""
    bot = FanBot(
        Settings(token="unused", database_path=tmp_path / "bot.sqlite3"), features=features
    )
    try:
        await bot.setup_hook()
    finally:
        await bot.close()


async def test_a_declared_kind_without_a_renderer_stops_the_start(tmp_path):
    features = installed_features().with_feature(Feature("lyrics", 50, kinds=("lyrics",)))
    with pytest.raises(FeatureError, match="declared but rendered by no cog: lyrics"):
        await start_with(tmp_path, features)


async def test_a_rendered_kind_no_feature_declares_stops_the_start(tmp_path):
    undeclared = [
        replace(feature, kinds=()) if feature.name == "countdown" else feature
        for feature in installed_features().all
    ]
    with pytest.raises(FeatureError, match="rendered but declared by no feature: countdown"):
        await start_with(tmp_path, Features(undeclared))


async def test_two_bots_in_one_process_offer_their_own_choices(tmp_path):
    """The choices are set on each bot's copy of the commands, never on the cog classes."""

    def bot_with(features: Features) -> FanBot:
        settings = Settings(token="unused", database_path=tmp_path / "unused.sqlite3")
        return FanBot(settings, features=features)

    plain = bot_with(installed_features())
    # Another bot whose countdowns post no announcements, and with a feature more.
    features = [
        replace(feature, kinds=()) if feature.name == "countdown" else feature
        for feature in plain.features.all
    ]
    other = bot_with(Features([*features, LYRICS]))
    configs = [ConfigCog(plain), ConfigCog(other)]
    schedules = [ScheduleCog(plain), ScheduleCog(other)]
    try:
        offered = [
            [choice.value for choice in config.cog.get_parameter("name").choices]
            for config in configs
        ]
        assert offered == [
            ["trivia", "symbols", "countdown", "announcements"],
            ["trivia", "symbols", "countdown", "announcements", "lyrics"],
        ]
        for config, names in zip(configs, (set(), {"lyrics-lines"}), strict=True):
            generated = {c.name for c in config.config.commands} - {
                "show",
                "cog",
                "channel",
                "timezone",
                "language",
                "trivia-timeout",
                "modrole",
            }
            assert generated == names
        kinds_offered = [
            [choice.value for choice in schedule.add.get_parameter("kind").choices]
            for schedule in schedules
        ]
        assert kinds_offered == [
            ["trivia", "quote", "symbol", "countdown"],
            ["trivia", "quote", "symbol"],
        ]
    finally:
        await plain.close()
        await other.close()
