"""The core's `language` setting: one column, written alone, refused outside its choices."""

from __future__ import annotations

import pytest

from bot.client import installed_features
from bot.guild_settings import AUTO_LANGUAGE, GuildSettingsStore

GUILD, MOD = 10, 99
FEATURES = installed_features()


async def test_a_language_change_writes_only_its_column_and_is_in_the_history(db, clock):
    store = GuildSettingsStore(db, clock, FEATURES)
    assert (await store.get(GUILD)).language == AUTO_LANGUAGE
    await store.update(GUILD, MOD, timezone="UTC")
    # Changed behind the cache: the language change must not write the old zone back.
    await db.execute(
        "UPDATE guild_settings SET timezone = 'Europe/Paris' WHERE guild_id = ?", (GUILD,)
    )
    settings = await store.update(GUILD, MOD, language="ko")
    assert (settings.language, settings.timezone) == ("ko", "Europe/Paris")
    row = await db.fetchone(
        "SELECT language, timezone FROM guild_settings WHERE guild_id = ?", (GUILD,)
    )
    assert tuple(row) == ("ko", "Europe/Paris")
    changes = await store.last_changes(GUILD)
    assert (changes["language"].old_value, changes["language"].new_value) == ("auto", "ko")


async def test_a_language_the_bot_does_not_write_is_refused_and_nothing_is_stored(db, clock):
    store = GuildSettingsStore(db, clock, FEATURES)
    with pytest.raises(ValueError, match="language"):
        await store.update(GUILD, MOD, language="fr")
    assert await db.fetchall("SELECT * FROM settings_changes") == []
    assert (await store.get(GUILD)).language == AUTO_LANGUAGE
