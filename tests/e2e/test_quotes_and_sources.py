"""/quote draws from the director's explanations and cycles without repeats; /about and
/symbol show their sources as links and keep editors' notes to the data files."""

from __future__ import annotations

import random
import tomllib

import pytest

import bot as bot_package
from bot.content import DATA_DIR
from bot.sources import split_sources
from discord_emulator import DemoWorld, Emulator, running_client
from tests.support.bots import make_bot

pytestmark = pytest.mark.asyncio

GUIDE = (
    "From the interpretation guide EDAM Entertainment released on 2024-01-24, "
    "based on director Um Tae-hwa's notes"
)


def attribution_field(message) -> str:
    fields = message.embeds[0]["fields"]
    return next(field["value"] for field in fields if field["name"] == "Attribution")


@pytest.mark.parametrize("search", ["oppression", "camcorder", "Nemo", "NEMO", "마지막 장면"])
async def test_quote_search_finds_the_directors_explanations(emu, world: DemoWorld, bot, search):
    found = await emu.slash(world.guild, "general", "uaena", "quote", {"search": search})
    assert not found.ephemeral, found.content
    assert GUIDE in attribution_field(found.message)


async def test_a_symbol_quote_is_attributed_exactly_as_symbol_attributes_it(
    emu, world: DemoWorld, bot
):
    quoted = await emu.slash(world.guild, "general", "uaena", "quote", {"search": "camcorder"})
    symbol = await emu.slash(world.guild, "general", "uaena", "symbol", {"name": "Camcorder"})
    assert attribution_field(quoted.message) == attribution_field(symbol.message)
    assert "Camcorder" in quoted.message.embeds[0]["title"]
    # A search with several matches shows them in turn.
    bot.get_cog("Symbols").rng = random.Random(2)
    searches = [
        await emu.slash(world.guild, "trivia", "uaena", "quote", {"search": "oppression"})
        for _ in range(4)
    ]
    titles = [result.message.embeds[0]["title"] for result in searches]
    assert set(titles[:2]) == {"Quote · Nemo", "Quote · Ending"}
    assert titles[2:] == titles[:2]
    # The search reads the context too, not only the words quoted.
    muju = await emu.slash(world.guild, "general", "uaena", "quote", {"search": "muju festival"})
    assert "make up a role" in muju.message.text()


async def test_a_korean_member_gets_the_korean_guide_text_and_attribution(
    emu, world: DemoWorld, bot
):
    found = await emu.slash(
        world.guild, "general", "uaena", "quote", {"search": "네모"}, locale="ko"
    )
    text = found.message.text()
    assert "해석 가이드" in text
    assert "엄태화 감독" in text
    symbol = await emu.slash(
        world.guild, "general", "uaena", "symbol", {"name": "Camcorder"}, locale="ko"
    )
    assert symbol.message.embeds[0]["title"] == "캠코더"
    assert "두 사람의 캠코더" in symbol.message.text()
    choices = await emu.autocomplete(
        world.guild, "general", "uaena", "symbol", "name", "캠", locale="ko"
    )
    assert choices == [{"name": "캠코더", "value": "Camcorder"}]
    # Every quote's speaker and context read in Korean too, and are searched in Korean.
    muju = await emu.slash(
        world.guild, "general", "uaena", "quote", {"search": "무주"}, locale="ko"
    )
    assert "엄태화 감독, 제13회 무주산골영화제" in muju.message.text()


def shown_quote(cog, message) -> str:
    """The key of the quote a /quote answer shows (English: its text is the description)."""
    by_text = {quote.text: quote.key for quote in cog.quotes}
    description = message.embeds[0]["description"]
    return by_text["\n".join(line.removeprefix("> ") for line in description.splitlines())]


async def plain_quotes(emu, world, cog, channel: str, count: int) -> list[str]:
    shown = []
    for _ in range(count):
        result = await emu.slash(world.guild, channel, "uaena", "quote")
        shown.append(shown_quote(cog, result.message))
    return shown


async def test_plain_quote_shows_every_quote_once_before_any_repeats(emu, world: DemoWorld, bot):
    cog = bot.get_cog("Symbols")
    cog.rng = random.Random(11)
    everything = {quote.key for quote in cog.quotes}
    count = len(everything)

    general = await plain_quotes(emu, world, cog, "general", count + 3)
    assert set(general[:count]) == everything  # count distinct quotes before a repeat
    assert general[count] != general[count - 1]  # a new cycle never opens with the last one
    assert len(set(general[count:])) == 3

    # Another channel has its own cycle: it too sees every quote before a repeat.
    other = await plain_quotes(emu, world, cog, "trivia", count)
    assert set(other) == everything


async def test_the_quote_cycle_survives_a_restart(emu: Emulator, world: DemoWorld, tmp_path):
    path = tmp_path / "bot.sqlite3"
    first = make_bot(emu, path)
    async with running_client(first, emu):
        cog = first.get_cog("Symbols")
        cog.rng = random.Random(3)
        count = len(cog.quotes)
        before = await plain_quotes(emu, world, cog, "general", 5)
    second = make_bot(emu, path)
    async with running_client(second, emu):
        cog = second.get_cog("Symbols")
        cog.rng = random.Random(3)  # the same draws: only the stored cycle keeps them apart
        after = await plain_quotes(emu, world, cog, "general", count - 5)
    assert len(set(before + after)) == count


def review_notes() -> list[str]:
    notes = []
    for name in ("symbols.toml", "quotes.toml", "release.toml"):
        document = tomllib.loads((DATA_DIR / name).read_text("utf-8"))
        for table in document.values():
            for record in table if isinstance(table, list) else []:
                if "review_note" in record:
                    notes.append(record["review_note"])
    return notes


def sources_of(name: str, table: str) -> list[str]:
    document = tomllib.loads((DATA_DIR / name).read_text("utf-8"))
    return [url for record in document[table] for url in split_sources(record["source"])]


@pytest.mark.parametrize(("locale", "composer"), [("en-US", "Seo Dong-hwan"), ("ko", "서동환")])
async def test_about_shows_the_version_and_links_and_no_editors_notes(
    emu, world: DemoWorld, bot, locale, composer
):
    result = await emu.slash(world.guild, "general", "uaena", "about", locale=locale)
    text = result.message.text()
    assert bot_package.__version__ in text
    assert bot_package.__version__ != "0+unknown"  # the installed package's version
    assert "single source" not in text
    assert composer in text
    if locale == "ko":  # Korean members read the release, credits and facts in Korean
        assert "**작사:** 아이유" in text
        assert "아이유의 미니 6집" in text
        assert "써클 디지털 차트" in text
    release = tomllib.loads((DATA_DIR / "release.toml").read_text("utf-8"))
    urls = split_sources(release["release"]["source"])
    urls += sources_of("release.toml", "credits") + sources_of("release.toml", "facts")
    for url in urls:
        assert f"]({url})" in text, url
    for note in review_notes():
        assert note not in text


@pytest.mark.parametrize("locale", ["en-US", "ko"])
async def test_symbol_shows_no_editors_note_and_links_its_sources(
    emu, world: DemoWorld, bot, locale
):
    for symbol in bot.get_cog("Symbols").symbols:
        result = await emu.slash(
            world.guild, "general", "uaena", "symbol", {"name": symbol.name}, locale=locale
        )
        text = result.message.text()
        assert "The English matches" not in text
        assert "English omits" not in text
        for note in review_notes():
            assert note not in text
        for url in split_sources(symbol.source):
            assert f"]({url})" in text, url
