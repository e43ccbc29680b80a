"""Category names in both languages: labels, the autocomplete matching either, and what a
typed name stands for."""

from __future__ import annotations

from pathlib import Path

from bot.i18n import catalog
from cogs.trivia import categories
from cogs.trivia.categories import category_choices, category_label, resolve_category
from cogs.trivia.schema import load_shipped_packs
from cogs.trivia.store import CategoryLine
from cogs.trivia.views import category_text

SHIPPED = sorted({question.category for question in load_shipped_packs()})


def values(typed: str, locale: str = "ko") -> list[str]:
    return [choice.value for choice in category_choices([*SHIPPED, "fan-art"], typed, locale)]


def test_every_shipped_category_is_named_in_both_languages():
    for category in SHIPPED:
        for language in ("en", "ko"):
            assert catalog().has(f"trivia.category.{category}", language), (category, language)
        assert category_label(category, "ko") != category
    assert category_label("video", "ko") == "뮤직비디오"


def test_the_korean_names_are_in_the_korean_catalog_s_own_section():
    # Added as a table of its own, so the ko review (values in [trivia]) and this don't meet.
    text = (Path(categories.__file__).parent / "locales" / "ko.toml").read_text("utf-8")
    assert "\n[trivia.category]\n" in text


def test_autocomplete_finds_a_category_by_either_language_and_answers_with_its_value():
    assert values("뮤비") == ["video"]
    assert values("뮤직") == ["video"]
    assert values("video") == ["video"]
    assert values("VID", "en") == ["video"]
    assert values("차트") == ["charts"]
    assert values("군복무") == ["service"]  # spaces don't count
    assert values("전역") == []
    assert values("fan") == ["fan-art"]  # a server's own, as written


def test_autocomplete_labels_follow_the_member_s_language_and_fit():
    korean = category_choices([*SHIPPED, "x" * 150], "", "ko")
    assert {c.name for c in korean} >= {"뮤직비디오", "발매", "군 복무", "차트"}
    assert all(len(c.name) <= 100 for c in korean)
    assert [c.value for c in korean] == [*SHIPPED, "x" * 150]
    english = category_choices(SHIPPED, "", "en-US")
    assert [c.name for c in english] == SHIPPED


def test_a_name_that_contains_what_was_typed_comes_before_one_that_holds_its_letters():
    assert category_choices(["abc-x", "zax"], "ax", "en")[0].value == "zax"


def test_at_most_25_choices():
    assert len(category_choices([f"c{n}" for n in range(40)], "c", "ko")) == 25


def test_a_typed_name_in_either_language_stands_for_its_category():
    assert resolve_category("뮤직비디오", SHIPPED) == "video"
    assert resolve_category("군복무", SHIPPED) == "service"
    assert resolve_category("Charts", SHIPPED) == "charts"
    assert resolve_category("lyrics", SHIPPED) == "lyrics"


def test_stats_per_category_name_them_in_the_reader_s_language():
    lines = [CategoryLine("video", 3, 2), CategoryLine("server", 1, 1)]
    assert category_text(lines, "ko").splitlines()[0].startswith("뮤직비디오:")
    assert category_text(lines, "ko").splitlines()[1].startswith("server:")
    assert category_text(lines, "en").splitlines()[0].startswith("video:")
