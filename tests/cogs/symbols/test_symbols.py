"""Symbols and quotes: the content against the guide, rendering, and the no-repeat cycle."""

from __future__ import annotations

import asyncio
import random
import tomllib

import discord
import pytest

from bot.content import DATA_DIR
from bot.sources import site_label, source_links, split_sources
from cogs.symbols.cog import (
    Quote,
    QuoteCycleStore,
    Symbol,
    SymbolsCog,
    load_quotes,
    load_symbols,
    next_quote,
)

# The guide's Korean sentences as facts.md (section 4b, 4c, 4e) gives them. A symbol's
# `quote_ko` is made of these, with a marked cut " (…) " wherever two are joined.
GUIDE_SENTENCES_KO = {
    "'네모'는 주인공들을 향한 차별을 뜻하며, 나아가 우리 일상에서 만연한 각종 차별과 억압 등을 "
    "뜻하는 것으로 해석될 수도 있을 것이다.",
    "캠코더 속 세상에서 그들은 현실에서처럼 지저분한 행색이 아닌 생기 있고 단정한 모습에, "
    "근사하게 차려진 맛있는 음식들을 먹는가 하면, 윤이 흐르는 드레스와 턱시도를 입고 많은 "
    "공간을 당당히 누비며 상상만 해오던 행복을 만끽한다.",
    "마지막 장면에서는 '네모'로 인해 육체가 소멸되고 주인공들이 걸치고 있던 '옷'만 남게 되고, "
    "두 사람이 마지막 캠코더 화면에서 공중으로 떠오르는 것으로 암시된다.",
    "온갖 억압과 압박으로부터 벗어나 자유롭게 날아갈 수 있음을 뜻한다.",
}
CUT = " (…) "


def all_quotes() -> list[Quote]:
    return load_quotes() + [symbol.as_quote() for symbol in load_symbols()]


def test_every_korean_guide_quote_is_whole_guide_sentences_with_cuts_marked():
    symbols = {symbol.name: symbol for symbol in load_symbols()}
    for symbol in symbols.values():
        for part in symbol.quote_ko.split(CUT):
            assert part in GUIDE_SENTENCES_KO, (symbol.name, part)
    assert symbols["Ending"].quote_ko.count(CUT) == 1


def test_summaries_follow_facts_md():
    symbols = {symbol.name: symbol for symbol in load_symbols()}
    # facts.md 4c: the camcorder is the couple's; it never says V's character finds it.
    assert "V's character" not in symbols["Camcorder"].summary
    assert "couple" in symbols["Camcorder"].summary
    # facts.md 4e: the last camcorder screen implies (암시) the rising; it doesn't show it.
    assert "shows the two rising" not in symbols["Ending"].summary


def review_notes() -> list[str]:
    notes = []
    for name in ("symbols.toml", "quotes.toml", "release.toml"):
        document = tomllib.loads((DATA_DIR / name).read_text("utf-8"))
        for table in document.values():
            for record in table if isinstance(table, list) else []:
                if "review_note" in record:
                    notes.append(record["review_note"])
    return notes


def embed_text(embed: discord.Embed) -> str:
    parts = [embed.title or "", embed.description or "", embed.footer.text or ""]
    for field in embed.fields:
        parts += [field.name or "", field.value or ""]
    return "\n".join(parts)


def assert_fits(embed: discord.Embed) -> None:
    assert len(embed) <= 6000
    assert len(embed.fields) <= 25
    assert len(embed.description or "") <= 4096
    for field in embed.fields:
        assert len(field.value or "") <= 1024, field.name


@pytest.mark.parametrize("locale", ["en-US", "ko"])
def test_every_symbol_and_quote_renders_links_and_no_editors_note(locale):
    notes = review_notes()
    assert notes  # the data files do keep them, for editors
    rendered = [
        (SymbolsCog.symbol_embed(symbol, locale), symbol.source) for symbol in load_symbols()
    ]
    rendered += [(SymbolsCog.quote_embed(quote, locale), quote.source) for quote in all_quotes()]
    for embed, source in rendered:
        text = embed_text(embed)
        assert_fits(embed)
        for note in notes:
            assert note not in text
        for url in split_sources(source):
            assert f"[{site_label(url)}]({url})" in text


def test_source_links_label_each_address_with_its_site_and_never_cut_one():
    text = "https://www.koreaherald.com/article/10506069 ; https://m.ajunews.com/view/1"
    assert source_links(text) == (
        "[koreaherald.com](https://www.koreaherald.com/article/10506069)"
        " · [ajunews.com](https://m.ajunews.com/view/1)"
    )
    assert source_links(text, limit=70) == (
        "[koreaherald.com](https://www.koreaherald.com/article/10506069)"
    )
    assert site_label("https://v.daum.net/v/1") == "v.daum.net"


def quotes(count: int) -> list[Quote]:
    return [
        Quote(f"k{n}", f"text {n}", None, False, "IU", f"context {n}", "") for n in range(count)
    ]


def test_next_quote_is_a_shuffled_cycle_that_never_opens_with_the_last_one():
    pool = quotes(5)
    rng = random.Random(1)
    shown: list[str] = []
    order = []
    for _ in range(50):
        chosen, afresh = next_quote(pool, shown, rng)
        if afresh:
            assert chosen.key != shown[-1]
            shown = []
        shown.append(chosen.key)
        order.append(chosen.key)
    for start in range(0, 50, 5):
        assert len(set(order[start : start + 5])) == 5


def test_a_search_with_every_match_shown_brings_back_the_oldest_and_keeps_the_cycle():
    pool = quotes(3)
    chosen, afresh = next_quote(pool, ["k2", "k0", "k1", "k9"], random.Random(), cycle=False)
    assert (chosen.key, afresh) == ("k2", False)


async def test_two_quotes_at_once_in_a_channel_are_never_the_same(db):
    store = QuoteCycleStore(db)
    pool = quotes(6)
    rng = random.Random(5)
    picked = await asyncio.gather(*(store.take(1, 10, pool, rng) for _ in range(6)))
    assert len({quote.key for quote in picked}) == 6
    # Another channel starts its own cycle.
    other = await asyncio.gather(*(store.take(1, 11, pool, rng) for _ in range(6)))
    assert len({quote.key for quote in other}) == 6


async def test_a_scheduled_run_rendered_again_gets_the_same_quote(db):
    store = QuoteCycleStore(db)
    pool = quotes(6)
    first = await store.take(1, 10, pool, random.Random("run-1"), run_nonce="run-1")
    await store.take(1, 10, pool, random.Random())
    again = await store.take(1, 10, pool, random.Random("run-1"), run_nonce="run-1")
    assert again == first


def test_a_symbol_quote_is_found_by_its_symbol_names_and_attribution():
    nemo = Symbol(
        name="Nemo",
        name_ko="네모",
        aliases=(),
        summary="",
        summary_ko="",
        quote="A shape that chases them.",
        quote_ko="두 사람을 쫓는 모양.",
        note=None,
        note_ko=None,
        attribution="From the guide, based on director Um Tae-hwa's notes",
        attribution_ko="해석 가이드에서",
        source="https://example.com",
    ).as_quote()
    for search in ("nemo", "NEMO", "네모", "chases", "쫓는", "um tae-hwa", "nemo chases"):
        assert nemo.matches(search), search
    assert not nemo.matches("nemo camcorder")
