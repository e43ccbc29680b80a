"""The two databases' migrations make the same tables with the same columns: a migration
written for one and forgotten for the other fails here."""

from __future__ import annotations

from bot.database import open_database
from bot.schema_tracks import discover_tracks, expected_schema
from tests.support.postgres import PostgresServer


async def test_postgresql_has_every_table_and_column_sqlite_has(postgres: PostgresServer):
    db = await open_database(await postgres.fresh_database())
    try:
        rows = await db.fetchall(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
        )
    finally:
        await db.close()
    on_postgres: dict[str, set[str]] = {}
    for table, column in rows:
        on_postgres.setdefault(table, set()).add(column)
    on_sqlite = {
        table: {column for column, _ in columns}
        for table, columns in expected_schema(discover_tracks()).items()
        if table != "sqlite_sequence"
    }
    # Tables only PostgreSQL needs (shared between processes) are allowed beside them.
    for table, columns in on_sqlite.items():
        assert on_postgres.get(table) == columns, table


def test_every_track_has_migrations_for_both_databases():
    sqlite_tracks = {track.name for track in discover_tracks() if track.migrations}
    postgres_tracks = {track.name for track in discover_tracks("postgresql") if track.migrations}
    assert sqlite_tracks == postgres_tracks
