"""Every problem cogs/trivia/schema.py finds in a pack has catalog keys for its place and
its message, so a moderator reads it in their language (see cogs/trivia/admin.py)."""

from __future__ import annotations

from typing import Any

import pytest

from cogs.trivia.schema import parse_questions
from tests.support.problems import problems_of, unworded


def question(number: int, **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "question": f"Question {number}?",
        "correct": "A",
        "wrong1": "B",
        "wrong2": "C",
        "wrong3": "D",
    }
    return record | changes


KOREAN = {
    "question_ko": "문제?",
    "correct_ko": "가",
    "wrong1_ko": "나",
    "wrong2_ko": "다",
    "wrong3_ko": "라",
}

BAD_PACKS: dict[str, tuple[list[Any], bool]] = {
    "servers' pack": (
        [
            question(1, wrong1="a"),
            question(2, **(KOREAN | {"wrong2_ko": "가"})),
            question(3, question_ko="문제?", correct_ko="  "),
            question(4, explanation_ko="설명"),
            question(5, explanation="Why.", explanation_ko="설명"),
            question(6, question="Question 1?", category="a!b", source="ftp://x"),
            question(7, difficulty="extreme", correct=5, corect="A"),
            "text",
        ],
        False,
    ),
    "shipped pack": (
        [question(1, explanation="Why.", **KOREAN), question(2, **KOREAN, explanation_ko=" ")],
        True,
    ),
}


def pack_problems(name: str):
    records, shipped = BAD_PACKS[name]
    return problems_of(
        lambda: parse_questions(
            {"questions": records}, "p", require_source=shipped, require_korean=shipped
        )
    )


@pytest.mark.parametrize("name", BAD_PACKS)
def test_every_problem_of_a_bad_pack_has_its_keys(name):
    problems = pack_problems(name)
    assert problems
    assert [gap for problem in problems for gap in unworded(problem)] == []


def test_the_bad_packs_meet_every_problem_the_schema_words():
    keys = {problem.key for name in BAD_PACKS for problem in pack_problems(name)}
    assert {
        f"trivia_admin.problem_{name}"
        for name in (
            "same_answers",
            "same_korean_answers",
            "repeats",
            "empty",
            "part_korean",
            "explanation_ko_alone",
            "explanation_ko_no_question",
            "explanation_ko_missing",
            "category",
        )
    } <= keys
