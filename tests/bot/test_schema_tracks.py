"""Each feature's tables in its own migrations: the same schema as the single track made, and
databases from before the tracks open with every row kept.

`tests/fixtures/migrations_v7/` holds the single track's files (0001-0007) as they were: the
history every deployed database went through.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.database import DatabaseFileError
from bot.schema_tracks import (
    CORE,
    LEGACY_VERSIONS,
    Migration,
    Track,
    discover_migrations,
    discover_tracks,
    expected_schema,
    split_statements,
)
from bot.sqlite import TRACKED, SqliteDatabase
from tests.support.paths import FIXTURES

OLD_MIGRATIONS = discover_migrations(FIXTURES / "migrations_v7")
OLD_VERSIONS = [migration.version for migration in OLD_MIGRATIONS]

# One row in every table a database at the single track's last version has.
ROWS = [
    "INSERT INTO guild_settings (guild_id, timezone, disabled_cogs) VALUES (1, 'UTC', 'trivia')",
    "INSERT INTO settings_changes (guild_id, user_id, setting, old_value, new_value, changed_at) "
    "VALUES (1, 7, 'timezone', 'Asia/Seoul', 'UTC', '2026-01-01T00:00:00+00:00')",
    "INSERT INTO bot_state (key, value) VALUES ('commands', 'abc')",
    "INSERT INTO announcements (guild_id, channel_id, kind, time_local, repeat, zone, "
    "next_run_utc, created_by, created_at) VALUES (1, 10, 'quote', '09:00', 'daily', 'UTC', "
    "'2026-01-02T09:00:00+00:00', 7, '2026-01-01T00:00:00+00:00')",
    "INSERT INTO guild_departures (guild_id, left_at) VALUES (2, '2026-01-01T00:00:00+00:00')",
    "INSERT INTO trivia_questions (guild_id, question, correct, wrong1, wrong2, wrong3, "
    "category, difficulty, pack, created_by, created_at) VALUES (1, 'Q?', 'a', 'b', 'c', 'd', "
    "'ours', 'easy', 'pack.toml', 7, '2026-01-01T00:00:00+00:00')",
    "INSERT INTO trivia_asked (guild_id, question_key) VALUES (1, 'g:1')",
    "INSERT INTO trivia_rounds (guild_id, channel_id, message_id, question_key, choices, "
    'correct_index, opened_at, closes_at) VALUES (1, 10, 99, \'g:1\', \'["a","b","c","d"]\', '
    "0, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:20+00:00')",
    "INSERT INTO trivia_answers (round_id, guild_id, user_id, choice, correct, points, "
    "answered_at, category) VALUES (1, 1, 7, 0, 1, 10, '2026-01-01T00:00:05+00:00', 'ours')",
    "INSERT INTO trivia_scores (guild_id, user_id, display_name, answered, correct, points) "
    "VALUES (1, 7, 'uaena', 1, 1, 10)",
    "INSERT INTO countdown_events (guild_id, name, starts_at, yearly, created_by, created_at, "
    "kind, date_only, zone) VALUES (1, 'Debut', '2008-09-18T00:00:00+09:00', 1, 7, "
    "'2026-01-01T00:00:00+00:00', 'debut', 1, 'Asia/Seoul')",
    "INSERT INTO quotes_shown (channel_id, quote_key, guild_id, position) VALUES (10, 'q1', 1, 1)",
]


def old_database(path: Path, version: int, rows: list[str] = ()) -> Path:
    """A file as the bot made it before the tracks: the single track's migrations up to
    `version`, each followed by PRAGMA user_version as that bot set it."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for migration in OLD_MIGRATIONS[:version]:
            for statement in split_statements(migration.sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {migration.version:d}")
        for row in rows:
            conn.execute(row)
    finally:
        conn.close()
    return path


def layout(path: Path) -> set[tuple[str, str, str, str]]:
    """Every table and index with its full definition (columns, types, constraints,
    collations, partial indexes), the bookkeeping's own table left out."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'schema_versions'"
        ).fetchall()
    finally:
        conn.close()
    return set(rows)


def contents(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'schema_versions'"
            )
        ]
        return {table: sorted(conn.execute(f"SELECT * FROM {table}")) for table in tables}
    finally:
        conn.close()


def latest_versions(tracks: list[Track]) -> dict[str, int]:
    return {track.name: track.latest for track in tracks}


async def fresh_database(path: Path, tracks: list[Track] | None = None) -> Path:
    db = await SqliteDatabase.open(path, tracks)
    await db.close()
    return path


def tracks_at_the_split() -> list[Track]:
    """Today's tracks up to the versions the last single-track file is recorded at: what
    came after (a track's later migrations) changes the schema and the rows on purpose."""
    at_the_split = LEGACY_VERSIONS[OLD_VERSIONS[-1]]
    return [track.until(at_the_split.get(track.name, 0)) for track in discover_tracks()]


async def test_a_fresh_database_has_exactly_the_schema_the_single_track_made(tmp_path):
    new = await fresh_database(tmp_path / "new.sqlite3", tracks_at_the_split())
    old = old_database(tmp_path / "old.sqlite3", OLD_VERSIONS[-1])
    assert layout(new) == layout(old)
    assert {kind for kind, *_ in layout(new)} == {"table", "index"}


def test_each_feature_brings_its_own_tables():
    # Each track makes its tables on its own: none needs another's.
    tables = {track.name: set(expected_schema([track])) for track in discover_tracks()}
    assert tables["trivia"] >= {"trivia_questions", "trivia_rounds", "trivia_answers"}
    assert tables["countdown"] == {"countdown_events"}
    assert tables["symbols"] == {"quotes_shown"}
    assert tables[CORE] >= {"guild_settings", "settings_changes", "announcements"}
    assert not any(name.startswith(("trivia", "countdown", "quotes")) for name in tables[CORE])


async def test_a_database_from_before_the_tracks_keeps_every_row(tmp_path):
    path = old_database(tmp_path / "old.sqlite3", OLD_VERSIONS[-1], ROWS)
    before = contents(path)
    assert all(before.values()), "every table has a row"
    db = await SqliteDatabase.open(path, tracks_at_the_split())
    try:
        versions = await db.schema_versions()
        kept = await db.fetchone("PRAGMA user_version")
    finally:
        await db.close()
    assert contents(path) == before
    assert versions == latest_versions(tracks_at_the_split())
    assert kept[0] == TRACKED


async def test_later_migrations_apply_to_a_database_from_before_the_tracks(tmp_path):
    path = old_database(tmp_path / "old.sqlite3", OLD_VERSIONS[-1], ROWS)
    before = contents(path)
    later = {
        CORE: "CREATE TABLE later_core (x INTEGER);",
        "trivia": "ALTER TABLE trivia_scores ADD COLUMN later INTEGER NOT NULL DEFAULT 5;",
    }
    tracks = [
        Track(t.name, (*t.migrations, Migration(t.latest + 1, "later", later[t.name])))
        if t.name in later
        else t
        for t in tracks_at_the_split()
    ]
    db = await SqliteDatabase.open(path, tracks)
    try:
        assert await db.schema_versions() == latest_versions(tracks)
        score = await db.fetchone("SELECT display_name, points, later FROM trivia_scores")
        assert tuple(score) == ("uaena", 10, 5)
    finally:
        await db.close()
    after = contents(path)
    assert after.pop("later_core") == []
    assert {table: len(rows) for table, rows in after.items()} == {
        table: len(rows) for table, rows in before.items()
    }


@pytest.mark.parametrize("version", OLD_VERSIONS)
async def test_a_database_at_any_version_of_the_single_track_migrates_to_todays(tmp_path, version):
    """Each old version is recorded at what it had made, so exactly what it lacked applies."""
    path = old_database(tmp_path / "old.sqlite3", version)
    db = await SqliteDatabase.open(path)
    try:
        versions = await db.schema_versions()
    finally:
        await db.close()
    assert versions == latest_versions(discover_tracks())
    assert layout(path) == layout(await fresh_database(tmp_path / "new.sqlite3"))


def test_the_old_versions_are_mapped_to_the_tracks_that_remake_them():
    """What the single track made up to each version, the tracks make at its mapped versions."""
    tracks = {track.name: track for track in discover_tracks()}
    assert sorted(LEGACY_VERSIONS) == OLD_VERSIONS
    for version, mapped in LEGACY_VERSIONS.items():
        conn = sqlite3.connect(":memory:")
        for name, track_version in mapped.items():
            for migration in tracks[name].until(track_version).migrations:
                for statement in split_statements(migration.sql):
                    conn.execute(statement)
        made = set(conn.execute("SELECT type, name, sql FROM sqlite_master"))
        conn.close()
        old = sqlite3.connect(":memory:")
        for migration in OLD_MIGRATIONS[:version]:
            for statement in split_statements(migration.sql):
                old.execute(statement)
        assert made == set(old.execute("SELECT type, name, sql FROM sqlite_master")), version
        old.close()


async def test_a_bot_from_before_the_tracks_would_refuse_a_new_file_as_newer(tmp_path):
    path = await fresh_database(tmp_path / "new.sqlite3")
    conn = sqlite3.connect(path)
    [(kept,)] = conn.execute("PRAGMA user_version")
    conn.close()
    # That bot refused a user_version above its last migration as "written by a newer version".
    assert kept > OLD_VERSIONS[-1]


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        (
            "INSERT INTO schema_versions (track, version) VALUES ('lyrics', 1)",
            r"tables of lyrics .*newer version",
        ),
        (
            "UPDATE schema_versions SET version = version + 1 WHERE track = 'countdown'",
            r"version \d+ of countdown.*newer version",
        ),
        ("ALTER TABLE quotes_shown ADD COLUMN mine TEXT", r"not this bot's database.*quotes_shown"),
        ("DROP TABLE schema_versions", "schema_versions is missing"),
    ],
    ids=["a-feature-this-bot-lacks", "a-feature-further-on", "changed-by-hand", "no-versions"],
)
async def test_a_file_whose_features_this_bot_cannot_use_is_refused_untouched(
    tmp_path, change, refusal
):
    path = await fresh_database(tmp_path / "a.sqlite3")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(change)
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseFileError, match=refusal):
        await SqliteDatabase.open(path)
    assert path.read_bytes() == before


async def test_a_failing_feature_migration_keeps_the_versions_applied_before_it(tmp_path):
    core = Track(CORE, (Migration(1, "0001_a", "CREATE TABLE a (x INTEGER);"),))
    good = Migration(1, "0001_b", "CREATE TABLE b (x INTEGER);")
    bad = Migration(2, "0002_c", "CREATE TABLE c (x INTEGER);\nINSERT INTO missing VALUES (1);")
    path = tmp_path / "m.sqlite3"
    with pytest.raises(DatabaseFileError, match="no such table: missing"):
        await SqliteDatabase.open(path, [core, Track("lyrics", (good, bad))])
    db = await SqliteDatabase.open(path, [core, Track("lyrics", (good,))])
    try:
        assert await db.schema_versions() == {CORE: 1, "lyrics": 1}
        tables = {row[0] for row in await db.fetchall("SELECT name FROM sqlite_master")}
        assert "c" not in tables
    finally:
        await db.close()
