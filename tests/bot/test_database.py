from __future__ import annotations

import logging
import sqlite3

import pytest

from bot import sqlite as database
from bot.database import DatabaseError, DatabaseFileError
from bot.schema_tracks import Migration, Track, discover_tracks, expected_schema
from bot.sqlite import SqliteDatabase


def latest_versions() -> dict[str, int]:
    return {track.name: track.latest for track in discover_tracks()}


async def test_fresh_database_gets_every_migration(tmp_path):
    db = await SqliteDatabase.open(tmp_path / "a.sqlite3")
    try:
        assert await db.schema_versions() == latest_versions()
        row = await db.fetchone("PRAGMA journal_mode")
        assert row[0] == "wal"
    finally:
        await db.close()


async def test_second_start_changes_nothing_and_keeps_data(tmp_path):
    path = tmp_path / "a.sqlite3"
    db = await SqliteDatabase.open(path)
    await db.execute("INSERT INTO guild_settings (guild_id, timezone) VALUES (1, 'Europe/Berlin')")
    versions = await db.schema_versions()
    await db.close()

    db = await SqliteDatabase.open(path)
    try:
        assert await db.schema_versions() == versions
        assert await db.migrate(discover_tracks()) == 0
        row = await db.fetchone("SELECT timezone FROM guild_settings WHERE guild_id = 1")
        assert row["timezone"] == "Europe/Berlin"
    finally:
        await db.close()


async def test_database_from_a_newer_bot_is_refused(tmp_path):
    path = tmp_path / "a.sqlite3"
    db = await SqliteDatabase.open(path)
    await db.execute("PRAGMA user_version = 999")
    await db.close()
    with pytest.raises(DatabaseError, match="newer version"):
        await SqliteDatabase.open(path)


async def test_a_failing_migration_leaves_nothing_behind(tmp_path):
    good = Migration(1, "0001_ok", "CREATE TABLE a (x INTEGER);")
    bad = Migration(2, "0002_bad", "CREATE TABLE b (x INTEGER);\nINSERT INTO missing VALUES (1);")
    with pytest.raises(Exception, match="missing"):
        await SqliteDatabase.open(tmp_path / "m.sqlite3", [Track("core", (good, bad))])
    db = await SqliteDatabase.open(tmp_path / "m.sqlite3", [Track("core", (good,))])
    try:
        assert await db.schema_versions() == {"core": 1}
        tables = {row[0] for row in await db.fetchall("SELECT name FROM sqlite_master")}
        assert "b" not in tables
    finally:
        await db.close()


async def test_transaction_rolls_back_on_error(db):
    async def insert_then_fail() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO guild_settings (guild_id) VALUES (5)")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await insert_then_fail()
    assert await db.fetchone("SELECT 1 FROM guild_settings WHERE guild_id = 5") is None


async def test_a_file_that_is_not_a_database_is_refused_clearly(tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(DatabaseError, match=r"can.t use .* as the database"):
        await SqliteDatabase.open(path)


async def test_a_path_that_cannot_be_created_is_refused_clearly(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DatabaseError, match="can't open the database"):
        await SqliteDatabase.open(blocker / "inside" / "bot.sqlite3")


# -- start-up checks of the file ---------------------------------------------------------------


async def test_a_column_renamed_by_hand_is_refused_naming_the_table(tmp_path):
    path = tmp_path / "a.sqlite3"
    db = await SqliteDatabase.open(path)
    await db.execute("ALTER TABLE guild_settings RENAME COLUMN timezone TO tz")
    await db.close()
    with pytest.raises(DatabaseFileError, match=r"not this bot's database.*guild_settings"):
        await SqliteDatabase.open(path)


async def test_an_unknown_table_is_refused_at_any_version(tmp_path):
    path = tmp_path / "a.sqlite3"
    db = await SqliteDatabase.open(path)
    await db.execute("CREATE TABLE my_notes (x TEXT)")
    await db.close()
    with pytest.raises(DatabaseFileError, match="unexpected table my_notes"):
        await SqliteDatabase.open(path)


async def test_the_schema_is_compared_with_the_files_own_version_before_migrating(tmp_path):
    first = Migration(1, "0001_a", "CREATE TABLE a (x INTEGER);")
    second = Migration(2, "0002_b", "ALTER TABLE a ADD COLUMN y TEXT;")
    path = tmp_path / "m.sqlite3"
    db = await SqliteDatabase.open(path, [Track("core", (first,))])
    await db.close()
    db = await SqliteDatabase.open(
        path, [Track("core", (first, second))]
    )  # a version 1 file migrates
    columns = [row["name"] for row in await db.fetchall("SELECT name FROM pragma_table_info('a')")]
    await db.close()
    assert columns == ["x", "y"]


async def test_a_fresh_file_and_an_in_memory_database_pass(tmp_path):
    for path in (tmp_path / "new" / "a.sqlite3", ":memory:"):
        db = await SqliteDatabase.open(path)
        await db.close()


def test_the_expected_schema_is_what_the_migrations_make():
    schema = expected_schema(discover_tracks())
    assert ("timezone", "TEXT") in schema["guild_settings"]
    assert not any(name.startswith("sqlite_") for name in schema)
    assert expected_schema(()) == {}


async def test_an_integrity_problem_is_named_in_one_line(tmp_path):
    """Damage that integrity_check reports as rows (rather than an error) is refused too."""
    path = tmp_path / "a.sqlite3"
    db = await SqliteDatabase.open(path)
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO guild_settings (guild_id) VALUES (?)", [(i,) for i in range(3000)]
        )
    await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    await db.close()
    # An index that no longer matches its table: the pages are sound, their content is not.
    conn = sqlite3.connect(path)
    conn.execute("CREATE INDEX guild_settings_tz ON guild_settings (timezone)")
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX guild_settings_tz ON guild_settings "
        "(disabled_cogs)' WHERE name = 'guild_settings_tz'"
    )
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseFileError, match=r"is damaged \(integrity_check found") as refused:
        await SqliteDatabase.open(path)
    assert "\n" not in str(refused.value)
    assert "restore a backup" in str(refused.value)


async def test_a_large_file_gets_the_quick_check(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(database, "INTEGRITY_CHECK_LIMIT", 0)
    with caplog.at_level(logging.INFO, logger="bot.sqlite"):
        db = await SqliteDatabase.open(tmp_path / "a.sqlite3")
        await db.close()
    assert "passed quick_check" in caplog.text


async def test_a_file_locked_by_another_process_is_busy_not_bad(tmp_path):
    """Another bot holding the write lock: try again later (status 1), not a bad file (2)."""
    path = tmp_path / "a.sqlite3"
    db = await SqliteDatabase.open(path)
    await db.close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseError, match="locked by another process") as refused:
            await SqliteDatabase.open(path, busy_timeout=0.1)
        assert not isinstance(refused.value, DatabaseFileError)
    finally:
        other.execute("ROLLBACK")
        other.close()
