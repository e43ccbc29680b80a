"""Every shipped content file loads and follows the content rules."""

from __future__ import annotations

from collections import Counter

from cogs.about.cog import load_release
from cogs.countdown.store import load_builtin_events
from cogs.symbols.cog import load_quotes, load_symbols
from cogs.trivia.schema import load_shipped_packs

GUIDE = "interpretation guide EDAM Entertainment released on 2024-01-24"


def test_shipped_trivia_packs_load_with_enough_questions_per_category():
    questions = load_shipped_packs()
    per_category = Counter(question.category for question in questions)
    assert len(questions) >= 40
    assert set(per_category) >= {"release", "video", "charts", "service"}
    assert all(count >= 8 for count in per_category.values())
    assert all(question.source and question.explanation for question in questions)


def test_no_question_repeats_an_error_of_the_source_article():
    for question in load_shipped_packs():
        right = question.correct.casefold()
        # V doesn't sing on the song; basic training was at Nonsan, not the admin school.
        assert "feat" not in right
        text = question.question.casefold()
        if "basic training" in text and "where" in text:
            assert "nonsan" in right


def test_symbols_carry_the_guide_attribution():
    symbols = {symbol.name: symbol for symbol in load_symbols()}
    assert {"Nemo", "Camcorder"} <= set(symbols)
    for symbol in symbols.values():
        assert GUIDE in symbol.attribution
        assert "OSEN" not in symbol.attribution
        assert symbol.source.startswith("https://")


def test_quotes_events_and_release_load():
    assert len(load_quotes()) >= 8
    events = {event.key: event for event in load_builtin_events()}
    assert events["v-enlistment"].at.date().isoformat() == "2023-12-11"
    assert events["v-discharge"].at.date().isoformat() == "2025-06-10"
    assert events["song-release"].at.isoformat() == "2024-01-24T18:00:00+09:00"
    assert events["mv-release"].at.isoformat() == "2024-01-24T00:00:00+09:00"
    assert events["release-anniversary"].yearly
    assert events["iu-birthday"].kind == "birthday"
    release = load_release()
    assert ("Lyrics", "IU") in [(credit.role, credit.name) for credit in release.credits]
