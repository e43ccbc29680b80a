"""The server's history (the dashboard's settings page) has the moderators' commands too:
each announcement, question, pack and countdown event a command adds or removes, with the
member's name and "command", as the dashboard's pages record theirs with "dashboard". A
refused command records nothing."""

from __future__ import annotations

import pytest

from bot.client import FanBot
from discord_emulator import DemoWorld, Emulator
from tests.support.announcements import schedule
from tests.support.dashboard import recorded_changes
from tests.support.dashboard_questions import GOOD_PACK

pytestmark = pytest.mark.asyncio

QUESTION = {
    "question": "Who drew our server's emoji?",
    "correct": "Hana",
    "wrong1": "Dami",
    "wrong2": "Sora",
    "wrong3": "Yuna",
}


async def mod(emu: Emulator, world: DemoWorld, command: str, options: dict[str, object]) -> str:
    """A moderator's command; its ephemeral answer."""
    done = await emu.slash(world.guild, "general", "mod", command, options)
    assert done.ephemeral
    return done.content


async def test_schedule_add_and_remove_are_in_the_history(
    emu: Emulator, world: DemoWorld, bot: FanBot
) -> None:
    await schedule(emu, world, world.announcements)
    assert await recorded_changes(bot, world.guild.id) == [
        ("announcement", None, "#1 quote", "mod", "command")
    ]
    answer = await mod(emu, world, "schedule remove", {"id": 7})
    assert "#7" in answer
    await mod(emu, world, "schedule remove", {"id": 1})
    assert (await recorded_changes(bot, world.guild.id))[1:] == [
        ("announcement", "#1", None, "mod", "command")
    ]


async def test_trivia_admin_add_and_remove_are_in_the_history(
    emu: Emulator, world: DemoWorld, bot: FanBot
) -> None:
    await mod(emu, world, "trivia-admin add", QUESTION)
    assert await recorded_changes(bot, world.guild.id) == [
        ("question", None, "#1 Who drew our server's emoji?", "mod", "command")
    ]
    await mod(emu, world, "trivia-admin add", QUESTION)  # already here: nothing stored
    await mod(emu, world, "trivia-admin remove", {"id": 9})
    await mod(emu, world, "trivia-admin remove", {"id": 1})
    assert (await recorded_changes(bot, world.guild.id))[1:] == [
        ("question", "#1", None, "mod", "command")
    ]


async def test_trivia_admin_import_and_remove_pack_are_in_the_history(
    emu: Emulator, world: DemoWorld, bot: FanBot
) -> None:
    async def import_pack(check: bool = False) -> None:
        attachment = emu.add_attachment("ours.toml", GOOD_PACK.encode())
        await mod(emu, world, "trivia-admin import", {"file": attachment, "check": check})

    await import_pack(check=True)  # stores nothing
    assert await recorded_changes(bot, world.guild.id) == []
    await import_pack()
    await import_pack()  # every question already here: nothing stored
    assert await recorded_changes(bot, world.guild.id) == [
        ("question_pack", None, "ours.toml (2)", "mod", "command")
    ]
    await mod(emu, world, "trivia-admin remove-pack", {"pack": "theirs.toml"})
    await mod(emu, world, "trivia-admin remove-pack", {"pack": "ours.toml"})
    assert (await recorded_changes(bot, world.guild.id))[1:] == [
        ("question_pack", "ours.toml (2)", None, "mod", "command")
    ]


async def test_countdown_admin_add_and_remove_are_in_the_history(
    emu: Emulator, world: DemoWorld, bot: FanBot
) -> None:
    added = {"name": "Watch party", "date": "2030-01-24"}
    await mod(emu, world, "countdown-admin add", added)
    assert await recorded_changes(bot, world.guild.id) == [
        ("countdown_event", None, "Watch party (2030-01-24)", "mod", "command")
    ]
    await mod(emu, world, "countdown-admin add", added)  # the name is taken
    await mod(emu, world, "countdown-admin remove", {"name": "Nothing here"})
    await mod(emu, world, "countdown-admin remove", {"name": "Watch party"})
    assert (await recorded_changes(bot, world.guild.id))[1:] == [
        ("countdown_event", "Watch party", None, "mod", "command")
    ]
