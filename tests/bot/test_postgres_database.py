"""PostgreSQL's database: processes starting together migrate once, a newer bot's database
is refused, the URL's password is never shown, `?` placeholders become `$n`."""

from __future__ import annotations

import asyncio

import pytest

from bot.database import DatabaseError, DatabaseFileError, open_database, redacted
from bot.postgres import affected, numbered
from bot.schema_tracks import discover_tracks
from tests.support.postgres import PostgresServer


async def test_processes_starting_together_migrate_once(postgres: PostgresServer):
    url = postgres.empty_database()
    opened = await asyncio.gather(*(open_database(url) for _ in range(4)))
    try:
        rows = await opened[0].fetchall("SELECT track, version FROM schema_versions")
        latest = {track.name: track.latest for track in discover_tracks("postgresql")}
        assert {row["track"]: row["version"] for row in rows} == latest
        # Each applied migration is recorded once: nothing ran twice (a second CREATE TABLE
        # would have failed the start of the process that ran it).
        assert len(rows) == len(latest)
    finally:
        for db in opened:
            await db.close()


async def test_a_newer_bots_database_is_refused(postgres: PostgresServer):
    url = await postgres.fresh_database()
    db = await open_database(url)
    await db.execute("UPDATE schema_versions SET version = version + 1 WHERE track = 'core'")
    await db.close()
    with pytest.raises(DatabaseFileError, match="newer version"):
        await open_database(url)


async def test_a_database_with_a_feature_this_bot_lacks_is_refused(postgres: PostgresServer):
    url = await postgres.fresh_database()
    db = await open_database(url)
    await db.execute("INSERT INTO schema_versions (track, version) VALUES ('lyrics', 1)")
    await db.close()
    with pytest.raises(DatabaseFileError, match="tables of lyrics"):
        await open_database(url)


async def test_an_unreachable_server_is_one_clear_line_without_the_password():
    url = "postgresql://fanbot:s3cret@127.0.0.1:1/fanbot"
    with pytest.raises(DatabaseError) as refused:
        await open_database(url, busy_timeout=1.0)
    message = str(refused.value)
    assert "s3cret" not in message
    assert "postgresql://fanbot:***@127.0.0.1:1/fanbot" in message
    assert "check DATABASE_URL" in message


def test_placeholders_and_row_counts():
    assert (
        numbered("SELECT ? , ?1, '?' FROM t WHERE a = ?")
        == "SELECT $1 , $1, '?' FROM t WHERE a = $2"
    )
    assert affected("UPDATE 3") == 3
    assert affected("INSERT 0 1") == 1
    assert affected("CREATE TABLE") == 0
    assert redacted("postgresql://u:p@h/d") == "postgresql://u:***@h/d"
    assert redacted("postgresql://u@h/d") == "postgresql://u@h/d"
