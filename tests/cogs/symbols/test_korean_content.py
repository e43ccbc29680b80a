"""Symbols and quotes in Korean: the shipped Korean, and its checks at load."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot.content import DATA_DIR, ContentError
from cogs.symbols.cog import SymbolsCog, load_quotes, load_symbols

SYMBOLS = load_symbols()
QUOTES = load_quotes()
GUIDE_KO = "이담엔터테인먼트가 2024년 1월 24일 공개한 해석 가이드, 엄태화 감독의 노트를 바탕으로"
KO = discord.Locale.korean


def test_every_symbol_has_its_korean_unlike_the_english_and_the_issues_attribution():
    for symbol in SYMBOLS:
        pairs = [
            (symbol.name, symbol.name_ko),
            (symbol.summary, symbol.summary_ko),
            (symbol.quote, symbol.quote_ko),
            (symbol.note, symbol.note_ko),
        ]
        for english, korean in pairs:
            assert korean, symbol.name
            assert korean.strip(), symbol.name
            assert korean != english, symbol.name
        assert symbol.attribution_ko == GUIDE_KO


def test_every_quote_has_a_korean_speaker_and_context():
    for quote in QUOTES:
        assert quote.speaker_ko, quote.context
        assert quote.context_ko, quote.context
        assert quote.speaker_ko != quote.speaker, quote.context
        assert quote.context_ko != quote.context, quote.context


def test_a_korean_member_reads_the_guides_korean_as_the_quote():
    nemo = next(symbol for symbol in SYMBOLS if symbol.name == "Nemo")
    embed = SymbolsCog.symbol_embed(nemo, KO)
    assert embed.title == "네모"
    assert nemo.quote_ko in (embed.description or "").replace("> ", "")
    assert nemo.quote not in str(embed.to_dict())
    assert GUIDE_KO in str(embed.to_dict())


def test_a_translated_quote_without_its_korean_says_so_to_a_korean_member():
    loyalty = next(q for q in QUOTES if "Loyalty" in q.text)
    assert loyalty.text_ko is None
    assert loyalty.translated
    korean = SymbolsCog.quote_embed(loyalty, KO).to_dict()
    assert "(영어로 번역된 문장이에요)" in str(korean)
    assert "춘천에서 전역 신고를 하며" in str(korean)
    english = SymbolsCog.quote_embed(loyalty, discord.Locale.american_english).to_dict()
    assert "(translated)" in str(english)
    assert "번역" not in str(english)
    # A quote whose Korean original is shown needs no such mark.
    with_korean = next(q for q in QUOTES if q.text_ko and q.translated)
    assert "번역" not in str(SymbolsCog.quote_embed(with_korean, KO).to_dict())


def edited(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (DATA_DIR / name).read_text("utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


def places(refused: pytest.ExceptionInfo[ContentError]) -> list[str]:
    return [problem.place for problem in refused.value.problems]


@pytest.mark.parametrize(
    ("old", "new", "place"),
    [
        ('name_ko = "네모"', 'name_ko = "  "', "entry 1, field name_ko"),
        ('name_ko = "캠코더"\n', "", "entry 2, field name_ko"),
        ('summary_ko = "숲과', 'summary_ko = " "\nreview_ko = "', "entry 1, field summary_ko"),
        ("quote_ko = \"'네모'는", 'quote_ko = "\\u200b"\nx = "', "entry 1, field quote_ko"),
        ('attribution_ko = "이담', 'attribution_ko = ""\nx = "', "entry 1, field attribution_ko"),
        ('note_ko = "해석 가이드에는', 'note_ko = " "\nx = "', "entry 1, field note_ko"),
        ('note_ko = "해석 가이드는 캠코더', 'x = "', "entry 2, field note_ko"),
        ('note = "The guide also', 'x = "', "entry 1, field note"),
    ],
)
def test_a_symbol_with_a_missing_or_blank_korean_text_is_refused(tmp_path, old, new, place):
    path = edited(tmp_path, "symbols.toml", old, new)
    with pytest.raises(ContentError) as refused:
        load_symbols(path)
    assert place in places(refused)
    assert str(path) in str(refused.value)


@pytest.mark.parametrize(
    ("old", "new", "place"),
    [
        ('speaker_ko = "아이유"', 'speaker_ko = " "', "entry 1, field speaker_ko"),
        ('context_ko = "\\"Love wins all\\" 자필', 'x = "', "entry 1, field context_ko"),
        ('text_ko = "태준아 지혜야 행복해라"', 'text_ko = "   "', "entry 8, field text_ko"),
    ],
)
def test_a_quote_with_a_missing_or_blank_korean_text_is_refused(tmp_path, old, new, place):
    path = edited(tmp_path, "quotes.toml", old, new)
    with pytest.raises(ContentError) as refused:
        load_quotes(path)
    assert place in places(refused)
    assert str(path) in str(refused.value)
