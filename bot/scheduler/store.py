"""Every SQL statement on `announcements`: the scheduler's only way to its table.

Instants are written with `clock.to_db` and read with `clock.from_db`, the one stored form
of the whole database. Statements that belong to a larger transaction (a claim, a new
announcement, a zone change) take the caller's `Transaction`; the others open their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, NamedTuple

from bot.clock import from_db, to_db
from bot.database import Database, Transaction
from bot.schedule_time import Repeat, format_hhmm, parse_hhmm
from bot.scheduler.records import Announcement, DueRun

# Rows read per query when loading, and ids per `IN (...)`, to keep memory and SQL small.
LOAD_PAGE = 10_000
_ID_CHUNK = 500

_COLUMNS = (
    "id, guild_id, channel_id, kind, time_local, weekday, repeat, zone, next_run_utc, "
    "created_by, created_at, pending_nonce, pending_due_utc, last_posted_at, "
    "last_message_id, last_error, last_error_at, active, last_lag_ms"
)


class TooManyAnnouncements(Exception):
    """The server already has as many unfinished announcements as its limit allows."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the server already has {limit} scheduled announcements")
        self.limit = limit


class ArmedRow(NamedTuple):
    """What loading keeps of a row: its next run and its unconfirmed claim, if any."""

    id: int
    guild_id: int
    channel_id: int
    kind: str
    next_run_utc: datetime | None
    pending_nonce: str | None
    pending_due_utc: datetime | None


@dataclass
class ClaimRow:
    """A row as a claim pass reads it. The pass updates `next_run_utc` and `pending_nonce`
    as it writes them, so an id the heap held twice is seen as the table now has it."""

    id: int
    guild_id: int
    channel_id: int
    kind: str
    # As stored: parsed per row by the pass, so one broken row can't stop the others.
    time_local: str
    weekday: int | None
    repeat: str
    zone: str
    next_run_utc: datetime | None
    pending_nonce: str | None
    active: bool


@dataclass(frozen=True)
class Timing:
    """What a zone change needs of a row to compute its next run anew."""

    id: int
    time_local: time
    weekday: int | None
    repeat: Repeat
    finished: bool  # no next run (a once-only one that ran): only its zone changes


class AnnouncementStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- /schedule ----------------------------------------------------------------------

    async def insert(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        channel_id: int,
        kind: str,
        time_local: time,
        weekday: int | None,
        repeat: Repeat,
        zone: str,
        first_run: datetime,
        created_by: int,
        created_at: datetime,
        limit: int | None,
    ) -> Announcement:
        """Insert a new announcement and return it as stored. Raises `TooManyAnnouncements`
        when the server already has `limit` unfinished ones (counted in `tx`, so concurrent
        adds can't pass it: on PostgreSQL another process's add waits for this one)."""
        if limit is not None:
            await tx.lock("announcements", guild_id)
            row = await tx.fetchone(
                "SELECT COUNT(*) FROM announcements WHERE guild_id = ? AND active = 1 "
                "AND (next_run_utc IS NOT NULL OR pending_due_utc IS NOT NULL)",
                (guild_id,),
            )
            if row is not None and row[0] >= limit:
                raise TooManyAnnouncements(limit)
        announcement_id = await tx.insert(
            "INSERT INTO announcements (guild_id, channel_id, kind, time_local, weekday, "
            "repeat, zone, next_run_utc, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                guild_id,
                channel_id,
                kind,
                format_hhmm(time_local),
                weekday,
                repeat.value,
                zone,
                to_db(first_run),
                created_by,
                to_db(created_at),
            ),
        )
        return Announcement(
            id=announcement_id,
            guild_id=guild_id,
            channel_id=channel_id,
            kind=kind,
            time_local=time_local.replace(second=0, microsecond=0, tzinfo=None),
            repeat=repeat,
            weekday=weekday,
            zone=zone,
            next_run_utc=first_run,
            created_by=created_by,
            created_at=created_at,
            pending_due_utc=None,
            last_posted_at=None,
            last_message_id=None,
            last_error=None,
            last_error_at=None,
            last_lag_ms=None,
        )

    async def of_guild(self, guild_id: int) -> list[Announcement]:
        """The server's announcements (not removed ones), soonest first, finished ones last."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM announcements WHERE guild_id = ? AND active = 1 "
            "ORDER BY next_run_utc IS NULL, next_run_utc, id",
            (guild_id,),
        )
        return [_announcement(row) for row in rows]

    async def get(self, guild_id: int, announcement_id: int) -> Announcement | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM announcements WHERE id = ? AND guild_id = ? AND active = 1",
            (announcement_id, guild_id),
        )
        return _announcement(row) if row else None

    async def remove(self, guild_id: int, announcement_id: int) -> bool:
        """Mark it removed; False if the server has no such announcement."""
        # The claim is cleared too, so a restart does not re-send a removed announcement.
        changed = await self._db.execute(
            "UPDATE announcements SET active = 0, next_run_utc = NULL, pending_nonce = NULL, "
            "pending_due_utc = NULL WHERE id = ? AND guild_id = ? AND active = 1",
            (announcement_id, guild_id),
        )
        return changed > 0

    async def timings(self, tx: Transaction, guild_id: int) -> list[Timing]:
        """The server's announcements (not removed ones), for a zone change."""
        rows = await tx.fetchall(
            "SELECT id, time_local, weekday, repeat, next_run_utc FROM announcements "
            "WHERE guild_id = ? AND active = 1",
            (guild_id,),
        )
        return [
            Timing(
                row["id"],
                parse_hhmm(row["time_local"]),
                row["weekday"],
                Repeat(row["repeat"]),
                row["next_run_utc"] is None,
            )
            for row in rows
        ]

    async def move_to_zone(
        self, tx: Transaction, announcement_id: int, zone: str, next_run: datetime | None
    ) -> None:
        """Store the row's new zone, and its next run in it (None: leave it finished)."""
        if next_run is None:
            await tx.execute(
                "UPDATE announcements SET zone = ? WHERE id = ?", (zone, announcement_id)
            )
        else:
            await tx.execute(
                "UPDATE announcements SET zone = ?, next_run_utc = ? WHERE id = ?",
                (zone, to_db(next_run), announcement_id),
            )

    async def forget_guild(self, tx: Transaction, guild_id: int) -> int:
        """Delete every row of the server, removed ones too; returns how many."""
        return await tx.execute("DELETE FROM announcements WHERE guild_id = ?", (guild_id,))

    # --- Loading ------------------------------------------------------------------------

    async def armed_page(self, after_id: int) -> list[ArmedRow]:
        """Up to `LOAD_PAGE` rows with an id above `after_id` that have a next run or an
        unconfirmed claim, by id (keyset paging: the table is never held whole)."""
        rows = await self._db.fetchall(
            "SELECT id, guild_id, channel_id, kind, next_run_utc, pending_nonce, "
            "pending_due_utc FROM announcements WHERE id > ? AND active = 1 "
            "AND (next_run_utc IS NOT NULL OR pending_nonce IS NOT NULL) ORDER BY id LIMIT ?",
            (after_id, LOAD_PAGE),
        )
        return [
            ArmedRow(
                announcement_id,
                guild_id,
                channel_id,
                kind,
                _instant(next_run),
                nonce,
                _instant(pending_due),
            )
            for announcement_id, guild_id, channel_id, kind, next_run, nonce, pending_due in rows
        ]

    # --- A claim pass (all in the caller's transaction) ---------------------------------

    async def rows_to_claim(self, tx: Transaction, ids: Iterable[int]) -> dict[int, ClaimRow]:
        wanted = sorted(ids)
        rows: dict[int, ClaimRow] = {}
        for start in range(0, len(wanted), _ID_CHUNK):
            chunk = wanted[start : start + _ID_CHUNK]
            marks = ", ".join("?" * len(chunk))
            for row in await tx.fetchall(
                "SELECT id, guild_id, channel_id, kind, time_local, weekday, repeat, zone, "
                f"next_run_utc, pending_nonce, active FROM announcements WHERE id IN ({marks})",
                chunk,
            ):
                rows[row["id"]] = ClaimRow(
                    id=row["id"],
                    guild_id=row["guild_id"],
                    channel_id=row["channel_id"],
                    kind=row["kind"],
                    time_local=row["time_local"],
                    weekday=row["weekday"],
                    repeat=row["repeat"],
                    zone=row["zone"],
                    next_run_utc=_instant(row["next_run_utc"]),
                    pending_nonce=row["pending_nonce"],
                    active=bool(row["active"]),
                )
        return rows

    async def claim(self, tx: Transaction, run: DueRun, following: datetime | None) -> None:
        """Step 1: the run is claimed with its nonce; the row's next run moves on."""
        await tx.execute(
            "UPDATE announcements SET pending_nonce = ?, pending_due_utc = ?, next_run_utc = ? "
            "WHERE id = ?",
            (run.nonce, to_db(run.due_utc), _text(following), run.announcement_id),
        )

    async def skip(
        self,
        tx: Transaction,
        announcement_id: int,
        following: datetime | None,
        reason: str,
        now: datetime,
    ) -> None:
        """A due run that is not sent: the next run moves on and `reason` is recorded."""
        await tx.execute(
            "UPDATE announcements SET next_run_utc = ?, last_error = ?, last_error_at = ? "
            "WHERE id = ?",
            (_text(following), reason, to_db(now), announcement_id),
        )

    async def drop_claim(
        self, tx: Transaction, announcement_id: int, error: str, now: datetime
    ) -> None:
        """An unconfirmed claim found too late to send again: cleared, `error` recorded."""
        await tx.execute(
            "UPDATE announcements SET pending_nonce = NULL, pending_due_utc = NULL, "
            "last_error = ?, last_error_at = ? WHERE id = ?",
            (error, to_db(now), announcement_id),
        )

    # --- After sending (each in a transaction of its own) -------------------------------

    async def still_claimed(self, run: DueRun) -> bool:
        """Whether the run's claim is still in the table (not removed meanwhile)."""
        row = await self._db.fetchone(
            "SELECT 1 FROM announcements WHERE id = ? AND pending_nonce = ?",
            (run.announcement_id, run.nonce),
        )
        return row is not None

    async def confirm(
        self, run: DueRun, message_id: int | None, now: datetime, lag_ms: int | None = None
    ) -> None:
        """Step 3: the claim is cleared; with a `message_id`, the post is recorded, and with
        `lag_ms` how long after its due time it reached Discord."""
        if message_id is None:
            sql = (
                "UPDATE announcements SET pending_nonce = NULL, pending_due_utc = NULL "
                "WHERE id = ? AND pending_nonce = ?"
            )
            params: Sequence[Any] = (run.announcement_id, run.nonce)
        else:
            sql = (
                "UPDATE announcements SET pending_nonce = NULL, pending_due_utc = NULL, "
                "last_posted_at = ?, last_message_id = ?, last_error = NULL, "
                "last_error_at = NULL, last_lag_ms = ? WHERE id = ? AND pending_nonce = ?"
            )
            params = (to_db(now), message_id, lag_ms, run.announcement_id, run.nonce)
        async with self._db.transaction() as tx:
            await tx.execute(sql, params)

    async def give_up(self, run: DueRun, error: str, now: datetime) -> None:
        """The claim is cleared and `error` recorded, for `/schedule list` to show."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE announcements SET pending_nonce = NULL, pending_due_utc = NULL, "
                "last_error = ?, last_error_at = ? WHERE id = ? AND pending_nonce = ?",
                (error, to_db(now), run.announcement_id, run.nonce),
            )

    async def mark_unclaimable(
        self, tx: Transaction, announcement_id: int, error: str, now: datetime
    ) -> None:
        """A row whose next run can't be computed (an unknown zone, say): it stops."""
        await tx.execute(
            "UPDATE announcements SET next_run_utc = NULL, last_error = ?, last_error_at = ? "
            "WHERE id = ?",
            (error, to_db(now), announcement_id),
        )


def _announcement(row: Any) -> Announcement:
    return Announcement(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        kind=row["kind"],
        time_local=parse_hhmm(row["time_local"]),
        repeat=Repeat(row["repeat"]),
        weekday=row["weekday"],
        zone=row["zone"],
        next_run_utc=_instant(row["next_run_utc"]),
        created_by=row["created_by"],
        created_at=from_db(row["created_at"]),
        pending_due_utc=_instant(row["pending_due_utc"]),
        last_posted_at=_instant(row["last_posted_at"]),
        last_message_id=row["last_message_id"],
        last_error=row["last_error"],
        last_error_at=_instant(row["last_error_at"]),
        last_lag_ms=row["last_lag_ms"],
    )


def _instant(text: str | None) -> datetime | None:
    return from_db(text) if text is not None else None


def _text(when: datetime | None) -> str | None:
    return to_db(when) if when is not None else None
