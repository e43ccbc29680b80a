"""A server's countdown events in SQLite, the migration that adds dates and kinds, and the
shipped events' file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.content import ContentError
from bot.schema_tracks import discover_tracks
from bot.sqlite import SqliteDatabase
from cogs.countdown.maths import parse_event_date
from cogs.countdown.store import (
    CountdownStore,
    EventNameTaken,
    TooManyEvents,
    load_builtin_events,
)

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


async def test_a_date_only_event_keeps_its_zone_and_kind(db):
    store = CountdownStore(db)
    at = parse_event_date("2027-03-14", NEW_YORK)
    await store.add(1, "Pi day", at, True, None, 9, NOW, kind="other", date_only=True)
    await store.add(1, "Show", parse_event_date("2027-03-14 20:00", NEW_YORK), False, None, 9, NOW)
    pi, show = sorted(await store.events(1), key=lambda e: e.name)
    assert (pi.date_only, pi.kind, str(pi.at.tzinfo)) == (True, "other", "America/New_York")
    assert pi.at.date().isoformat() == "2027-03-14"
    assert not show.date_only
    assert show.at.hour == 20


async def test_a_name_the_server_has_in_any_case_is_a_named_error(db):
    store = CountdownStore(db)
    at = parse_event_date("2027-03-14", NEW_YORK)
    first = await store.add(1, "Pi day", at, False, None, 9, NOW)
    with pytest.raises(EventNameTaken) as taken:
        await store.add(1, "PI DAY", at, False, None, 9, NOW)
    assert taken.value.name == "PI DAY"
    # Another server may use the name; the failed add left nothing behind.
    assert await store.add(2, "Pi day", at, False, None, 9, NOW) > first
    assert [event.name for event in await store.events(1)] == ["Pi day"]


async def test_other_integrity_errors_are_not_taken_for_a_taken_name(db):
    store = CountdownStore(db)
    at = parse_event_date("2027-03-14", NEW_YORK)
    with pytest.raises(db.integrity_errors):
        await store.add(1, "Pi day", at, True, None, 9, NOW, kind="festival")


async def test_the_limit_is_counted_where_the_event_is_inserted(db):
    store = CountdownStore(db)
    at = parse_event_date("2027-03-14", NEW_YORK)
    results = await asyncio.gather(
        *(store.add(1, f"Day {n}", at, False, None, 9, NOW, limit=5) for n in range(12)),
        return_exceptions=True,
    )
    assert sum(isinstance(result, int) for result in results) == 5
    assert all(isinstance(result, int | TooManyEvents) for result in results)
    assert len(await store.events(1)) == 5
    assert await store.add(2, "Day 0", at, False, None, 9, NOW, limit=5)


async def test_the_migration_turns_older_midnight_events_into_dates(tmp_path):
    track = next(track for track in discover_tracks() if track.name == "countdown")
    ours = next(m.version for m in track.migrations if m.name.endswith("_kinds_and_dates"))
    path = tmp_path / "old.sqlite3"
    old = await SqliteDatabase.open(path, [track.until(ours - 1)])
    for name, starts_at in (
        ("Date", "2027-03-01T00:00:00+09:00"),
        ("Time", "2027-03-01T20:00:00+09:00"),
    ):
        await old.execute(
            "INSERT INTO countdown_events (guild_id, name, starts_at, yearly, created_by, "
            "created_at) VALUES (1, ?, ?, 1, 9, '2026-01-01T00:00:00+00:00')",
            (name, starts_at),
        )
    await old.close()
    db = await SqliteDatabase.open(path)
    try:
        events = {e.name: e for e in await CountdownStore(db).events(1)}
    finally:
        await db.close()
    assert events["Date"].date_only
    assert not events["Time"].date_only
    assert events["Date"].kind == "other"  # not said: no kind is guessed
    assert events["Date"].at.isoformat() == "2027-03-01T00:00:00+09:00"


def test_shipped_yearly_events_say_their_kind_and_dates_are_dates():
    events = {event.key: event for event in load_builtin_events()}
    assert events["iu-birthday"].kind == "birthday"
    assert events["iu-debut-anniversary"].kind == "debut"
    assert events["release-anniversary"].kind == "anniversary"
    assert all(
        event.kind in {"birthday", "anniversary", "debut"}
        for event in events.values()
        if event.yearly
    )
    assert events["v-enlistment"].date_only
    assert not events["song-release"].date_only
    assert "discharge" in events["v-discharge"].aliases


def test_a_yearly_event_without_a_kind_is_refused(tmp_path):
    path = tmp_path / "events.toml"
    path.write_text(
        '[[events]]\nkey = "k"\nname = "N"\nat = "2024-01-01"\nyearly = true\n'
        'fact = "F"\nsource = "https://example.org"\n\n'
        '[[events]]\nkey = "j"\nname = "M"\nat = "2024-01-01"\nkind = "birthdy"\n'
        'fact = "F"\nsource = "https://example.org"\n',
        "utf-8",
    )
    with pytest.raises(ContentError) as refused:
        load_builtin_events(path)
    text = str(refused.value)
    assert "entry 1, field kind: a yearly event needs one" in text
    assert "entry 2, field kind: must be one of" in text
