"""Answers, running scores and leaderboard windows, against a real SQLite file."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.weeks import week_start
from cogs.trivia.game import TriviaRound
from cogs.trivia.schema import Question
from cogs.trivia.store import TriviaStore

Q = Question("k1", "Q?", "right", ("a", "b", "c"), "video")


# One open round per channel: each round of these tests gets a channel of its own.
_channels = itertools.count(10)


async def new_round(store: TriviaStore, guild: int, now: datetime) -> TriviaRound:
    channel = next(_channels)
    r = TriviaRound.deal(0, guild, channel, Q, now + timedelta(seconds=20), random.Random(0))
    r.round_id = await store.open_round(
        guild, channel, Q, list(r.choices), r.correct_index, now, r.closes_at, start_afresh=False
    )
    return r


async def test_scores_and_streaks_accumulate(db):
    store = TriviaStore(db)
    now = datetime(2026, 11, 26, tzinfo=UTC)
    for correct in (True, True, False, True):
        r = await new_round(store, 1, now)
        choice = r.correct_index if correct else (r.correct_index + 1) % 4
        await store.record_answer(r, 7, "uaena", choice, now)
    score = await store.score(1, 7)
    assert (score.answered, score.correct, score.points) == (4, 3, 10 + 12 + 0 + 10)
    assert (score.streak, score.best_streak) == (1, 2)
    assert await store.score(2, 7) is None  # another server knows nothing of it


def test_week_starts_monday_midnight_in_the_server_zone():
    thursday = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert week_start(thursday, ZoneInfo("Asia/Seoul")) == datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    # Sunday 20:00 in Los Angeles is already Monday in UTC; the week is still last week's.
    sunday_la = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    assert week_start(sunday_la, ZoneInfo("America/Los_Angeles")) == datetime(
        2026, 11, 23, 8, 0, tzinfo=UTC
    )


async def test_weekly_leaderboard_counts_only_this_week(db):
    store = TriviaStore(db)
    zone = ZoneInfo("Asia/Seoul")
    now = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    last_week = now - timedelta(days=7)
    # Member 1 scored a lot last week; member 2 a little this week.
    for _ in range(3):
        r = await new_round(store, 1, last_week)
        await store.record_answer(r, 1, "old", r.correct_index, last_week)
    r = await new_round(store, 1, now)
    await store.record_answer(r, 2, "new", r.correct_index, now)

    week = await store.leaderboard_week(1, now, zone)
    assert [(row.name, row.points) for row in week] == [("new", 10)]
    assert await store.leaderboard_since(1, week_start(now, zone)) == week
    all_time = await store.leaderboard_all_time(1)
    assert [row.name for row in all_time] == ["old", "new"]
    assert all_time[0].points == 10 + 12 + 14


async def test_leaderboard_keeps_the_top_ten(db):
    store = TriviaStore(db)
    now = datetime(2026, 11, 26, tzinfo=UTC)
    for user in range(15):
        for _ in range(user % 4 + 1):
            r = await new_round(store, 1, now)
            await store.record_answer(r, user, f"m{user}", r.correct_index, now)
    rows = await store.leaderboard_all_time(1)
    assert len(rows) == 10
    assert [row.points for row in rows] == sorted((row.points for row in rows), reverse=True)


async def test_summed_leaderboard_uses_the_answers_index(sqlite_db, monkeypatch):
    """The month (and the week of a zone change) is summed from the answers; the week's
    plan is in test_week_scores.py."""
    db = sqlite_db
    # The plan of the query the store really runs, with its real parameters.
    queries = []
    real_fetchall = db.fetchall

    async def recording_fetchall(sql, params=()):
        queries.append((sql, params))
        return await real_fetchall(sql, params)

    monkeypatch.setattr(db, "fetchall", recording_fetchall)
    await TriviaStore(db).leaderboard_since(1, datetime(2026, 11, 23, tzinfo=UTC))
    [(sql, params)] = queries
    plan = await real_fetchall(f"EXPLAIN QUERY PLAN {sql}", params)
    details = " ".join(str(row[3]) for row in plan)
    assert "trivia_answers_window" in details
    assert "SCAN a " not in details + " "


async def test_category_lines_keep_the_category_each_answer_had(db):
    store = TriviaStore(db)
    now = datetime(2026, 11, 26, tzinfo=UTC)
    for correct in (True, False, True):
        r = await new_round(store, 1, now)
        await store.record_answer(
            r, 7, "uaena", r.correct_index if correct else (r.correct_index + 1) % 4, now
        )
    lines = await store.category_lines(1, 7)
    assert [(line.category, line.answered) for line in lines] == [("video", 3)]
    assert await store.category_lines(1, 8) == []


async def test_migration_gives_earlier_answers_to_own_questions_their_category(tmp_path):
    from bot.schema_tracks import discover_tracks
    from bot.sqlite import SqliteDatabase

    path = tmp_path / "old.sqlite3"
    track = next(track for track in discover_tracks() if track.name == "trivia")
    ours = next(m.version for m in track.migrations if m.name.endswith("_packs"))
    old = await SqliteDatabase.open(path, [track.until(ours - 1)])
    await old.execute(
        "INSERT INTO trivia_questions (id, guild_id, question, correct, wrong1, wrong2, wrong3, "
        "category, created_by, created_at) VALUES (5, 1, 'Q?', 'a', 'b', 'c', 'd', 'ours', 0, '')"
    )
    for round_id, key in ((1, "g:5"), (2, "b:123")):
        await old.execute(
            "INSERT INTO trivia_rounds (id, guild_id, channel_id, question_key, choices, "
            "correct_index, opened_at, closes_at) VALUES (?, 1, 1, ?, '[]', 0, '', '')",
            (round_id, key),
        )
        await old.execute(
            "INSERT INTO trivia_answers (round_id, guild_id, user_id, choice, correct, points, "
            "answered_at) VALUES (?, 1, 7, 0, 1, 10, '')",
            (round_id,),
        )
    await old.close()
    db = await SqliteDatabase.open(path)
    try:
        lines = await TriviaStore(db).category_lines(1, 7)
        assert sorted((line.category or "", line.answered) for line in lines) == [
            ("", 1),
            ("ours", 1),
        ]
    finally:
        await db.close()
