"""A server's own countdown events (table `countdown_events`), and the shipped ones in data/."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.clock import from_db, to_db
from bot.content import DATA_DIR, ContentError, Field, Problem, is_url, load_file, validate_records
from bot.database import Database, Transaction
from cogs.countdown.maths import KST, CountdownEvent

EVENT_FIELDS = [
    Field("key", max_length=60),
    Field("name", max_length=100),
    Field("at", max_length=40),
    Field("yearly", required=False, kind=bool),
    Field("occasion", required=False, max_length=30),
    Field("fact", max_length=600),
    Field("source", max_length=500, check=is_url),
]


def parse_instant(text: str) -> datetime:
    """`YYYY-MM-DD` (00:00 KST) or an ISO date-time with its offset."""
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=KST)


def load_builtin_events(path: Path = DATA_DIR / "events.toml") -> list[CountdownEvent]:
    records, problems = validate_records(load_file(path), "events", EVENT_FIELDS)
    events = []
    for number, record in enumerate(records, start=1):
        try:
            at = parse_instant(record.get("at", ""))
        except ValueError:
            problems.append(
                Problem(f"entry {number}, field at", "use YYYY-MM-DD or 2024-01-24T18:00:00+09:00")
            )
            continue
        if "key" in record and "name" in record:
            events.append(
                CountdownEvent(
                    key=record["key"],
                    name=record["name"],
                    at=at,
                    yearly=record.get("yearly", False),
                    fact=record.get("fact"),
                    source=record.get("source"),
                    occasion=record.get("occasion", "anniversary"),
                )
            )
    if len({event.key for event in events}) != len(events):
        problems.append(Problem("file", "two events share a key"))
    if problems:
        raise ContentError(str(path), problems)
    return events


class CountdownStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def events(self, guild_id: int) -> list[CountdownEvent]:
        rows = await self._db.fetchall(
            "SELECT id, name, starts_at, yearly, description FROM countdown_events "
            "WHERE guild_id = ? ORDER BY starts_at",
            (guild_id,),
        )
        return [
            CountdownEvent(
                key=f"g:{row['id']}",
                name=row["name"],
                at=from_db(row["starts_at"]),
                yearly=bool(row["yearly"]),
                fact=row["description"],
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
    ) -> bool:
        """Store a server event; False when the server already has one by that name."""
        existing = await self._db.fetchone(
            "SELECT 1 FROM countdown_events WHERE guild_id = ? AND name = ? COLLATE NOCASE",
            (guild_id, name),
        )
        if existing:
            return False
        # Keep the wall-clock offset so a yearly event recurs at the same local time.
        await self._db.insert(
            "INSERT INTO countdown_events (guild_id, name, starts_at, yearly, description, "
            "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (guild_id, name, at.isoformat(), int(yearly), description, created_by, to_db(now)),
        )
        return True

    async def remove(self, guild_id: int, name: str) -> bool:
        removed = await self._db.execute(
            "DELETE FROM countdown_events WHERE guild_id = ? AND name = ? COLLATE NOCASE",
            (guild_id, name),
        )
        return removed > 0


async def forget_countdown_guild(tx: Transaction, guild_id: int) -> int:
    """Erase the server's own events (a `bot.member_data` guild eraser)."""
    return await tx.execute("DELETE FROM countdown_events WHERE guild_id = ?", (guild_id,))
