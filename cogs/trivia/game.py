"""Trivia rules, free of Discord: one round's answers, scoring and streaks, picking questions."""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.weeks import week_start
from cogs.trivia.schema import Question

CHOICE_LABELS = ("A", "B", "C", "D")
BASE_POINTS = 10
STREAK_BONUS = 2
STREAK_BONUS_CAP = 10


class AlreadyAnsweredError(Exception):
    """This member has answered this round already."""


class RoundClosedError(Exception):
    """The round's time is up; no more answers."""


class AnswerPendingError(Exception):
    """This member's first answer to the round is still being stored."""


def points_for(correct: bool, streak_before: int) -> int:
    """10 for a right answer, plus 2 for each right answer in a row before it (at most +10)."""
    if not correct:
        return 0
    return BASE_POINTS + min(streak_before * STREAK_BONUS, STREAK_BONUS_CAP)


@dataclass(frozen=True)
class ScoreLine:
    """A member's running totals in one server."""

    answered: int = 0
    correct: int = 0
    points: int = 0
    streak: int = 0
    best_streak: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0

    def after(self, correct: bool) -> tuple[ScoreLine, int]:
        """The totals after one more answer, and the points that answer earned."""
        points = points_for(correct, self.streak)
        streak = self.streak + 1 if correct else 0
        return (
            ScoreLine(
                answered=self.answered + 1,
                correct=self.correct + int(correct),
                points=self.points + points,
                streak=streak,
                best_streak=max(self.best_streak, streak),
            ),
            points,
        )


def shuffled_answers(question: Question, rng: random.Random) -> tuple[tuple[str, ...], int]:
    """The question's answers in the order a round shows them, and where the right one is.

    Drawn before the round is stored, so the round is built once, with its stored id.
    """
    choices = list(question.answers)
    rng.shuffle(choices)
    return tuple(choices), choices.index(question.correct)


@dataclass(frozen=True)
class RoundWording:
    """What a round shows in one language: the question, its choices in the round's order,
    and the explanation."""

    question: str
    choices: tuple[str, ...]
    explanation: str | None


def round_wording(trivia_round: TriviaRound, language: str) -> RoundWording:
    """The round in `language` ("ko", "en", ...): Korean where the question has it, else as
    written. Only the words change: the choices keep their order, so a choice's index (what
    is stored and scored) means the same answer in every language.

    A round whose stored choices are not the question's answers (a shipped question reworded
    since it was dealt) is shown as it was dealt.
    """
    question = trivia_round.question
    korean = question.korean
    if language == "ko" and korean is not None:
        in_korean = dict(zip(question.answers, korean.answers, strict=True))
        if all(choice in in_korean for choice in trivia_round.choices):
            return RoundWording(
                korean.question,
                tuple(in_korean[choice] for choice in trivia_round.choices),
                korean.explanation or question.explanation,
            )
    return RoundWording(question.question, trivia_round.choices, question.explanation)


@dataclass
class TriviaRound:
    """One posted question: its shuffled answers and who picked what."""

    round_id: int
    guild_id: int
    channel_id: int
    question: Question
    choices: tuple[str, ...]
    correct_index: int
    closes_at: datetime
    message_id: int | None = None
    answers: dict[int, int] = field(default_factory=dict)  # user id -> choice index
    names: dict[int, str] = field(default_factory=dict)
    closed: bool = False
    pending: set[int] = field(default_factory=set)  # members whose answer is being stored

    @classmethod
    def deal(
        cls,
        round_id: int,
        guild_id: int,
        channel_id: int,
        question: Question,
        closes_at: datetime,
        rng: random.Random,
    ) -> TriviaRound:
        """A new round of `question` with its answers shuffled (see `shuffled_answers`)."""
        choices, correct_index = shuffled_answers(question, rng)
        return cls(
            round_id=round_id,
            guild_id=guild_id,
            channel_id=channel_id,
            question=question,
            choices=choices,
            correct_index=correct_index,
            closes_at=closes_at,
        )

    def answer(self, user_id: int, choice: int, name: str, now: datetime) -> bool:
        """Record a member's one answer; returns whether it is right.

        Raises `RoundClosedError` after the timeout and `AlreadyAnsweredError` on a second try.
        """
        right = self.check_answer(user_id, choice, now)
        self.record(user_id, choice, name)
        return right

    def check_answer(self, user_id: int, choice: int, now: datetime) -> bool:
        """Whether the answer would be right, if the member may still give it.

        Raises `RoundClosedError` after the timeout, `AlreadyAnsweredError` when the member's
        answer is recorded, `AnswerPendingError` while their first one is being stored.
        """
        if self.closed or now >= self.closes_at:
            raise RoundClosedError
        if user_id in self.answers:
            raise AlreadyAnsweredError
        if user_id in self.pending:
            raise AnswerPendingError
        if not 0 <= choice < len(self.choices):
            raise ValueError(f"no choice {choice}")
        return choice == self.correct_index

    def record(self, user_id: int, choice: int, name: str) -> None:
        """Count a stored answer (only stored ones count: the reveal must match the database)."""
        self.answers[user_id] = choice
        self.names[user_id] = name

    def tally(self) -> list[int]:
        counts = [0] * len(self.choices)
        for choice in self.answers.values():
            counts[choice] += 1
        return counts

    def winners(self) -> list[int]:
        return [user for user, choice in self.answers.items() if choice == self.correct_index]


class LeaderboardWindow(enum.Enum):
    """Which answers a leaderboard counts: all, or those since a calendar boundary."""

    ALL = "all"
    WEEK = "week"
    MONTH = "month"

    @classmethod
    def named(cls, value: str | None) -> LeaderboardWindow:
        """The window a command's `period` or a page's `board` names; all time for anything
        else."""
        try:
            return cls(value)
        except ValueError:
            return cls.ALL

    def start(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """The instant (UTC) the window began on the server's wall clock; None for all time."""
        if self is LeaderboardWindow.WEEK:
            return week_start(now, zone)
        if self is LeaderboardWindow.MONTH:
            return month_start(now, zone)
        return None


def month_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The instant (UTC) this month began: the 1st, 00:00, on the server's wall clock."""
    local = now.astimezone(zone)
    return datetime(local.year, local.month, 1, tzinfo=zone).astimezone(UTC)


MEDALS = ("🥇", "🥈", "🥉")


def competition_ranks(points: Sequence[int]) -> list[int]:
    """Ranks for scores sorted best first, ties sharing one: [30, 20, 20, 10] -> [1, 2, 2, 4]."""
    ranks: list[int] = []
    for place, value in enumerate(points, start=1):
        ranks.append(ranks[-1] if ranks and points[place - 2] == value else place)
    return ranks


def medal_for(rank: int, points: int) -> str | None:
    """The medal for a rank of 1 to 3; none without points."""
    return MEDALS[rank - 1] if points > 0 and rank <= len(MEDALS) else None


def bar_chart(counts: Sequence[int], correct_index: int, width: int = 10) -> str:
    """A small text chart, one line per choice: `A ████░░░░░░ 4 ✓`."""
    total = sum(counts) or 1
    lines = []
    for index, count in enumerate(counts):
        filled = round(width * count / total)
        mark = " ✓" if index == correct_index else ""
        lines.append(f"{CHOICE_LABELS[index]} {'█' * filled}{'░' * (width - filled)} {count}{mark}")
    return "\n".join(lines)
