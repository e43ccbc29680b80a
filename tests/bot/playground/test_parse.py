"""Reading typed lines: commands, options, whose they are, buttons, `wait`."""

from __future__ import annotations

import pytest

from bot.playground.parse import (
    PlaygroundError,
    focused_option,
    parse_slash,
    parse_wait,
    pick_button,
    split_words,
)


def test_slash_line_with_quotes_apostrophes_and_a_user() -> None:
    line = parse_slash('/countdown event:"V\'s discharge" as army')
    assert line.words == ["countdown"]
    assert line.options == {"event": "V's discharge"}
    assert line.user == "army"
    # An apostrophe alone is text, not an open quote.
    assert parse_slash("/quote search:V's").options == {"search": "V's"}
    assert parse_slash("/schedule add kind:quote time:09:00").options["time"] == "09:00"


def test_a_word_after_the_options_is_explained() -> None:
    with pytest.raises(PlaygroundError, match="name:value"):
        parse_slash("/symbol name:Nemo please")
    with pytest.raises(PlaygroundError, match="quote is not closed"):
        split_words('/symbol name:"Nemo')


def test_buttons_by_letter_position_or_label() -> None:
    buttons = [{"label": f"{letter}. {text}"} for letter, text in zip("ABCD", "wxyz", strict=True)]
    buttons[2]["label"] = "C. Nonsan"
    assert pick_button(buttons, "b") is buttons[1]
    assert pick_button(buttons, "4") is buttons[3]
    assert pick_button(buttons, "nonsan") is buttons[2]
    with pytest.raises(PlaygroundError, match=r"\[A\. w\]"):
        pick_button(buttons, "E")


SYMBOL_OPTIONS = [
    {"name": "name", "type": 3, "autocomplete": True},
    {"name": "language", "type": 3, "choices": [{"name": "English", "value": "en"}]},
    {"name": "private", "type": 5},
]


def test_the_focused_option_is_the_last_typed_or_the_first_with_suggestions() -> None:
    assert focused_option("symbol", SYMBOL_OPTIONS, {"name": "Ne"})["name"] == "name"
    typed = {"name": "Nemo", "LANGUAGE": "En"}
    assert focused_option("symbol", SYMBOL_OPTIONS, typed)["name"] == "language"
    assert focused_option("symbol", SYMBOL_OPTIONS, {})["name"] == "name"
    with pytest.raises(PlaygroundError, match="no option 'colour'"):
        focused_option("symbol", SYMBOL_OPTIONS, {"colour": "red"})
    with pytest.raises(PlaygroundError, match="private has no suggestions"):
        focused_option("symbol", SYMBOL_OPTIONS, {"private": "y"})
    with pytest.raises(PlaygroundError, match="no option with suggestions"):
        focused_option("about", [], {})


def test_wait_takes_seconds_within_an_hour() -> None:
    assert parse_wait("20") == 20
    assert parse_wait("1.5s") == 1.5
    assert parse_wait("3600") == 3600
    for wrong in ("soon", "-1", "3601", "nan"):
        with pytest.raises(PlaygroundError):
            parse_wait(wrong)


def test_an_empty_click_or_a_number_out_of_range_lists_the_buttons() -> None:
    buttons = [{"label": "A. Nemo"}, {"label": "B. Nonsan"}]
    with pytest.raises(PlaygroundError, match=r"which button\? \[A\. Nemo\], \[B\. Nonsan\]"):
        pick_button(buttons, " ")
    with pytest.raises(PlaygroundError, match="there are 2 buttons"):
        pick_button(buttons, "3")
    with pytest.raises(PlaygroundError, match="fits several buttons"):
        pick_button(buttons, "n")


def test_as_name_is_taken_only_at_the_end() -> None:
    assert parse_slash("/about as army").user == "army"
    assert parse_slash("/quote search:as").user is None
    with pytest.raises(PlaygroundError, match="command name after the slash"):
        parse_slash("/ name:Nemo")
