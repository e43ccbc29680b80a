"""The trivia tables: rounds, answers, running scores, asked questions, servers' questions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import from_db, to_db
from bot.content import normalised
from bot.database import Database, Transaction
from bot.guild_settings import DEFAULT_TIMEZONE
from bot.sqlite import SqliteDatabase
from bot.weeks import week_start
from cogs.trivia.game import AlreadyAnsweredError, LeaderboardWindow, ScoreLine, TriviaRound
from cogs.trivia.schema import Question, Translation, split_already_here


@dataclass(frozen=True)
class StoredRound:
    round_id: int
    guild_id: int
    channel_id: int
    message_id: int | None
    question_key: str
    choices: list[str]
    correct_index: int
    closes_at: datetime
    closed: bool = False


@dataclass(frozen=True)
class LeaderboardRow:
    user_id: int
    name: str
    points: int
    correct: int

    @property
    def label(self) -> str:
        """The member's name as stored at their last answer; their id when none was."""
        return self.name or str(self.user_id)


@dataclass(frozen=True)
class CategoryLine:
    """A member's answers in one category (`category` None: answered before it was kept)."""

    category: str | None
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class StoredQuestions:
    """What an import stored (their ids, in order) and what it skipped as already here."""

    ids: list[int]
    skipped: list[Question]


@dataclass(frozen=True)
class PackSummary:
    name: str
    questions: int


class TooManyQuestionsError(Exception):
    """Storing these would take the server past its limit of own questions."""

    def __init__(self, have: int, adding: int, limit: int) -> None:
        super().__init__(f"{have} + {adding} > {limit}")
        self.have = have
        self.adding = adding
        self.limit = limit


class RoundAlreadyOpenError(Exception):
    """The channel has a round that is not closed: still taking answers, or its reveal pending.

    `closes_at` is that round's close time (None when it could not be read).
    """

    def __init__(self, channel_id: int, closes_at: datetime | None) -> None:
        super().__init__(f"a round is open in channel {channel_id}")
        self.channel_id = channel_id
        self.closes_at = closes_at


@dataclass(frozen=True)
class QuestionFilter:
    """Which of a server's questions a round may ask: a category (any case), a difficulty."""

    category: str | None = None
    difficulty: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        """The SQL conditions on `trivia_questions q` (after the server's), and their values."""
        sql = ""
        values: list[Any] = []
        if self.category:
            # COLLATE NOCASE as in the index; categories are letters, digits, spaces and '-'.
            sql += " AND q.category = ? COLLATE NOCASE"
            values.append(self.category.strip())
        if self.difficulty:
            sql += " AND q.difficulty = ?"
            values.append(self.difficulty)
        return sql, values


# A server's own question has been asked here when trivia_asked holds its key.
_ASKED = (
    "EXISTS (SELECT 1 FROM trivia_asked a WHERE a.guild_id = q.guild_id "
    "AND a.question_key = 'g:' || q.id)"
)
_QUESTION_COLUMNS = (
    "q.id, q.question, q.correct, q.wrong1, q.wrong2, q.wrong3, q.category, q.explanation, "
    "q.source, q.difficulty, q.question_ko, q.correct_ko, q.wrong1_ko, q.wrong2_ko, "
    "q.wrong3_ko, q.explanation_ko"
)


def _question(row: Any) -> Question:
    return Question(
        key=f"g:{row['id']}",
        question=row["question"],
        correct=row["correct"],
        wrong=(row["wrong1"], row["wrong2"], row["wrong3"]),
        category=row["category"],
        explanation=row["explanation"],
        source=row["source"],
        difficulty=row["difficulty"],
        korean=_korean(row),
    )


def _korean(row: Any) -> Translation | None:
    """The question's Korean when it was stored with it (an imported bilingual pack)."""
    if row["question_ko"] is None:
        return None
    return Translation(
        row["question_ko"],
        (row["correct_ko"], row["wrong1_ko"], row["wrong2_ko"], row["wrong3_ko"]),
        row["explanation_ko"],
    )


# Each step seeks the next category past the last one in `trivia_questions_category` (a
# skip scan): 40 categories cost 40 seeks, not a pass over 50,000 questions.
CATEGORIES_SQL = """
WITH RECURSIVE seen(category) AS (
    SELECT (SELECT category FROM trivia_questions WHERE guild_id = ?1
            ORDER BY category COLLATE NOCASE LIMIT 1)
    UNION ALL
    SELECT (SELECT q.category FROM trivia_questions q
            WHERE q.guild_id = ?1 AND q.category > seen.category COLLATE NOCASE
            ORDER BY q.category COLLATE NOCASE LIMIT 1)
    FROM seen WHERE seen.category IS NOT NULL
)
SELECT category FROM seen WHERE category IS NOT NULL
"""

_ROUND_COLUMNS = (
    "id, guild_id, channel_id, message_id, question_key, choices, correct_index, closes_at, closed"
)


def _stored_round(row: Any) -> StoredRound:
    return StoredRound(
        row["id"],
        row["guild_id"],
        row["channel_id"],
        row["message_id"],
        row["question_key"],
        json.loads(row["choices"]),
        row["correct_index"],
        from_db(row["closes_at"]),
        bool(row["closed"]),
    )


@dataclass(frozen=True)
class AnswerToStore:
    """One member's click, waiting to be stored; `zone` is the server's when it was given,
    which says the week the answer counts in (`/trivia leaderboard week`)."""

    trivia_round: TriviaRound
    user_id: int
    name: str
    choice: int
    answered_at: datetime
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))

    @property
    def week_start(self) -> datetime:
        return week_start(self.answered_at, self.zone)


@dataclass(frozen=True)
class StoredAnswer:
    """What a stored answer earned: right or not, the member's totals after it, its points."""

    correct: bool
    totals: ScoreLine
    points: int


# Rows per `IN (...)` list, well under SQLite's limit on bound parameters.
_IN_CHUNK = 500


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


class TriviaStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- rounds -------------------------------------------------------------------------

    async def open_round(
        self,
        guild_id: int,
        channel_id: int,
        question: Question,
        choices: list[str],
        correct_index: int,
        opened_at: datetime,
        closes_at: datetime,
        start_afresh: bool,
        run_nonce: str | None = None,
    ) -> int:
        """Insert the round and mark its question asked (forgetting the rest when afresh);
        returns the round's id. `run_nonce` ties it to the scheduled run that dealt it.

        Raises `RoundAlreadyOpenError` when the channel has a round that is not closed; the
        partial unique index `trivia_rounds_one_open` holds that even for writers that don't
        look first (another process), and then nothing of this transaction is kept.
        """
        try:
            async with self._db.transaction() as tx:
                row = await tx.fetchone(
                    "SELECT closes_at FROM trivia_rounds WHERE channel_id = ? AND closed = 0",
                    (channel_id,),
                )
                if row is not None:
                    raise RoundAlreadyOpenError(channel_id, from_db(row["closes_at"]))
                if start_afresh:
                    await tx.execute("DELETE FROM trivia_asked WHERE guild_id = ?", (guild_id,))
                await tx.execute(
                    "INSERT INTO trivia_asked (guild_id, question_key) VALUES (?, ?) "
                    "ON CONFLICT DO NOTHING",
                    (guild_id, question.key),
                )
                return await tx.insert(
                    "INSERT INTO trivia_rounds (guild_id, channel_id, question_key, choices, "
                    "correct_index, opened_at, closes_at, run_nonce) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (
                        guild_id,
                        channel_id,
                        question.key,
                        json.dumps(choices),
                        correct_index,
                        to_db(opened_at),
                        to_db(closes_at),
                        run_nonce,
                    ),
                )
        except self._db.integrity_errors as exc:
            # SQLite names the index's column, PostgreSQL the index.
            if not (
                "trivia_rounds.channel_id" in str(exc)
                or getattr(exc, "constraint_name", None) == "trivia_rounds_one_open"
            ):
                raise
            # Outside the failed transaction: the database's lock is not reentrant.
            other = await self.open_round_in(channel_id)
            raise RoundAlreadyOpenError(channel_id, other.closes_at if other else None) from exc

    async def set_round_message(self, round_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE trivia_rounds SET message_id = ? WHERE id = ?", (message_id, round_id)
        )

    async def close_round(self, round_id: int) -> None:
        """Mark the round closed: called once its reveal reached Discord (or never can)."""
        await self._db.execute("UPDATE trivia_rounds SET closed = 1 WHERE id = ?", (round_id,))

    async def open_round_in(self, channel_id: int) -> StoredRound | None:
        """The channel's round that is not closed yet, if any."""
        row = await self._db.fetchone(
            f"SELECT {_ROUND_COLUMNS} FROM trivia_rounds WHERE channel_id = ? AND closed = 0",
            (channel_id,),
        )
        return _stored_round(row) if row else None

    async def open_rounds(self) -> list[StoredRound]:
        rows = await self._db.fetchall(
            f"SELECT {_ROUND_COLUMNS} FROM trivia_rounds WHERE closed = 0"
        )
        return [_stored_round(row) for row in rows]

    async def round_for_run(self, run_nonce: str) -> StoredRound | None:
        """The round a scheduled run already dealt (its first send may not have finished)."""
        row = await self._db.fetchone(
            f"SELECT {_ROUND_COLUMNS} FROM trivia_rounds WHERE run_nonce = ?", (run_nonce,)
        )
        return _stored_round(row) if row else None

    async def round_answers(self, round_id: int) -> list[tuple[int, int, str]]:
        """(user id, choice, display name) for each answer of a round."""
        rows = await self._db.fetchall(
            "SELECT a.user_id, a.choice, COALESCE(s.display_name, '') AS name "
            "FROM trivia_answers a LEFT JOIN trivia_scores s "
            "ON s.guild_id = a.guild_id AND s.user_id = a.user_id WHERE a.round_id = ?",
            (round_id,),
        )
        return [(row["user_id"], row["choice"], row["name"]) for row in rows]

    async def asked_shipped_keys(self, guild_id: int) -> set[str]:
        """The shipped questions (keys `b:...`) asked here: a range of the primary key."""
        rows = await self._db.fetchall(
            "SELECT question_key FROM trivia_asked "
            "WHERE guild_id = ? AND question_key >= 'b:' AND question_key < 'b;'",
            (guild_id,),
        )
        return {row["question_key"] for row in rows}

    async def count_questions(self, guild_id: int, which: QuestionFilter) -> tuple[int, int]:
        """How many of the server's own questions match, and how many of those are unasked."""
        where, values = which.where()
        row = await self._db.fetchone(
            f"SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN {_ASKED} THEN 0 ELSE 1 END), 0) "
            "AS fresh "
            f"FROM trivia_questions q WHERE q.guild_id = ?{where}",
            (guild_id, *values),
        )
        return (int(row["total"]), int(row["fresh"])) if row else (0, 0)

    async def nth_question(
        self, guild_id: int, which: QuestionFilter, index: int, *, unasked: bool
    ) -> Question | None:
        """The `index`-th matching question (oldest first), of the unasked ones if `unasked`.

        None when there are not that many (some were removed since they were counted).
        """
        where, values = which.where()
        if unasked:
            where += f" AND NOT {_ASKED}"
        row = await self._db.fetchone(
            f"SELECT {_QUESTION_COLUMNS} FROM trivia_questions q WHERE q.guild_id = ?{where} "
            "ORDER BY q.id LIMIT 1 OFFSET ?",
            (guild_id, *values, index),
        )
        return _question(row) if row else None

    async def question_by_key(self, guild_id: int, key: str) -> Question | None:
        """One of the server's own questions by its key `g:<id>`; None if it was removed."""
        if not key.startswith("g:") or not key[2:].isdigit():
            return None
        row = await self._db.fetchone(
            f"SELECT {_QUESTION_COLUMNS} FROM trivia_questions q WHERE q.guild_id = ? AND q.id = ?",
            (guild_id, int(key[2:])),
        )
        return _question(row) if row else None

    async def categories(self, guild_id: int) -> list[str]:
        """The distinct categories of the server's own questions (one spelling per any-case
        name): a seek in the index per category, however many questions each has."""
        rows = await self._db.fetchall(CATEGORIES_SQL, (guild_id,))
        return [row["category"] for row in rows]

    # --- answers and scores -------------------------------------------------------------

    async def record_answer(
        self,
        trivia_round: TriviaRound,
        user_id: int,
        name: str,
        choice: int,
        answered_at: datetime,
        zone: ZoneInfo | None = None,
    ) -> tuple[ScoreLine, int]:
        """Store one answer and update the member's totals; returns the totals and points.
        `zone` is the server's (default: the default server zone), for the answer's week.

        Raises `AlreadyAnsweredError` when the member has an answer in this round already.
        """
        zone = zone or ZoneInfo(DEFAULT_TIMEZONE)
        (stored,) = await self.record_answers(
            [AnswerToStore(trivia_round, user_id, name, choice, answered_at, zone)]
        )
        if stored is None:
            raise AlreadyAnsweredError
        return stored.totals, stored.points

    async def record_answers(self, answers: Sequence[AnswerToStore]) -> list[StoredAnswer | None]:
        """Store a batch of answers and the members' totals (all time and for the answer's
        week) in ONE transaction.

        Returns, in order, what each answer earned, or None for an answer the database
        already had (the primary key allows one per member and round; a repeat within the
        batch counts once). All or nothing: if the transaction fails, nothing is stored and
        the error (a lock held too long, a full disk, ...) is raised.

        On SQLite the whole batch is one trip to the database thread, so a burst costs one
        wait on the event loop per batch, not one per statement. On PostgreSQL the batch
        first takes its servers' score locks, so another process's batch for the same
        members waits and reads the totals this one wrote (no lost update of a streak).
        """
        if not answers:
            return []
        if isinstance(self._db, SqliteDatabase):
            return await self._db.run_in_transaction(partial(_record_answers, list(answers)))
        async with self._db.transaction() as tx:
            for guild_id in sorted({answer.trivia_round.guild_id for answer in answers}):
                await tx.lock("trivia_scores", guild_id)
            taken: set[tuple[int, int]] = set()
            for sql, params in _taken_queries(answers):
                taken |= {(params[0], row[0]) for row in await tx.fetchall(sql, params)}
            totals: dict[tuple[int, int], ScoreLine] = {}
            for sql, params in _totals_queries(answers):
                for row in await tx.fetchall(sql, params):
                    totals[(params[0], row[0])] = ScoreLine(*tuple(row)[1:])
            planned = _plan_answers(answers, taken, totals)
            if planned.answer_rows:
                await tx.executemany(_INSERT_ANSWER, planned.answer_rows)
                await tx.executemany(_UPSERT_SCORE, planned.score_rows)
                await tx.executemany(_UPSERT_WEEK_SCORE, planned.week_rows)
        return planned.results

    async def score(self, guild_id: int, user_id: int) -> ScoreLine | None:
        row = await self._db.fetchone(
            "SELECT answered, correct, points, streak, best_streak FROM trivia_scores "
            "WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        return ScoreLine(*row) if row else None

    async def stored_name(self, guild_id: int, user_id: int) -> str | None:
        """The member's name as stored with their score here; None without a score."""
        row = await self._db.fetchone(
            "SELECT display_name FROM trivia_scores WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        return str(row["display_name"]) if row else None

    async def category_lines(self, guild_id: int, user_id: int) -> list[CategoryLine]:
        """A member's answered and right answers per category, most answered first."""
        rows = await self._db.fetchall(
            "SELECT category, COUNT(*) AS answered, SUM(correct) AS correct "
            "FROM trivia_answers WHERE guild_id = ? AND user_id = ? GROUP BY category "
            "ORDER BY answered DESC, category IS NULL, category",
            (guild_id, user_id),
        )
        return [CategoryLine(row["category"], row["answered"], row["correct"]) for row in rows]

    async def category_totals(self, guild_id: int) -> list[CategoryLine]:
        """The whole server's answers and right answers per category, most answered first
        (the order of `category_lines`): one pass over the server's range of the index
        `trivia_answers_category`, already in the order the grouping needs."""
        rows = await self._db.fetchall(
            "SELECT category, COUNT(*) AS answered, SUM(correct) AS correct "
            "FROM trivia_answers WHERE guild_id = ? GROUP BY category "
            "ORDER BY answered DESC, category IS NULL, category",
            (guild_id,),
        )
        return [CategoryLine(row["category"], row["answered"], row["correct"]) for row in rows]

    async def leaderboard(
        self,
        guild_id: int,
        window: LeaderboardWindow,
        now: datetime,
        zone: ZoneInfo,
        limit: int = 10,
    ) -> list[LeaderboardRow]:
        """The server's leaderboard over `window` on its wall clock in `zone`, best first:
        what `/trivia leaderboard` and the dashboard both show."""
        if window is LeaderboardWindow.WEEK:
            return await self.leaderboard_week(guild_id, now, zone, limit)
        since = window.start(now, zone)
        if since is None:
            return await self.leaderboard_all_time(guild_id, limit)
        return await self.leaderboard_since(guild_id, since, limit)

    async def leaderboard_all_time(self, guild_id: int, limit: int = 10) -> list[LeaderboardRow]:
        rows = await self._db.fetchall(
            "SELECT user_id, display_name, points, correct FROM trivia_scores "
            "WHERE guild_id = ? AND answered > 0 ORDER BY points DESC, correct DESC, user_id "
            "LIMIT ?",
            (guild_id, limit),
        )
        return [LeaderboardRow(*row) for row in rows]

    async def leaderboard_week(
        self, guild_id: int, now: datetime, zone: ZoneInfo, limit: int = 10
    ) -> list[LeaderboardRow]:
        """Points and right answers of this week in `zone` (from `bot.weeks.week_start`): the
        totals kept as answers are stored, `limit` rows of the index
        `trivia_week_scores_rank` however many answers the week has.

        The kept totals are by the zone at answer time. In the week a server changes zone
        some rows of this week begin at another instant: then the week is summed from the
        answers (`leaderboard_since`), as it was before totals were kept.
        """
        since = week_start(now, zone)
        before = week_start(since - timedelta(microseconds=1), zone)
        # A week begun after the last one in this zone and up to now, other than this one,
        # was kept in another zone: two index ranges on each side of this week's rows, empty
        # but in the week of a zone change.
        other_zone = await self._db.fetchone(
            "SELECT 1 FROM trivia_week_scores WHERE guild_id = ?1 AND week_start > ?2 "
            "AND week_start < ?3 UNION ALL "
            "SELECT 1 FROM trivia_week_scores WHERE guild_id = ?1 AND week_start > ?3 "
            "AND week_start <= ?4 LIMIT 1",
            (guild_id, to_db(before), to_db(since), to_db(now)),
        )
        if other_zone is not None:
            return await self.leaderboard_since(guild_id, since, limit)
        rows = await self._db.fetchall(
            "SELECT w.user_id, COALESCE(s.display_name, '') AS name, w.points, w.correct "
            "FROM trivia_week_scores w LEFT JOIN trivia_scores s "
            "ON s.guild_id = w.guild_id AND s.user_id = w.user_id "
            "WHERE w.guild_id = ? AND w.week_start = ? "
            "ORDER BY w.points DESC, w.correct DESC, w.user_id LIMIT ?",
            (guild_id, to_db(since), limit),
        )
        return [LeaderboardRow(*row) for row in rows]

    async def leaderboard_since(
        self, guild_id: int, since: datetime, limit: int = 10
    ) -> list[LeaderboardRow]:
        """Points and right answers from `since` on, summed from the answers (the index
        covers guild and time): for windows without kept totals (the month), and the week
        of a zone change."""
        rows = await self._db.fetchall(
            "SELECT a.user_id, COALESCE(MAX(s.display_name), '') AS name, "
            "SUM(a.points) AS points, "
            "SUM(a.correct) AS correct FROM trivia_answers a LEFT JOIN trivia_scores s "
            "ON s.guild_id = a.guild_id AND s.user_id = a.user_id "
            "WHERE a.guild_id = ? AND a.answered_at >= ? GROUP BY a.user_id "
            "ORDER BY points DESC, correct DESC, a.user_id LIMIT ?",
            (guild_id, to_db(since), limit),
        )
        return [LeaderboardRow(*row) for row in rows]

    async def backfill_week_scores(
        self, zone_in: Callable[[Transaction, int], Awaitable[ZoneInfo]]
    ) -> int:
        """Fill `trivia_week_scores` from the answers stored before it existed (migration
        trivia 0006); returns how many week rows it wrote. A one-time step, run at start:
        it does nothing when the table has rows or there are no answers, since every answer
        stored since writes its week's row (and erasing a member or a server erases both).

        Each answer counts in its week in the server's zone now (`zone_in`): the zone at the
        time of old answers was not kept. Python gives each server's week boundaries and
        SQL sums the answers between them, through the index on (guild_id, answered_at).
        """
        async with self._db.transaction() as tx:
            # Processes starting together: the second waits, then finds the rows.
            await tx.lock("trivia_week_scores", 0)
            if await tx.fetchone("SELECT 1 FROM trivia_week_scores LIMIT 1") is not None:
                return 0
            spans = await tx.fetchall(
                "SELECT guild_id, MIN(answered_at) AS first, MAX(answered_at) AS last "
                "FROM trivia_answers GROUP BY guild_id"
            )
            if not spans:
                return 0
            bounds: list[tuple[int, str, str]] = []
            for span in spans:
                zone = await zone_in(tx, span["guild_id"])
                bounds += [
                    (span["guild_id"], to_db(start), to_db(end))
                    for start, end in weeks_between(
                        from_db(span["first"]), from_db(span["last"]), zone
                    )
                ]
            await tx.execute(
                "CREATE TEMPORARY TABLE trivia_week_bounds "
                "(guild_id BIGINT NOT NULL, week_start TEXT NOT NULL, week_end TEXT NOT NULL)"
            )
            await tx.executemany(
                "INSERT INTO trivia_week_bounds (guild_id, week_start, week_end) VALUES (?, ?, ?)",
                bounds,
            )
            written = await tx.execute(
                "INSERT INTO trivia_week_scores (guild_id, week_start, user_id, points, correct) "
                "SELECT a.guild_id, b.week_start, a.user_id, SUM(a.points), SUM(a.correct) "
                "FROM trivia_week_bounds b JOIN trivia_answers a ON a.guild_id = b.guild_id "
                "AND a.answered_at >= b.week_start AND a.answered_at < b.week_end "
                "GROUP BY a.guild_id, b.week_start, a.user_id"
            )
            await tx.execute("DROP TABLE trivia_week_bounds")
        return written

    # --- a server's own questions ------------------------------------------------------

    async def guild_questions(self, guild_id: int) -> list[Question]:
        """All of the server's own questions (for moderators' lists, not for every play)."""
        rows = await self._db.fetchall(
            f"SELECT {_QUESTION_COLUMNS} FROM trivia_questions q WHERE q.guild_id = ? "
            "ORDER BY q.id",
            (guild_id,),
        )
        return [_question(row) for row in rows]

    async def guild_text_keys(self, guild_id: int) -> set[str]:
        """The server's own questions as compared for "already here"."""
        rows = await self._db.fetchall(
            "SELECT question FROM trivia_questions WHERE guild_id = ?", (guild_id,)
        )
        return {normalised(row["question"]) for row in rows}

    async def add_questions(
        self,
        guild_id: int,
        questions: list[Question],
        created_by: int,
        now: datetime,
        *,
        limit: int,
        pack: str | None = None,
        also_here: frozenset[str] = frozenset(),
    ) -> StoredQuestions:
        """Store the questions the server doesn't have yet, in one transaction (all or none).

        A question is already here when the server has one with the same text (see
        `bot.content.normalised`), or `also_here` (the shipped ones) holds it. Checked and
        stored in one transaction, so two imports at once can't both store it. Raises
        `TooManyQuestionsError` when the new ones would pass `limit`.
        """
        ids = []
        async with self._db.transaction() as tx:
            # Another process's import for this server waits here (the limit, "already here").
            await tx.lock("trivia_questions", guild_id)
            rows = await tx.fetchall(
                "SELECT question FROM trivia_questions WHERE guild_id = ?", (guild_id,)
            )
            have = {normalised(row["question"]) for row in rows} | also_here
            new, skipped = split_already_here(questions, have)
            if len(rows) + len(new) > limit:
                raise TooManyQuestionsError(len(rows), len(new), limit)
            for question in new:
                korean = question.korean
                in_korean = (
                    (korean.question, *korean.answers, korean.explanation)
                    if korean is not None
                    else (None,) * 6
                )
                ids.append(
                    await tx.insert(
                        "INSERT INTO trivia_questions (guild_id, question, correct, wrong1, "
                        "wrong2, wrong3, category, explanation, source, difficulty, pack, "
                        "created_by, created_at, question_ko, correct_ko, wrong1_ko, "
                        "wrong2_ko, wrong3_ko, explanation_ko) "
                        f"VALUES ({', '.join('?' * 19)}) RETURNING id",
                        (
                            guild_id,
                            question.question,
                            question.correct,
                            *question.wrong,
                            question.category,
                            question.explanation,
                            question.source,
                            question.difficulty,
                            pack,
                            created_by,
                            to_db(now),
                            *in_korean,
                        ),
                    )
                )
        return StoredQuestions(ids, skipped)

    async def packs(self, guild_id: int) -> list[PackSummary]:
        """The packs imported here that still have questions, newest import first."""
        rows = await self._db.fetchall(
            "SELECT pack, COUNT(*) AS questions FROM trivia_questions "
            "WHERE guild_id = ? AND pack IS NOT NULL GROUP BY pack ORDER BY MAX(id) DESC",
            (guild_id,),
        )
        return [PackSummary(row["pack"], row["questions"]) for row in rows]

    async def remove_pack(self, guild_id: int, pack: str) -> int:
        """Remove every question imported from `pack`; returns how many."""
        return await self._db.execute(
            "DELETE FROM trivia_questions WHERE guild_id = ? AND pack = ?", (guild_id, pack)
        )

    async def remove_question(self, guild_id: int, question_id: int) -> bool:
        removed = await self._db.execute(
            "DELETE FROM trivia_questions WHERE guild_id = ? AND id = ?", (guild_id, question_id)
        )
        return removed > 0

    async def count_guild_questions(self, guild_id: int) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM trivia_questions WHERE guild_id = ?", (guild_id,)
        )
        return int(row[0]) if row else 0


def _taken_queries(answers: Sequence[AnswerToStore]) -> Iterator[tuple[str, tuple[int, ...]]]:
    """The reads of which members already answered the batch's rounds (round id first)."""
    for round_id in sorted({answer.trivia_round.round_id for answer in answers}):
        users = sorted({a.user_id for a in answers if a.trivia_round.round_id == round_id})
        for chunk in _chunks(users):
            yield (
                "SELECT user_id FROM trivia_answers WHERE round_id = ? AND user_id IN "
                f"({', '.join('?' * len(chunk))})",
                (round_id, *chunk),
            )


def _totals_queries(answers: Sequence[AnswerToStore]) -> Iterator[tuple[str, tuple[int, ...]]]:
    """The reads of the batch's members' totals (guild id first)."""
    for guild_id in sorted({answer.trivia_round.guild_id for answer in answers}):
        users = sorted({a.user_id for a in answers if a.trivia_round.guild_id == guild_id})
        for chunk in _chunks(users):
            yield (
                "SELECT user_id, answered, correct, points, streak, best_streak "
                "FROM trivia_scores WHERE guild_id = ? AND user_id IN "
                f"({', '.join('?' * len(chunk))})",
                (guild_id, *chunk),
            )


_INSERT_ANSWER = (
    "INSERT INTO trivia_answers (round_id, guild_id, user_id, choice, correct, points, "
    "answered_at, category) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_SCORE = (
    "INSERT INTO trivia_scores (guild_id, user_id, display_name, answered, correct, "
    "points, streak, best_streak) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (guild_id, user_id) DO UPDATE SET "
    "display_name = excluded.display_name, answered = excluded.answered, "
    "correct = excluded.correct, points = excluded.points, "
    "streak = excluded.streak, best_streak = excluded.best_streak"
)
_UPSERT_WEEK_SCORE = (
    "INSERT INTO trivia_week_scores (guild_id, week_start, user_id, points, correct) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, week_start, user_id) DO UPDATE SET "
    "points = trivia_week_scores.points + excluded.points, "
    "correct = trivia_week_scores.correct + excluded.correct"
)


@dataclass(frozen=True)
class _PlannedAnswers:
    results: list[StoredAnswer | None]
    answer_rows: list[tuple[Any, ...]]
    score_rows: list[tuple[Any, ...]]
    week_rows: list[tuple[Any, ...]]


def _plan_answers(
    answers: Sequence[AnswerToStore],
    taken: set[tuple[int, int]],
    totals: dict[tuple[int, int], ScoreLine],
) -> _PlannedAnswers:
    """What the batch writes, given the answers already stored (`taken`: round and member)
    and the members' totals before it."""
    results: list[StoredAnswer | None] = [None] * len(answers)
    taken = set(taken)
    totals = dict(totals)
    answer_rows: list[tuple[Any, ...]] = []
    names: dict[tuple[int, int], str] = {}
    # (guild, week start, member) -> [points, correct] this batch adds to that week.
    weeks: dict[tuple[int, str, int], list[int]] = {}
    for index, answer in enumerate(answers):
        trivia_round = answer.trivia_round
        if (trivia_round.round_id, answer.user_id) in taken:
            continue
        taken.add((trivia_round.round_id, answer.user_id))
        member = (trivia_round.guild_id, answer.user_id)
        correct = answer.choice == trivia_round.correct_index
        after, points = totals.get(member, ScoreLine()).after(correct)
        totals[member] = after
        names[member] = answer.name
        results[index] = StoredAnswer(correct, after, points)
        week = weeks.setdefault(
            (trivia_round.guild_id, to_db(answer.week_start), answer.user_id), [0, 0]
        )
        week[0] += points
        week[1] += int(correct)
        answer_rows.append(
            (
                trivia_round.round_id,
                trivia_round.guild_id,
                answer.user_id,
                answer.choice,
                int(correct),
                points,
                to_db(answer.answered_at),
                trivia_round.question.category,
            )
        )
    score_rows = [
        (guild_id, user_id, name, *_score_values(totals[(guild_id, user_id)]))
        for (guild_id, user_id), name in names.items()
    ]
    week_rows = [(*key, points, right) for key, (points, right) in weeks.items()]
    return _PlannedAnswers(results, answer_rows, score_rows, week_rows)


def _score_values(line: ScoreLine) -> tuple[int, int, int, int, int]:
    return (line.answered, line.correct, line.points, line.streak, line.best_streak)


def _record_answers(
    answers: list[AnswerToStore], conn: sqlite3.Connection
) -> list[StoredAnswer | None]:
    """`TriviaStore.record_answers`'s work on SQLite, run in the database thread inside its
    transaction."""
    taken: set[tuple[int, int]] = set()
    for sql, params in _taken_queries(answers):
        taken |= {(params[0], row[0]) for row in conn.execute(sql, params)}
    totals: dict[tuple[int, int], ScoreLine] = {}
    for sql, params in _totals_queries(answers):
        for row in conn.execute(sql, params):
            totals[(params[0], row[0])] = ScoreLine(*tuple(row)[1:])
    planned = _plan_answers(answers, taken, totals)
    if planned.answer_rows:
        # The primary key still guards the rule: a row that slipped past the check above
        # fails the whole batch rather than storing a second answer.
        conn.executemany(_INSERT_ANSWER, planned.answer_rows)
        conn.executemany(_UPSERT_SCORE, planned.score_rows)
        conn.executemany(_UPSERT_WEEK_SCORE, planned.week_rows)
    return planned.results


def weeks_between(
    first: datetime, last: datetime, zone: ZoneInfo
) -> Iterator[tuple[datetime, datetime]]:
    """The weeks in `zone` (start, start of the next, in UTC) from the one holding `first`
    to the one holding `last`, each begun as `bot.weeks.week_start` begins it."""
    start = week_start(first, zone)
    while start <= last:
        monday = start.astimezone(zone).date() + timedelta(days=7)
        end = datetime(monday.year, monday.month, monday.day, tzinfo=zone).astimezone(UTC)
        yield start, end
        start = end


# --- erasers for bot.member_data (/privacy forget, servers the bot left) ------------------


async def forget_trivia_member(tx: Transaction, guild_id: int, user_id: int) -> int:
    """Erase the member's answers and score line (with their display name) in one server.

    Rounds and the server's questions stay: they hold nothing about the member.
    """
    removed = await tx.execute(
        "DELETE FROM trivia_answers WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    removed += await tx.execute(
        "DELETE FROM trivia_scores WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    removed += await tx.execute(
        "DELETE FROM trivia_week_scores WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    )
    return removed


async def forget_trivia_guild(tx: Transaction, guild_id: int) -> int:
    """Erase every trivia row of one server (answers before the rounds they refer to)."""
    removed = 0
    for table in (
        "trivia_answers",
        "trivia_scores",
        "trivia_week_scores",
        "trivia_rounds",
        "trivia_asked",
        "trivia_questions",
    ):
        removed += await tx.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))
    return removed
