"""Every member command, through the real client and the emulator, as a member sees it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.client import FanBot
from bot.clock import FakeClock
from bot.config import Settings
from bot.deadline import DEFER_AFTER
from discord_emulator import DemoWorld, Emulator, eventually, running_client
from tests.support.bots import bot_messages
from tests.support.payloads import unguarded_payloads

pytestmark = pytest.mark.asyncio

MEMBER_COMMANDS = {"about", "countdown", "privacy", "quote", "symbol", "trivia"}
MODERATOR_ROOTS = {"config", "trivia-admin", "countdown-admin", "schedule"}
MANAGE_SERVER = str(1 << 5)


async def test_commands_are_synced_with_moderator_roots_hidden_from_members(emu, bot):
    synced = {command["name"]: command for command in emu.commands()}
    assert set(synced) == MEMBER_COMMANDS | MODERATOR_ROOTS
    for name in MODERATOR_ROOTS:
        assert synced[name]["default_member_permissions"] == MANAGE_SERVER, name
    for name in MEMBER_COMMANDS:
        assert synced[name].get("default_member_permissions") is None, name
    trivia = {option["name"] for option in synced["trivia"]["options"]}
    assert trivia == {"play", "leaderboard", "stats"}
    privacy = {option["name"] for option in synced["privacy"]["options"]}
    assert privacy == {"forget"}
    # Korean descriptions travel with the commands.
    assert synced["trivia"]["description_localizations"]["ko"]


async def test_about_is_public_with_credits(emu, world: DemoWorld, bot):
    result = await emu.slash(world.guild, "general", "uaena", "about")
    assert not result.ephemeral
    text = result.message.text()
    assert "Love wins all" in text
    assert "Credits" in text
    assert "Seo Dong-hwan" in text
    assert "does not sing" in text
    assert "/privacy forget" in text  # members learn they can remove their data


async def test_symbol_quotes_the_guide_with_its_attribution(emu, world: DemoWorld, bot):
    result = await emu.slash(world.guild, "general", "uaena", "symbol", {"name": "Nemo"})
    assert not result.ephemeral
    text = result.message.text()
    assert "discrimination" in text
    assert "interpretation guide EDAM Entertainment released on 2024-01-24" in text
    assert "Um Tae-hwa" in text


async def test_symbol_accepts_its_korean_name_and_answers_in_korean(emu, world, bot):
    result = await emu.slash(
        world.guild, "general", "uaena", "symbol", {"name": "네모"}, locale="ko"
    )
    assert "차별" in result.message.text()


async def test_symbol_autocomplete_and_unknown_symbol(emu, world: DemoWorld, bot):
    choices = await emu.autocomplete(world.guild, "general", "uaena", "symbol", "name", "cam")
    assert [choice["name"] for choice in choices] == ["Camcorder"]
    everything = await emu.autocomplete(world.guild, "general", "uaena", "symbol", "name", "")
    assert {"Nemo", "Camcorder"} <= {choice["value"] for choice in everything}

    wrong = await emu.slash(world.guild, "general", "uaena", "symbol", {"name": "Neon"})
    assert wrong.ephemeral
    assert "no symbol `Neon`" in wrong.content
    assert "Nemo" in wrong.content


async def test_quote_random_and_search(emu, world: DemoWorld, bot):
    result = await emu.slash(world.guild, "general", "uaena", "quote")
    assert not result.ephemeral
    assert "Attribution" in result.message.text()

    found = await emu.slash(world.guild, "general", "uaena", "quote", {"search": "regret"})
    assert "regret" in found.message.text().casefold()

    nothing = await emu.slash(world.guild, "general", "uaena", "quote", {"search": "zzzz"})
    assert nothing.ephemeral
    assert "No quote matches" in nothing.content


# Thursday 2026-11-26, 17:00 in Seoul: the counts below are the numbers a member reads then.
COUNTDOWN_NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
COUNTDOWN_FIRST_PAGE = [
    # Upcoming, soonest first; yearly ones name their occurrence.
    '**"Love wins all" release anniversary** · 3rd anniversary · in 59 days (D-59)',
    "**IU's birthday** · 34th birthday · in 171 days (D-171)",
    "**IU's debut anniversary** · 19th debut anniversary · in 296 days (D-296)",
    # Then the past, the most recent first.
    "**Music video passes 100 million views** · 433 days ago (D+433)",
    "**V's discharge** · 534 days ago (D+534)",
    "**Screening at the Muju Film Festival** · 538 days ago (D+538)",
    '**V\'s "FRI(END)S" release** · 986 days ago (D+986)',
    '**"The Winning" release** · 1010 days ago (D+1010)',
    "**V's unit posting** · 1022 days ago (D+1022)",
    '**"Love wins all" song release** · 1037 days ago (D+1037)',
]


# The `bot` fixture reads its clock from `bot_clock`; this pins it for this test alone.
@pytest.mark.parametrize("bot_clock", [FakeClock(COUNTDOWN_NOW)], ids=["2026-11-26"])
async def test_countdown_lists_every_event_and_one_in_detail(emu, world: DemoWorld, bot):
    result = await emu.slash(world.guild, "general", "uaena", "countdown")
    assert not result.ephemeral
    lines = result.message.embeds[0]["description"].splitlines()
    assert lines == COUNTDOWN_FIRST_PAGE
    turned = await emu.click(result.message, result.message.buttons()[1]["custom_id"], "uaena")
    assert turned.message.embeds[0]["description"].splitlines() == [
        '**"Love wins all" music video release** · 1037 days ago (D+1037)',
        '**"Love wins" becomes "Love wins all"** · 1042 days ago (D+1042)',
        "**End of V's basic training** · 1045 days ago (D+1045)",
        "**V's enlistment** · 1081 days ago (D+1081)",
    ]

    one = await emu.slash(world.guild, "general", "uaena", "countdown", {"event": "V's discharge"})
    assert one.message.embeds[0]["description"] == "**534 days ago (D+534)**"
    assert "Chuncheon" in one.message.text()

    choices = await emu.autocomplete(world.guild, "general", "uaena", "countdown", "event", "enl")
    assert "V's enlistment" in [choice["name"] for choice in choices]

    unknown = await emu.slash(world.guild, "general", "uaena", "countdown", {"event": "Nope"})
    assert unknown.ephemeral
    assert "no event `Nope`" in unknown.content


# Text a member types that Discord would turn into pings if the bot let it.
PINGS = "<@{user}> <@&{role}> @everyone"


def callback_types(emu: Emulator) -> list[int]:
    return [
        record.json.get("type") for record in emu.request_log if record.path.endswith("/callback")
    ]


@pytest.mark.parametrize("deferred", [False, True], ids=["answered", "deferred"])
async def test_user_text_never_pings(
    emu: Emulator, world: DemoWorld, tmp_path, monkeypatch, deferred
):
    # Each message must guard itself: the client's default (tested below) is taken away.
    client = FanBot(
        Settings(token=emu.token, database_path=tmp_path / "bot.sqlite3", api_base=emu.base_url),
        guild_ready_timeout=0.05,
        defer_after=0 if deferred else DEFER_AFTER,
    )
    client.allowed_mentions = None
    typed = PINGS.format(role=world.mods.id, user=world.mod.id)
    commands = [
        ("quote", {"search": typed}),
        ("symbol", {"name": typed}),
        ("countdown", {"event": typed}),
        ("trivia play", {"category": typed}),
    ]
    asked = 0
    async with running_client(client, emu):
        if deferred:
            # Each command's first settings read waits for the guard's deferral, so every
            # answer takes the deferred path (edit of the original, or a follow-up).
            real_get = client.guild_settings.get

            async def get_once_deferred(guild_id: int):
                await eventually(lambda: callback_types(emu).count(5) >= asked)
                return await real_get(guild_id)

            monkeypatch.setattr(client.guild_settings, "get", get_once_deferred)
        for command, options in commands:
            asked += 1
            await emu.slash(world.guild, "general", "uaena", command, options)
    sent = bot_messages(emu)
    # The typed text came back in each answer's content, where it would ping.
    assert sum(typed in message.content for message in sent) == len(commands)
    for message in sent:
        assert not message.pings().any, message.content
    assert unguarded_payloads(emu) == []
    assert callback_types(emu) == [5 if deferred else 4] * len(commands)


async def test_the_clients_default_mentions_nobody(emu: Emulator, world: DemoWorld, bot):
    # The second defence, for any send that forgets its own: a plain send with no
    # allowed_mentions of its own pings nobody.
    channel = bot.get_channel(int(world.guild.channel("general").id))
    sent = await channel.send(PINGS.format(role=world.mods.id, user=world.mod.id))
    message = emu.world.messages[str(sent.id)]
    assert not message.pings().any
