"""Hostile input from moderators: each refused with an error that names it, or cleaned.

Before these fixes each case below got the generic apology ("something went wrong on our
side") or was stored as given.
"""

from __future__ import annotations

import json
import re

import pytest

from discord_emulator import DemoWorld, Emulator, eventually

pytestmark = pytest.mark.asyncio

# A masked link Discord would render: `[label](address)` with an unescaped `[` and `]`.
LIVE_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")
QUESTION = {
    "question": "What colour is our server banner?",
    "correct": "Lilac",
    "wrong1": "Red",
    "wrong2": "Green",
    "wrong3": "Black",
}


async def import_pack(emu: Emulator, world: DemoWorld, name: str, data: str, **kw):
    attachment = emu.add_attachment(name, data.encode("utf-8", "surrogatepass"))
    return await emu.slash(
        world.guild, "general", "mod", "trivia-admin import", {"file": attachment}, **kw
    )


async def count(bot, table: str) -> int:
    row = await bot.database.fetchone(f"SELECT COUNT(*) FROM {table}")
    return int(row[0])


def refused_without_apology(result) -> str:
    text = result.message.text()
    assert result.ephemeral
    assert "went wrong on our side" not in text
    assert "문제가 생겼어요" not in text
    return text


@pytest.mark.parametrize(
    ("name", "data", "named"),
    [
        ("deep.json", '{"questions": ' + "[" * 50_000 + "]" * 50_000 + "}", "16 levels deep"),
        ("deep.toml", "x = " + "[" * 5000 + "]" * 5000, "16 levels deep"),
        ("deeptable.toml", "x = " + "{a = " * 3000 + "1" + "}" * 3000, "16 levels deep"),
        ("dotted.toml", "a" + ".a" * 100_000 + " = 1", "more than 8 parts"),
        ("big.json", '{"questions": [{"question": ' + "9" * 4301 + "}]}", "too long to read"),
        ("big.toml", "[[questions]]\nquestion = " + "9" * 5000, "too long to read"),
    ],
)
async def test_unreadable_packs_are_refused_by_name(emu, world: DemoWorld, bot, name, data, named):
    result = await import_pack(emu, world, name, data, timeout=30)
    text = refused_without_apology(result)
    assert "Nothing was imported" in text
    assert named in text
    assert await count(bot, "trivia_questions") == 0


async def test_unreadable_pack_refusal_in_korean(emu, world: DemoWorld, bot):
    data = '{"questions": ' + "[" * 5000 + "]" * 5000 + "}"
    result = await import_pack(emu, world, "deep.json", data, locale="ko")
    text = refused_without_apology(result)
    assert "16단계보다 깊게 겹쳐 있어요" in text


async def test_a_lone_surrogate_is_dropped_not_a_crash(emu, world: DemoWorld, bot):
    # JSON's \ud800 escape gives Python a string that can't be encoded to store or send.
    pack = json.dumps({"questions": [{**QUESTION, "question": "Which colour\ud800 is ours?"}]})
    result = await import_pack(emu, world, "pack.json", pack)
    assert "stored 1" in refused_without_apology(result)
    row = await bot.database.fetchone("SELECT question FROM trivia_questions")
    assert row["question"] == "Which colour is ours?"


async def test_a_channel_of_another_server_is_refused_by_name(emu, world: DemoWorld, bot):
    other = emu.add_guild("Another server", world.owner)
    elsewhere = other.add_text_channel("elsewhere")
    await eventually(lambda: bot.get_guild(int(other.id)))

    result = await emu.slash(
        world.guild, "general", "mod", "config channel", {"channel": elsewhere}
    )
    text = refused_without_apology(result)
    assert "isn't a text channel of this server" in text
    settings = await bot.guild_settings.get(int(world.guild.id))
    assert settings.announce_channel_id is None

    options = {"kind": "quote", "time": "09:00", "repeat": "daily", "channel": elsewhere}
    scheduled = await emu.slash(world.guild, "general", "mod", "schedule add", options, locale="ko")
    assert "이 서버의 텍스트 채널이 아니에요" in refused_without_apology(scheduled)
    assert await count(bot, "announcements") == 0


async def test_a_role_of_another_server_is_refused_by_name(emu, world: DemoWorld, bot):
    other = emu.add_guild("Another server", world.owner)
    foreign = other.add_role("Elsewhere mods")
    await eventually(lambda: bot.get_guild(int(other.id)))

    result = await emu.slash(world.guild, "general", "mod", "config modrole", {"role": foreign})
    assert "isn't one of this server's roles" in refused_without_apology(result)
    settings = await bot.guild_settings.get(int(world.guild.id))
    assert settings.mod_role_id is None


async def test_invisible_text_counts_as_empty_and_as_the_same(emu, world: DemoWorld, bot):
    blank = {**QUESTION, "question": "\u200b\u200b\u200b"}
    result = await emu.slash(world.guild, "general", "mod", "trivia-admin add", blank)
    assert "field question: is missing" in refused_without_apology(result)

    twins = {**QUESTION, "wrong1": "Lil\u200bac"}
    result = await emu.slash(world.guild, "general", "mod", "trivia-admin add", twins)
    assert "two of its answers are the same" in refused_without_apology(result)
    assert await count(bot, "trivia_questions") == 0

    added = await emu.slash(world.guild, "general", "mod", "trivia-admin add", QUESTION)
    assert "Added question" in added.content
    again = {**QUESTION, "question": "What colour\u2060 is our\u200b server banner?\u202e"}
    result = await emu.slash(world.guild, "general", "mod", "trivia-admin add", again)
    assert "already has that question" in refused_without_apology(result)
    assert await count(bot, "trivia_questions") == 1


async def test_control_characters_are_not_stored(emu, world: DemoWorld, bot):
    dirty = {
        **QUESTION,
        "question": "What\x00 colour is \x1b[31mour\u202e banner?",
        "explanation": "Lilac,\x07 like the cover.",
    }
    added = await emu.slash(world.guild, "general", "mod", "trivia-admin add", dirty)
    assert "Added question" in added.content
    row = await bot.database.fetchone("SELECT question, explanation FROM trivia_questions")
    assert row["question"] == "What colour is [31mour banner?"
    assert row["explanation"] == "Lilac, like the cover."


async def test_a_masked_link_shows_as_text_in_the_round_and_the_reveal(emu, world: DemoWorld, bot):
    await bot.guild_settings.update(int(world.guild.id), 0, trivia_timeout=1)
    linked = {
        **QUESTION,
        "question": "Which [colour](http://evil.example/q) is ours?",
        "correct": "[Lilac](http://evil.example/a)",
        "explanation": "See [the banner](http://evil.example/e) or https://example.org/b",
    }
    added = await emu.slash(world.guild, "general", "mod", "trivia-admin add", linked)
    assert not LIVE_LINK.search(added.content)
    assert "\\[colour\\](<http://evil.example/q>)" in added.content

    started = await emu.slash(world.guild, "trivia", "uaena", "trivia play", {"category": "server"})
    round_text = started.message.text()
    assert "\\[colour\\](<http://evil.example/q>)" in round_text
    assert "\\[Lilac\\](<http://evil.example/a>)" in round_text
    assert not LIVE_LINK.search(round_text)
    # Button labels are plain text on Discord: they keep what the moderator wrote.
    labels = [button["label"] for button in started.message.buttons()]
    assert any("[Lilac](http://evil.example/a)" in label for label in labels)

    revealed = await started.wait_edit(timeout=10)
    reveal_text = revealed.text()
    assert "\\[the banner\\](<http://evil.example/e>) or <https://example.org/b>" in reveal_text
    assert "\\[colour\\](<http://evil.example/q>)" in reveal_text
    assert not LIVE_LINK.search(reveal_text.split("Source")[0])


async def test_countdown_event_names_are_cleaned_and_years_bounded(emu, world: DemoWorld, bot):
    blank = {"name": "\u200b\u3164", "date": "2027-01-01"}
    result = await emu.slash(world.guild, "general", "mod", "countdown-admin add", blank)
    assert "needs a name" in refused_without_apology(result)

    party = {"name": "Watch party", "date": "2027-01-01", "description": "[go](http://evil)"}
    added = await emu.slash(world.guild, "general", "mod", "countdown-admin add", party)
    assert "Added **Watch party**" in added.content
    twin = {"name": "Watch\u200b party\u202e", "date": "2027-02-01"}
    result = await emu.slash(world.guild, "general", "mod", "countdown-admin add", twin)
    assert "already an event called" in refused_without_apology(result)

    for date in ("0001-01-01 03:00", "9999-12-31 23:00"):
        far = {"name": f"Far {date[:4]}", "date": date}
        result = await emu.slash(world.guild, "general", "mod", "countdown-admin add", far)
        assert "year must be from 1900 to 2199" in refused_without_apology(result)
    assert await count(bot, "countdown_events") == 1

    shown = await emu.slash(world.guild, "general", "uaena", "countdown", {"event": "watch party"})
    assert "\\[go\\](<http://evil>)" in shown.message.text()
    assert not LIVE_LINK.search(shown.message.text())
    listing = await emu.slash(world.guild, "general", "uaena", "countdown")
    assert "Watch party" in listing.message.text()


async def test_a_pack_check_shows_links_as_text(emu, world: DemoWorld, bot):
    linked = {**QUESTION, "question": "Which [colour](http://evil.example/q) is ours?"}
    pack = json.dumps({"questions": [linked]})
    attachment = emu.add_attachment("pack.json", pack.encode())
    options = {"file": attachment, "check": True}
    result = await emu.slash(world.guild, "general", "mod", "trivia-admin import", options)
    text = result.message.text()
    assert "\\[colour\\](<http://evil.example/q>)" in text
    assert not LIVE_LINK.search(text)
