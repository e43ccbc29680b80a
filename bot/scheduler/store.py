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
from bot.database import Database, Row, Transaction
from bot.schedule_time import Repeat, format_hhmm, parse_hhmm
from bot.scheduler.records import Announcement, DueRun

# Rows read per query when arming a window, and ids per `IN (...)`, to keep memory and SQL small.
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


class WindowRow(NamedTuple):
    """A run of the window being armed: its row and its next run as stored (`to_db`)."""

    id: int
    guild_id: int
    next_run_utc: str


class GuildRun(NamedTuple):
    """A row of a server whose schedule changed elsewhere, as its re-read sees it."""

    id: int
    guild_id: int
    active: bool
    next_run_utc: datetime | None


class ArmedRow(NamedTuple):
    """An unconfirmed claim as loading reads it (with the row's next run, if any)."""

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
    # Whose the unconfirmed claim is, and until when (see `AnnouncementStore.claim`).
    claimed_by: str | None = None
    claim_expires_utc: datetime | None = None
    # `next_run_utc` as the table holds it, which the pass's conditional writes compare with.
    stored_next_run: str | None = None

    def move_to(self, next_run: datetime | None) -> None:
        """The pass wrote (or found) `next_run` as the row's next run."""
        self.next_run_utc = next_run
        self.stored_next_run = _text(next_run)


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

    async def window_page(
        self, start: str, end: str, after: tuple[str, int] | None = None
    ) -> list[WindowRow]:
        """Up to `LOAD_PAGE` rows with a next run after `start` and at or before `end`
        (`to_db` texts; `""` for no lower bound), ordered by (next run, id), from just past
        `after` (the last row of the page before): keyset paging on the index
        `announcements_next_run`. The bounds compare as text, which `to_db`'s fixed-width
        UTC form sorts as time."""
        sql = (
            "SELECT id, guild_id, next_run_utc FROM announcements "
            "WHERE active = 1 AND next_run_utc > ? AND next_run_utc <= ? "
        )
        params: tuple[Any, ...] = (start, end)
        if after is not None:
            sql += "AND (next_run_utc > ? OR (next_run_utc = ? AND id > ?)) "
            params += (after[0], after[0], after[1])
        rows = await self._db.fetchall(
            sql + "ORDER BY next_run_utc, id LIMIT ?", (*params, LOAD_PAGE)
        )
        return [
            WindowRow(announcement_id, guild_id, run) for announcement_id, guild_id, run in rows
        ]

    async def runs_of_guilds(self, guild_ids: Iterable[int]) -> list[GuildRun]:
        """Every row of the servers `guild_ids`, removed ones too (their heap entries are
        dropped), with its next run: what a re-read after another writer's change arms. On
        the index `announcements_guild`; a server has few rows."""
        wanted = sorted(guild_ids)
        runs: list[GuildRun] = []
        for start in range(0, len(wanted), _ID_CHUNK):
            chunk = wanted[start : start + _ID_CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = await self._db.fetchall(
                "SELECT id, guild_id, active, next_run_utc FROM announcements "
                f"WHERE guild_id IN ({marks})",
                chunk,
            )
            runs.extend(
                GuildRun(announcement_id, guild_id, bool(active), _instant(next_run))
                for announcement_id, guild_id, active, next_run in rows
            )
        return runs

    async def unconfirmed_claims(self) -> list[ArmedRow]:
        """Every claimed but unconfirmed run (the restart recovery), whenever it was due."""
        rows = await self._db.fetchall(
            "SELECT id, guild_id, channel_id, kind, next_run_utc, pending_nonce, "
            "pending_due_utc FROM announcements WHERE pending_nonce IS NOT NULL AND active = 1 "
            "ORDER BY id",
        )
        return _armed_rows(rows)

    # --- A claim pass (all in the caller's transaction) ---------------------------------

    async def rows_to_claim(self, tx: Transaction, ids: Iterable[int]) -> dict[int, ClaimRow]:
        wanted = sorted(ids)
        rows: dict[int, ClaimRow] = {}
        for start in range(0, len(wanted), _ID_CHUNK):
            chunk = wanted[start : start + _ID_CHUNK]
            marks = ", ".join("?" * len(chunk))
            for row in await tx.fetchall(
                "SELECT id, guild_id, channel_id, kind, time_local, weekday, repeat, zone, "
                "next_run_utc, pending_nonce, active, claimed_by, claim_expires_utc "
                f"FROM announcements WHERE id IN ({marks})",
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
                    claimed_by=row["claimed_by"],
                    claim_expires_utc=_instant(row["claim_expires_utc"]),
                    stored_next_run=row["next_run_utc"],
                )
        return rows

    async def next_run(self, tx: Transaction, announcement_id: int) -> datetime | None:
        """The row's next run as committed now (after a conditional write found it moved)."""
        row = await tx.fetchone(
            "SELECT next_run_utc FROM announcements WHERE id = ? AND active = 1",
            (announcement_id,),
        )
        return _instant(row[0]) if row is not None else None

    async def claim(
        self,
        tx: Transaction,
        run: DueRun,
        *,
        expected: str,
        following: datetime | None,
        instance: str,
        lease_until: datetime,
    ) -> bool:
        """Step 1: the run is claimed with its nonce for `instance` until `lease_until`; the
        row's next run moves on. False (nothing written): the row's next run is no longer
        `expected` (`ClaimRow.stored_next_run` as the pass read it), or it has a claim:
        another process claimed or moved it first.

        The condition is what makes the claim exactly-once across processes: of two
        transactions that read the same row, the second's UPDATE finds the first's committed
        row (PostgreSQL re-checks the WHERE of a row another transaction changed, once that
        one commits; SQLite's BEGIN IMMEDIATE runs them one after the other) and changes
        nothing.
        """
        changed = await tx.execute(
            "UPDATE announcements SET pending_nonce = ?, pending_due_utc = ?, next_run_utc = ?, "
            "claimed_by = ?, claim_expires_utc = ? "
            "WHERE id = ? AND next_run_utc = ? AND pending_nonce IS NULL",
            (
                run.nonce,
                to_db(run.due_utc),
                _text(following),
                instance,
                to_db(lease_until),
                run.announcement_id,
                expected,
            ),
        )
        return changed > 0

    async def take_over(
        self, tx: Transaction, run: DueRun, instance: str, now: datetime, lease_until: datetime
    ) -> bool:
        """An unconfirmed claim becomes `instance`'s until `lease_until`, if it is still
        `run`'s and free: its lease ran out, it is `instance`'s own (made before a restart),
        or it has no holder (made before leases). False: another process holds it."""
        changed = await tx.execute(
            "UPDATE announcements SET claimed_by = ?, claim_expires_utc = ? "
            f"WHERE id = ? AND pending_nonce = ? AND {_CLAIM_FREE}",
            (instance, to_db(lease_until), run.announcement_id, run.nonce, instance, to_db(now)),
        )
        return changed > 0

    async def renew(self, instance: str, ids: Sequence[int], lease_until: datetime) -> None:
        """`instance`'s claims on `ids` (posts it is sending) are its until `lease_until`."""
        wanted = sorted(ids)
        async with self._db.transaction() as tx:
            for start in range(0, len(wanted), _ID_CHUNK):
                chunk = wanted[start : start + _ID_CHUNK]
                marks = ", ".join("?" * len(chunk))
                await tx.execute(
                    "UPDATE announcements SET claim_expires_utc = ? WHERE claimed_by = ? "
                    f"AND pending_nonce IS NOT NULL AND id IN ({marks})",
                    (to_db(lease_until), instance, *chunk),
                )

    async def expired_claims(self, now: datetime) -> list[ArmedRow]:
        """Unconfirmed claims whose lease has run out (their process died, or stopped
        renewing): anyone's to send again."""
        rows = await self._db.fetchall(
            "SELECT id, guild_id, channel_id, kind, next_run_utc, pending_nonce, "
            "pending_due_utc FROM announcements WHERE pending_nonce IS NOT NULL AND active = 1 "
            "AND (claim_expires_utc IS NULL OR claim_expires_utc <= ?)",
            (to_db(now),),
        )
        # No ORDER BY: with one, SQLite scans the whole table instead of the partial index.
        rows = sorted(rows, key=lambda row: int(row[0]))
        return _armed_rows(rows)

    async def skip(
        self,
        tx: Transaction,
        announcement_id: int,
        *,
        expected: str,
        following: datetime | None,
        reason: str,
        now: datetime,
    ) -> bool:
        """A due run that is not sent: the next run moves on and `reason` is recorded.
        False (nothing written): the next run is no longer `expected` (see `claim`)."""
        changed = await tx.execute(
            "UPDATE announcements SET next_run_utc = ?, last_error = ?, last_error_at = ? "
            "WHERE id = ? AND next_run_utc = ?",
            (_text(following), reason, to_db(now), announcement_id, expected),
        )
        return changed > 0

    async def drop_claim(
        self, tx: Transaction, run: DueRun, error: str, instance: str, now: datetime
    ) -> bool:
        """An unconfirmed claim found too late to send again: cleared, `error` recorded;
        only if it is still `run`'s and free for `instance` (see `take_over`)."""
        changed = await tx.execute(
            "UPDATE announcements SET pending_nonce = NULL, pending_due_utc = NULL, "
            "last_error = ?, last_error_at = ? "
            f"WHERE id = ? AND pending_nonce = ? AND {_CLAIM_FREE}",
            (error, to_db(now), run.announcement_id, run.nonce, instance, to_db(now)),
        )
        return changed > 0

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
        self, tx: Transaction, announcement_id: int, expected: str, error: str, now: datetime
    ) -> None:
        """A row whose next run can't be computed (an unknown zone, say): it stops, unless
        its next run is no longer `expected` (another process moved it meanwhile)."""
        await tx.execute(
            "UPDATE announcements SET next_run_utc = NULL, last_error = ?, last_error_at = ? "
            "WHERE id = ? AND next_run_utc = ?",
            (error, to_db(now), announcement_id, expected),
        )


# An unconfirmed claim another instance may take (parameters: the instance, now): no holder
# (made before leases), the instance's own (made before its restart), or its lease ran out.
_CLAIM_FREE = (
    "(claimed_by IS NULL OR claimed_by = ? OR claim_expires_utc IS NULL OR claim_expires_utc <= ?)"
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


def _armed_rows(rows: Iterable[Row]) -> list[ArmedRow]:
    """`ArmedRow`s of rows read as (id, guild_id, channel_id, kind, next_run_utc,
    pending_nonce, pending_due_utc)."""
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
