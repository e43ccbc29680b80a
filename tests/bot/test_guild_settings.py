"""Per-server settings: changes write only their columns, from what the database holds."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.client import installed_features
from bot.database import Database, Transaction
from bot.features import FeatureError, OutOfBounds
from bot.guild_settings import DEFAULT_TIMEZONE, GuildSettings, GuildSettingsStore
from bot.sqlite import SqliteDatabase
from tests.support.database import tracks_before
from tests.support.features import LINES, LYRICS

GUILD, MOD = 10, 99
FEATURES = installed_features()
SET_TIMEOUT_90 = (
    "UPDATE feature_settings SET value = 90 WHERE guild_id = ? AND name = 'trivia_timeout'"
)


async def behind_the_cache(db: Database, sql: str) -> None:
    """A change made elsewhere (another process, an operator with sqlite3)."""
    await db.execute(sql, (GUILD,))


async def history(db: Database) -> list[tuple[str, str | None, str | None]]:
    rows = await db.fetchall("SELECT setting, old_value, new_value FROM settings_changes")
    return [tuple(row) for row in rows]


async def test_a_change_writes_only_its_column_and_starts_from_the_stored_value(db, clock):
    store = GuildSettingsStore(db, clock, FEATURES)
    await store.update(GUILD, MOD, trivia_timeout=30)
    await behind_the_cache(db, "UPDATE guild_settings SET timezone = 'UTC' WHERE guild_id = ?")

    # The cache still says Seoul; the change must neither write Seoul back nor start from
    # a stale old value.
    settings = await store.update(GUILD, MOD, trivia_timeout=40)
    assert (settings.timezone, settings.value("trivia_timeout")) == ("UTC", 40)
    await store.update(GUILD, MOD, timezone="Europe/Paris")
    row = await db.fetchone(
        "SELECT timezone, value FROM guild_settings JOIN feature_settings USING (guild_id) "
        "WHERE name = 'trivia_timeout'"
    )
    assert tuple(row) == ("Europe/Paris", 40)
    assert await history(db) == [
        ("trivia_timeout", "20", "30"),
        ("trivia_timeout", "30", "40"),
        ("timezone", "UTC", "Europe/Paris"),
    ]
    assert await store.get(GUILD) == GuildSettings(
        GUILD, timezone="Europe/Paris", values={"trivia_timeout": 40}
    )


async def test_setting_a_value_it_already_has_records_nothing(db, clock):
    store = GuildSettingsStore(db, clock, FEATURES)
    await store.update(GUILD, MOD, timezone=DEFAULT_TIMEZONE)
    assert await history(db) == []


async def test_one_cog_is_switched_in_the_stored_set_not_the_cached_one(db, clock):
    store = GuildSettingsStore(db, clock, FEATURES)
    assert (await store.get(GUILD)).disabled_cogs == frozenset()
    await behind_the_cache(
        db, "INSERT INTO guild_settings (guild_id, disabled_cogs) VALUES (?, 'trivia')"
    )
    settings = await store.set_cog_enabled(GUILD, MOD, "symbols", False)
    assert settings.disabled_cogs == {"symbols", "trivia"}
    settings = await store.set_cog_enabled(GUILD, MOD, "trivia", True)
    assert settings.disabled_cogs == {"symbols"}
    assert await history(db) == [
        ("disabled_cogs", "trivia", "symbols,trivia"),
        ("disabled_cogs", "symbols,trivia", "symbols"),
    ]
    with pytest.raises(ValueError, match="unknown cog"):
        await store.set_cog_enabled(GUILD, MOD, "music", False)


async def test_work_in_the_same_transaction_that_fails_undoes_the_change(db, clock):
    store = GuildSettingsStore(db, clock, FEATURES)
    seen: list[GuildSettings] = []

    async def fails(tx: Transaction, settings: GuildSettings) -> None:
        seen.append(settings)
        raise RuntimeError("the announcements could not be moved")

    with pytest.raises(RuntimeError):
        await store.update(GUILD, MOD, timezone="Europe/Paris", also=fails)
    assert [settings.timezone for settings in seen] == ["Europe/Paris"]
    assert await db.fetchone("SELECT 1 FROM guild_settings") is None
    assert await history(db) == []
    assert (await store.get(GUILD)).timezone == DEFAULT_TIMEZONE


async def test_invalidate_makes_the_next_read_go_to_the_database(db, clock):
    store = GuildSettingsStore(db, clock, FEATURES)
    await store.update(GUILD, MOD, trivia_timeout=30)
    await behind_the_cache(db, SET_TIMEOUT_90)
    assert (await store.get(GUILD)).value("trivia_timeout") == 30
    store.invalidate(GUILD)
    assert (await store.get(GUILD)).value("trivia_timeout") == 90


class SlowReads:
    """The database, with each read held after it has read until `answer` is set."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.dialect = db.dialect
        self.has_read = asyncio.Event()
        self.answer = asyncio.Event()

    async def fetchone(self, sql: str, params=()):
        row = await self._db.fetchone(sql, params)
        self.has_read.set()
        await self.answer.wait()
        return row


async def test_a_read_in_flight_does_not_undo_an_invalidate(db, clock):
    await GuildSettingsStore(db, clock, FEATURES).update(GUILD, MOD, trivia_timeout=30)
    slow = SlowReads(db)
    store = GuildSettingsStore(slow, clock, FEATURES)  # type: ignore[arg-type]
    reading = asyncio.create_task(store.get(GUILD))
    await slow.has_read.wait()  # it has read 30 and not yet returned
    await behind_the_cache(db, SET_TIMEOUT_90)
    store.invalidate(GUILD)
    slow.answer.set()
    assert (await reading).value("trivia_timeout") == 30  # read before the change: that's fine
    # ...but what it read must not stay cached past the invalidate that came after it.
    assert (await store.get(GUILD)).value("trivia_timeout") == 90


async def test_unknown_settings_are_refused(db, clock):
    store = GuildSettingsStore(db, clock, FEATURES)
    with pytest.raises(ValueError, match="unknown settings"):
        await store.update(GUILD, MOD, colour="lilac")


async def test_a_value_outside_its_declared_bounds_is_refused_and_nothing_is_stored(db, clock):
    store = GuildSettingsStore(db, clock, FEATURES)
    for seconds in (4, 121):
        with pytest.raises(OutOfBounds):
            await store.set_value(GUILD, MOD, "trivia_timeout", seconds)
    assert await db.fetchone("SELECT 1 FROM feature_settings") is None
    assert await history(db) == []
    settings = await store.set_value(GUILD, MOD, "trivia_timeout", 120)
    assert settings.value("trivia_timeout") == 120
    with pytest.raises(KeyError):
        await store.set_value(GUILD, MOD, "colour", 1)


async def test_a_new_features_setting_is_stored_and_recorded_like_the_core_ones(db, clock):
    store = GuildSettingsStore(db, clock, FEATURES.with_feature(LYRICS))
    assert (await store.get(GUILD)).value("lyrics_lines") == 4  # its default
    await store.update(GUILD, MOD, trivia_timeout=30)
    await store.set_value(GUILD, MOD, "lyrics_lines", 7)
    await store.update(GUILD, MOD, timezone="UTC", lyrics_lines=7)  # only the zone changes
    with pytest.raises(OutOfBounds):
        await store.set_value(GUILD, MOD, "lyrics_lines", 13)
    settings = await store.set_cog_enabled(GUILD, MOD, "lyrics", False)
    assert settings.values == {"trivia_timeout": 30, "lyrics_lines": 7}
    assert not settings.cog_enabled("lyrics")
    rows = await db.fetchall("SELECT name, value FROM feature_settings ORDER BY name")
    assert [tuple(row) for row in rows] == [("lyrics_lines", 7), ("trivia_timeout", 30)]
    assert await history(db) == [
        ("trivia_timeout", "20", "30"),
        ("lyrics_lines", "4", "7"),
        ("timezone", DEFAULT_TIMEZONE, "UTC"),
        ("disabled_cogs", "", "lyrics"),
    ]
    store.invalidate(GUILD)
    assert await store.get(GUILD) == settings
    # A bot without the feature ignores what it stored, and can't be asked to set it.
    without = GuildSettingsStore(db, clock, FEATURES)
    assert (await without.get(GUILD)).values == {"trivia_timeout": 30}
    with pytest.raises(ValueError, match="unknown settings"):
        await without.update(GUILD, MOD, lyrics_lines=5)
    with pytest.raises(ValueError, match="unknown cog"):
        await without.set_cog_enabled(GUILD, MOD, "lyrics", True)


async def test_a_feature_setting_changed_behind_the_cache_is_changed_from_the_stored_value(
    db, clock
):
    store = GuildSettingsStore(db, clock, FEATURES)
    await store.update(GUILD, MOD, trivia_timeout=30)
    await behind_the_cache(db, SET_TIMEOUT_90)
    settings = await store.update(GUILD, MOD, trivia_timeout=40)
    assert settings.value("trivia_timeout") == 40
    assert (await history(db))[-1] == ("trivia_timeout", "90", "40")


async def test_forgetting_a_server_erases_its_feature_settings(db, clock):
    store = GuildSettingsStore(db, clock, FEATURES)
    await store.update(GUILD, MOD, trivia_timeout=30)
    await store.update(GUILD + 1, MOD, trivia_timeout=50)
    async with db.transaction() as tx:
        assert await store.forget_guild(tx, GUILD) == 3  # the row, the setting, one change
    rows = await db.fetchall("SELECT guild_id, value FROM feature_settings")
    assert [tuple(row) for row in rows] == [(GUILD + 1, 50)]
    assert (await store.get(GUILD)).value("trivia_timeout") == 20


async def test_the_migration_moves_the_trivia_timeout_to_feature_settings(tmp_path, clock):
    path = tmp_path / "old.sqlite3"
    old = await SqliteDatabase.open(path, tracks_before("feature_settings"))
    await old.execute("INSERT INTO guild_settings (guild_id, trivia_timeout) VALUES (1, 45)")
    await old.execute("INSERT INTO guild_settings (guild_id, timezone) VALUES (2, 'UTC')")
    await old.close()

    db = await SqliteDatabase.open(path)
    try:
        rows = await db.fetchall("SELECT guild_id, name, value FROM feature_settings")
        # Only a value a moderator chose is moved: the others follow the declared default.
        assert [tuple(row) for row in rows] == [(1, "trivia_timeout", 45)]
        columns = await db.fetchall("SELECT name FROM pragma_table_info('guild_settings')")
        assert "trivia_timeout" not in {row["name"] for row in columns}
        store = GuildSettingsStore(db, clock, FEATURES)
        assert (await store.get(1)).value("trivia_timeout") == 45
        assert (await store.get(2)).timezone == "UTC"
        assert (await store.get(2)).value("trivia_timeout") == 20
    finally:
        await db.close()


def test_a_feature_setting_may_not_take_the_name_of_a_core_setting(db, clock):
    clashing = replace(LYRICS, settings=(replace(LINES, name="timezone"),))
    with pytest.raises(FeatureError, match="'timezone'"):
        GuildSettingsStore(db, clock, FEATURES.with_feature(clashing))
