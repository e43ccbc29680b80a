"""Trivia pack validation: each kind of mistake is named with its place."""

from __future__ import annotations

import pytest

from bot.content import ContentError, parse_document
from cogs.trivia.schema import parse_questions

GOOD = {
    "question": "Who directed the video?",
    "correct": "Um Tae-hwa",
    "wrong1": "Bong Joon-ho",
    "wrong2": "Park Chan-wook",
    "wrong3": "Na Hong-jin",
    "category": "video",
    "explanation": "He directed Concrete Utopia too.",
    "source": "https://example.com/a",
}


def problems_of(questions, *, require_source=True) -> list[str]:
    with pytest.raises(ContentError) as caught:
        parse_questions({"questions": questions}, "pack.toml", require_source=require_source)
    return [str(problem) for problem in caught.value.problems]


def test_a_good_pack_loads():
    [question] = parse_questions({"questions": [GOOD]}, "pack.toml", require_source=True)
    assert question.correct == "Um Tae-hwa"
    assert question.category == "video"


def test_missing_field_is_named_with_its_question():
    broken = {**GOOD, "question": "Who stars in it?"}
    del broken["wrong2"]
    assert problems_of([GOOD, broken]) == ["question 2, field wrong2: is missing"]


def test_too_long_answer_is_refused_with_the_limit():
    [problem] = problems_of([{**GOOD, "correct": "x" * 81}])
    assert problem.startswith("question 1, field correct: is 81 characters; at most 80")


def test_wrong_type_and_unknown_field():
    found = problems_of([{**GOOD, "wrong3": 4, "answer": "typo"}])
    assert "question 1, field wrong3: must be text" in found
    assert any(p.startswith("question 1, field answer: unknown field") for p in found)


def test_duplicate_answers_and_repeated_questions():
    found = problems_of([{**GOOD, "question": "Other?", "wrong1": "um tae-hwa"}, GOOD, GOOD])
    assert "question 1: two of its answers are the same" in found
    assert "question 3: repeats question 2 word for word" in found


def test_shipped_packs_need_sources_but_server_packs_do_not():
    no_source = {k: v for k, v in GOOD.items() if k != "source"}
    assert problems_of([no_source]) == ["question 1, field source: is missing"]
    assert parse_questions({"questions": [no_source]}, "p", require_source=False)


def test_source_must_be_a_web_address():
    assert problems_of([{**GOOD, "source": "my memory"}]) == [
        "question 1, field source: must be a web address (https://...)"
    ]


def test_empty_pack_and_wrong_shape():
    assert problems_of([]) == ["file: has no [[questions]] entries"]
    with pytest.raises(ContentError, match="needs a list"):
        parse_questions({"questions": "all of them"}, "p", require_source=False)


def test_parser_errors_name_the_line():
    with pytest.raises(ContentError) as caught:
        parse_document('{"questions": [\n  {"question": "x",}\n]}', "json", "pack.json")
    assert str(caught.value.problems[0]).startswith("line 2: not valid JSON")
    with pytest.raises(ContentError, match="line 2"):
        parse_document('[[questions]]\nquestion = "unterminated\n', "toml", "pack.toml")


def test_difficulty_is_optional_and_one_of_three():
    [question] = parse_questions(
        {"questions": [{**GOOD, "difficulty": "hard"}]}, "p", require_source=True
    )
    assert question.correct == "Um Tae-hwa"
    assert problems_of([{**GOOD, "difficulty": "expert"}]) == [
        "question 1, field difficulty: use one of: easy, medium, hard"
    ]
