"""The database the stores talk to: SQLite (`bot.sqlite`, the embedded default, one process)
or PostgreSQL (`bot.postgres`, `DATABASE_URL=postgresql://...`, one or many processes).

Feature stores (`cogs/*/store.py`, `bot/guild_settings.py`, `bot/scheduler/store.py`, ...)
own their SQL and reach the database only through `Database` and `Transaction`. Their SQL is
written once, for both: `?` placeholders (PostgreSQL gets `$1, $2, ...`), `ON CONFLICT`
upserts, `INSERT ... RETURNING id`, instants as `bot.clock.to_db` text, `COLLATE NOCASE`
(a collation of that name on PostgreSQL). Where the two must differ, a store asks
`dialect`; a read-modify-write that must not interleave with another process's takes
`Transaction.lock` first.

`open_database` makes the choice, once, from the settings.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from bot.schema_tracks import Track

Dialect = Literal["sqlite", "postgresql"]
Params = Sequence[Any]


class Row(Protocol):
    """A result row: by position (`row[0]`, `tuple(row)`) and by column name (`row["id"]`).
    aiosqlite's `Row` and asyncpg's `Record` are both this."""

    def __getitem__(self, key: Any, /) -> Any: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Any]: ...
    def keys(self) -> Any: ...


class DatabaseError(Exception):
    """The database can't be used as it is (for example, it comes from a newer bot)."""


class DatabaseFileError(DatabaseError):
    """The database itself is unusable: damaged, not this bot's, read-only or from a newer
    bot. Starting again would not help; the message (one line) says what to do."""


class Transaction(ABC):
    """The statements of one open transaction (only valid inside `Database.transaction`)."""

    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the affected row count."""

    @abstractmethod
    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one `INSERT ... RETURNING id`; returns the new row's id."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...

    @abstractmethod
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    @abstractmethod
    async def lock(self, name: str, key: int) -> None:
        """Hold the lock `(name, key)` until the transaction ends, so that another process's
        transaction taking the same lock waits: for a read-modify-write (a member's totals, a
        server's question count) that must not interleave with one elsewhere. SQLite needs
        none (a write transaction holds the whole file); PostgreSQL takes an advisory lock."""


class Subscription:
    """What `Database.listen` returns: `close()` stops listening. This one never listened."""

    async def close(self) -> None:
        return


class Database(ABC):
    """A connection (SQLite) or pool of them (PostgreSQL) shared by the whole bot."""

    dialect: Dialect
    # The errors a broken uniqueness rule raises (a name taken, an answer already stored).
    integrity_errors: tuple[type[BaseException], ...]

    @property
    @abstractmethod
    def where(self) -> str:
        """The file or server, for logs and messages (no password)."""

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """A write transaction, committed when the block ends, rolled back if it raises."""

    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement on its own (autocommit); returns the affected row count."""

    @abstractmethod
    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one `INSERT ... RETURNING id` on its own; returns the new row's id."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run `sql` for each of `rows`, in one transaction."""

    @abstractmethod
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    @abstractmethod
    async def write_error(self) -> str | None:
        """None when a write could start now, else why not (for /healthz)."""

    async def listen(
        self,
        channel: str,
        notified: Callable[[str], None],
        *,
        connected: Callable[[], None],
    ) -> Subscription:
        """Call `notified(payload)` for each notification the database sends on `channel`,
        from any writer of it, until the returned subscription is closed; `connected()` each
        time listening (re)starts, since notifications sent while it was down are lost.

        This default hears nothing: SQLite has no notifications, and needs none while one
        process is its only writer. PostgreSQL's `LISTEN` is `bot.postgres`'s.
        """
        return Subscription()

    async def hold_lock(self, name: str, key: int, seconds: float) -> None:
        """Wait until no other process of the bot holds the lock `(name, key)`, then hold it
        for `seconds` (in the background) and return: to space out, across every process on
        the database, what Discord allows once per window (a shard bucket's IDENTIFY).

        This default returns at once: on SQLite the bot is one process, which paces itself.
        """
        return

    @abstractmethod
    async def close(self) -> None: ...


NEWER = "it was written by a newer version. Run that version, or restore a backup."


def refuse_newer(where: str, tracks: Sequence[Track], versions: Mapping[str, int]) -> None:
    """Raises `DatabaseFileError` when the database at `where` has a track (`versions`)
    further on than `tracks`, or one they don't have at all: a newer bot wrote it."""
    latest = {track.name: track.latest for track in tracks}
    for name, version in sorted(versions.items()):
        if name not in latest:
            raise DatabaseFileError(
                f"{where} has tables of {name} (schema version {version}), which this bot "
                f"does not have: {NEWER}"
            )
        if version > latest[name]:
            raise DatabaseFileError(
                f"{where} has schema version {version} of {name}, but this bot knows only up "
                f"to {latest[name]}: {NEWER}"
            )


def is_postgres_url(target: str | Path) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


async def open_database(
    target: str | Path,
    tracks: Sequence[Track] | None = None,
    *,
    busy_timeout: float = 5.0,
) -> Database:
    """Open, check and migrate the database `target` names: a `postgresql://` URL or an
    SQLite file's path. Raises `DatabaseError` (`DatabaseFileError`) when it can't be used."""
    if is_postgres_url(target):
        from bot.postgres import PostgresDatabase

        return await PostgresDatabase.open(str(target), tracks, busy_timeout=busy_timeout)
    from bot.sqlite import SqliteDatabase

    return await SqliteDatabase.open(target, tracks, busy_timeout=busy_timeout)


def lock_key(name: str, key: int) -> int:
    """`(name, key)` as one signed 64-bit number, what PostgreSQL's advisory locks take."""
    digest = hashlib.blake2b(f"{name}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def is_unique_violation(error: BaseException) -> bool:
    """Whether `error` is a unique index refusing a second row (on either backend)."""
    if isinstance(error, sqlite3.IntegrityError):
        return getattr(error, "sqlite_errorname", "") in (
            "SQLITE_CONSTRAINT_UNIQUE",
            "SQLITE_CONSTRAINT_PRIMARYKEY",
        )
    return getattr(error, "sqlstate", None) == "23505"


def redacted(url: str) -> str:
    """`url` without its password, for logs and messages."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def is_busy(error: BaseException) -> bool:
    """Whether `error` is the database giving up on a lock another connection held too long,
    or having no connection free: nothing was changed, and trying again shortly helps."""
    if isinstance(error, sqlite3.OperationalError):
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
        return "database is locked" in str(error)
    # asyncpg's lock_not_available, deadlock_detected, serialization_failure,
    # too_many_connections and query_canceled (a statement timeout), by SQLSTATE.
    return getattr(error, "sqlstate", None) in _POSTGRES_BUSY


_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_POSTGRES_BUSY = frozenset({"55P03", "40P01", "40001", "53300", "57014"})
