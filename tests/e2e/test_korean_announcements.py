"""A Korean server (Discord locale `ko`): what the bot writes for the whole channel (the
scheduled quote, symbol and countdown, and the countdown's pages whoever turns them) is in
Korean, while a member's own command still answers in that member's locale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.scheduler import RunStatus
from cogs.symbols.cog import load_quotes, load_symbols
from discord_emulator import DemoWorld, Emulator, demo_world
from tests.support.payloads import unguarded_payloads

pytestmark = pytest.mark.asyncio

# Thursday 2026-11-26, 17:00 in Seoul.
START = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
SYMBOLS = load_symbols()


@pytest.fixture
def world(emu: Emulator) -> DemoWorld:
    korean = demo_world(emu)
    korean.guild.preferred_locale = "ko"  # before the bot connects: its GUILD_CREATE says so
    return korean


@pytest.fixture
def bot_clock() -> FakeClock:
    return FakeClock(START)


async def posted(emu, world: DemoWorld, bot, bot_clock, kind: str):
    added = await emu.slash(
        world.guild,
        "general",
        "mod",
        "schedule add",
        {"kind": kind, "time": "17:05", "repeat": "once", "channel": world.announcements},
    )
    assert "Added" in added.content or "#1" in added.content, added.content
    bot_clock.advance(timedelta(minutes=5))
    [outcome] = await bot.scheduler.run_due()
    assert outcome.status is RunStatus.POSTED
    return await emu.wait_for_message(world.announcements)


async def test_a_scheduled_symbol_is_in_korean(emu, world: DemoWorld, bot, bot_clock):
    message = await posted(emu, world, bot, bot_clock, "symbol")
    embed = message.embeds[0]
    symbol = next(s for s in SYMBOLS if s.name_ko == embed["title"])
    assert f"> {symbol.quote_ko.splitlines()[0]}" in embed["description"]
    assert symbol.attribution_ko in message.text()
    assert symbol.quote not in message.text()
    assert unguarded_payloads(emu) == []


async def test_a_scheduled_quote_is_in_korean(emu, world: DemoWorld, bot, bot_clock):
    message = await posted(emu, world, bot, bot_clock, "quote")
    text = message.text()
    assert "출처" in text
    assert "Attribution" not in text
    quotes = load_quotes() + [symbol.as_quote() for symbol in SYMBOLS]
    shown = [q for q in quotes if (q.text_ko or q.text) in text]
    assert len(shown) == 1
    [quote] = shown
    if quote.speaker_ko:
        assert f"{quote.speaker_ko}, {quote.context_ko}" in text
    else:
        assert quote.attribution_ko in text


async def test_a_scheduled_countdown_and_its_pages_stay_korean(
    emu, world: DemoWorld, bot, bot_clock
):
    message = await posted(emu, world, bot, bot_clock, "countdown")
    description = message.embeds[0]["description"]
    assert "**뷔 전역** · 534일 전 (D+534)" in description.splitlines()
    assert "1/2 페이지" in message.text()
    # An English-locale member turns the page: the channel's message stays in Korean.
    turned = await emu.click(message, message.buttons()[1]["custom_id"], "army", locale="en-US")
    assert turned.message is message
    description = message.embeds[0]["description"]
    assert "**뷔 입대**" in description
    assert "V's enlistment" not in description
    assert "2/2 페이지" in message.text()


async def test_a_members_own_command_follows_the_member_not_the_server(emu, world: DemoWorld, bot):
    english = await emu.slash(world.guild, "general", "army", "countdown", locale="en-US")
    assert "**V's discharge**" in english.message.text()
    assert "전역" not in english.message.text()
    symbol = await emu.slash(world.guild, "general", "army", "symbol", {"name": "네모"})
    assert symbol.message.embeds[0]["title"] == "Nemo"
    korean = await emu.slash(world.guild, "general", "uaena", "countdown", locale="ko")
    assert "**뷔 전역**" in korean.message.text()
