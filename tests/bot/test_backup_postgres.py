"""`python -m bot backup FILE` with DATABASE_URL: pg_dump's copy, restored by pg_restore."""

from __future__ import annotations

import asyncio
import subprocess
from urllib.parse import urlsplit

from bot.database import open_database
from tests.support.command_line import run_bot
from tests.support.postgres import PostgresServer


async def test_a_postgres_backup_restores_into_an_empty_database(
    tmp_path, postgres: PostgresServer
):
    url = await postgres.fresh_database()
    db = await open_database(url)
    await db.execute("INSERT INTO guild_settings (guild_id, timezone) VALUES (7, 'Europe/Paris')")
    await db.close()
    await asyncio.to_thread(backup_and_restore, tmp_path, postgres, url)


def backup_and_restore(tmp_path, postgres: PostgresServer, url: str) -> None:
    done = run_bot(tmp_path, "backup", "copy.dump", DATABASE_URL=url)
    assert done.returncode == 0, done.stderr
    copy = tmp_path / "copy.dump"
    assert done.stdout.startswith("backed up postgresql://")
    assert str(copy) in done.stdout
    assert copy.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert not list(tmp_path.glob(".*.partial"))

    again = run_bot(tmp_path, "backup", "copy.dump", DATABASE_URL=url)
    assert again.returncode == 2
    assert "already exists" in again.stderr

    empty = postgres.empty_database()
    restored = subprocess.run(
        ["pg_restore", "--no-owner", f"--dbname={empty}", str(copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert restored.returncode == 0, restored.stderr
    name = urlsplit(empty).path.lstrip("/")
    timezone = postgres.psql("SELECT timezone FROM guild_settings WHERE guild_id = 7", name)
    assert timezone == "Europe/Paris"


def test_a_postgres_backup_that_fails_says_why_and_leaves_no_file(tmp_path, postgres):
    missing = postgres.url("no_such_database")
    done = run_bot(tmp_path, "backup", "copy.dump", DATABASE_URL=missing)
    assert done.returncode == 2
    assert "pg_dump could not back up" in done.stderr
    assert "no_such_database" in done.stderr
    assert not (tmp_path / "copy.dump").exists()
    assert not list(tmp_path.glob(".*.partial"))


def test_the_password_is_not_printed(tmp_path, postgres):
    done = run_bot(
        tmp_path, "backup", "copy.dump", DATABASE_URL="postgresql://fan:s3cret-pw@127.0.0.1:1/x"
    )
    assert done.returncode == 2
    assert "s3cret-pw" not in done.stderr + done.stdout
    assert "postgresql://fan@127.0.0.1:1/x" in done.stderr
