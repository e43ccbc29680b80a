"""What atomic settings changes cost against the full-row write they replaced.

    .venv/bin/python bench/bench_settings.py [--changes 2000] [--guilds 100]
                                             [--announcements 25] [--burst 50]

On a temporary database file (WAL, as the bot runs it):

- sequential: `--changes` settings changes one after another, spread over `--guilds`
  servers, each kind of `/config` change in turn: "before" is the old
  `GuildSettingsStore.update` (every column written from the cached row, copied below);
  "after" is today's (the row read in the transaction, only the changed columns written,
  `/config cog` as `set_cog_enabled`);
- burst: `--burst` changes of different settings of one server started at once, as six
  moderators clicking together would: the time until all are stored, and how many of them
  the table still shows afterwards (before: most are overwritten);
- time zone: a zone change in a server with `--announcements` announcements: before, the
  settings write and the re-arming in two transactions; after, in one.

Figures vary with the machine; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time as timer
from dataclasses import replace
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# Run as a script from anywhere: make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.client import installed_features
from bot.clock import FakeClock, to_db
from bot.database import Database
from bot.guild_settings import GuildSettings, GuildSettingsStore
from bot.schedule_time import Repeat
from bot.scheduler import OutgoingMessage, Scheduler
from bot.sqlite import SqliteDatabase

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
ZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Asia/Seoul")
FEATURES = installed_features()
COG_NAMES = FEATURES.switchable


class FullRowStore(GuildSettingsStore):
    """The update as it was before issue 8: every column from the cached row (and, since
    the trivia timeout became a feature setting, every feature setting too)."""

    async def update(self, guild_id: int, user_id: int, **changes: Any) -> GuildSettings:  # type: ignore[override]
        old = await self.get(guild_id)
        values = {name: changes.pop(name) for name in list(changes) if name in old.values}
        new = replace(old, **changes, values={**old.values, **values})
        now = to_db(self._clock.now())
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO guild_settings (guild_id, timezone, "
                "announce_channel_id, mod_role_id, disabled_cogs) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET timezone = excluded.timezone, "
                "announce_channel_id = excluded.announce_channel_id, "
                "mod_role_id = excluded.mod_role_id, disabled_cogs = excluded.disabled_cogs",
                (
                    guild_id,
                    new.timezone,
                    new.announce_channel_id,
                    new.mod_role_id,
                    ",".join(sorted(new.disabled_cogs)),
                ),
            )
            await tx.executemany(
                "INSERT INTO feature_settings (guild_id, name, value) VALUES (?, ?, ?) "
                "ON CONFLICT (guild_id, name) DO UPDATE SET value = excluded.value",
                [(guild_id, name, value) for name, value in new.values.items()],
            )
            for name in [*changes, *values]:
                before, after = _text(_field(old, name)), _text(_field(new, name))
                if before != after:
                    await tx.execute(
                        "INSERT INTO settings_changes (guild_id, user_id, setting, old_value, "
                        "new_value, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (guild_id, user_id, name, before, after, now),
                    )
        self._remember(new)
        return new

    async def set_cog_enabled(  # the old /config cog: the set from the cache
        self, guild_id: int, user_id: int, name: str, enabled: bool
    ) -> GuildSettings:
        current = await self.get(guild_id)
        disabled = current.disabled_cogs - {name} if enabled else current.disabled_cogs | {name}
        return await self.update(guild_id, user_id, disabled_cogs=disabled)


def _field(settings: GuildSettings, name: str) -> Any:
    return settings.values[name] if name in settings.values else getattr(settings, name)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, frozenset):
        return ",".join(sorted(value))
    return str(value)


def change(store: GuildSettingsStore, guild_id: int, n: int):
    """The n-th change of a server: each kind of /config command in turn, each a real change."""
    kind = n % 6
    if kind == 0:
        return store.update(guild_id, 1, trivia_timeout=5 + n % 100)
    if kind == 1:
        return store.update(guild_id, 1, timezone=ZONES[n % len(ZONES)])
    if kind == 2:
        return store.update(guild_id, 1, announce_channel_id=1000 + n)
    if kind == 3:
        return store.update(guild_id, 1, mod_role_id=2000 + n)
    name = COG_NAMES[n % len(COG_NAMES)]
    return store.set_cog_enabled(guild_id, 1, name, kind == 5)


async def fresh(folder: Path, label: str) -> Database:
    return await SqliteDatabase.open(folder / f"{label}.sqlite3")


async def sequential(folder: Path, label: str, cls: type, changes: int, guilds: int) -> list[float]:
    db = await fresh(folder, f"seq-{label}")
    store = cls(db, FakeClock(NOW), FEATURES)
    for guild in range(guilds):  # warm: every server has its row and cache entry
        await store.get(guild)
    took: list[float] = []
    for n in range(changes):
        start = timer.perf_counter()
        await change(store, n % guilds, n // guilds)
        took.append(timer.perf_counter() - start)
    await db.close()
    return took


async def burst(folder: Path, label: str, cls: type, size: int) -> tuple[float, int, int, int]:
    """All at once in one server; returns (seconds, changes recorded, changes that started
    from a value another change had already replaced, settings whose table value is not
    their last recorded change)."""
    db = await fresh(folder, f"burst-{label}")
    store = cls(db, FakeClock(NOW), FEATURES)
    await store.get(1)
    start = timer.perf_counter()
    await asyncio.gather(*(change(store, 1, n) for n in range(size)))
    took = timer.perf_counter() - start
    rows = await db.fetchall(
        "SELECT setting, old_value, new_value FROM settings_changes ORDER BY id"
    )
    defaults = GuildSettings(1, values={s.name: s.default for s in FEATURES.settings})
    last: dict[str, str | None] = {
        name: _text(_field(defaults, name))
        for name in ("timezone", "trivia_timeout", "announce_channel_id", "mod_role_id")
    }
    last["disabled_cogs"] = ""
    stale = 0
    for row in rows:
        stale += row["old_value"] != last[row["setting"]]
        last[row["setting"]] = row["new_value"]
    row = await db.fetchone(
        "SELECT timezone, value AS trivia_timeout, announce_channel_id, mod_role_id, "
        "disabled_cogs FROM guild_settings JOIN feature_settings USING (guild_id) "
        "WHERE guild_id = 1 AND name = 'trivia_timeout'"
    )
    table = {key: None if row[key] is None else str(row[key]) for key in last}
    lost = sum(table[key] != value for key, value in last.items())
    await db.close()
    return took, len(rows), stale, lost


async def render(run: object, language: str) -> OutgoingMessage:
    return OutgoingMessage(content="x")


class NoOpPoster:
    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        return 1

    async def find_posted(self, channel_id: int, marker: str, since: datetime) -> int | None:
        return None


async def zone_changes(folder: Path, label: str, announcements: int, rounds: int) -> list[float]:
    db = await fresh(folder, f"zone-{label}")
    clock = FakeClock(NOW)
    scheduler = Scheduler(db, clock, NoOpPoster())
    scheduler.register_kind("quote", render)
    for n in range(announcements):
        await scheduler.add(1, 5, "quote", time(n % 24, 0), Repeat.DAILY, ZoneInfo("Asia/Seoul"), 1)
    took: list[float] = []
    if label.startswith("before"):
        store: GuildSettingsStore = FullRowStore(db, clock, FEATURES)
        for n in range(rounds):
            zone = ZONES[n % len(ZONES)]
            start = timer.perf_counter()
            await store.update(1, 1, timezone=zone)
            await scheduler.reschedule_guild(1, ZoneInfo(zone))
            took.append(timer.perf_counter() - start)
    else:
        store = GuildSettingsStore(db, clock, FEATURES)
        for n in range(rounds):
            zone = ZONES[n % len(ZONES)]
            moved = []

            async def rearm(tx, settings, moved=moved) -> None:
                moved.append(await scheduler.reschedule_in(tx, 1, settings.zone))

            start = timer.perf_counter()
            await store.update(1, 1, timezone=zone, also=rearm)
            for item in moved:
                scheduler.arm_rescheduled(item)
            took.append(timer.perf_counter() - start)
    await db.close()
    return took


def describe(took: list[float]) -> str:
    ordered = sorted(took)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"mean {statistics.fmean(took) * 1e6:7.0f} µs  p50 {p50 * 1e6:7.0f} µs"
        f"  p99 {p99 * 1e6:7.0f} µs  ({len(took) / sum(took):6.0f} changes/s)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=2000)
    parser.add_argument("--guilds", type=int, default=100)
    parser.add_argument("--announcements", type=int, default=25)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="before/after pairs, alternated")
    args = parser.parse_args()
    stores = (("before", FullRowStore), ("after", GuildSettingsStore))
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        # Alternated rounds, so a busy moment of the machine doesn't fall on one side only.
        print(f"sequential: {args.changes} changes over {args.guilds} servers, per round")
        for round_number in range(args.rounds):
            for label, cls in stores:
                took = await sequential(
                    folder, f"{label}{round_number}", cls, args.changes, args.guilds
                )
                print(f"  {label:6}  {describe(took)}")
        print(f"burst: {args.burst} changes of one server at once")
        for label, cls in stores:
            seconds, recorded, stale, lost = await burst(folder, label, cls, args.burst)
            print(
                f"  {label:6}  all answered after {seconds * 1000:6.1f} ms; {recorded} changes "
                f"recorded, {stale} of them from a stale old value; settings whose table "
                f"value is not their last recorded change: {lost} of 5"
            )
        print(f"time zone change with {args.announcements} announcements, 200 changes per round")
        for round_number in range(args.rounds):
            for label, _cls in stores:
                took = await zone_changes(folder, f"{label}{round_number}", args.announcements, 200)
                print(f"  {label:6}  {describe(took)}")


if __name__ == "__main__":
    asyncio.run(main())
