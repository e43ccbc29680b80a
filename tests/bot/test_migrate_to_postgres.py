"""`python -m bot migrate-to-postgres SQLITE_FILE DATABASE_URL`: an SQLite file filled by the
real stores, copied into a real PostgreSQL database, row for row."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.client import installed_features
from bot.clock import FakeClock
from bot.database import Database, open_database
from bot.guild_settings import GuildSettingsStore
from bot.migrate_to_postgres import MigrationError, TargetNotEmptyError, migrate_to_postgres
from bot.postgres import PostgresDatabase
from bot.schedule_time import Repeat
from bot.scheduler import Scheduler
from bot.schema_tracks import discover_tracks, expected_schema
from bot.sqlite import SqliteDatabase
from cogs.countdown.store import CountdownStore
from cogs.symbols.cog import QuoteCycleStore, load_quotes
from cogs.trivia.game import TriviaRound
from cogs.trivia.schema import Question, Translation
from cogs.trivia.store import TriviaStore
from tests.support.command_line import run_bot
from tests.support.database import fail_inserts
from tests.support.postgres import PostgresServer
from tests.support.scheduler import NoPoster, nothing_to_post

GUILD, CHANNEL, MOD = 1001, 2002, 3003
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
SHIPPED = Question("b:1", "Who directed the video?", "Um Tae-hwa", ("A", "B", "C"), "video")
OWN = Question(
    "own",
    "Which day is our watch party?",
    "Friday",
    ("Monday", "Tuesday", "Sunday"),
    "server",
    "Every Friday.",
    None,
    "easy",
    Translation(
        "우리 감상회는 무슨 요일일까요?",
        ("금요일", "월요일", "화요일", "일요일"),
        "매주 금요일이에요.",
    ),
)


def scheduler_on(db: Database) -> Scheduler:
    scheduler = Scheduler(db, FakeClock(NOW), NoPoster())
    scheduler.register_kind("quote", nothing_to_post)
    return scheduler


async def fill(path: Path) -> None:
    """A bot's SQLite file as the stores leave it: settings and their history,
    announcements, questions of its own (with Korean), two trivia rounds with answers and
    scores, countdown events, quotes shown."""
    db = await SqliteDatabase.open(path)
    try:
        settings = GuildSettingsStore(db, FakeClock(NOW), installed_features())
        await settings.update(GUILD, MOD, timezone="Europe/Paris", announce_channel_id=CHANNEL)
        await settings.update(GUILD, MOD, language="ko", trivia_timeout=30)
        scheduler = scheduler_on(db)
        seoul = ZoneInfo("Asia/Seoul")
        await scheduler.add(GUILD, CHANNEL, "quote", time(9, 0), Repeat.DAILY, seoul, MOD)
        await scheduler.add(GUILD, CHANNEL, "quote", time(21, 30), Repeat.WEEKLY, seoul, MOD, 4)
        trivia = TriviaStore(db)
        await trivia.add_questions(GUILD, [OWN], MOD, NOW, limit=2000, pack="watch.toml")
        for channel, question in ((CHANNEL, SHIPPED), (CHANNEL + 1, OWN)):
            dealt = TriviaRound.deal(
                0, GUILD, channel, question, NOW + timedelta(seconds=20), random.Random(0)
            )
            dealt.round_id = await trivia.open_round(
                GUILD,
                channel,
                question,
                list(dealt.choices),
                dealt.correct_index,
                NOW,
                dealt.closes_at,
                start_afresh=False,
            )
            await trivia.record_answer(dealt, 7, "uaena", dealt.correct_index, NOW)
            await trivia.record_answer(dealt, 8, "아미", (dealt.correct_index + 1) % 4, NOW)
            await trivia.close_round(dealt.round_id)
        countdown = CountdownStore(db)
        await countdown.add(GUILD, "Watch party", NOW + timedelta(days=3), False, "Fri!", MOD, NOW)
        await countdown.add(
            GUILD, "아이유 생일", datetime(2026, 5, 16, tzinfo=seoul), True, None, MOD, NOW
        )
        quotes = load_quotes()
        cycles = QuoteCycleStore(db)
        for _ in range(3):
            await cycles.take(GUILD, CHANNEL, quotes, random.Random(1))
    finally:
        await db.close()


async def rows_of(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every bot table (not `schema_versions`), in one order for both."""
    tables = {}
    for table, columns in expected_schema(discover_tracks()).items():
        names = ", ".join(name for name, _ in columns)
        rows = await db.fetchall(f"SELECT {names} FROM {table}")
        tables[table] = sorted((tuple(row) for row in rows), key=repr)
    return tables


async def read_sqlite(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    db = await SqliteDatabase.open(path)
    try:
        return await rows_of(db)
    finally:
        await db.close()


async def read_postgres(url: str) -> dict[str, list[tuple[Any, ...]]]:
    db = await PostgresDatabase.open(url)
    try:
        return await rows_of(db)
    finally:
        await db.close()


async def read_live(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of the tables a damaged target still has."""
    db = await PostgresDatabase.open(url)  # migrated already: opening changes nothing
    try:
        names = await db.fetchall(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name <> 'schema_versions'"
        )
        return {str(row[0]): list(await db.fetchall(f"SELECT * FROM {row[0]}")) for row in names}
    finally:
        await db.close()


@pytest.fixture
async def filled(tmp_path: Path) -> Path:
    path = tmp_path / "fanbot.sqlite3"
    await fill(path)
    return path


async def test_every_row_is_copied_once_and_the_stores_carry_on_there(
    filled: Path, postgres: PostgresServer
) -> None:
    url = postgres.empty_database()
    copied = await migrate_to_postgres(filled, url, batch_rows=2)  # several batches a table
    assert copied.outcome == "copied"
    source = await read_sqlite(filled)
    assert all(source[table] for table in ("trivia_answers", "countdown_events", "quotes_shown"))
    assert await read_postgres(url) == source
    assert {t.table: t.postgresql for t in copied.tables} == {
        table: len(rows) for table, rows in source.items()
    }
    # Rounds before their answers, which reference them.
    order = [t.table for t in copied.tables]
    assert order.index("trivia_rounds") < order.index("trivia_answers")

    again = await migrate_to_postgres(filled, url)
    assert again.outcome == "already copied"
    assert again.tables == copied.tables
    assert await read_postgres(url) == source

    lite = await SqliteDatabase.open(filled)
    pg = await open_database(url)
    try:
        assert await TriviaStore(pg).leaderboard_all_time(GUILD) == await TriviaStore(
            lite
        ).leaderboard_all_time(GUILD)
        assert await TriviaStore(pg).score(GUILD, 8) == await TriviaStore(lite).score(GUILD, 8)
        assert await CountdownStore(pg).events(GUILD) == await CountdownStore(lite).events(GUILD)
        assert await scheduler_on(pg).list(GUILD) == await scheduler_on(lite).list(GUILD)
        settings = GuildSettingsStore(pg, FakeClock(NOW), installed_features())
        assert (await settings.get(GUILD)).timezone == "Europe/Paris"
        # The identity sequences were moved past the copied ids: new rows don't collide.
        new_event = await CountdownStore(pg).add(GUILD, "New", NOW, False, None, MOD, NOW)
        assert new_event == 3
        added = await scheduler_on(pg).add(
            GUILD, CHANNEL, "quote", time(8, 0), Repeat.DAILY, ZoneInfo("Asia/Seoul"), MOD
        )
        assert added.id == 3
        await settings.update(GUILD, MOD, timezone="Asia/Seoul")
        another = Question("x", "Another?", "y", ("a", "b", "c"), "server")
        stored = await TriviaStore(pg).add_questions(GUILD, [another], MOD, NOW, limit=9)
        assert stored.ids == [2]
        dealt = TriviaRound.deal(0, GUILD, CHANNEL, another, NOW, random.Random(0))
        round_id = await TriviaStore(pg).open_round(
            GUILD, CHANNEL, another, list(dealt.choices), 0, NOW, NOW, start_afresh=False
        )
        assert round_id == 3
        changes = await pg.fetchall("SELECT id FROM settings_changes ORDER BY id")
        assert [row[0] for row in changes] == [1, 2, 3, 4, 5]
    finally:
        await lite.close()
        await pg.close()


async def test_a_target_with_other_rows_is_refused_unless_replace(
    filled: Path, postgres: PostgresServer
) -> None:
    url = postgres.empty_database()
    other = await PostgresDatabase.open(url)
    await other.execute("INSERT INTO guild_settings (guild_id, timezone) VALUES (9, 'UTC')")
    await other.close()
    with pytest.raises(TargetNotEmptyError, match="--replace") as refused:
        await migrate_to_postgres(filled, url)
    counts = {t.table: (t.sqlite, t.postgresql) for t in refused.value.tables}
    assert counts["guild_settings"] == (1, 1)
    assert counts["trivia_answers"][1] == 0
    assert (await read_postgres(url))["guild_settings"] == [(9, "UTC", None, None, "", "auto")]

    replaced = await migrate_to_postgres(filled, url, replace=True)
    assert replaced.outcome == "copied"
    assert await read_postgres(url) == await read_sqlite(filled)


async def test_a_target_without_the_bots_tables_is_refused(
    filled: Path, postgres: PostgresServer
) -> None:
    url = postgres.empty_database()
    target = await PostgresDatabase.open(url)
    await target.execute("ALTER TABLE quotes_shown DROP COLUMN run_nonce")
    await target.execute("DROP TABLE bot_state")
    await target.close()
    with pytest.raises(MigrationError) as refused:
        await migrate_to_postgres(filled, url)
    message = str(refused.value)
    assert "table bot_state is missing" in message
    assert "table quotes_shown lacks run_nonce" in message
    assert all(rows == [] for rows in (await read_live(url)).values())


async def test_a_failure_in_the_middle_leaves_the_target_empty(
    filled: Path, postgres: PostgresServer
) -> None:
    url = postgres.empty_database()
    target = await PostgresDatabase.open(url)
    await fail_inserts(target, "trivia_answers", "disk full")
    await target.close()
    with pytest.raises(MigrationError, match=r"disk full.*rolled back"):
        await migrate_to_postgres(filled, url)
    assert all(rows == [] for rows in (await read_postgres(url)).values())


async def test_a_value_postgresql_cannot_hold_names_its_table(
    filled: Path, postgres: PostgresServer
) -> None:
    # SQLite keeps any value in any column; PostgreSQL's INTEGER column refuses text.
    conn = sqlite3.connect(filled)
    conn.execute("UPDATE feature_settings SET value = 'thirty'")
    conn.commit()
    conn.close()
    url = postgres.empty_database()
    with pytest.raises(MigrationError, match=r"failed at table feature_settings.*rolled back"):
        await migrate_to_postgres(filled, url)
    assert all(rows == [] for rows in (await read_postgres(url)).values())


async def test_an_empty_file_copies_nothing(tmp_path: Path, postgres: PostgresServer) -> None:
    empty = tmp_path / "new.sqlite3"
    await (await SqliteDatabase.open(empty)).close()
    url = postgres.empty_database()
    done = await migrate_to_postgres(empty, url)
    assert (done.outcome, done.rows) == ("copied", 0)


async def test_rows_lost_on_the_way_fail_the_count_check(
    filled: Path, postgres: PostgresServer
) -> None:
    url = postgres.empty_database()
    target = await PostgresDatabase.open(url)
    # A trigger that drops every row silently: only the counts can tell.
    await target.execute(
        "CREATE FUNCTION drop_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; "
        "END $$"
    )
    await target.execute(
        "CREATE TRIGGER drop_row BEFORE INSERT ON quotes_shown FOR EACH ROW "
        "EXECUTE FUNCTION drop_row()"
    )
    await target.close()
    with pytest.raises(MigrationError, match=r"row counts differ.*quotes_shown") as failed:
        await migrate_to_postgres(filled, url)
    assert {t.table: t.postgresql for t in failed.value.tables}["quotes_shown"] == 0
    assert all(rows == [] for rows in (await read_postgres(url)).values())


async def test_a_write_to_the_file_during_the_copy_rolls_it_back(
    filled: Path, postgres: PostgresServer
) -> None:
    url = postgres.empty_database()

    def bot_still_running(table: str, rows: int) -> None:
        if table == "announcements":
            conn = sqlite3.connect(filled)
            conn.execute("UPDATE trivia_scores SET points = points + 10 WHERE user_id = 7")
            conn.commit()
            conn.close()

    with pytest.raises(MigrationError, match=r"written while it was copied.*Stop the bot"):
        await migrate_to_postgres(filled, url, on_table=bot_still_running)
    assert all(rows == [] for rows in (await read_postgres(url)).values())


def test_help_needs_no_token(tmp_path: Path) -> None:
    listed = run_bot(tmp_path, "--help")
    assert "migrate-to-postgres" in listed.stdout
    usage = run_bot(tmp_path, "migrate-to-postgres", "--help")
    assert usage.returncode == 0, usage.stderr
    for words in ("SQLITE_FILE", "DATABASE_URL", "--replace", "Stop the bot", "migrated"):
        assert words in usage.stdout


async def test_the_command_copies_says_so_and_never_prints_the_password(
    filled: Path, postgres: PostgresServer, tmp_path: Path
) -> None:
    # The test server trusts its socket, so any password is accepted, and must be hidden.
    url = postgres.empty_database().replace(
        "postgresql://postgres@", "postgresql://postgres:s3cr3t@"
    )
    done = run_bot(tmp_path, "migrate-to-postgres", str(filled), url)
    assert done.returncode == 0, done.stderr
    assert "s3cr3t" not in done.stdout + done.stderr
    assert "postgres:***@" in done.stdout
    assert "trivia_answers" in done.stdout
    assert "now set DATABASE_URL" in done.stdout
    assert await read_postgres(url) == await read_sqlite(filled)

    again = run_bot(tmp_path, "migrate-to-postgres", str(filled), url)
    assert again.returncode == 0, again.stderr
    assert "already copied, nothing changed" in again.stdout

    other = await PostgresDatabase.open(url)
    await other.execute("DELETE FROM quotes_shown")
    await other.close()
    refused = run_bot(tmp_path, "migrate-to-postgres", str(filled), url)
    assert refused.returncode == 2
    assert "--replace" in refused.stderr
    assert "s3cr3t" not in refused.stdout + refused.stderr

    missing = run_bot(tmp_path, "migrate-to-postgres", str(tmp_path / "none.sqlite3"), url)
    assert missing.returncode == 2
    assert "there is no database at" in missing.stderr
    assert not (tmp_path / "none.sqlite3").exists()
