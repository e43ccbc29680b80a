"""Hostile pack files and moderators' text: refused with a named problem, never a crash."""

from __future__ import annotations

import json
import time

import pytest

from bot.content import KEY_PARTS_MAX, NESTING_MAX, ContentError, parse_document, shape_problem
from cogs.countdown.maths import EventYearOutOfRange, parse_event_date
from cogs.trivia.schema import parse_questions

GOOD = {
    "question": "What colour is our server banner?",
    "correct": "Lilac",
    "wrong1": "Red",
    "wrong2": "Green",
    "wrong3": "Black",
}


def refusal(text: str, fmt: str) -> list[str]:
    with pytest.raises(ContentError) as caught:
        parse_document(text, fmt, "pack")
    return [str(problem) for problem in caught.value.problems]


def problems_of(record: dict) -> list[str]:
    with pytest.raises(ContentError) as caught:
        parse_questions({"questions": [record]}, "pack", require_source=False)
    return [str(problem) for problem in caught.value.problems]


def test_deep_json_is_refused_not_a_recursion_error():
    deep = '{"questions": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert refusal(deep, "json") == [f"line 1: nests more than {NESTING_MAX} levels deep"]


def test_deep_toml_is_refused_not_a_recursion_error():
    arrays = "x = " + "[" * 5000 + "]" * 5000
    assert refusal(arrays, "toml") == [f"line 1: nests more than {NESTING_MAX} levels deep"]
    tables = "\n\nx = " + "{a = " * 5000 + "1" + "}" * 5000
    assert refusal(tables, "toml") == [f"line 3: nests more than {NESTING_MAX} levels deep"]


def test_a_long_dotted_key_is_refused_before_tomllib_spends_minutes_on_it():
    # tomllib's cost grows with the square of a key's parts: 10,000 parts took 8 s and
    # 400 MB here; 128,000 (a 256 KiB pack) took the machine's memory.
    started = time.perf_counter()
    problems = refusal("a" + ".a" * 128_000 + " = 1", "toml")
    assert time.perf_counter() - started < 5  # not a timing test: minutes would be the bug
    assert problems == [f"line 1: has a key of more than {KEY_PARTS_MAX} parts"]


def test_shape_scan_ignores_strings_comments_and_numbers():
    fine = (
        "# a comment [[[[[[[[[[[[[[[[[[[[[[ a.b.c.d.e.f.g.h.i.j\n"
        "a.b.c = 1\n"
        "[[questions]]\n"
        'question = "[[[[[[[[[[[[[[[[[[[[ a.b.c.d.e.f.g.h.i.j \\" [[[[[[[[[[[[[[[[["\n'
        "literal = '[[[[[[[[[[[[[[[[[[[[[[[[ a.b.c.d.e.f.g.h.i'\n"
        'multi = """\n[[[[[[[[[[[[[[[[[[[[[[\na.b.c.d.e.f.g.h.i.j.k\n"""\n'
        "numbers = [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5]\n"
        "when = 1979-05-27T07:32:00.999-07:00\n"
    )
    assert shape_problem(fine, "toml") is None
    assert parse_document(fine, "toml", "pack")["a"] == {"b": {"c": 1}}
    text = json.dumps({"questions": [{"question": "[" * 50 + "\\" + '"' + "{" * 50}]})
    assert shape_problem(text, "json") is None


@pytest.mark.parametrize("fmt", ["json", "toml"])
def test_an_integer_past_pythons_digit_limit_is_refused(fmt: str):
    digits = "1" * 4301
    text = f'{{"questions": [{{"question": {digits}}}]}}' if fmt == "json" else f"x = {digits}"
    assert refusal(text, fmt) == ["file: has a number too long to read"]
    # One digit fewer is a number (and then not text, for a question).
    short = "1" * 4300
    fine = f'{{"questions": [{{"question": {short}}}]}}'
    assert parse_document(fine, "json", "pack")


def test_invisible_only_text_is_empty():
    assert problems_of({**GOOD, "question": "\u200b\u200b\u3164"}) == [
        "question 1, field question: is missing"
    ]


def test_answers_differing_by_an_invisible_character_are_the_same():
    assert problems_of({**GOOD, "wrong1": "Lil\u200bac"}) == [
        "question 1: two of its answers are the same"
    ]
    assert problems_of({**GOOD, "wrong1": "\uff2c\uff49\uff4c\uff41\uff43"}) == [  # full-width
        "question 1: two of its answers are the same"
    ]


def test_questions_differing_by_an_invisible_character_are_the_same():
    twin = {**GOOD, "question": "What colour is our\u200b server\u202e banner?"}
    with pytest.raises(ContentError) as caught:
        parse_questions({"questions": [GOOD, twin]}, "pack", require_source=False)
    assert [str(p) for p in caught.value.problems] == [
        "question 2: repeats question 1 word for word"
    ]


def test_control_characters_are_removed_before_storing():
    record = {
        **GOOD,
        "question": "What\x00 colour\x1b[2J is \u202eour banner?",
        "explanation": "Line one\x07\n\nLine two",
    }
    [question] = parse_questions({"questions": [record]}, "pack", require_source=False)
    assert question.question == "What colour[2J is our banner?"
    assert question.explanation == "Line one\n\nLine two"
    assert question.text_key == "what colour[2j is our banner?"


def test_length_limits_count_what_is_left():
    padded = "Lilac" + "\u200b" * 200  # 205 characters, 5 of them shown
    [question] = parse_questions(
        {"questions": [{**GOOD, "correct": padded}]}, "pack", require_source=False
    )
    assert question.correct == "Lilac"


def test_event_years_are_bounded():
    from zoneinfo import ZoneInfo

    with pytest.raises(EventYearOutOfRange):
        parse_event_date("0001-01-01 03:00", ZoneInfo("Asia/Seoul"))
    with pytest.raises(EventYearOutOfRange):
        parse_event_date("9999-12-31", ZoneInfo("America/New_York"))
    assert parse_event_date("1993-05-16", ZoneInfo("Asia/Seoul")).year == 1993


def test_a_recursion_error_the_scan_missed_is_still_a_refusal(monkeypatch):
    # The scan comes first; should a parser still recurse too deep, the file is refused.
    monkeypatch.setattr("bot.content.shape_problem", lambda text, fmt: None)
    deep = '{"questions": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert refusal(deep, "json") == ["file: is nested too deeply"]
