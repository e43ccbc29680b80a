"""The countdown events in Korean: each shipped one has its Korean, found by it, shown by it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.content import DATA_DIR, ContentError
from cogs.countdown.maths import CountdownEvent, best_matches, find_events
from cogs.countdown.store import load_builtin_events

EVENTS = load_builtin_events()
AT = datetime(2025, 6, 10, tzinfo=UTC)


def test_every_shipped_event_has_a_korean_name_and_fact_unlike_the_english():
    for event in EVENTS:
        assert event.name_ko, event.key
        assert event.fact_ko, event.key
        assert event.name_ko.strip(), event.key
        assert event.fact_ko.strip(), event.key
        assert event.name_ko != event.name, event.key
        assert event.fact_ko != event.fact, event.key
        assert any("\uac00" <= char <= "\ud7a3" for char in event.name_ko), event.key


def test_the_service_dates_use_the_words_korean_fans_use():
    names = {event.key: event.name_ko for event in EVENTS}
    assert names["v-enlistment"] == "뷔 입대"
    assert names["v-discharge"] == "뷔 전역"
    assert "자대 배치" in names["v-unit-posting"]
    assert "훈련소" in names["v-basic-training-end"]


def test_a_korean_name_is_found_like_an_english_one():
    assert [e.key for e in best_matches(EVENTS, "뷔 전역")] == ["v-discharge"]
    assert [e.key for e in best_matches(EVENTS, "  뷔   전역 ")] == ["v-discharge"]
    # A part of a Korean name that is no alias: found by the name itself.
    assert find_events(EVENTS, "자대")[0].key == "v-unit-posting"
    assert find_events(EVENTS, "전역")[0].key == "v-discharge"


def test_a_korean_name_only_an_event_has_matches_it_exactly():
    event = CountdownEvent("x", "Some date", AT, name_ko="어떤 날")
    other = CountdownEvent("y", "Other", AT, aliases=("어떤 날 기념",))
    assert find_events([other, event], "어떤 날") == [event, other]  # exact name first
    assert best_matches([other, event], "어떤 날") == [event]


def test_name_and_fact_in_a_language_fall_back_to_the_english():
    shipped = next(e for e in EVENTS if e.key == "v-discharge")
    assert shipped.name_in("ko") == "뷔 전역"
    assert shipped.name_in("en") == "V's discharge"
    assert shipped.fact_in("ko") == shipped.fact_ko
    own = CountdownEvent("own", "Our meetup", AT, fact="Bring snacks")
    assert own.name_in("ko") == "Our meetup"
    assert own.fact_in("ko") == "Bring snacks"


def shipped_with(tmp_path: Path, old: str, new: str) -> Path:
    text = (DATA_DIR / "events.toml").read_text("utf-8")
    assert old in text
    path = tmp_path / "events.toml"
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "place"),
    [
        ('name_ko = "뷔 입대"', 'name_ko = "   "', "entry 1, field name_ko"),
        ('name_ko = "뷔 입대"\n', "", "entry 1, field name_ko"),
        ('name_ko = "뷔 전역"', 'name_ko = ""', "entry 4, field name_ko"),
        ('fact_ko = "뷔는 춘천에서', 'fact_ko = " \\t"\nx_ko = "', "entry 4, field fact_ko"),
    ],
)
def test_an_event_with_a_missing_or_blank_korean_text_is_refused(tmp_path, old, new, place):
    path = shipped_with(tmp_path, old, new)
    with pytest.raises(ContentError) as refused:
        load_builtin_events(path)
    assert refused.value.source == str(path)
    assert place in [problem.place for problem in refused.value.problems]
    assert str(path) in str(refused.value)
