"""The shipped trivia questions are fair: balanced, and not answerable by form or by each other.

These read the pack files themselves (not the loader's records), so they hold whatever the
loader keeps of each question.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations

import pytest

from cogs.trivia.schema import PACKS_DIR

DIFFICULTIES = {"easy", "medium", "hard"}
# Choices shorter than this count as this long, so short names and numbers ("RM", "23") may
# sit beside eight-character ones; beyond it the longest choice is at most twice the shortest.
LENGTH_FLOOR = 4
LENGTH_RATIO = 2
HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
# An open-ended choice ("Over 15 million"): two in the same direction are both true at once.
OPEN_ENDED = {
    "above": re.compile(r"^(over|more than|at least|above)\b", re.IGNORECASE),
    "below": re.compile(r"^(under|less than|fewer than|at most|below|up to)\b", re.IGNORECASE),
}
# Words that are capitalised in answers but name nothing a question could give away.
NOT_DISTINCTIVE = {
    # The artist and the song are in nearly every question by design.
    "IU's",
    "Love",
    # Months and parts of dates and times: a date answer is checked as a whole.
    *("January", "February", "March", "April", "May", "June", "July", "August"),
    *("September", "October", "November", "December"),
    "KST",
    # Generic words of unit and place names ("Korea Army Training Center").
    "Korea",
    "Army",
    "Corps",
    "Film",
    "Special",  # "Special Duty Team" (the unit) vs "Special Warrior" (a title he earned)
    "Dragon",  # "Blue Dragon Film Awards" vs the "Double Dragon" corps: unrelated
}


@dataclass(frozen=True)
class Shipped:
    place: str
    question: str
    choices: tuple[str, str, str, str]
    category: str
    difficulty: str | None
    source: str

    @property
    def correct(self) -> str:
        return self.choices[0]


def shipped_questions() -> list[Shipped]:
    found = []
    for path in sorted(PACKS_DIR.glob("*.toml")):
        entries = tomllib.loads(path.read_text("utf-8"))["questions"]
        for number, entry in enumerate(entries, start=1):
            found.append(
                Shipped(
                    place=f"{path.name} question {number}",
                    question=entry["question"],
                    choices=tuple(
                        entry[name] for name in ("correct", "wrong1", "wrong2", "wrong3")
                    ),
                    category=entry["category"],
                    difficulty=entry.get("difficulty"),
                    source=entry["source"],
                )
            )
    return found


QUESTIONS = shipped_questions()


def test_there_are_still_enough_questions():
    assert len(QUESTIONS) >= 75


def test_every_question_has_a_difficulty_and_each_category_is_balanced():
    missing = [q.place for q in QUESTIONS if q.difficulty not in DIFFICULTIES]
    assert not missing, f"no or unknown difficulty: {missing}"
    per_category: dict[str, Counter[str]] = defaultdict(Counter)
    for question in QUESTIONS:
        per_category[question.category][question.difficulty] += 1
    for category, counts in per_category.items():
        assert set(counts) == DIFFICULTIES, f"{category} lacks a difficulty: {dict(counts)}"
        total = sum(counts.values())
        # Roughly a third each: no difficulty under a quarter of its category.
        assert min(counts.values()) * 4 >= total, f"{category} is unbalanced: {dict(counts)}"


def test_categories_name_what_they_hold():
    categories = {question.category for question in QUESTIONS}
    assert categories == {"release", "charts", "video", "service"}


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.place)
def test_choices_are_alike_in_length(question: Shipped):
    lengths = sorted(len(choice) for choice in question.choices)
    assert lengths[-1] <= LENGTH_RATIO * max(lengths[0], LENGTH_FLOOR), question.choices


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.place)
def test_choices_are_alike_in_form(question: Shipped):
    marks = {
        "quotes": lambda text: '"' in text,
        "Hangul": lambda text: bool(HANGUL.search(text)),
        "parentheses": lambda text: "(" in text,
    }
    for name, has in marks.items():
        count = sum(1 for choice in question.choices if has(choice))
        assert count in (0, 4), f"{count} of 4 choices have {name}: {question.choices}"


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.place)
def test_no_two_choices_can_both_be_true(question: Shipped):
    for direction, pattern in OPEN_ENDED.items():
        open_ended = [choice for choice in question.choices if pattern.match(choice)]
        assert len(open_ended) <= 1, f"nested '{direction}' choices: {open_ended}"


def test_no_two_questions_share_their_choices():
    for one, other in combinations(QUESTIONS, 2):
        shared = {c.casefold() for c in one.choices} & {c.casefold() for c in other.choices}
        assert len(shared) <= 1, f"{one.place} and {other.place} share {shared}"
        assert {c.casefold() for c in one.choices[1:]} != {c.casefold() for c in other.choices[1:]}


def distinctive_terms(answer: str) -> set[tuple[str, bool]]:
    """The answer itself (in any case), and each run of capitalised words in it (proper
    names) and its parts (only as written), as (term, case-sensitive) pairs."""
    terms = set()
    whole = re.sub(r"^(the|an|a) ", "", answer.replace('"', ""), flags=re.IGNORECASE)
    if len(whole) > 4 and whole not in NOT_DISTINCTIVE:
        terms.add((whole, False))
    for run in re.findall(r"(?:[A-Z0-9][\w'.-]*)(?: [A-Z0-9][\w'.-]*)*", answer):
        words = [word for word in run.split() if word not in NOT_DISTINCTIVE]
        for start in range(len(words)):
            for end in range(start + 1, len(words) + 1):
                part = " ".join(words[start:end])
                # Four letters is enough for a name ("Muju", "EDAM"), not for a number.
                if len(part) >= 4 and not part.isdigit():
                    terms.add((part, True))
    return terms


def mentions(text: str, term: str, case_sensitive: bool) -> bool:
    # The song's own title is in most questions; it only gives away "Love wins" if alone.
    text = text.replace("Love wins all", "")
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text, flags) is not None


def test_no_question_gives_away_another_questions_answer():
    found = set()
    for one in QUESTIONS:
        for term, case_sensitive in distinctive_terms(one.correct):
            # A term all four choices share ("The Winning, her 6th ...") can't give one away.
            if all(mentions(choice, term, case_sensitive) for choice in one.choices):
                continue
            for other in QUESTIONS:
                if other is one:
                    continue
                for part, text in (("question", other.question), ("answer", other.correct)):
                    if mentions(text, term, case_sensitive):
                        found.add(f"{other.place} {part} names {term!r}, the answer of {one.place}")
    assert not found, "\n".join(sorted(found))


def test_no_question_cites_a_source_the_fact_check_flags():
    # The fact check (facts.md section 16) found clear errors in these sites' coverage.
    flagged = ("pinkvilla.com", "newsongsandlyrics.net")
    for question in QUESTIONS:
        assert not any(site in question.source for site in flagged), question.place
