"""Showing what the bot sent: times in words, mentions by name, each post and edit once."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from bot.playground.render import Renderer, relative_time
from bot.playground.session import Session
from bot.playground.terminal import Console, wrap_keeping_margin
from bot.playground.world import build_world
from discord_emulator import Emulator


def test_relative_times_read_as_words() -> None:
    assert relative_time(20) == "in 20 seconds"
    assert relative_time(-1) == "1 second ago"
    assert relative_time(3 * 86400 + 5) == "in 3 days"


def test_relative_times_read_in_korean_for_a_korean_member() -> None:
    # As Discord's Korean client words <t:...:R>.
    assert relative_time(19, "ko") == "19초 후"
    assert relative_time(-3 * 86400, "ko") == "3일 전"
    assert relative_time(2 * 3600 + 5, "ko") == "2시간 후"


async def test_mentions_timestamps_and_news_are_readable() -> None:
    emu = Emulator()
    world = build_world(emu)
    out = io.StringIO()
    now = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    renderer = Renderer(world.guild, clock=lambda: now)
    session = Session(emu, world, Console(out, interactive=False), renderer)

    content = (
        f"**Hi** {world.uaena.mention} in {world.trivia.mention}, {world.mods.mention}: "
        f"closes <t:{int(now) + 20}:R>"
    )
    message = emu.world.create_message(world.general, emu.bot, content=content)
    await session.news.flush()
    emu.world.edit_message(message, {"content": "over"})
    await session.news.flush()
    await session.news.flush()  # shown once only

    lines = out.getvalue().splitlines()
    assert lines[0] == "* the bot posted here:"
    assert lines[1].startswith("  Hi @UAENA in #trivia, @Mods: closes in 20 seconds (")
    assert lines[2:] == ["* the bot edited its message here:", "  over"]


def test_the_demo_server_has_the_same_ids_every_session() -> None:
    first, second = build_world(Emulator()), build_world(Emulator())
    assert first.guild.id == second.guild.id
    assert first.army.id == second.army.id
    assert first.general.id == second.general.id


def test_an_embed_reads_as_a_block_behind_a_bar() -> None:
    emu = Emulator()
    world = build_world(emu)
    embed = {
        "author": {"name": "IU"},
        "title": "Nemo",
        "description": "The cube.\n*Square* in Korean",
        "fields": [
            {"name": "Did you know?", "value": "It chases them."},
            {"name": "Sources", "value": "one\ntwo"},
        ],
        "footer": {"text": "round 1"},
    }
    message = emu.world.create_message(world.general, emu.bot, content="", embeds=[embed])
    assert Renderer(world.guild).message(message) == [
        "┃ IU",
        "┃ Nemo",
        "┃ The cube.",
        "┃ Square in Korean",
        "┃   Did you know? It chases them.",
        "┃   Sources:",
        "┃     one",
        "┃     two",
        "┃ — round 1",
    ]


def test_buttons_and_menus_show_their_state_and_ephemeral_is_marked() -> None:
    emu = Emulator()
    world = build_world(emu)
    row = {
        "type": 1,
        "components": [
            {"type": 2, "style": 3, "label": "A. Nonsan", "custom_id": "a"},
            {"type": 2, "style": 2, "label": "B. Wonju", "custom_id": "b", "disabled": True},
            {"type": 2, "style": 5, "label": "Source", "url": "https://example.org"},
        ],
    }
    menu = {
        "type": 1,
        "components": [
            {
                "type": 3,
                "custom_id": "pick",
                "placeholder": "Pick a symbol",
                "options": [{"label": "Nemo", "value": "nemo"}, {"label": "Camcorder"}],
            }
        ],
    }
    message = emu.world.create_message(
        world.general, emu.bot, content="Your answer", components=[row, menu], flags=64
    )
    assert Renderer(world.guild).message(message) == [
        "[ephemeral] Your answer",
        "[A. Nonsan] (green)",
        "[B. Wonju] (disabled)",
        "[Source] (link https://example.org)",
        "<menu Pick a symbol: Nemo, Camcorder>",
    ]


def test_markup_is_dropped_and_unknown_ids_are_named_as_such() -> None:
    world = build_world(Emulator())
    renderer = Renderer(world.guild)
    assert renderer.text("__under__ *it* \\# </trivia play:123> <:uaena:42>") == (
        "under it # /trivia play :uaena:"
    )
    assert renderer.text("<@1> <@&2> <#3>") == (
        "@unknown-user-1 @deleted-role-2 #unknown-channel-3"
    )
    assert renderer.text("```\n A ██ 2\n```") == " A ██ 2"
    assert Renderer(world.guild, color=True).text("**Hi**") == "\x1b[1mHi\x1b[0m"


def test_long_lines_wrap_behind_their_margin() -> None:
    line = "┃   • " + "word " * 30
    wrapped = wrap_keeping_margin(line.rstrip(), 40)
    assert len(wrapped) > 1
    assert all(len(part) <= 40 for part in wrapped)
    assert all(part.startswith("┃     ") for part in wrapped[1:])
    assert wrap_keeping_margin("short", 40) == ["short"]
