"""Property tests of pack validation: whatever a moderator uploads, the bot either gets
questions that keep every rule or a refusal that places each problem, never a crash."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.content import ContentError, normalised, parse_document
from cogs.trivia.schema import (
    ANSWER_MAX,
    CATEGORY_MAX,
    DIFFICULTIES,
    EXPLANATION_MAX,
    PACK_MAX_QUESTIONS,
    QUESTION_MAX,
    Question,
    parse_questions,
)

KEYS = (
    "question",
    "correct",
    "wrong1",
    "wrong2",
    "wrong3",
    "category",
    "difficulty",
    "explanation",
    "source",
)
ANSWER_KEYS = ("correct", "wrong1", "wrong2", "wrong3")
LIMITS = {"question": QUESTION_MAX, "explanation": EXPLANATION_MAX, "category": CATEGORY_MAX}
LIMITS |= dict.fromkeys(ANSWER_KEYS, ANSWER_MAX)
URL = re.compile(r"^https?://\S+$")

# Any character a file can hold, lone surrogates included (JSON's "\ud800" gives one).
any_char = st.characters(codec=None, exclude_categories=())
korean = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
# Markdown, invisible and control characters, a lone surrogate, among Korean letters.
hostile_texts = st.text(
    st.sampled_from("가나다 *_~`|>#@[]()\u200b\u202e\x00\t\n\ud800"), min_size=1, max_size=40
)
texts = st.one_of(
    st.text(max_size=20),
    st.text(st.one_of(any_char, korean), max_size=90),
    hostile_texts,
    # At and around each limit.
    st.integers(0, 8).flatmap(
        lambda n: st.sampled_from([ANSWER_MAX, QUESTION_MAX, EXPLANATION_MAX, 500]).map(
            lambda limit: "가" * (limit - 1 + n)
        )
    ),
    st.just("   "),
    st.just(""),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
urls = st.lists(
    st.from_regex(r"https://[a-z]{1,10}\.[a-z]{2,3}/[A-Za-z0-9_()-]{0,20}", fullmatch=True),
    min_size=1,
    max_size=3,
).map(" ; ".join)


@st.composite
def valid_records(draw: st.DrawFn) -> dict[str, Any]:
    """A question that keeps every rule (with the optional keys sometimes left out)."""
    words = st.text(st.characters(categories=("L", "N")) | korean, min_size=1, max_size=20)
    answers = draw(st.lists(words, min_size=4, max_size=4, unique_by=str.casefold))
    record: dict[str, Any] = {
        "question": draw(words) + "?",
        **dict(zip(ANSWER_KEYS, answers, strict=True)),
    }
    if draw(st.booleans()):
        first = draw(st.sampled_from("aZ9가"))
        record["category"] = first + draw(st.text(st.sampled_from("bY0힣 -"), max_size=31))
    if draw(st.booleans()):
        record["difficulty"] = draw(st.sampled_from((*DIFFICULTIES, "Easy", "HARD")))
    if draw(st.booleans()):
        record["explanation"] = draw(words)
    if draw(st.booleans()):
        record["source"] = draw(urls)
    return record


@st.composite
def mutated_records(draw: st.DrawFn) -> Any:
    """A question with keys dropped, added, retyped or filled with hostile text."""
    record = dict(draw(valid_records()))
    if draw(st.booleans()):
        record[draw(st.sampled_from(KEYS[:5]))] = draw(hostile_texts) + "?"
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=3)):
        record.pop(key, None)
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=3)):
        record[key] = draw(json_values)
    for key in draw(st.lists(st.text(min_size=1, max_size=12), max_size=2)):
        record[key] = draw(json_values)
    if draw(st.booleans()):
        # Two answers alike but for case, or the same question twice (in `documents`).
        record["wrong1"] = str(record.get("correct", "x")).upper()
    return draw(st.one_of(st.just(record), json_values)) if draw(st.booleans()) else record


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    records = draw(st.lists(valid_records() | mutated_records(), max_size=6))
    if records and draw(st.booleans()):
        records.append(dict(records[0]) if isinstance(records[0], dict) else records[0])
    document: dict[str, Any] = {"questions": records}
    if draw(st.booleans()):
        document = draw(st.dictionaries(st.text(max_size=10), json_values, max_size=2))
        document["questions"] = draw(st.just(records) | json_values)
    return document


def assert_keeps_every_rule(questions: list[Question], *, require_source: bool) -> None:
    assert 1 <= len(questions) <= PACK_MAX_QUESTIONS
    texts_seen = set()
    for question in questions:
        assert 0 < len(question.question) <= QUESTION_MAX
        assert question.question == question.question.strip()
        assert len(question.answers) == 4
        for answer in question.answers:
            assert isinstance(answer, str)
            assert 0 < len(answer) <= ANSWER_MAX
            assert answer == answer.strip()
        assert len({answer.casefold() for answer in question.answers}) == 4
        assert 0 < len(question.category) <= CATEGORY_MAX
        assert question.category == question.category.lower()
        assert question.category.replace("-", "").replace(" ", "").isalnum()
        assert question.difficulty is None or question.difficulty in DIFFICULTIES
        assert question.explanation is None or 0 < len(question.explanation) <= EXPLANATION_MAX
        if require_source:
            assert question.source is not None
        if question.source is not None:
            assert len(question.source) <= 500
            assert all(URL.match(part.strip()) for part in question.source.split(" ; "))
        # Every text can be stored (SQLite takes UTF-8) and sent to Discord.
        for text in (question.question, *question.answers, question.explanation or ""):
            text.encode("utf-8")
        texts_seen.add(normalised(question.question))
    assert len(texts_seen) == len(questions)


ResultT = TypeVar("ResultT")


def outcome(call: Callable[[], ResultT]) -> ResultT | ContentError:
    """What `call` returns, or the `ContentError` it raises (after checking its problems)."""
    try:
        return call()
    except ContentError as error:
        refusal = error
    assert refusal.problems
    for problem in refusal.problems:
        assert isinstance(problem.place, str)
        assert problem.place.strip()
        assert isinstance(problem.message, str)
        assert problem.message.strip()
    return refusal


def validate(document: Any, *, require_source: bool) -> list[Question] | None:
    """The questions, or None for a refusal that places each of its problems."""
    questions = outcome(
        lambda: parse_questions(
            document, "pack.json", require_source=require_source, default_category="server"
        )
    )
    if isinstance(questions, ContentError):
        return None
    assert_keeps_every_rule(questions, require_source=require_source)
    return questions


LONE_SURROGATE = {
    "questions": [
        {"question": "\ud800?", "correct": "a", "wrong1": "b", "wrong2": "c", "wrong3": "d"}
    ]
}


@settings(max_examples=40)
@given(documents(), st.booleans())
@example(LONE_SURROGATE, False)
def test_any_document_gives_rule_keeping_questions_or_placed_problems(
    document: dict[str, Any], require_source: bool
) -> None:
    validate(document, require_source=require_source)


@given(valid_records(), st.sampled_from(KEYS), texts, st.data())
def test_any_text_in_one_field_is_taken_by_the_rules_or_refused_there(
    record: dict[str, Any], key: str, text: str, data: st.DataObject
) -> None:
    choice = data.draw(st.integers(0, 2))
    if choice == 1 and key in LIMITS:
        # Around this field's own limit.
        text = "가" * (LIMITS[key] + data.draw(st.integers(-2, 8)))
    elif choice == 2:
        # Another field's text, perhaps in other case: two answers alike.
        other = data.draw(st.sampled_from(sorted(record)))
        text = data.draw(st.sampled_from([record[other], record[other].upper()]))
    record[key] = text
    questions = outcome(
        lambda: parse_questions({"questions": [record]}, "pack.json", require_source=False)
    )
    if isinstance(questions, ContentError):
        assert all(problem.place.startswith("question 1") for problem in questions.problems)
    else:
        assert_keeps_every_rule(questions, require_source=False)


@settings(max_examples=30)
@given(documents())
def test_a_document_read_back_from_json_is_validated_the_same(document: dict[str, Any]) -> None:
    """Through the real parser, as an upload arrives: the same answer, never a crash."""
    try:
        text = json.dumps(document, ensure_ascii=True)
    except ValueError:  # pragma: no cover - floats are finite
        return
    parsed = outcome(lambda: parse_document(text, "json", "pack.json"))
    if not isinstance(parsed, ContentError):
        validate(parsed, require_source=False)


# Hostile files that reached the generic apology before: deep nesting, huge numbers.
@settings(max_examples=20)
@given(st.integers(1, 3000), st.sampled_from(["[", '{"a":', '[{"questions":', "toml"]))
@example(100_000, "[")
@example(5000, "toml")
def test_deeply_nested_files_are_refused_with_a_place(depth: int, opener: str) -> None:
    if opener == "toml":
        fmt, text = "toml", "a = " + "[" * depth + "]" * depth
    else:
        closer = {"[": "]", '{"a":': "}", '[{"questions":': "}]"}[opener]
        fmt, text = "json", opener * depth + "1" + closer * depth
    document = outcome(lambda: parse_document(text, fmt, "pack." + fmt))
    if not isinstance(document, ContentError):
        validate(document, require_source=False)


@given(st.integers(1, 20_000), st.sampled_from(["json", "toml"]))
@example(4301, "json")
@example(5000, "toml")
def test_long_numbers_are_refused_with_a_place(digits: int, fmt: str) -> None:
    number = "7" * digits
    text = f'{{"questions": {number}}}' if fmt == "json" else f"questions = {number}"
    document = outcome(lambda: parse_document(text, fmt, "pack." + fmt))
    if not isinstance(document, ContentError):
        validate(document, require_source=False)


# --- round trip ---------------------------------------------------------------------------


def as_record(question: Question) -> dict[str, str]:
    record = {
        "question": question.question,
        "correct": question.correct,
        "wrong1": question.wrong[0],
        "wrong2": question.wrong[1],
        "wrong3": question.wrong[2],
        "category": question.category,
    }
    for key in ("difficulty", "explanation", "source"):
        if getattr(question, key) is not None:
            record[key] = getattr(question, key)
    return record


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, but for DEL, which TOML wants escaped."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def to_toml(records: list[dict[str, str]]) -> str:
    tables = []
    for record in records:
        lines = [f"{key} = {toml_string(value)}" for key, value in record.items()]
        tables.append("[[questions]]\n" + "\n".join(lines))
    return "\n\n".join(tables) + "\n"


@settings(max_examples=25)
@given(
    st.lists(valid_records(), min_size=1, max_size=8, unique_by=lambda r: normalised(r["question"]))
)
def test_a_valid_pack_written_as_toml_or_json_reads_back_the_same(
    records: list[dict[str, Any]],
) -> None:
    questions = parse_questions(
        {"questions": records}, "pack", require_source=False, default_category="server"
    )
    written = [as_record(question) for question in questions]
    for fmt, text in (
        ("toml", to_toml(written)),
        ("json", json.dumps({"questions": written}, ensure_ascii=False)),
    ):
        again = parse_questions(
            parse_document(text, fmt, f"pack.{fmt}"),
            f"pack.{fmt}",
            require_source=False,
            default_category="server",
        )
        assert again == questions


# --- what the properties found, pinned as plain tests ---------------------------------------


def test_a_json_pack_with_a_lone_surrogate_stores_text_that_can_be_encoded() -> None:
    # The normaliser drops the lone surrogate (JSON's "\ud800"); before, it crashed the import.
    text = '{"questions": [{"question": "Why\\ud800?", "correct": "a", "wrong1": "b",'
    text += ' "wrong2": "c", "wrong3": "d"}]}'
    document = parse_document(text, "json", "p.json")
    [question] = parse_questions(document, "p.json", require_source=False)
    assert question.question == "Why?"
    question.question.encode("utf-8")


@pytest.mark.parametrize(
    ("fmt", "text"), [("json", "[" * 100_000 + "]" * 100_000), ("toml", "a = " + "[" * 5000)]
)
def test_nesting_past_the_recursion_limit_is_refused_as_a_content_error(
    fmt: str, text: str
) -> None:
    with pytest.raises(ContentError) as refused:
        parse_document(text, fmt, f"p.{fmt}")
    # Found by the shape scan before parsing, with its line.
    assert refused.value.problems[0].place.startswith(("file", "line "))


def test_an_integer_of_4301_digits_is_refused_as_a_content_error() -> None:
    with pytest.raises(ContentError) as refused:
        parse_document('{"questions": ' + "7" * 4301 + "}", "json", "p.json")
    assert refused.value.problems[0].place == "file"
