"""Moderator commands: refusals for members, settings, servers' own questions and events."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.client import FanBot, discover_cogs
from bot.config import Settings
from discord_emulator import DemoWorld, DriverError, Emulator, permissions

pytestmark = pytest.mark.asyncio


async def as_member(emu: Emulator, world: DemoWorld, user: str, command: str, options=None):
    """A member without Manage Server, in a server whose admins opened the command to all."""
    return await emu.slash(
        world.guild, "general", user, command, options, ignore_default_permissions=True
    )


async def test_members_do_not_see_moderator_commands(emu, world: DemoWorld, bot):
    with pytest.raises(DriverError, match="default_member_permissions"):
        await emu.slash(world.guild, "general", "uaena", "config show")


async def commands_of_the_loaded_bot() -> list[str]:
    """Every subcommand of every moderator root (Manage Server by default) in the command
    tree of a bot with every cog loaded: the cogs' own and the ones built from the features'
    declared settings (`config trivia-timeout`). A command added later is in this list
    without anyone adding it."""
    with tempfile.TemporaryDirectory() as folder:
        bot = FanBot(Settings(token="unused", database_path=Path(folder) / "tree.sqlite3"))
        try:
            await bot.open_database()
            for extension in discover_cogs():
                await bot.load_extension(extension)
            names = [
                command.qualified_name
                for root in bot.tree.get_commands()
                if isinstance(root, app_commands.Group)
                and root.default_permissions == discord.Permissions(manage_guild=True)
                for command in root.walk_commands()
            ]
        finally:
            await bot.close()
    return sorted(set(names))


# Computed once, when the tests are collected (outside any event loop).
MODERATOR_COMMANDS = asyncio.run(commands_of_the_loaded_bot())


def moderator_commands() -> list[str]:
    return MODERATOR_COMMANDS


# For each moderator command, options that change something when a moderator uses them
# (or, for show and list, that answer with the server's data), on the server that
# `moderator_made_some_of_everything` prepared.
def options_for(command: str, world: DemoWorld, emu: Emulator) -> dict | None:
    helpers = next(role for role in world.guild.roles.values() if role.name == "Helpers")
    return {
        "config show": None,
        "config cog": {"name": "trivia", "enabled": False},
        "config channel": {"channel": world.guild.channel("general")},
        "config timezone": {"zone": "Europe/Paris"},
        "config language": {"language": "ko"},
        "config trivia-timeout": {"seconds": 30},
        "config modrole": {"role": helpers},
        "trivia-admin add": {
            "question": "Which emoji do we react with?",
            "correct": "Lilac",
            "wrong1": "Heart",
            "wrong2": "Star",
            "wrong3": "Moon",
        },
        "trivia-admin import": {"file": emu.add_attachment("more.toml", OTHER_PACK.encode())},
        "trivia-admin remove-pack": {"pack": "ours.toml"},
        "trivia-admin remove": {"id": 1},
        "countdown-admin add": {"name": "Mine", "date": "2030-01-01"},
        "countdown-admin remove": {"name": "Ours"},
        "schedule add": {"kind": "quote", "time": "09:00", "repeat": "daily"},
        "schedule list": None,
        "schedule remove": {"id": 1},
    }[command]


READ_ONLY = {"config show", "schedule list"}


async def moderator_made_some_of_everything(emu: Emulator, world: DemoWorld) -> None:
    world.guild.add_role("Helpers", 0)
    setup = [
        ("config channel", {"channel": world.announcements}),
        ("trivia-admin import", {"file": emu.add_attachment("ours.toml", GOOD_PACK.encode())}),
        ("countdown-admin add", {"name": "Ours", "date": "2031-05-16"}),
        ("schedule add", {"kind": "symbol", "time": "21:00", "repeat": "weekly"}),
    ]
    for command, options in setup:
        done = await emu.slash(world.guild, "general", "mod", command, options)
        assert done.ephemeral
        assert "Only moderators" not in done.content


async def everything_stored(bot) -> dict[str, list[tuple]]:
    """Every row of every table, so "nothing changed" means nothing at all."""
    tables = await bot.database.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return {
        table["name"]: [
            tuple(row) for row in await bot.database.fetchall(f"SELECT * FROM {table['name']}")
        ]
        for table in tables
    }


@pytest.mark.parametrize("command", moderator_commands())
async def test_non_moderators_are_refused_and_nothing_changes(emu, world: DemoWorld, bot, command):
    await moderator_made_some_of_everything(emu, world)
    before = await everything_stored(bot)
    settings = await bot.guild_settings.get(int(world.guild.id))
    result = await as_member(emu, world, "uaena", command, options_for(command, world, emu))
    assert result.ephemeral
    assert "Only moderators" in result.content
    assert await everything_stored(bot) == before
    assert await bot.guild_settings.get(int(world.guild.id)) == settings


@pytest.mark.parametrize("command", sorted(set(moderator_commands()) - READ_ONLY))
async def test_the_same_command_from_a_moderator_changes_something(
    emu, world: DemoWorld, bot, command
):
    # The refusals above would prove nothing if their options were refused anyway.
    await moderator_made_some_of_everything(emu, world)
    before = await everything_stored(bot)
    result = await emu.slash(
        world.guild, "general", "mod", command, options_for(command, world, emu)
    )
    assert "Only moderators" not in result.text()
    assert await everything_stored(bot) != before


async def test_every_moderator_root_is_covered():
    roots = {command.split()[0] for command in moderator_commands()}
    assert roots == {"config", "trivia-admin", "countdown-admin", "schedule"}
    assert len(moderator_commands()) >= 15


async def test_a_disabled_cog_says_so_and_can_be_turned_back_on(emu, world: DemoWorld, bot):
    off = await emu.slash(
        world.guild, "general", "mod", "config cog", {"name": "trivia", "enabled": False}
    )
    assert off.ephemeral
    refused = await emu.slash(world.guild, "general", "uaena", "trivia play")
    assert refused.ephemeral
    assert "turned off in this server" in refused.content
    still_on = await emu.slash(world.guild, "general", "uaena", "symbol", {"name": "Nemo"})
    assert not still_on.ephemeral

    await emu.slash(
        world.guild, "general", "mod", "config cog", {"name": "symbols", "enabled": False}
    )
    quote = await emu.slash(world.guild, "general", "uaena", "quote")
    assert "turned off" in quote.content

    await emu.slash(
        world.guild, "general", "mod", "config cog", {"name": "trivia", "enabled": True}
    )
    assert not (await emu.slash(world.guild, "general", "uaena", "trivia play")).ephemeral


async def test_config_show_says_who_changed_what(emu, world: DemoWorld, bot):
    await emu.slash(world.guild, "general", "mod", "config trivia-timeout", {"seconds": 45})
    await emu.slash(world.guild, "general", "mod", "config timezone", {"zone": "europe/paris"})
    shown = await emu.slash(world.guild, "general", "mod", "config show")
    assert shown.ephemeral
    text = shown.message.text()
    assert "45 seconds" in text
    assert "`Europe/Paris`" in text
    assert f"last changed by <@{world.mod.id}>" in text
    rows = await bot.database.fetchall(
        "SELECT setting, old_value, new_value, user_id FROM settings_changes ORDER BY id"
    )
    assert [tuple(row) for row in rows] == [
        ("trivia_timeout", "20", "45", int(world.mod.id)),
        ("timezone", "Asia/Seoul", "Europe/Paris", int(world.mod.id)),
    ]


@pytest.mark.parametrize(
    ("command", "options", "says"),
    [
        ("config trivia-timeout", {"seconds": 500}, "from 5 to 120 seconds"),
        ("config timezone", {"zone": "Mars/Olympus"}, "zone name such as `Asia/Seoul`"),
        ("countdown-admin add", {"name": "X", "date": "2025-13-40"}, "Write `YYYY-MM-DD`"),
        ("schedule add", {"kind": "quote", "time": "25:00", "repeat": "daily"}, "HH:MM"),
        ("schedule add", {"kind": "quote", "time": "09:00", "repeat": "daily"}, "/config channel"),
        ("trivia-admin remove", {"id": 999}, "no question #999"),
        ("schedule remove", {"id": 999}, "no scheduled announcement #999"),
    ],
)
async def test_moderator_mistakes_are_explained_and_nothing_is_stored(
    emu, world: DemoWorld, bot, command, options, says
):
    result = await emu.slash(world.guild, "general", "mod", command, options)
    assert result.ephemeral
    assert says in result.content
    assert await bot.database.fetchone("SELECT 1 FROM settings_changes") is None
    assert await bot.database.fetchone("SELECT 1 FROM countdown_events") is None
    assert await bot.database.fetchone("SELECT 1 FROM announcements") is None


async def test_timezone_autocomplete(emu, world: DemoWorld, bot):
    choices = await emu.autocomplete(
        world.guild, "general", "mod", "config timezone", "zone", "seo"
    )
    assert [choice["value"] for choice in choices] == ["Asia/Seoul"]


async def test_moderator_role_opens_the_commands(emu, world: DemoWorld, bot):
    helpers = world.guild.add_role("Helpers", 0)
    world.guild.member("army").roles.append(helpers)  # army now holds the role
    refused = await as_member(emu, world, "army", "config show")
    assert "Only moderators" in refused.content

    await emu.slash(world.guild, "general", "owner", "config modrole", {"role": helpers})
    allowed = await as_member(emu, world, "army", "config show")
    assert "Settings for this server" in allowed.message.text()

    await emu.slash(world.guild, "general", "owner", "config modrole")
    assert "Only moderators" in (await as_member(emu, world, "army", "config show")).content


async def test_trivia_admin_add_then_play_then_remove(emu, world: DemoWorld, bot):
    added = await emu.slash(
        world.guild,
        "general",
        "mod",
        "trivia-admin add",
        {
            "question": "Which room hosts our listening parties? @everyone",
            "correct": "#general",
            "wrong1": "#trivia",
            "wrong2": "#announcements",
            "wrong3": "#memes",
            "category": "server",
        },
    )
    assert added.ephemeral
    assert "Added question **#1**" in added.content
    played = await emu.slash(world.guild, "trivia", "uaena", "trivia play", {"category": "server"})
    assert "listening parties" in played.message.text()
    assert not played.message.pings().everyone
    removed = await emu.slash(world.guild, "general", "mod", "trivia-admin remove", {"id": 1})
    assert "is removed" in removed.content


async def test_trivia_admin_add_refuses_duplicate_answers(emu, world: DemoWorld, bot):
    result = await emu.slash(
        world.guild,
        "general",
        "mod",
        "trivia-admin add",
        {"question": "Q?", "correct": "Same", "wrong1": "same", "wrong2": "b", "wrong3": "c"},
    )
    assert result.ephemeral
    assert "two of its answers are the same" in result.content
    assert await bot.database.fetchone("SELECT 1 FROM trivia_questions") is None


GOOD_PACK = """
[[questions]]
question = "What colour is our server banner?"
correct = "Lilac"
wrong1 = "Red"
wrong2 = "Green"
wrong3 = "Black"
category = "server"

[[questions]]
question = "Which day is our weekly watch party?"
correct = "Friday"
wrong1 = "Monday"
wrong2 = "Tuesday"
wrong3 = "Sunday"
"""

OTHER_PACK = """
[[questions]]
question = "Which song do we sing at every meetup?"
correct = "Love wins all"
wrong1 = "Blueming"
wrong2 = "Palette"
wrong3 = "Celebrity"
"""


async def test_import_stores_a_whole_pack(emu, world: DemoWorld, bot):
    pack = emu.add_attachment("ours.toml", GOOD_PACK.encode())
    result = await emu.slash(world.guild, "general", "mod", "trivia-admin import", {"file": pack})
    assert result.ephemeral
    assert "stored 2, skipped 0 already here" in result.message.text()
    row = await bot.database.fetchone("SELECT COUNT(*) FROM trivia_questions")
    assert row[0] == 2


async def test_import_refuses_a_bad_pack_whole_naming_each_problem(emu, world: DemoWorld, bot):
    pack = {
        "questions": [
            {"question": "Fine?", "correct": "a", "wrong1": "b", "wrong2": "c", "wrong3": "d"},
            {"question": "Broken?", "correct": "a", "wrong1": "b", "wrong2": "c"},
            {"question": "Long?", "correct": "x" * 90, "wrong1": "b", "wrong2": "c", "wrong3": "d"},
        ]
    }
    attachment = emu.add_attachment("pack.json", json.dumps(pack).encode())
    result = await emu.slash(
        world.guild, "general", "mod", "trivia-admin import", {"file": attachment}
    )
    assert result.ephemeral
    text = result.message.text()
    assert "Nothing was imported" in text
    assert "question 2, field wrong3: is missing" in text
    assert "question 3, field correct: is 90 characters; at most 80" in text
    assert await bot.database.fetchone("SELECT 1 FROM trivia_questions") is None

    wrong_kind = emu.add_attachment("pack.yaml", b"questions: []")
    refused = await emu.slash(
        world.guild, "general", "mod", "trivia-admin import", {"file": wrong_kind}
    )
    assert "neither .toml nor .json" in refused.message.text()

    broken = emu.add_attachment("pack.json", b'{"questions": [\n  {"question": "x",}\n]}')
    parse = await emu.slash(world.guild, "general", "mod", "trivia-admin import", {"file": broken})
    assert "line 2: not valid JSON" in parse.message.text()


async def test_countdown_admin_event_shows_up_and_goes(emu, world: DemoWorld, bot):
    added = await emu.slash(
        world.guild,
        "general",
        "mod",
        "countdown-admin add",
        {"name": "Server birthday", "date": "2024-03-01 20:00", "yearly": True},
    )
    assert added.ephemeral
    assert "every year" in added.content
    shown = await emu.slash(
        world.guild, "general", "uaena", "countdown", {"event": "Server birthday"}
    )
    assert "every year" in shown.message.text()  # no kind given: it doesn't guess one
    twice = await emu.slash(
        world.guild,
        "general",
        "mod",
        "countdown-admin add",
        {"name": "server BIRTHDAY", "date": "2024-03-01"},
    )
    assert "already an event" in twice.content
    choices = await emu.autocomplete(
        world.guild, "general", "mod", "countdown-admin remove", "name", "birth"
    )
    assert [choice["value"] for choice in choices] == ["Server birthday"]
    gone = await emu.slash(
        world.guild, "general", "mod", "countdown-admin remove", {"name": "Server birthday"}
    )
    assert "is removed" in gone.content


@pytest.mark.parametrize(
    ("denied", "named"),
    [
        # As Discord implies them: who can't see a channel can't post in it either.
        (permissions.VIEW_CHANNEL, "View Channel, Send Messages, Embed Links"),
        (permissions.SEND_MESSAGES, "Send Messages, Embed Links"),
        (permissions.EMBED_LINKS, "Embed Links"),
    ],
)
async def test_channel_the_bot_cannot_post_in_is_refused(emu, world: DemoWorld, bot, denied, named):
    locked = world.guild.add_text_channel("locked")
    locked.set_overwrite(world.guild.me, deny=denied)
    result = await emu.slash(world.guild, "general", "mod", "config channel", {"channel": locked})
    assert result.ephemeral
    assert f"I'm missing {named} there" in result.content
    assert (await bot.guild_settings.get(int(world.guild.id))).announce_channel_id is None
    assert await bot.database.fetchone("SELECT 1 FROM settings_changes") is None


async def test_everyone_cannot_be_the_moderator_role(emu, world: DemoWorld, bot):
    result = await emu.slash(
        world.guild, "general", "owner", "config modrole", {"role": world.guild.everyone}
    )
    assert result.ephemeral
    assert "@everyone can't be the moderator role" in result.content
    assert (await bot.guild_settings.get(int(world.guild.id))).mod_role_id is None
    assert await bot.database.fetchone("SELECT 1 FROM settings_changes") is None
    # And so members are still refused.
    assert "Only moderators" in (await as_member(emu, world, "uaena", "config show")).content


async def test_remove_offers_the_servers_own_questions(emu, world: DemoWorld, bot):
    pack = emu.add_attachment("ours.toml", GOOD_PACK.encode())
    await emu.slash(world.guild, "general", "mod", "trivia-admin import", {"file": pack})
    # An integer field: members can only type digits, so the list narrows by number.
    everything = await emu.autocomplete(
        world.guild, "general", "mod", "trivia-admin remove", "id", ""
    )
    assert [choice["value"] for choice in everything] == [1, 2]
    choices = await emu.autocomplete(
        world.guild, "general", "mod", "trivia-admin remove", "id", "2"
    )
    assert [choice["name"] for choice in choices] == ["#2 · Which day is our weekly watch party?"]
