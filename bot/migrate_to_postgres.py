"""`python -m bot migrate-to-postgres SQLITE_FILE DATABASE_URL`: copy a one-process bot's
SQLite file into PostgreSQL, to run it there (`DATABASE_URL`) from then on.

Both sides are opened as the bot opens them, so both are migrated to this version's schema
first. The tables to copy are the ones the SQLite tracks make (`bot.schema_tracks`), not a
list kept here, so a feature's new table is copied without a change to this file;
`schema_versions` is not among them (each side keeps its own). The copy reads one snapshot of
the SQLite file and writes in ONE PostgreSQL transaction, tables in foreign-key order, rows in
batches through COPY; then each identity column's sequence is moved past the copied ids, and
the row counts of both sides are compared: any difference, or any failure, rolls it all back.

Run twice, it finds the same row counts on both sides and changes nothing. A target with other
rows is refused unless `replace` (then the bot's tables there are emptied first, in the same
transaction).
"""

from __future__ import annotations

import asyncio
import graphlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import asyncpg

from bot.database import lock_key
from bot.postgres import PostgresDatabase
from bot.schema_tracks import Schema, discover_tracks, expected_schema
from bot.sqlite import SqliteDatabase

# Rows per COPY: large enough that a million answers take a few hundred round trips, small
# enough that one batch is a few MB in memory.
BATCH_ROWS = 5000
# Taken for the whole copy, so that two copies started together don't interleave.
COPY_LOCK = lock_key("fanbot-migrate-to-postgres", 0)

Outcome = Literal["copied", "already copied"]


class MigrationError(Exception):
    """Nothing was changed in PostgreSQL; the message says why and what to do, `tables`
    the row counts on both sides when they were read."""

    def __init__(self, message: str, tables: tuple[TableCount, ...] = ()) -> None:
        super().__init__(message)
        self.tables = tables


class TargetNotEmptyError(MigrationError):
    """PostgreSQL holds rows other than this file's: refused without `replace`."""


@dataclass(frozen=True)
class TableCount:
    table: str
    sqlite: int
    postgresql: int


@dataclass(frozen=True)
class MigrationResult:
    outcome: Outcome
    tables: tuple[TableCount, ...]
    source: str
    target: str  # the URL without its password

    @property
    def rows(self) -> int:
        return sum(table.sqlite for table in self.tables)


def count_table(tables: Sequence[TableCount]) -> str:
    """The row counts as an aligned text table, for the terminal."""
    width = max([len("table"), *(len(table.table) for table in tables)])
    lines = [f"{'table':<{width}}  {'SQLite':>10}  {'PostgreSQL':>10}"]
    for table in tables:
        lines.append(f"{table.table:<{width}}  {table.sqlite:>10,}  {table.postgresql:>10,}")
    return "\n".join(lines)


async def migrate_to_postgres(
    sqlite_file: Path,
    url: str,
    *,
    replace: bool = False,
    batch_rows: int = BATCH_ROWS,
    on_table: Callable[[str, int], None] | None = None,
) -> MigrationResult:
    """Copy every table of the bot's SQLite file `sqlite_file` into the PostgreSQL database
    `url` (see the module's docstring). `on_table(name, rows)` is called after each table
    is copied (progress).

    Raises `TargetNotEmptyError` when PostgreSQL has other rows and not `replace`,
    `MigrationError` when the copy can't be made or doesn't match (PostgreSQL left as it
    was), `DatabaseError` when either database can't be opened.
    """
    if not await asyncio.to_thread(sqlite_file.is_file):
        raise MigrationError(f"there is no database at {sqlite_file}: nothing to copy")
    schema = expected_schema(discover_tracks())
    source = await SqliteDatabase.open(sqlite_file)
    try:
        target = await PostgresDatabase.open(url)
        try:
            return await _copy(source, target, schema, replace, batch_rows, on_table)
        finally:
            await target.close()
    finally:
        await source.close()


async def _copy(
    source: SqliteDatabase,
    target: PostgresDatabase,
    schema: Schema,
    replace: bool,
    batch_rows: int,
    on_table: Callable[[str, int], None] | None,
) -> MigrationResult:
    where = target.where
    async with target.pool().acquire() as conn:
        await _check_target_schema(conn, schema, where)
        order = await _dependency_order(conn, sorted(schema))
        # PRAGMA data_version changes when another connection commits to the file: read
        # before and after the snapshot, it tells whether the bot wrote while we copied.
        version_before = await _data_version(source)
        # A deferred BEGIN: one read snapshot of the whole file (WAL), blocking no writer.
        await source.execute("BEGIN")
        snapshot_open = True
        current = ""
        try:
            source_counts = {table: await _count_sqlite(source, table) for table in order}
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", COPY_LOCK)
                before = {table: await _count_pg(conn, table) for table in order}
                # All empty on both sides: "copied" (nothing), so the sequences are set too.
                if before == source_counts and any(source_counts.values()):
                    return MigrationResult(
                        "already copied",
                        _counts(order, source_counts, before),
                        source.where,
                        where,
                    )
                if any(before.values()):
                    if not replace:
                        raise TargetNotEmptyError(
                            f"{where} already holds other rows (see the counts): nothing was "
                            "changed. Give a database of its own, or add --replace to empty "
                            "the bot's tables there and copy again",
                            _counts(order, source_counts, before),
                        )
                    await conn.execute(
                        f"TRUNCATE {', '.join(_quoted(t) for t in order)} RESTART IDENTITY"
                    )
                for table in order:
                    current = table
                    await _copy_table(source, conn, table, schema[table], batch_rows)
                    if on_table is not None:
                        on_table(table, source_counts[table])
                current = ""
                await _move_sequences(conn, order)
                after = {table: await _count_pg(conn, table) for table in order}
                counts = _counts(order, source_counts, after)
                if after != source_counts:
                    differ = ", ".join(t.table for t in counts if t.sqlite != t.postgresql)
                    raise MigrationError(
                        f"the row counts differ after the copy ({differ}): rolled back, "
                        f"nothing was changed in {where}",
                        counts,
                    )
                await source.execute("COMMIT")
                snapshot_open = False
                if await _data_version(source) != version_before:
                    raise MigrationError(
                        f"{source.where} was written while it was copied (is the bot still "
                        f"running?): rolled back, nothing was changed in {where}. Stop the bot "
                        "(or copy from a `python -m bot backup` file) and run this again"
                    )
        except asyncpg.PostgresError as exc:
            at = f" at table {current}" if current else ""
            raise MigrationError(
                f"the copy failed{at} ({exc}): rolled back, nothing was changed in {where}"
            ) from exc
        finally:
            if snapshot_open:
                await source.execute("ROLLBACK")
    return MigrationResult("copied", counts, source.where, where)


async def _check_target_schema(conn: asyncpg.Connection, schema: Schema, where: str) -> None:
    """Every table and column of the SQLite schema is in PostgreSQL's (the migrations of
    both backends make the same tables)."""
    rows = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema()"
    )
    have: dict[str, set[str]] = {}
    for row in rows:
        have.setdefault(str(row["table_name"]), set()).add(str(row["column_name"]))
    problems = []
    for table, columns in sorted(schema.items()):
        if table not in have:
            problems.append(f"table {table} is missing")
            continue
        missing = [name for name, _ in columns if name not in have[table]]
        if missing:
            problems.append(f"table {table} lacks {', '.join(missing)}")
    if problems:
        raise MigrationError(
            f"{where} does not have this bot's tables ({'; '.join(problems)}): nothing was "
            "changed; its PostgreSQL migrations don't match its SQLite ones"
        )


async def _dependency_order(conn: asyncpg.Connection, tables: list[str]) -> list[str]:
    """`tables` with each after the tables its foreign keys reference (PostgreSQL checks
    each row as it arrives), otherwise in name order."""
    rows = await conn.fetch(
        "SELECT child.relname AS child, parent.relname AS parent FROM pg_constraint c "
        "JOIN pg_class child ON child.oid = c.conrelid "
        "JOIN pg_class parent ON parent.oid = c.confrelid "
        "WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace"
    )
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    wanted = set(tables)
    for table in tables:
        sorter.add(table)
    for row in rows:
        child, parent = str(row["child"]), str(row["parent"])
        if child in wanted and parent in wanted and child != parent:
            sorter.add(child, parent)
    sorter.prepare()
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(ready)
        sorter.done(*ready)
    return order


async def _copy_table(
    source: SqliteDatabase,
    conn: asyncpg.Connection,
    table: str,
    columns: tuple[tuple[str, str], ...],
    batch_rows: int,
) -> None:
    """The table's rows in batches, each read after the last one's key (its primary key, or
    the rowid), so a batch costs the same at the end of a large table as at its start."""
    names = [name for name, _ in columns]
    key = await _key_columns(source, table)
    select = (
        f"SELECT {', '.join(_quoted(n) for n in [*key, *names])} FROM {_quoted(table)} "
        "{where} ORDER BY " + ", ".join(_quoted(k) for k in key) + " LIMIT ?"
    )
    first = select.format(where="")
    following = select.format(
        where=f"WHERE ({', '.join(_quoted(k) for k in key)}) > ({', '.join('?' * len(key))})"
    )
    rows = await source.fetchall(first, (batch_rows,))
    while rows:
        try:
            await conn.copy_records_to_table(
                table, records=[tuple(row)[len(key) :] for row in rows], columns=names
            )
        except (TypeError, ValueError, OverflowError) as exc:
            # SQLite keeps any value in any column; PostgreSQL's column type refuses it as
            # the batch is encoded (text in an INTEGER column, a number past its range).
            raise MigrationError(
                f"the copy failed at table {table}: a value its PostgreSQL column can't hold "
                f"({exc}): rolled back, nothing was changed in PostgreSQL"
            ) from exc
        last = tuple(rows[-1])[: len(key)]
        rows = await source.fetchall(following, (*last, batch_rows))


async def _key_columns(source: SqliteDatabase, table: str) -> list[str]:
    """The primary key's columns in order; `rowid` for a table without one (a WITHOUT ROWID
    table always has one)."""
    rows = await source.fetchall(
        "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", (table,)
    )
    return [str(row[0]) for row in rows] or ["rowid"]


async def _move_sequences(conn: asyncpg.Connection, tables: list[str]) -> None:
    """Each identity column's next value past the highest copied id, so that the bot's
    next insert doesn't collide with a copied row."""
    rows = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES' "
        "AND table_name = ANY($1::text[])",
        tables,
    )
    for row in rows:
        table, column = str(row["table_name"]), str(row["column_name"])
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence($1, $2), "
            f"COALESCE(MAX({_quoted(column)}), 0) + 1, false) FROM {_quoted(table)}",
            _quoted(table),
            column,
        )


async def _count_sqlite(db: SqliteDatabase, table: str) -> int:
    row = await db.fetchone(f"SELECT count(*) FROM {_quoted(table)}")
    return int(row[0]) if row else 0


async def _count_pg(conn: asyncpg.Connection, table: str) -> int:
    return int(await conn.fetchval(f"SELECT count(*) FROM {_quoted(table)}"))


async def _data_version(db: SqliteDatabase) -> int:
    row = await db.fetchone("PRAGMA data_version")
    return int(row[0]) if row else 0


def _counts(
    order: Sequence[str], sqlite: dict[str, int], postgresql: dict[str, int]
) -> tuple[TableCount, ...]:
    return tuple(TableCount(t, sqlite[t], postgresql[t]) for t in order)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
