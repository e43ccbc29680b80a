"""Trivia packs: the questions' fields, their limits, and validation with places."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.content import (
    DATA_DIR,
    ContentError,
    Field,
    Problem,
    Wording,
    entry_place,
    is_url,
    load_file,
    normalised,
    one_of,
    problem,
    validate_records,
)
from bot.text import clean_text

PACKS_DIR = DATA_DIR / "trivia"
# Button labels hold 80 characters; the question sits in an embed title-sized line.
QUESTION_MAX = 240
ANSWER_MAX = 80
EXPLANATION_MAX = 400
CATEGORY_MAX = 32
PACK_MAX_QUESTIONS = 500
DIFFICULTIES = ("easy", "medium", "hard")


@dataclass(frozen=True)
class Translation:
    """A question in another language: the same four answers in the same order."""

    question: str
    answers: tuple[str, str, str, str]  # the correct one first, as in `Question.answers`
    explanation: str | None = None


@dataclass(frozen=True)
class Question:
    """One trivia question. `key` is stable across restarts, so asked questions are known."""

    key: str
    question: str
    correct: str
    wrong: tuple[str, str, str]
    category: str
    explanation: str | None = None
    source: str | None = None
    difficulty: str | None = None  # one of DIFFICULTIES; a server's own may have none
    korean: Translation | None = None  # every shipped question has it; a server's may not

    @property
    def answers(self) -> tuple[str, str, str, str]:
        return (self.correct, *self.wrong)

    @property
    def text_key(self) -> str:
        """The question as compared for "already here": see `bot.content.normalised`."""
        return normalised(self.question)


def _category(value: Any) -> Wording | None:
    if not value.replace("-", "").replace(" ", "").isalnum():
        return Wording("use letters, digits, spaces or '-' only", "trivia_admin.problem_category")
    return None


KOREAN_TEXT = ("question_ko", "correct_ko", "wrong1_ko", "wrong2_ko", "wrong3_ko")
KOREAN_FIELDS = (*KOREAN_TEXT, "explanation_ko")
ANSWER_FIELDS = ("correct", "wrong1", "wrong2", "wrong3")


def question_fields(
    *, require_source: bool, require_difficulty: bool = False, require_korean: bool = False
) -> list[Field]:
    return [
        Field("question", max_length=QUESTION_MAX),
        Field("question_ko", required=require_korean, max_length=QUESTION_MAX),
        Field("correct", max_length=ANSWER_MAX),
        Field("correct_ko", required=require_korean, max_length=ANSWER_MAX),
        Field("wrong1", max_length=ANSWER_MAX),
        Field("wrong1_ko", required=require_korean, max_length=ANSWER_MAX),
        Field("wrong2", max_length=ANSWER_MAX),
        Field("wrong2_ko", required=require_korean, max_length=ANSWER_MAX),
        Field("wrong3", max_length=ANSWER_MAX),
        Field("wrong3_ko", required=require_korean, max_length=ANSWER_MAX),
        Field("category", required=False, max_length=CATEGORY_MAX, check=_category),
        Field("difficulty", required=require_difficulty, check=one_of(*DIFFICULTIES)),
        Field("explanation", required=False, max_length=EXPLANATION_MAX, multiline=True),
        Field("explanation_ko", required=False, max_length=EXPLANATION_MAX, multiline=True),
        Field("source", required=require_source, max_length=500, check=is_url),
    ]


def _korean(record: Mapping[str, Any]) -> Translation | None:
    if not all(name in record for name in KOREAN_TEXT):
        return None
    return Translation(
        question=record["question_ko"],
        answers=(
            record["correct_ko"],
            record["wrong1_ko"],
            record["wrong2_ko"],
            record["wrong3_ko"],
        ),
        explanation=record.get("explanation_ko"),
    )


def _same_answers(record: Mapping[str, Any], names: tuple[str, ...]) -> bool:
    """Whether two of the four answers are the same, compared as questions are (answers
    that look alike are the same answer); False while one is missing (reported apart)."""
    folded = [normalised(record[name]) for name in names if record.get(name)]
    return len(folded) == 4 and len(set(folded)) < 4


def _korean_problems(
    number: int, record: Mapping[str, Any], raw: Mapping[str, Any], *, require_korean: bool
) -> list[Problem]:
    """What is wrong with a question's Korean: an empty Korean field (which the generic
    check would drop as if it were absent), a Korean half-given (a question without its
    four answers, or the reverse), two Korean answers alike, and, where Korean is required
    (shipped packs), an explanation without its Korean one."""
    place = entry_place("question", number)
    problems: list[Problem] = []
    for name in KOREAN_FIELDS:
        value = raw.get(name)
        empty = isinstance(value, str) and not clean_text(value)
        # A required one that is empty is reported as missing already.
        if empty and not (require_korean and name in KOREAN_TEXT):
            where = entry_place("question", number, name)
            problems.append(problem(where, "is empty", "trivia_admin.problem_empty"))
    present = [name for name in KOREAN_TEXT if name in record]
    if present and len(present) < len(KOREAN_TEXT) and not require_korean:
        missing = ", ".join(f"`{name}`" for name in KOREAN_TEXT if name not in record)
        message = f"has part of its Korean: {missing} missing; give all five or none"
        key = "trivia_admin.problem_part_korean"
        problems.append(problem(place, message, key, missing=missing))
    # Given, even if refused for another reason (too long): that one is reported apart.
    given = {name for name, value in raw.items() if value is not None}
    if "explanation_ko" in record and "explanation" not in given:
        message = "has `explanation_ko` without `explanation`"
        problems.append(problem(place, message, "trivia_admin.problem_explanation_ko_alone"))
    elif "explanation_ko" in record and not present:
        message = "has `explanation_ko` without the Korean question"
        key = "trivia_admin.problem_explanation_ko_no_question"
        problems.append(problem(place, message, key))
    if require_korean and "explanation" in record and "explanation_ko" not in given:
        where = entry_place("question", number, "explanation_ko")
        message = "is missing (it has an explanation)"
        problems.append(problem(where, message, "trivia_admin.problem_explanation_ko_missing"))
    if _same_answers(record, tuple(f"{name}_ko" for name in ANSWER_FIELDS)):
        message = "two of its Korean answers are the same"
        problems.append(problem(place, message, "trivia_admin.problem_same_korean_answers"))
    return problems


def builtin_key(question: str) -> str:
    return "b:" + hashlib.sha1(question.strip().casefold().encode()).hexdigest()[:12]


def parse_questions(
    document: Mapping[str, Any],
    source: str,
    *,
    require_source: bool,
    require_difficulty: bool = False,
    require_korean: bool = False,
    default_category: str = "general",
) -> list[Question]:
    """Every question of a pack, or `ContentError` naming each problem and its place.

    Shipped packs pass `require_source` and `require_difficulty`; servers' packs may leave
    both out. Unknown tables and keys are refused, like every other mistake.
    """
    records, problems = validate_records(
        document,
        "questions",
        question_fields(
            require_source=require_source,
            require_difficulty=require_difficulty,
            require_korean=require_korean,
        ),
        maximum=PACK_MAX_QUESTIONS,
        entry_word="question",
        other_tables=(),
    )
    seen: dict[str, int] = {}
    # The entries as written, beside the checked records (which are the tables among them;
    # none when the pack has too many, so the two may differ in length only then).
    given = document.get("questions")
    written = (
        [entry for entry in given if isinstance(entry, dict)] if isinstance(given, list) else []
    )
    for number, (record, raw) in enumerate(zip(records, written, strict=False), start=1):
        place = entry_place("question", number)
        if _same_answers(record, ANSWER_FIELDS):
            message = "two of its answers are the same"
            problems.append(problem(place, message, "trivia_admin.problem_same_answers"))
        problems.extend(_korean_problems(number, record, raw, require_korean=require_korean))
        text = normalised(record.get("question", ""))
        if text and text in seen:
            message = f"repeats question {seen[text]} word for word"
            key = "trivia_admin.problem_repeats"
            problems.append(problem(place, message, key, number=seen[text]))
        seen.setdefault(text, number)
    if problems:
        raise ContentError(source, problems)
    return [
        Question(
            key=builtin_key(record["question"]),
            question=record["question"],
            correct=record["correct"],
            wrong=(record["wrong1"], record["wrong2"], record["wrong3"]),
            category=record.get("category", default_category).lower(),
            explanation=record.get("explanation"),
            source=record.get("source"),
            difficulty=record["difficulty"].lower() if "difficulty" in record else None,
            korean=_korean(record),
        )
        for record in records
    ]


def split_already_here(
    questions: list[Question], have: set[str]
) -> tuple[list[Question], list[Question]]:
    """(new, already here): a question is here when `have` holds its `text_key`."""
    new = [question for question in questions if question.text_key not in have]
    return new, [question for question in questions if question.text_key in have]


def load_shipped_packs(folder: Path = PACKS_DIR) -> list[Question]:
    """Every pack in `data/trivia/`; shipped packs must give a source and a difficulty."""
    questions: list[Question] = []
    for path in sorted(folder.glob("*.toml")) + sorted(folder.glob("*.json")):
        questions.extend(
            parse_questions(
                load_file(path),
                str(path),
                require_source=True,
                require_difficulty=True,
                require_korean=True,
            )
        )
    keys = [question.key for question in questions]
    if len(set(keys)) != len(keys):
        raise ContentError(str(folder), [Problem("packs", "the same question is in two packs")])
    return questions
