"""A server's own countdown events (table `countdown_events`), and the shipped ones in data/."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import from_db, to_db
from bot.content import DATA_DIR, ContentError, Field, Problem, is_url, load_file, validate_records
from bot.database import Database, Transaction, is_unique_violation
from cogs.countdown.maths import KST, YEARLY_KINDS, CountdownEvent

ALIAS_MAX = 40


def _kind_check(value: object) -> str | None:
    return None if value in YEARLY_KINDS else f"must be one of {', '.join(YEARLY_KINDS)}"


def _aliases_check(value: object) -> str | None:
    if isinstance(value, list) and all(
        isinstance(alias, str) and 0 < len(alias.strip()) <= ALIAS_MAX for alias in value
    ):
        return None
    return f"must be a list of words, each at most {ALIAS_MAX} characters"


EVENT_FIELDS = [
    Field("key", max_length=60),
    Field("name", max_length=100),
    Field("name_ko", max_length=100),
    Field("at", max_length=40),
    Field("yearly", required=False, kind=bool),
    Field("kind", required=False, max_length=30, check=_kind_check),
    Field("aliases", required=False, kind=list, check=_aliases_check),
    Field("fact", max_length=600),
    Field("fact_ko", max_length=600),
    Field("source", max_length=500, check=is_url),
]


def parse_instant(text: str) -> tuple[datetime, bool]:
    """`YYYY-MM-DD` (a date, in Asia/Seoul) or an ISO date-time with its offset; the bool
    says whether it is date-only."""
    when = datetime.fromisoformat(text)
    date_only = "T" not in text and " " not in text.strip()
    return (when if when.tzinfo else when.replace(tzinfo=KST)), date_only


def load_builtin_events(path: Path = DATA_DIR / "events.toml") -> list[CountdownEvent]:
    records, problems = validate_records(load_file(path), "events", EVENT_FIELDS)
    events = []
    for number, record in enumerate(records, start=1):
        try:
            at, date_only = parse_instant(record.get("at", ""))
        except ValueError:
            problems.append(
                Problem(f"entry {number}, field at", "use YYYY-MM-DD or 2024-01-24T18:00:00+09:00")
            )
            continue
        yearly = record.get("yearly", False)
        if yearly and "kind" not in record:
            problems.append(Problem(f"entry {number}, field kind", "a yearly event needs one"))
        if not yearly and "kind" in record:
            problems.append(Problem(f"entry {number}, field kind", "only for yearly events"))
        if "key" in record and "name" in record:
            events.append(
                CountdownEvent(
                    key=record["key"],
                    name=record["name"],
                    name_ko=record.get("name_ko"),
                    at=at,
                    yearly=yearly,
                    fact=record.get("fact"),
                    fact_ko=record.get("fact_ko"),
                    source=record.get("source"),
                    kind=record.get("kind", "other"),
                    date_only=date_only,
                    aliases=tuple(alias.strip() for alias in record.get("aliases", [])),
                )
            )
    if len({event.key for event in events}) != len(events):
        problems.append(Problem("file", "two events share a key"))
    if problems:
        raise ContentError(str(path), problems)
    return events


def _stored_start(starts_at: str, zone: str | None) -> datetime:
    """The stored start in the zone it was given in (its offset alone, for older rows)."""
    at = from_db(starts_at)
    if zone:
        try:
            return at.astimezone(ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            return at
    return at


class TooManyEvents(Exception):
    """The server already has as many events of its own as its limit allows."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the server already has {limit} events")
        self.limit = limit


class EventNameTaken(Exception):
    """The server already has an event of that name (names are compared ignoring case)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"an event called {name!r} exists already")
        self.name = name


class CountdownStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def events(self, guild_id: int) -> list[CountdownEvent]:
        rows = await self._db.fetchall(
            "SELECT id, name, starts_at, yearly, description, kind, date_only, zone "
            "FROM countdown_events "
            "WHERE guild_id = ? ORDER BY starts_at",
            (guild_id,),
        )
        return [
            CountdownEvent(
                key=f"g:{row['id']}",
                name=row["name"],
                at=_stored_start(row["starts_at"], row["zone"]),
                yearly=bool(row["yearly"]),
                fact=row["description"],
                kind=row["kind"] or "other",
                date_only=bool(row["date_only"]),
            )
            for row in rows
        ]

    async def add(
        self,
        guild_id: int,
        name: str,
        at: datetime,
        yearly: bool,
        description: str | None,
        created_by: int,
        now: datetime,
        *,
        kind: str | None = None,
        date_only: bool = False,
        limit: int | None = None,
    ) -> int:
        """Store a server event; returns its id.

        `at` of a date-only event is 00:00 of its date in the server's zone: that zone is the
        event's own from then on, so its date doesn't move when the server changes zone.
        Raises `TooManyEvents` when the server already has `limit` events, and
        `EventNameTaken` when it has one by that name (in any case). Both are decided in the
        inserting transaction, so concurrent adds can't pass the limit or share a name.
        """
        try:
            async with self._db.transaction() as tx:
                if limit is not None:
                    # Another process's add waits here, so two can't both pass the limit.
                    await tx.lock("countdown_events", guild_id)
                    row = await tx.fetchone(
                        "SELECT COUNT(*) FROM countdown_events WHERE guild_id = ?", (guild_id,)
                    )
                    if row is not None and row[0] >= limit:
                        raise TooManyEvents(limit)
                # Keep the wall-clock offset so a yearly event recurs at the same local time.
                return await tx.insert(
                    "INSERT INTO countdown_events (guild_id, name, starts_at, yearly, "
                    "description, created_by, created_at, kind, date_only, zone) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (
                        guild_id,
                        name,
                        at.isoformat(),
                        int(yearly),
                        description,
                        created_by,
                        to_db(now),
                        kind,
                        int(date_only),
                        str(at.tzinfo),
                    ),
                )
        except self._db.integrity_errors as error:
            # The unique index on (guild_id, name COLLATE NOCASE) is the one judge of "taken".
            if is_unique_violation(error):
                raise EventNameTaken(name) from error
            raise

    async def remove(self, guild_id: int, name: str) -> bool:
        removed = await self._db.execute(
            "DELETE FROM countdown_events WHERE guild_id = ? AND name = ? COLLATE NOCASE",
            (guild_id, name),
        )
        return removed > 0


async def forget_countdown_guild(tx: Transaction, guild_id: int) -> int:
    """Erase the server's own events (a `bot.member_data` guild eraser)."""
    return await tx.execute("DELETE FROM countdown_events WHERE guild_id = ?", (guild_id,))
