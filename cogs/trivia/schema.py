"""Trivia packs: the questions' fields, their limits, and validation with places."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.content import DATA_DIR, ContentError, Field, Problem, is_url, load_file, validate_records

PACKS_DIR = DATA_DIR / "trivia"
# Button labels hold 80 characters; the question sits in an embed title-sized line.
QUESTION_MAX = 240
ANSWER_MAX = 80
EXPLANATION_MAX = 400
CATEGORY_MAX = 32
PACK_MAX_QUESTIONS = 500
DIFFICULTIES = ("easy", "medium", "hard")


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

    @property
    def answers(self) -> tuple[str, str, str, str]:
        return (self.correct, *self.wrong)


def _category(value: Any) -> str | None:
    if not value.replace("-", "").replace(" ", "").isalnum():
        return "use letters, digits, spaces or '-' only"
    return None


def _difficulty(value: Any) -> str | None:
    return None if value in DIFFICULTIES else f"use one of: {', '.join(DIFFICULTIES)}"


def question_fields(*, require_source: bool) -> list[Field]:
    return [
        Field("question", max_length=QUESTION_MAX),
        Field("correct", max_length=ANSWER_MAX),
        Field("wrong1", max_length=ANSWER_MAX),
        Field("wrong2", max_length=ANSWER_MAX),
        Field("wrong3", max_length=ANSWER_MAX),
        Field("category", required=False, max_length=CATEGORY_MAX, check=_category),
        Field("difficulty", required=False, max_length=6, check=_difficulty),
        Field("explanation", required=False, max_length=EXPLANATION_MAX),
        Field("source", required=require_source, max_length=500, check=is_url),
    ]


def builtin_key(question: str) -> str:
    return "b:" + hashlib.sha1(question.strip().casefold().encode()).hexdigest()[:12]


def parse_questions(
    document: Mapping[str, Any],
    source: str,
    *,
    require_source: bool,
    default_category: str = "general",
) -> list[Question]:
    """Every question of a pack, or `ContentError` naming each problem and its place."""
    records, problems = validate_records(
        document,
        "questions",
        question_fields(require_source=require_source),
        maximum=PACK_MAX_QUESTIONS,
        entry_word="question",
    )
    seen: dict[str, int] = {}
    for number, record in enumerate(records, start=1):
        answers = [record.get(name, "") for name in ("correct", "wrong1", "wrong2", "wrong3")]
        folded = [answer.casefold() for answer in answers if answer]
        if len(folded) == 4 and len(set(folded)) < 4:
            problems.append(Problem(f"question {number}", "two of its answers are the same"))
        text = record.get("question", "").casefold()
        if text and text in seen:
            problems.append(
                Problem(f"question {number}", f"repeats question {seen[text]} word for word")
            )
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
        )
        for record in records
    ]


def load_shipped_packs(folder: Path = PACKS_DIR) -> list[Question]:
    """Every pack in `data/trivia/`; shipped packs must give a source for every question."""
    questions: list[Question] = []
    for path in sorted(folder.glob("*.toml")) + sorted(folder.glob("*.json")):
        questions.extend(parse_questions(load_file(path), str(path), require_source=True))
    keys = [question.key for question in questions]
    if len(set(keys)) != len(keys):
        raise ContentError(str(folder), [Problem("packs", "the same question is in two packs")])
    return questions
