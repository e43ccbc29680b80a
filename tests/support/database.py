"""Databases as an earlier version of the bot left them, and faults planted in one."""

from __future__ import annotations

from bot.database import Database
from bot.schema_tracks import CORE, Track, discover_tracks


def tracks_before(migration: str) -> list[Track]:
    """Every shipped track, the core's cut just before its migration named `NNNN_<migration>`:
    what a database that this migration has yet to upgrade holds."""
    tracks = discover_tracks()
    [core] = [track for track in tracks if track.name == CORE]
    [ours] = [m for m in core.migrations if m.name.endswith(f"_{migration}")]
    return [track.until(ours.version - 1) if track is core else track for track in tracks]


async def fail_inserts(db: Database, table: str, message: str) -> None:
    """Make every INSERT into `table` fail with `message` (a trigger), on either backend: a
    fault the store's own checks can't see coming, like a full disk."""
    if db.dialect == "sqlite":
        await db.execute(
            f"CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} BEGIN "
            f"SELECT RAISE(ABORT, '{message}'); END"
        )
        return
    await db.execute(
        f"CREATE FUNCTION fail_{table}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
    )
    await db.execute(
        f"CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION fail_{table}()"
    )
