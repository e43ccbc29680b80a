"""One stored form for instants: a database written by earlier versions in their forms reads
back the same instants after migrating, and its text sorts and compares as time does."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.client import installed_features
from bot.clock import FakeClock, from_db, to_db
from bot.guild_settings import GuildSettingsStore
from bot.schedule_time import Repeat
from bot.scheduler import Scheduler
from bot.sqlite import SqliteDatabase
from tests.support.database import tracks_before
from tests.support.scheduler import NoPoster, nothing_to_post

GUILD = 100
DUE = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)
CREATED = datetime(2024, 4, 30, 12, 34, 56, 789012, tzinfo=UTC)
# Each datetime column of the tables whose rows an earlier version wrote in another form.
INSTANT_COLUMNS = {
    "announcements": (
        "next_run_utc",
        "created_at",
        "pending_due_utc",
        "last_posted_at",
        "last_error_at",
    ),
    "settings_changes": ("changed_at",),
}


def old_scheduler_form(when: datetime) -> str:
    """How bot/scheduler.py wrote instants before (its `_iso`): whole seconds."""
    return when.astimezone(UTC).replace(microsecond=0).isoformat()


def old_settings_form(when: datetime) -> str:
    """How bot/guild_settings.py wrote `changed_at` before: microseconds only when not 0."""
    return when.isoformat()


async def write_old_rows(path: Path) -> None:
    db = await SqliteDatabase.open(path, tracks_before("one_datetime_format"))
    await db.executemany(
        "INSERT INTO announcements (guild_id, channel_id, kind, time_local, repeat, zone, "
        "next_run_utc, created_by, created_at, pending_nonce, pending_due_utc, "
        "last_posted_at, last_message_id, last_error, last_error_at) "
        "VALUES (?, 1, 'quote', '09:00', 'daily', 'Asia/Seoul', ?, 42, ?, ?, ?, ?, ?, ?, ?)",
        [
            # A row that ran yesterday and failed once before.
            (
                GUILD,
                old_scheduler_form(DUE),
                old_scheduler_form(CREATED),
                None,
                None,
                old_scheduler_form(DUE - timedelta(days=1)),
                7,
                "the bot may not post in <#1>",
                old_scheduler_form(DUE - timedelta(days=2, seconds=-0.5)),
            ),
            # A claim a crash left unconfirmed.
            (
                GUILD,
                old_scheduler_form(DUE + timedelta(days=1)),
                old_scheduler_form(CREATED),
                "a1.xyz",
                old_scheduler_form(DUE),
                None,
                None,
                None,
                None,
            ),
        ],
    )
    await db.executemany(
        "INSERT INTO settings_changes (guild_id, user_id, setting, old_value, new_value, "
        "changed_at) VALUES (?, 42, ?, NULL, ?, ?)",
        [
            (GUILD, "timezone", "UTC", old_settings_form(CREATED.replace(microsecond=0))),
            (GUILD, "trivia_timeout", "30", old_settings_form(CREATED)),
        ],
    )
    await db.close()


async def test_instants_written_in_the_old_forms_read_back_the_same_after_migrating(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    await write_old_rows(path)
    db = await SqliteDatabase.open(path)
    try:
        for table, columns in INSTANT_COLUMNS.items():
            for row in await db.fetchall(f"SELECT {', '.join(columns)} FROM {table}"):
                for column in columns:
                    if row[column] is not None:
                        # The one form: what to_db writes for the instant it reads as.
                        assert row[column] == to_db(from_db(row[column])), (table, column)

        clock = FakeClock(DUE - timedelta(hours=1))
        scheduler = Scheduler(db, clock, NoPoster())
        scheduler.register_kind("quote", nothing_to_post)
        ran, claimed = await scheduler.list(GUILD)
        assert ran.next_run_utc == DUE
        assert ran.created_at == CREATED.replace(microsecond=0)
        assert ran.last_posted_at == DUE - timedelta(days=1)
        assert ran.last_error_at == DUE - timedelta(days=2)
        assert claimed.pending_due_utc == DUE
        assert claimed.next_run_utc == DUE + timedelta(days=1)

        changes = await GuildSettingsStore(db, clock, installed_features()).last_changes(GUILD)
        assert changes["timezone"].changed_at == CREATED.replace(microsecond=0)
        assert changes["trivia_timeout"].changed_at == CREATED
    finally:
        await db.close()


async def test_old_and_new_rows_sort_and_compare_as_their_instants(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    await write_old_rows(path)
    db = await SqliteDatabase.open(path)
    try:
        # Today's code adds one due at the same instant as an old row, and one a second later.
        scheduler = Scheduler(db, FakeClock(DUE - timedelta(hours=1)), NoPoster())
        scheduler.register_kind("quote", nothing_to_post)
        seoul = ZoneInfo("Asia/Seoul")
        same = await scheduler.add(GUILD, 1, "quote", time(9, 0), Repeat.DAILY, seoul, 42)
        assert same.next_run_utc == DUE
        store = GuildSettingsStore(
            db, FakeClock(CREATED.replace(microsecond=0)), installed_features()
        )
        await store.update(GUILD, 42, timezone="Europe/Berlin")

        # Equal instants are equal text, so comparisons and ties go by time (then id).
        due_now = await db.fetchall(
            "SELECT id FROM announcements WHERE next_run_utc = ? ORDER BY id", (to_db(DUE),)
        )
        assert [row["id"] for row in due_now] == [1, same.id]
        rows = await db.fetchall("SELECT next_run_utc FROM announcements ORDER BY next_run_utc, id")
        texts = [row["next_run_utc"] for row in rows]
        assert [from_db(text) for text in texts] == sorted(from_db(text) for text in texts)
        assert len(set(texts)) == len({from_db(text) for text in texts})

        changed = await db.fetchall(
            "SELECT setting FROM settings_changes WHERE changed_at = ? ORDER BY id",
            (to_db(CREATED.replace(microsecond=0)),),
        )
        assert [row["setting"] for row in changed] == ["timezone", "timezone"]
    finally:
        await db.close()
