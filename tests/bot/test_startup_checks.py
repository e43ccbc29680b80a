"""`python -m bot` on a bad database file: one line naming the file and what to do, status 2.

Each file is made from a real database of the bot: truncated, pages overwritten with garbage,
a foreign table where the bot's would be, a file the bot may not write.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sqlite import SqliteDatabase
from tests.support.command_line import TOKEN, UNREACHABLE, run_bot

PAGE = 4096


async def real_database(path: Path) -> Path:
    """The bot's database with a few thousand rows, checkpointed into the main file."""
    db = await SqliteDatabase.open(path)
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO guild_settings (guild_id, timezone) VALUES (?, 'Asia/Seoul')",
            [(guild_id,) for guild_id in range(1, 3001)],
        )
    await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    await db.close()
    return path


def truncated(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def garbage_pages(path: Path) -> None:
    """Random bytes over the second half of a run of the table's pages (header intact)."""
    rnd = random.Random(8)
    pages = path.stat().st_size // PAGE
    with path.open("r+b") as file:
        for page in range(pages - 12, pages - 2):
            file.seek(page * PAGE + PAGE // 2)
            file.write(rnd.randbytes(PAGE // 2))


def foreign_table(path: Path) -> None:
    """Another program's file, with a `guild_settings` table of its own."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE guild_settings (id INTEGER PRIMARY KEY, name TEXT, owner TEXT)")
    conn.execute("INSERT INTO guild_settings (name, owner) VALUES ('my server', 'me')")
    conn.commit()
    conn.close()


def run_on(tmp_path: Path, database: Path) -> subprocess.CompletedProcess[str]:
    return run_bot(tmp_path, DATABASE_PATH=str(database), LOG_LEVEL="INFO", **UNREACHABLE)


def assert_refused(done: subprocess.CompletedProcess[str], database: Path, *words: str) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "could not reach Discord" not in done.stderr  # it stopped before connecting
    errors = [line for line in done.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1, done.stderr
    [line] = errors
    assert str(database) in line
    for word in words:
        assert word in line
    assert TOKEN not in done.stderr
    return line


async def test_a_good_database_passes_the_checks_and_the_bot_goes_on(tmp_path):
    database = await real_database(tmp_path / "bot.sqlite3")
    done = run_on(tmp_path, database)
    assert done.returncode == 1, done.stderr
    assert "could not reach Discord" in done.stderr  # past the checks, on to Discord
    assert "passed integrity_check" in done.stderr


@pytest.mark.parametrize(
    ("spoil", "words"),
    [
        (truncated, ("is damaged", "malformed", "restore a backup")),
        (garbage_pages, ("is damaged", "restore a backup")),
        (foreign_table, ("not this bot's database", "guild_settings", "DATABASE_PATH")),
    ],
    ids=["truncated", "garbage-pages", "foreign-guild-settings"],
)
async def test_a_bad_file_stops_the_bot_with_one_line_and_status_2(tmp_path, spoil, words):
    database = await real_database(tmp_path / "bot.sqlite3")
    spoil(database)
    before = database.read_bytes()
    assert_refused(run_on(tmp_path, database), database, *words)
    assert database.read_bytes() == before  # refused, and left exactly as it was


@pytest.fixture
def read_only() -> Iterator:
    """Makes a file or folder read-only for this process, root included (root ignores chmod)."""
    undo: list[Path] = []

    def make(path: Path) -> None:
        if os.geteuid() != 0:
            path.chmod(0o555 if path.is_dir() else 0o444)
            undo.append(path)
            return
        if shutil.which("chattr") is None:
            pytest.skip("running as root without chattr: no way to make a file read-only")
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"chattr +i is not allowed here: {done.stderr.strip()}")
        undo.append(path)

    yield make
    for path in undo:
        if os.geteuid() != 0:
            path.chmod(0o755 if path.is_dir() else 0o644)
        else:
            subprocess.run(["chattr", "-i", str(path)], check=True)


async def test_a_read_only_file_stops_the_bot_with_one_line_and_status_2(tmp_path, read_only):
    database = await real_database(tmp_path / "bot.sqlite3")
    read_only(database)
    with pytest.raises(PermissionError):
        database.open("ab").close()  # it is read-only indeed
    assert_refused(run_on(tmp_path, database), database, "read-only", "write")


async def test_a_read_only_folder_stops_the_bot_with_one_line_and_status_2(tmp_path, read_only):
    """SQLite keeps -wal and -shm beside the file: a folder it can't write is refused too."""
    folder = tmp_path / "data"
    folder.mkdir()
    database = await real_database(folder / "bot.sqlite3")  # closed: no -wal, no -shm left
    read_only(folder)
    assert_refused(run_on(tmp_path, database), database, "write", str(folder))
    new = folder / "new.sqlite3"
    assert_refused(run_on(tmp_path, new), new, "can't open the database", "create files")
