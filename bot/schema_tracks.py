"""The schema's migrations, one numbered track per owner of tables.

The core's tables (settings, announcements, departures, the bot's own state) are made by
`bot/migrations/`; each feature's by its own `cogs/<feature>/migrations/`, found by looking
(`bot.resources.feature_folders`), so a feature brings its tables and adding one touches
nothing in `bot/`. Each track is numbered from 0001 on its own; `bot.database` stores the
version of each under the track's name and applies the core's first, then the features' in
name order. A migration touches only its own track's tables: on a fresh database a feature's
tables do not exist yet while the core's migrations run.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.resources import feature_folders, package_folder

CORE = "core"
MIGRATIONS_DIR = package_folder("bot") / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

# Tables and their (column, declared type), as SQLite's pragma_table_info reports them.
Schema = dict[str, tuple[tuple[str, str], ...]]

# Until each feature had its own migrations, one track (bot/migrations/0001..0007, kept in
# tests/fixtures/migrations_v7/) made every table and stored its version in
# PRAGMA user_version. What each of those versions had made, in today's tracks: a database
# from then is recorded at these versions and migrates on from there. History, never
# extended: a new feature's tables never were in that track.
LEGACY_VERSIONS: dict[int, dict[str, int]] = {
    1: {CORE: 1, "trivia": 1, "countdown": 1},
    2: {CORE: 2, "trivia": 1, "countdown": 1},
    3: {CORE: 2, "trivia": 1, "countdown": 2},
    4: {CORE: 2, "trivia": 2, "countdown": 2},
    5: {CORE: 3, "trivia": 2, "countdown": 2},
    6: {CORE: 3, "trivia": 2, "countdown": 2, "symbols": 1},
    7: {CORE: 3, "trivia": 3, "countdown": 2, "symbols": 1},
}
LEGACY_LATEST = max(LEGACY_VERSIONS)


class MigrationError(Exception):
    """A migrations folder is not as the rules want it (names, numbering, statements)."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


@dataclass(frozen=True)
class Track:
    """One owner's migrations, numbered 1, 2, ... with no gaps."""

    name: str
    migrations: tuple[Migration, ...]

    @property
    def latest(self) -> int:
        return self.migrations[-1].version if self.migrations else 0

    def until(self, version: int) -> Track:
        """The track as a database at `version` has it applied."""
        return Track(self.name, tuple(m for m in self.migrations if m.version <= version))


def discover_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The numbered `NNNN_name.sql` files in `folder`, in order, with no gaps.

    Raises `MigrationError` for a file named otherwise or a missing number.
    """
    found: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file {path} is not named NNNN_name.sql")
        found.append(Migration(int(match.group(1)), path.stem, path.read_text("utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(
                f"migration {expected:04d} is missing before {migration.name} in {folder}"
            )
    return found


def discover_tracks(dialect: str = "sqlite") -> list[Track]:
    """The core's track, then each feature's (named after its package), in name order.

    SQLite's migrations are the folders' own files; PostgreSQL's are in their `postgresql/`
    subfolders, numbered on their own (a PostgreSQL database starts at today's tables).
    """
    sub = "postgresql" if dialect == "postgresql" else ""
    tracks = [Track(CORE, tuple(discover_migrations(MIGRATIONS_DIR / sub)))]
    for folder in feature_folders("migrations"):
        tracks.append(Track(folder.parent.name, tuple(discover_migrations(folder / sub))))
    return tracks


def expected_schema(tracks: Sequence[Track]) -> Schema:
    """Tables and their (column, type) as `tracks` make them, in order, in a fresh database."""
    return _expected_schema(tuple(m.sql for track in tracks for m in track.migrations))


@functools.cache
def _expected_schema(scripts: tuple[str, ...]) -> Schema:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for sql in scripts:
            for statement in split_statements(sql):
                conn.execute(statement)
        return read_schema(conn)
    finally:
        conn.close()


def read_schema(conn: sqlite3.Connection) -> Schema:
    """The tables of an open database and their (column, type), SQLite's own left out."""
    names = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
        "ESCAPE '\\'"
    ).fetchall()
    return {
        name: tuple(
            (column, kind.upper())
            for column, kind in conn.execute("SELECT name, type FROM pragma_table_info(?)", (name,))
        )
        for (name,) in names
    }


def split_statements(script: str) -> list[str]:
    """Split a migration into statements; `sqlite3.complete_statement` handles quoted `;`.

    Raises `MigrationError` when the script ends inside a statement.
    """
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise MigrationError(f"migration ends with an unfinished statement: {buffer.strip()[:60]}")
    return statements
