"""A whole server's answers per category (the dashboard's stats), on both databases, and the
one leaderboard call behind `/trivia leaderboard` and the dashboard's boards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cogs.trivia.game import LeaderboardWindow
from cogs.trivia.store import CategoryLine, TriviaStore
from tests.support.dashboard_scores import stored_answers

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
SEOUL = ZoneInfo("Asia/Seoul")


async def test_category_totals_add_up_every_members_answers_of_the_server(db):
    store = TriviaStore(db)
    await stored_answers(store, 1, 7, "uaena", NOW, right=2, wrong=1)
    await stored_answers(store, 1, 8, "army", NOW, right=1, category="release")
    await stored_answers(store, 1, 8, "army", NOW, right=1, wrong=2)
    await stored_answers(store, 1, 9, "fan", NOW, wrong=2, category="charts")
    await stored_answers(store, 2, 7, "uaena", NOW, right=9, category="release")  # elsewhere
    await db.execute("UPDATE trivia_answers SET category = NULL WHERE guild_id = 1 AND user_id = 9")
    assert await store.category_totals(1) == [
        CategoryLine("video", 6, 3),
        CategoryLine(None, 2, 0),  # answers from before categories were kept
        CategoryLine("release", 1, 1),
    ]
    assert await store.category_totals(2) == [CategoryLine("release", 9, 9)]
    assert await store.category_totals(3) == []


async def test_ties_on_answers_are_in_name_order_with_earlier_answers_last(db):
    store = TriviaStore(db)
    for category in ("video", "charts", "release"):
        await stored_answers(store, 1, 7, "uaena", NOW, right=1, category=category)
    await stored_answers(store, 1, 8, "army", NOW, right=1, category="old")
    await db.execute("UPDATE trivia_answers SET category = NULL WHERE category = 'old'")
    assert [line.category for line in await store.category_totals(1)] == [
        "charts",
        "release",
        "video",
        None,
    ]


async def test_the_category_totals_are_one_pass_over_their_index(sqlite_db, monkeypatch):
    db = sqlite_db
    queries = []
    real_fetchall = db.fetchall

    async def recording(sql, params=()):
        queries.append((sql, params))
        return await real_fetchall(sql, params)

    monkeypatch.setattr(db, "fetchall", recording)
    await TriviaStore(db).category_totals(1)
    [(sql, params)] = queries
    plan = await real_fetchall(f"EXPLAIN QUERY PLAN {sql}", params)
    details = " | ".join(str(row[3]) for row in plan)
    assert "COVERING INDEX trivia_answers_category" in details, details
    assert "FOR GROUP BY" not in details, details  # no sort of every answer of the server


async def test_one_leaderboard_for_each_window(db):
    store = TriviaStore(db)
    await stored_answers(store, 1, 1, "old", NOW - timedelta(days=40), right=3)
    await stored_answers(store, 1, 2, "this month", NOW - timedelta(days=20), right=2)
    await stored_answers(store, 1, 3, "this week", NOW, right=1)

    async def names(window: LeaderboardWindow) -> list[str]:
        return [row.name for row in await store.leaderboard(1, window, NOW, SEOUL)]

    assert await names(LeaderboardWindow.ALL) == ["old", "this month", "this week"]
    # October 17th was last month; November 6th this month.
    assert await names(LeaderboardWindow.MONTH) == ["this month", "this week"]
    assert await names(LeaderboardWindow.WEEK) == ["this week"]
    assert await store.leaderboard(1, LeaderboardWindow.WEEK, NOW, SEOUL) == (
        await store.leaderboard_week(1, NOW, SEOUL)
    )
    assert [
        row.name for row in await store.leaderboard(1, LeaderboardWindow.ALL, NOW, SEOUL, 2)
    ] == [
        "old",
        "this month",
    ]


def test_a_period_names_its_window_and_anything_else_is_all_time():
    assert LeaderboardWindow.named("week") is LeaderboardWindow.WEEK
    assert LeaderboardWindow.named("month") is LeaderboardWindow.MONTH
    assert LeaderboardWindow.named("all") is LeaderboardWindow.ALL
    for other in ("", "WEEK", "yesterday", None):
        assert LeaderboardWindow.named(other) is LeaderboardWindow.ALL
