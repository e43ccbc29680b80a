"""Rounds in the database (one open per channel) and picking questions by query, not by load."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import aiohttp
import discord
import pytest

from bot.clock import FakeClock
from bot.database import Database
from bot.errors import NotFound
from bot.schema_tracks import discover_tracks
from bot.sqlite import SqliteDatabase
from cogs.trivia.cog import TriviaCog
from cogs.trivia.rounds import backoff_delays, is_transient
from cogs.trivia.schema import Question
from cogs.trivia.store import QuestionFilter, RoundAlreadyOpenError, TriviaStore

NOW = datetime(2026, 11, 26, tzinfo=UTC)
GUILD = 1


def shipped(n: int, category: str = "video", difficulty: str = "easy") -> Question:
    return Question(
        f"b:{n:012d}", f"Shipped {n}?", "r", ("a", "b", "c"), category, None, None, difficulty
    )


async def open_in(store: TriviaStore, channel: int, key: str = "b:1", afresh: bool = False) -> int:
    question = Question(key, "Q?", "r", ("a", "b", "c"), "video")
    return await store.open_round(
        GUILD, channel, question, ["r", "a", "b", "c"], 0, NOW, NOW + timedelta(seconds=20), afresh
    )


async def asked(db: Database) -> set[str]:
    rows = await db.fetchall("SELECT question_key FROM trivia_asked")
    return {row["question_key"] for row in rows}


async def test_a_channel_has_one_open_round_and_a_refused_one_leaves_nothing(db):
    store = TriviaStore(db)
    first = await open_in(store, 10, "b:1")
    with pytest.raises(RoundAlreadyOpenError) as refused:
        await open_in(store, 10, "b:2", afresh=True)
    assert refused.value.closes_at == NOW + timedelta(seconds=20)
    # The refused transaction kept nothing: not its round, not its asked question, and it
    # did not start the server afresh either.
    assert await asked(db) == {"b:1"}
    assert [r.round_id for r in await store.open_rounds()] == [first]
    await open_in(store, 11, "b:3")  # another channel is free
    await store.close_round(first)
    await open_in(store, 10, "b:4")  # and this one once its round is closed


async def test_the_database_itself_refuses_a_second_open_round(db):
    # A writer that doesn't look first (another process, or code that forgot) still can't.
    await open_in(TriviaStore(db), 10)
    with pytest.raises(db.integrity_errors, match=r"trivia_rounds\.channel_id|one_open"):
        await db.execute(
            "INSERT INTO trivia_rounds (guild_id, channel_id, question_key, choices, "
            "correct_index, opened_at, closes_at) VALUES (1, 10, 'b:9', '[]', 0, '', '')"
        )


async def test_the_migration_keeps_only_the_newest_of_rounds_open_side_by_side(tmp_path):
    track = next(track for track in discover_tracks() if track.name == "trivia")
    ours = next(m.version for m in track.migrations if m.name.endswith("_one_open_round"))
    path = tmp_path / "old.sqlite3"
    old = await SqliteDatabase.open(path, [track.until(ours - 1)])
    for round_id, channel in ((1, 10), (2, 10), (3, 11), (4, 10)):
        await old.execute(
            "INSERT INTO trivia_rounds (id, guild_id, channel_id, question_key, choices, "
            "correct_index, opened_at, closes_at) VALUES (?, 1, ?, 'b:1', '[]', 0, '', '')",
            (round_id, channel),
        )
    await old.close()
    db = await SqliteDatabase.open(path)
    try:
        rows = await db.fetchall("SELECT id FROM trivia_rounds WHERE closed = 0 ORDER BY id")
        assert [row["id"] for row in rows] == [3, 4]
    finally:
        await db.close()


async def add_own(db: Database, count: int, category: str = "ours", difficulty: str = "hard"):
    await db.executemany(
        "INSERT INTO trivia_questions (guild_id, question, correct, wrong1, wrong2, wrong3, "
        "category, difficulty, created_by, created_at) "
        "VALUES (?, ?, 'r', 'a', 'b', 'c', ?, ?, 0, '')",
        [(GUILD, f"{category} {n}?", category, difficulty) for n in range(count)],
    )


async def test_play_and_autocomplete_queries_use_the_index(sqlite_db):
    db = sqlite_db
    store = TriviaStore(db)
    statements: list[str] = []
    # The statements as SQLite ran them, values filled in, to ask SQLite for their plans.
    await db._conn.set_trace_callback(statements.append)
    await store.categories(GUILD)
    await store.count_questions(GUILD, QuestionFilter("Video", "hard"))
    await db._conn.set_trace_callback(None)
    assert len(statements) == 2
    for sql in statements:
        rows = await db.fetchall(f"EXPLAIN QUERY PLAN {sql}")
        plan = " ".join(str(row[3]) for row in rows)
        assert "trivia_questions_category" in plan, plan
        # No pass over every question: seeks in the index, never a sort or a group of all.
        assert "TEMP B-TREE" not in plan, plan
        assert "SCAN trivia_questions" not in plan, plan


async def test_an_autocomplete_keystroke_costs_the_same_with_200_or_20000_questions(sqlite_db):
    db = sqlite_db
    """Counted in SQLite's VM steps, not in time: a seek per category, no pass over all."""
    store = TriviaStore(db)
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0  # go on

    async def steps_for_categories() -> int:
        steps[0] = 0
        await db._conn.set_progress_handler(count, 100)
        assert len(await store.categories(GUILD)) == 4
        await db._conn.set_progress_handler(None, 100)
        return steps[0]

    for category in ("a", "b", "c", "d"):
        await add_own(db, 50, category)
    few = await steps_for_categories()
    for category in ("a", "b", "c", "d"):
        await add_own(db, 4_950, category)
    many = await steps_for_categories()
    assert many <= few + 2, (few, many)


async def test_own_questions_are_counted_fetched_and_listed_without_loading_them(db):
    store = TriviaStore(db)
    await add_own(db, 3, "Ours")
    await add_own(db, 2, "other", "easy")
    assert await store.count_questions(GUILD, QuestionFilter()) == (5, 5)
    ours = QuestionFilter("ours", "hard")  # any case
    assert await store.count_questions(GUILD, ours) == (3, 3)
    first = await store.nth_question(GUILD, ours, 0, unasked=True)
    assert first is not None
    await db.execute("INSERT INTO trivia_asked VALUES (?, ?)", (GUILD, first.key))
    assert await store.count_questions(GUILD, ours) == (3, 2)
    second = await store.nth_question(GUILD, ours, 0, unasked=True)
    assert second is not None
    assert second.key != first.key
    assert await store.nth_question(GUILD, ours, 2, unasked=True) is None
    assert await store.question_by_key(GUILD, first.key) == first
    assert await store.question_by_key(GUILD + 1, first.key) is None
    assert await store.question_by_key(GUILD, "b:123") is None
    assert sorted(await store.categories(GUILD)) == ["Ours", "other"]


def picker(db: Database, builtin: list[Question], seed: int = 0) -> TriviaCog:
    bot = SimpleNamespace(database=db, clock=FakeClock(NOW), owns_guild=lambda guild_id: True)
    cog = TriviaCog(bot, rng=random.Random(seed))  # type: ignore[arg-type]
    cog.builtin = builtin
    return cog


@pytest.mark.parametrize("seed", range(5))
async def test_no_question_repeats_until_shipped_and_own_are_used_up(db, seed: int):
    await add_own(db, 3, "video", "easy")
    await add_own(db, 4, "charts", "easy")  # filtered out by the category
    cog = picker(db, [shipped(1), shipped(2), shipped(3, "charts")], seed)
    seen = set()
    for _ in range(5):
        question, afresh = await cog._pick_question(GUILD, "VIDEO", "easy")
        assert not afresh
        assert question.category == "video"
        assert question.key not in seen
        seen.add(question.key)
        await db.execute("INSERT INTO trivia_asked VALUES (?, ?)", (GUILD, question.key))
    assert sum(key.startswith("g:") for key in seen) == 3
    question, afresh = await cog._pick_question(GUILD, "video", "easy")
    assert afresh
    assert question.key in seen


async def test_an_unknown_category_or_difficulty_is_refused(db):
    await add_own(db, 2, "ours", "hard")
    cog = picker(db, [shipped(1)])
    with pytest.raises(NotFound) as unknown:
        await cog._pick_question(GUILD, "lyrics", None)
    assert unknown.value.key == "trivia.no_category"
    with pytest.raises(NotFound) as none_easy:
        await cog._pick_question(GUILD, "ours", "easy")
    assert none_easy.value.key == "trivia.no_difficulty_in"
    question, _afresh = await cog._pick_question(GUILD, "ours", "hard")
    assert question.key.startswith("g:")


def test_reveal_retries_wait_twice_as_long_each_time_up_to_five_minutes():
    delays = backoff_delays()
    assert [next(delays) for _ in range(12)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]


def http_error(status: int) -> discord.HTTPException:
    response = SimpleNamespace(status=status, reason="x")
    cls = discord.DiscordServerError if status >= 500 else discord.HTTPException
    return cls(response, {"message": "x", "code": 0})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (http_error(503), True),
        (http_error(500), True),
        (http_error(429), True),
        (aiohttp.ClientConnectionError("reset"), True),
        (ConnectionResetError(), True),
        (TimeoutError(), True),
        (http_error(400), False),
        (ValueError("bug"), False),
    ],
)
def test_which_failures_of_a_reveal_are_tried_again(error: BaseException, transient: bool):
    assert is_transient(error) is transient
