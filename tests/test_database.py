from __future__ import annotations

import pytest

from bot.database import Database, DatabaseError, Migration, discover_migrations


async def test_fresh_database_gets_every_migration(tmp_path):
    db = await Database.open(tmp_path / "a.sqlite3")
    try:
        assert await db.schema_version() == discover_migrations()[-1].version
        row = await db.fetchone("PRAGMA journal_mode")
        assert row[0] == "wal"
    finally:
        await db.close()


async def test_second_start_changes_nothing_and_keeps_data(tmp_path):
    path = tmp_path / "a.sqlite3"
    db = await Database.open(path)
    await db.execute("INSERT INTO guild_settings (guild_id, timezone) VALUES (1, 'Europe/Berlin')")
    version = await db.schema_version()
    await db.close()

    db = await Database.open(path)
    try:
        assert await db.schema_version() == version
        assert await db.migrate(discover_migrations()) == 0
        row = await db.fetchone("SELECT timezone FROM guild_settings WHERE guild_id = 1")
        assert row["timezone"] == "Europe/Berlin"
    finally:
        await db.close()


async def test_database_from_a_newer_bot_is_refused(tmp_path):
    path = tmp_path / "a.sqlite3"
    db = await Database.open(path)
    await db.execute("PRAGMA user_version = 999")
    await db.close()
    with pytest.raises(DatabaseError, match="newer version"):
        await Database.open(path)


async def test_a_failing_migration_leaves_nothing_behind(tmp_path):
    good = Migration(1, "0001_ok", "CREATE TABLE a (x INTEGER);")
    bad = Migration(2, "0002_bad", "CREATE TABLE b (x INTEGER);\nINSERT INTO missing VALUES (1);")
    with pytest.raises(Exception, match="missing"):
        await Database.open(tmp_path / "m.sqlite3", migrations=[good, bad])
    db = await Database.open(tmp_path / "m.sqlite3", migrations=[good])
    try:
        assert await db.schema_version() == 1
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
        await Database.open(path)


async def test_a_path_that_cannot_be_created_is_refused_clearly(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DatabaseError, match="can't open the database"):
        await Database.open(blocker / "inside" / "bot.sqlite3")
