"""`python -m bot backup FILE`: what it refuses, what it prints, what the copy is."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.sqlite import SqliteDatabase
from tests.support.command_line import run_bot
from tests.support.readme import section


async def a_database(path: Path) -> Path:
    db = await SqliteDatabase.open(path)
    await db.execute("INSERT INTO guild_settings (guild_id, timezone) VALUES (7, 'Europe/Paris')")
    await db.close()
    return path


def timezone_in(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT timezone FROM guild_settings WHERE guild_id = 7").fetchone()[0]
    finally:
        conn.close()


def test_help_lists_backup(tmp_path):
    done = run_bot(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    assert "backup" in done.stdout
    usage = run_bot(tmp_path, "backup", "--help")
    assert usage.returncode == 0, usage.stderr
    assert "--force" in usage.stdout
    assert "FILE" in usage.stdout


async def test_backup_copies_without_a_token_and_prints_path_and_size(tmp_path):
    database = await a_database(tmp_path / "bot.sqlite3")
    done = run_bot(tmp_path, "backup", "copy.sqlite3", DATABASE_PATH=str(database))
    assert done.returncode == 0, done.stderr
    copy = tmp_path / "copy.sqlite3"  # relative to the folder it was run in
    assert done.stdout == f"backed up {database} to {copy} ({copy.stat().st_size:,} bytes)\n"
    assert timezone_in(copy) == "Europe/Paris"
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # no -wal travels
    conn.close()
    assert not list(tmp_path.glob(".*.partial"))


async def test_an_existing_file_is_kept_unless_force(tmp_path):
    database = await a_database(tmp_path / "bot.sqlite3")
    existing = tmp_path / "old-backup.sqlite3"
    existing.write_bytes(b"yesterday's backup")
    refused = run_bot(tmp_path, "backup", str(existing), DATABASE_PATH=str(database))
    assert refused.returncode == 2
    assert f"{existing} already exists" in refused.stderr
    assert "--force" in refused.stderr
    assert existing.read_bytes() == b"yesterday's backup"

    forced = run_bot(tmp_path, "backup", str(existing), "--force", DATABASE_PATH=str(database))
    assert forced.returncode == 0, forced.stderr
    assert timezone_in(existing) == "Europe/Paris"


async def test_no_database_no_folder_or_the_database_itself_are_refused(tmp_path):
    missing = tmp_path / "none.sqlite3"
    done = run_bot(tmp_path, "backup", "copy.sqlite3", DATABASE_PATH=str(missing))
    assert done.returncode == 2
    assert f"there is no database at {missing}" in done.stderr
    assert not missing.exists()  # a backup never creates an empty database
    database = await a_database(tmp_path / "bot.sqlite3")
    nowhere = run_bot(tmp_path, "backup", "no/such/copy.sqlite3", DATABASE_PATH=str(database))
    assert nowhere.returncode == 2
    assert "does not exist" in nowhere.stderr
    itself = run_bot(tmp_path, "backup", str(database), "--force", DATABASE_PATH=str(database))
    assert itself.returncode == 2
    assert "is the database itself" in itself.stderr
    assert timezone_in(database) == "Europe/Paris"


def test_the_readme_documents_backup_and_restore():
    text = section("### Back up and restore")
    assert "python -m bot backup" in text
    assert "--force" in text
    restore = [line for line in text.splitlines() if line.startswith("sudo ")][1:]
    kinds = [next(w for w in ("stop", "cp", "rm", "start") if w in line) for line in restore]
    assert kinds == ["stop", "cp", "rm", "start"]
    assert "-wal" in restore[2]
    assert "-shm" in restore[2]
