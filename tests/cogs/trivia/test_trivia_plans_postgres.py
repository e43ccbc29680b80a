"""The PostgreSQL plans of the queries behind /trivia leaderboard and /trivia stats name the
indexes meant for them, so that a dropped or changed index fails here rather than as a slow
command at a million answers (bench/bench_leaderboards.py measures them at that size).

The plans are of the SQL the store really runs, with its real parameters, recorded on the
way to the database. Sequential scans are turned off in the explaining session: on a few
rows a scan would be cheapest and the plan would say nothing about the indexes.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.postgres import PostgresDatabase, numbered
from cogs.trivia.game import TriviaRound
from cogs.trivia.schema import Question
from cogs.trivia.store import TriviaStore

NOW = datetime(2026, 11, 26, tzinfo=UTC)
Q = Question("k1", "Q?", "right", ("a", "b", "c"), "video")
_channels = itertools.count(10)


async def _answered(store: TriviaStore, guild: int, users: range, at: datetime) -> None:
    channel = next(_channels)
    r = TriviaRound.deal(0, guild, channel, Q, NOW + timedelta(seconds=20), random.Random(0))
    r.round_id = await store.open_round(
        guild, channel, Q, list(r.choices), r.correct_index, NOW, r.closes_at, start_afresh=False
    )
    for user in users:
        await store.record_answer(r, user, f"m{user}", (r.correct_index + user) % 4, at)


@pytest.fixture
async def pg(postgres):
    db = await PostgresDatabase.open(await postgres.fresh_database())
    store = TriviaStore(db)
    # A round a week for 20 weeks: a week's window holds a twentieth of a server's answers.
    for guild in (1, 2):
        for week in range(20):
            await _answered(store, guild, range(1, 21), NOW - timedelta(weeks=week))
    await db.execute("VACUUM ANALYZE")
    yield db
    await db.close()


async def plan_of(db: PostgresDatabase, monkeypatch, call) -> str:
    """The text of EXPLAIN for the one query `call(store)` sends."""
    queries = []

    async def recording(sql, params=()):
        queries.append((sql, params))
        return []

    monkeypatch.setattr(db, "fetchall", recording)
    monkeypatch.setattr(db, "fetchone", recording)
    await call(TriviaStore(db))
    [(sql, params)] = queries
    async with db.pool().acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL enable_seqscan = off")
        rows = await conn.fetch(f"EXPLAIN {numbered(sql)}", *params)
    return "\n".join(row[0] for row in rows)


async def test_all_time_leaderboard_reads_the_rank_index(pg, monkeypatch):
    plan = await plan_of(pg, monkeypatch, lambda store: store.leaderboard_all_time(1))
    assert "trivia_scores_rank" in plan, plan


async def test_weekly_leaderboard_reads_the_window_index(pg, monkeypatch):
    since = NOW - timedelta(days=3)
    plan = await plan_of(pg, monkeypatch, lambda store: store.leaderboard_since(1, since))
    assert "trivia_answers_window" in plan, plan
    assert "Seq Scan" not in plan, plan


async def test_stats_read_the_member_index(pg, monkeypatch):
    plan = await plan_of(pg, monkeypatch, lambda store: store.category_lines(1, 3))
    assert "Index Only Scan using trivia_answers_member" in plan, plan


async def test_the_dashboards_category_totals_read_the_category_index(pg, monkeypatch):
    plan = await plan_of(pg, monkeypatch, lambda store: store.category_totals(1))
    assert "Index Only Scan using trivia_answers_category" in plan, plan
    # Grouped as the index hands the rows over: only the few groups are sorted, after.
    assert "GroupAggregate" in plan, plan
