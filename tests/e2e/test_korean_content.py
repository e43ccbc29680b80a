"""Korean content through the real client: a Korean-locale member reads symbols, quotes,
/about and countdowns in Korean, an English-locale member in the same server in English."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock
from cogs.symbols.cog import load_symbols
from discord_emulator import DemoWorld
from tests.support.payloads import unguarded_payloads

pytestmark = pytest.mark.asyncio

NEMO = next(symbol for symbol in load_symbols() if symbol.name == "Nemo")
GUIDE_KO = "이담엔터테인먼트가 2024년 1월 24일 공개한 해석 가이드, 엄태화 감독의 노트를 바탕으로"
# Thursday 2026-11-26, 17:00 in Seoul.
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def hangul_share(text: str) -> float:
    letters = [char for char in text if char.isalpha()]
    return sum("\uac00" <= char <= "\ud7a3" for char in letters) / max(len(letters), 1)


async def test_symbol_nemo_in_korean_quotes_the_guides_korean(emu, world: DemoWorld, bot):
    korean = await emu.slash(
        world.guild, "general", "uaena", "symbol", {"name": "네모"}, locale="ko"
    )
    assert not korean.ephemeral
    text = korean.message.text()
    embed = korean.message.embeds[0]
    assert embed["title"] == "네모"
    assert NEMO.summary_ko in embed["description"]
    assert f"> {NEMO.quote_ko}" in embed["description"]  # the guide's Korean, as the quote
    assert NEMO.note_ko in text
    assert GUIDE_KO in text
    assert "discrimination" not in text
    assert "interpretation guide" not in text
    assert hangul_share(text) > 0.7  # the source links are Latin letters

    english = await emu.slash(world.guild, "general", "army", "symbol", {"name": "네모"})
    text = english.message.text()
    assert english.message.embeds[0]["title"] == "Nemo"
    assert "discrimination" in text
    assert "interpretation guide EDAM" in text
    assert NEMO.quote_ko not in text
    assert GUIDE_KO not in text
    assert unguarded_payloads(emu) == []


async def test_symbol_autocomplete_matches_korean_and_labels_in_the_members_language(
    emu, world: DemoWorld, bot
):
    ending = await emu.autocomplete(
        world.guild, "general", "uaena", "symbol", "name", "결말", locale="ko"
    )
    assert ending == [{"name": "마지막 장면", "value": "Ending"}]
    nemo = await emu.autocomplete(world.guild, "general", "army", "symbol", "name", "네모")
    assert nemo == [{"name": "Nemo", "value": "Nemo"}]
    # The value sent back is what /symbol takes.
    shown = await emu.slash(
        world.guild, "general", "uaena", "symbol", {"name": ending[0]["value"]}, locale="ko"
    )
    assert shown.message.embeds[0]["title"] == "마지막 장면"


async def test_quote_search_in_korean_finds_the_korean_original(emu, world: DemoWorld, bot):
    korean = await emu.slash(
        world.guild, "general", "uaena", "quote", {"search": "차별"}, locale="ko"
    )
    assert not korean.ephemeral
    text = korean.message.text()
    assert "차별" in text
    assert "인용구 · 네모" in text
    assert GUIDE_KO in text
    assert "interpretation guide" not in text

    english = await emu.slash(world.guild, "general", "army", "quote", {"search": "차별"})
    text = english.message.text()
    assert "Quote · Nemo" in text
    assert "discrimination" in text
    assert "Original" in text  # the Korean stays beside it as the original


async def test_quote_said_in_korean_without_its_original_keeps_english_with_korean_context(
    emu, world: DemoWorld, bot
):
    korean = await emu.slash(
        world.guild, "general", "uaena", "quote", {"search": "Loyalty"}, locale="ko"
    )
    text = korean.message.text()
    assert "Sergeant Kim Tae-hyung, honorably discharged. Loyalty." in text
    assert "뷔(김태형), 춘천에서 전역 신고를 하며, 2025-06-10 (영어로 번역된 문장이에요)" in text


async def test_about_in_korean_for_a_korean_member_english_for_an_english_one(
    emu, world: DemoWorld, bot
):
    korean = await emu.slash(world.guild, "general", "uaena", "about", locale="ko")
    text = korean.message.text()
    assert "아이유 · “Love wins all”" in text
    assert "**작곡:** 서동환" in text
    assert "**뮤직비디오 연출:** 엄태화 감독" in text
    assert "노래는 부르지 않았어요" in text
    assert "선공개곡" in text
    assert "크레딧" in text
    assert "Seo Dong-hwan" not in text
    assert "does not sing" not in text

    english = await emu.slash(world.guild, "general", "army", "about")
    text = english.message.text()
    assert "Seo Dong-hwan" in text
    assert "does not sing" in text
    assert "Credits" in text
    assert "서동환 (" not in text
    assert "선공개곡" not in text


@pytest.mark.parametrize("bot_clock", [FakeClock(NOW)], ids=["2026-11-26"])
async def test_countdown_lists_events_in_the_members_language(emu, world: DemoWorld, bot):
    korean = await emu.slash(world.guild, "general", "uaena", "countdown", locale="ko")
    description = korean.message.embeds[0]["description"]
    assert "**뷔 전역** · 534일 전 (D+534)" in description.splitlines()
    assert "**뷔 자대 배치** · 1022일 전 (D+1022)" in description.splitlines()
    assert "V's discharge" not in description

    english = await emu.slash(world.guild, "general", "army", "countdown")
    description = english.message.embeds[0]["description"]
    assert "**V's discharge** · 534 days ago (D+534)" in description.splitlines()
    assert "전역" not in description


@pytest.mark.parametrize("bot_clock", [FakeClock(NOW)], ids=["2026-11-26"])
async def test_countdown_event_by_its_korean_name(emu, world: DemoWorld, bot):
    choices = await emu.autocomplete(
        world.guild, "general", "uaena", "countdown", "event", "전역", locale="ko"
    )
    assert choices[0] == {"name": "뷔 전역", "value": "V's discharge"}
    assert all(len(choice["name"]) <= 100 for choice in choices)
    assert len(choices) <= 25
    english_choices = await emu.autocomplete(
        world.guild, "general", "army", "countdown", "event", "전역"
    )
    assert english_choices[0] == {"name": "V's discharge", "value": "V's discharge"}

    for typed in ("전역", "뷔 전역", choices[0]["value"]):
        korean = await emu.slash(
            world.guild, "general", "uaena", "countdown", {"event": typed}, locale="ko"
        )
        embed = korean.message.embeds[0]
        assert embed["title"] == "뷔 전역"
        assert "534일 전 (D+534)" in embed["description"]
        assert "춘천에서 RM과 함께 전역했어요" in korean.message.text()
        assert "honorably" not in korean.message.text()

    english = await emu.slash(world.guild, "general", "army", "countdown", {"event": "전역"})
    assert english.message.embeds[0]["title"] == "V's discharge"
    assert "534 days ago (D+534)" in english.message.text()
    assert "together with RM" in english.message.text()


async def test_an_unknown_event_lists_names_in_the_members_language(emu, world: DemoWorld, bot):
    refused = await emu.slash(
        world.guild, "general", "uaena", "countdown", {"event": "없는 날"}, locale="ko"
    )
    assert refused.ephemeral
    assert "뷔 입대" in refused.content
    assert "V's enlistment" not in refused.content


async def test_an_unknown_symbol_lists_the_names_in_the_members_language(
    emu, world: DemoWorld, bot
):
    korean = await emu.slash(
        world.guild, "general", "uaena", "symbol", {"name": "세모"}, locale="ko"
    )
    assert korean.ephemeral
    assert "네모, 캠코더, 마지막 장면" in korean.content
    english = await emu.slash(world.guild, "general", "army", "symbol", {"name": "Neon"})
    assert "Nemo, Camcorder, Ending" in english.content
