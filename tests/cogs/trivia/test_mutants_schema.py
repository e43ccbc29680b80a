"""Pack validation as mutation testing found it under-tested (see README, "Test it")."""

from __future__ import annotations

import hashlib
import json

import pytest

from bot.content import ContentError
from cogs.trivia.schema import (
    ANSWER_MAX,
    CATEGORY_MAX,
    EXPLANATION_MAX,
    PACK_MAX_QUESTIONS,
    QUESTION_MAX,
    builtin_key,
    load_shipped_packs,
    parse_questions,
)


def record(n: int = 1, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "question": f"Question {n}?",
        "correct": "right",
        "wrong1": "w1",
        "wrong2": "w2",
        "wrong3": "w3",
    }
    base.update(fields)
    return base


def problems(*records: dict[str, object], **kwargs: object) -> list[str]:
    kwargs.setdefault("require_source", False)
    with pytest.raises(ContentError) as caught:
        parse_questions({"questions": list(records)}, "pack.toml", **kwargs)
    assert caught.value.source == "pack.toml"
    return [str(problem) for problem in caught.value.problems]


LIMITS = [
    ("question", QUESTION_MAX),
    ("correct", ANSWER_MAX),
    ("wrong1", ANSWER_MAX),
    ("wrong2", ANSWER_MAX),
    ("wrong3", ANSWER_MAX),
    ("category", CATEGORY_MAX),
    ("explanation", EXPLANATION_MAX),
    ("source", 500),
]


def long_value(name: str, length: int) -> str:
    if name == "source":
        return "https://e.com/" + "a" * (length - len("https://e.com/"))
    return "a" * length


@pytest.mark.parametrize(("name", "limit"), LIMITS)
def test_each_field_takes_its_limit_and_refuses_one_more(name, limit):
    taken = parse_questions(
        {"questions": [record(**{name: long_value(name, limit)})]}, "p", require_source=False
    )
    assert len(taken) == 1
    assert problems(record(**{name: long_value(name, limit + 1)})) == [
        f"question 1, field {name}: is {limit + 1} characters; at most {limit}"
    ]


def test_a_pack_holds_500_questions_and_not_501():
    many = [record(n) for n in range(PACK_MAX_QUESTIONS)]
    assert len(parse_questions({"questions": many}, "p", require_source=False)) == 500
    assert problems(*many, record(501)) == ["file: has 501 entries; at most 500 fit"]


@pytest.mark.parametrize("category", ["BTS-army", "love wins", "아이유"])
def test_a_category_of_letters_digits_spaces_and_dashes_is_taken_lowercased(category):
    (question,) = parse_questions(
        {"questions": [record(category=category)]}, "p", require_source=False
    )
    assert question.category == category.lower()


@pytest.mark.parametrize("category", ["a_b", "x!", "a/b", "a.b"])
def test_any_other_category_is_refused(category):
    assert problems(record(category=category)) == [
        "question 1, field category: use letters, digits, spaces or '-' only"
    ]


def test_the_default_category_is_general_or_the_callers():
    doc = {"questions": [record()]}
    assert parse_questions(doc, "p", require_source=False)[0].category == "general"
    assert (
        parse_questions(doc, "p", require_source=False, default_category="server")[0].category
        == "server"
    )


def test_a_question_keeps_its_three_wrong_answers_in_order():
    (question,) = parse_questions({"questions": [record()]}, "p", require_source=False)
    assert question.wrong == ("w1", "w2", "w3")
    assert question.key == builtin_key("Question 1?")


def test_a_missing_answer_is_named_without_a_same_answers_complaint():
    no_wrong3 = record()
    del no_wrong3["wrong3"]
    blank_question = record(question="")
    assert problems(no_wrong3, blank_question) == [
        "question 1, field wrong3: is missing",
        "question 2, field question: is missing",
    ]


def test_a_builtin_key_is_b_and_12_hex_digits_of_the_folded_question():
    expected = "b:" + hashlib.sha1(b"question?").hexdigest()[:12]
    assert builtin_key("  Question? ") == expected


def write_pack(folder, name, questions, fmt):
    path = folder / name
    if fmt == "json":
        path.write_text(json.dumps({"questions": questions}), "utf-8")
    else:
        lines = []
        for q in questions:
            lines.append("[[questions]]")
            lines.extend(f"{key} = {json.dumps(value)}" for key, value in q.items())
        path.write_text("\n".join(lines), "utf-8")


def shipped(n: int, **fields: object) -> dict[str, object]:
    korean = {
        "question_ko": f"{n}번 문제?",
        "correct_ko": "정답",
        "wrong1_ko": "오답1",
        "wrong2_ko": "오답2",
        "wrong3_ko": "오답3",
    }
    return record(n, source="https://e.com/a", difficulty="easy", **korean, **fields)


def test_shipped_packs_are_read_from_toml_and_json_files(tmp_path):
    write_pack(tmp_path, "a.toml", [shipped(1)], "toml")
    write_pack(tmp_path, "b.json", [shipped(2)], "json")
    loaded = load_shipped_packs(tmp_path)
    assert [q.question for q in loaded] == ["Question 1?", "Question 2?"]


def test_a_shipped_pack_needs_a_source_and_is_named_in_the_refusal(tmp_path):
    no_source = shipped(1)
    del no_source["source"]
    write_pack(tmp_path, "a.toml", [no_source], "toml")
    with pytest.raises(ContentError) as caught:
        load_shipped_packs(tmp_path)
    assert caught.value.source == str(tmp_path / "a.toml")
    assert [str(p) for p in caught.value.problems] == ["question 1, field source: is missing"]


def test_the_same_question_in_two_shipped_packs_is_refused(tmp_path):
    write_pack(tmp_path, "a.toml", [shipped(1)], "toml")
    write_pack(tmp_path, "b.json", [shipped(1)], "json")
    with pytest.raises(ContentError) as caught:
        load_shipped_packs(tmp_path)
    assert caught.value.source == str(tmp_path)
    assert [str(p) for p in caught.value.problems] == ["packs: the same question is in two packs"]
