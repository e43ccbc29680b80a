"""Per-server settings, read through a small write-through cache.

Every interaction reads its server's settings (is the cog on? which zone?), so they are
served from memory; only a change goes to the database. The core's own settings are columns
of `guild_settings`; the ones features declare (`bot.features.Setting`) are rows of
`feature_settings`, so a feature adds a setting without a migration of the core.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock, from_db, to_db
from bot.database import Database, Subscription, Transaction
from bot.features import FeatureError, Features

log = logging.getLogger(__name__)

DEFAULT_TIMEZONE = "Asia/Seoul"
# `language`: "auto" follows the server's Discord locale; the others are catalog languages.
AUTO_LANGUAGE = "auto"
LANGUAGES = (AUTO_LANGUAGE, "ko", "en")
# The channel on which the database itself announces a change of a server's settings, by
# any writer (bot/migrations/postgresql/0002_settings_notify.sql); its payload is the
# server's id, or ALL_GUILDS when every row may have changed (a TRUNCATE).
SETTINGS_CHANNEL = "fanbot_settings"
ALL_GUILDS = "*"


@dataclass(frozen=True)
class GuildSettings:
    """One server's settings. `values` holds every declared feature setting (its default
    when the server never changed it); read one with `value(name)`."""

    guild_id: int
    timezone: str = DEFAULT_TIMEZONE
    announce_channel_id: int | None = None
    mod_role_id: int | None = None
    disabled_cogs: frozenset[str] = field(default_factory=frozenset)
    language: str = AUTO_LANGUAGE
    values: Mapping[str, int] = field(default_factory=dict, hash=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def cog_enabled(self, name: str) -> bool:
        return name not in self.disabled_cogs

    def value(self, name: str) -> int:
        """The feature setting `name`; `KeyError` when no feature declares it."""
        return self.values[name]


# Where a change was made, as the settings history records it.
VIA_COMMAND = "command"
VIA_DASHBOARD = "dashboard"


@dataclass(frozen=True)
class Changer:
    """Who makes a change and where: recorded with it in the settings history."""

    user_id: int
    name: str | None = None
    via: str = VIA_COMMAND


@dataclass(frozen=True)
class SettingChange:
    setting: str
    user_id: int
    old_value: str | None
    new_value: str | None
    changed_at: datetime
    user_name: str | None = None
    via: str = VIA_COMMAND


_COLUMNS = ("timezone", "announce_channel_id", "mod_role_id", "disabled_cogs", "language")
# One statement reads the row and its feature settings (as a JSON object): one snapshot.
# The one function the two databases name differently.
_JSON_OBJECT_AGG = {"sqlite": "json_group_object", "postgresql": "json_object_agg"}
_SELECT = {
    dialect: f"SELECT {', '.join(_COLUMNS)}, (SELECT {aggregate}(name, value) FROM "
    "feature_settings AS f WHERE f.guild_id = g.guild_id) AS feature_values "
    "FROM guild_settings AS g WHERE guild_id = ?"
    for dialect, aggregate in _JSON_OBJECT_AGG.items()
}
# One statement per column: a change writes only the columns it changes, so two changes of
# different settings at once both land (the names come from `_COLUMNS`, never from users).
_SET_COLUMN = {
    name: f"UPDATE guild_settings SET {name} = ? WHERE guild_id = ?" for name in _COLUMNS
}
_SET_FEATURE_VALUE = (
    "INSERT INTO feature_settings (guild_id, name, value) VALUES (?, ?, ?) "
    "ON CONFLICT (guild_id, name) DO UPDATE SET value = excluded.value"
)

# Runs inside a settings change's transaction, after the columns are written, with the new
# settings: work that must commit (or roll back) together with the change.
AlsoInTransaction = Callable[[Transaction, GuildSettings], Awaitable[None]]


class GuildSettingsStore:
    """Reads and changes `guild_settings` and the `features`' settings; every change is
    recorded in `settings_changes`. Raises `FeatureError` when a feature's setting has the
    name of a core one.

    A change is computed from the rows as the database holds them inside the change's
    transaction, never from the cache, so concurrent changes all land; the cache is then set
    to what was committed.
    """

    def __init__(
        self, db: Database, clock: Clock, features: Features, *, cache_size: int = 50_000
    ) -> None:
        self._db = db
        self._clock = clock
        self._features = features
        self._defaults = {setting.name: setting.default for setting in features.settings}
        # One name, one setting: the history and `update` know a setting by its name alone.
        taken = sorted(set(self._defaults) & set(_COLUMNS))
        if taken:
            raise FeatureError(f"settings {taken} have the names of the core's own settings")
        self._cache: dict[int, GuildSettings] = {}
        self._cache_size = cache_size
        # Counts changes and invalidations: a read that started before one must not put
        # what it read into the cache after it.
        self._writes = 0

    async def get(self, guild_id: int) -> GuildSettings:
        cached = self._cache.get(guild_id)
        if cached is not None:
            return cached
        writes = self._writes
        row = await self._db.fetchone(_SELECT[self._db.dialect], (guild_id,))
        settings = self._from_row(guild_id, row)
        if writes == self._writes:
            self._remember(settings)
        return settings

    async def update(
        self,
        guild_id: int,
        user_id: int | Changer,
        *,
        also: AlsoInTransaction | None = None,
        **changes: Any,
    ) -> GuildSettings:
        """Set the given fields (core columns or declared feature settings, by name), record
        who changed what, and return the new settings.

        Only the given fields are written, each from its stored old value (read in the same
        transaction) to its new one; a field set to the value it has is not recorded. `also`
        runs in that transaction (re-arming announcements for a new zone, say): if it raises,
        nothing is changed. Raises `ValueError` for a field that is not a setting. Feature
        settings are written as given (tests shorten the trivia timeout below its bounds);
        `set_value` is the checked way.
        """
        unknown = set(changes) - set(_COLUMNS) - set(self._defaults)
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        if changes.get("language", AUTO_LANGUAGE) not in LANGUAGES:
            raise ValueError(f"unknown language: {changes['language']!r}")
        return await self._change(guild_id, user_id, lambda current: changes, also)

    async def set_value(
        self, guild_id: int, user_id: int | Changer, name: str, value: int
    ) -> GuildSettings:
        """Set the declared feature setting `name` (`/config <its command>`).

        Raises `KeyError` when no feature declares `name`, and `bot.features.OutOfBounds`
        (storing nothing) when `value` is outside the setting's bounds.
        """
        self._features.setting(name).check(value)
        return await self._change(guild_id, user_id, lambda current: {name: value}, None)

    async def set_cog_enabled(
        self, guild_id: int, user_id: int | Changer, name: str, enabled: bool
    ) -> GuildSettings:
        """Turn one cog on or off, leaving the others as the database has them (not as the
        cache had them). Raises `ValueError` for a name no switchable feature declares."""
        if name not in self._features.switchable:
            raise ValueError(f"unknown cog: {name!r}")

        def toggle(current: GuildSettings) -> dict[str, Any]:
            disabled = current.disabled_cogs - {name} if enabled else current.disabled_cogs | {name}
            return {"disabled_cogs": disabled}

        return await self._change(guild_id, user_id, toggle, None)

    async def _change(
        self,
        guild_id: int,
        user_id: int | Changer,
        compute: Callable[[GuildSettings], dict[str, Any]],
        also: AlsoInTransaction | None,
    ) -> GuildSettings:
        now = to_db(self._clock.now())
        by = user_id if isinstance(user_id, Changer) else Changer(user_id)
        async with self._db.transaction() as tx:
            # Another process's change of this server waits here and then starts from this
            # one's (a toggle of another feature is not lost).
            await tx.lock("guild_settings", guild_id)
            await tx.execute(
                "INSERT INTO guild_settings (guild_id) VALUES (?) "
                "ON CONFLICT (guild_id) DO NOTHING",
                (guild_id,),
            )
            old = self._from_row(
                guild_id, await tx.fetchone(_SELECT[self._db.dialect], (guild_id,))
            )
            changes = dict(compute(old))
            values = {name: changes.pop(name) for name in list(changes) if name in self._defaults}
            new = replace(old, **changes, values={**old.values, **values})
            changed: list[tuple[str, Any, Any]] = []
            for name in _COLUMNS:
                before, after = getattr(old, name), getattr(new, name)
                if before != after:
                    await tx.execute(_SET_COLUMN[name], (_stored(after), guild_id))
                    changed.append((name, before, after))
            for name in self._defaults:
                before, after = old.value(name), new.value(name)
                if before != after:
                    await tx.execute(_SET_FEATURE_VALUE, (guild_id, name, after))
                    changed.append((name, before, after))
            for name, before, after in changed:
                await tx.execute(
                    "INSERT INTO settings_changes (guild_id, user_id, setting, old_value, "
                    "new_value, changed_at, user_name, via) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (guild_id, by.user_id, name, _text(before), _text(after), now, by.name, by.via),
                )
            if also is not None:
                await also(tx, new)
        # `new` is the row as this transaction read and wrote it: what the database holds.
        self._writes += 1
        self._remember(new)
        return new

    async def zone_in(self, tx: Transaction, guild_id: int) -> ZoneInfo:
        """The server's zone as the database holds it inside `tx`: for rows that must agree
        with the stored zone even while a moderator changes it (new announcements)."""
        row = await tx.fetchone(
            "SELECT timezone FROM guild_settings WHERE guild_id = ?", (guild_id,)
        )
        return ZoneInfo(row["timezone"] if row else DEFAULT_TIMEZONE)

    async def record(
        self,
        guild_id: int,
        by: Changer,
        what: str,
        old_value: str | None,
        new_value: str | None,
    ) -> None:
        """Record in the server's history a change of something that is not a setting (an
        announcement, a question, a countdown event: `what`), made by `by`; its store wrote
        the change itself. The history's view of it: `old_value` -> `new_value` (None: there
        was none, or there is none now)."""
        await self._db.execute(
            "INSERT INTO settings_changes (guild_id, user_id, setting, old_value, new_value, "
            "changed_at, user_name, via) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                by.user_id,
                what,
                old_value,
                new_value,
                to_db(self._clock.now()),
                by.name,
                by.via,
            ),
        )

    async def last_changes(self, guild_id: int) -> dict[str, SettingChange]:
        """The latest change of each setting in this server."""
        rows = await self._db.fetchall(
            f"SELECT {_CHANGE_COLUMNS} FROM settings_changes "
            "WHERE id IN (SELECT MAX(id) FROM settings_changes WHERE guild_id = ? "
            "GROUP BY setting)",
            (guild_id,),
        )
        return {row["setting"]: _setting_change(row) for row in rows}

    async def history(self, guild_id: int, limit: int = 50) -> list[SettingChange]:
        """The server's latest `limit` changes, newest first."""
        rows = await self._db.fetchall(
            f"SELECT {_CHANGE_COLUMNS} FROM settings_changes WHERE guild_id = ? "
            "ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [_setting_change(row) for row in rows]

    def invalidate(self, guild_id: int) -> None:
        """Drop the server's cached settings (changed elsewhere, or no longer needed): the
        next `get` reads them from the database."""
        self._writes += 1
        self._cache.pop(guild_id, None)

    # The name the client and older callers use.
    forget = invalidate

    def invalidate_all(self) -> None:
        """Drop every cached server: changes may have been missed (listening restarted)."""
        self._writes += 1
        self._cache.clear()

    async def follow_changes(self) -> Subscription:
        """Drop a server's cached settings whenever the database says they changed, whoever
        changed them (another process of a shard cluster, the dashboard, an operator's SQL):
        on PostgreSQL, within the notification's delivery. Close the subscription to stop.
        On SQLite nothing is heard: this process is the database's only writer."""
        return await self._db.listen(
            SETTINGS_CHANNEL, self._changed_elsewhere, connected=self.invalidate_all
        )

    def _changed_elsewhere(self, payload: str) -> None:
        if payload == ALL_GUILDS:
            self.invalidate_all()
        elif payload.isdigit():
            self.invalidate(int(payload))
        else:
            log.warning("ignored a settings notification that names no server: %r", payload)

    async def forget_guild(self, tx: Transaction, guild_id: int) -> int:
        """Erase the server's settings and their history (a `MemberData` guild eraser)."""
        self.invalidate(guild_id)
        removed = await tx.execute("DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,))
        removed += await tx.execute("DELETE FROM feature_settings WHERE guild_id = ?", (guild_id,))
        removed += await tx.execute("DELETE FROM settings_changes WHERE guild_id = ?", (guild_id,))
        return removed

    def _remember(self, settings: GuildSettings) -> None:
        if len(self._cache) >= self._cache_size:
            # Drop the oldest entry; dicts keep insertion order.
            self._cache.pop(next(iter(self._cache)))
        self._cache[settings.guild_id] = settings

    def _from_row(self, guild_id: int, row: Any) -> GuildSettings:
        """The settings a `_SELECT` row holds (the defaults when there is no row); stored
        values of settings no feature declares any more are left out."""
        if row is None:
            return GuildSettings(guild_id, values=dict(self._defaults))
        # PostgreSQL's aggregate of no rows is NULL, SQLite's '{}'.
        stored = json.loads(row["feature_values"] or "{}")
        values = {name: stored.get(name, default) for name, default in self._defaults.items()}
        return GuildSettings(
            guild_id=guild_id,
            timezone=row["timezone"],
            announce_channel_id=row["announce_channel_id"],
            mod_role_id=row["mod_role_id"],
            disabled_cogs=frozenset(name for name in row["disabled_cogs"].split(",") if name),
            language=row["language"],
            values=values,
        )


_CHANGE_COLUMNS = "setting, user_id, old_value, new_value, changed_at, user_name, via"


def _setting_change(row: Any) -> SettingChange:
    return SettingChange(
        row["setting"],
        row["user_id"],
        row["old_value"],
        row["new_value"],
        from_db(row["changed_at"]),
        row["user_name"],
        row["via"],
    )


def _stored(value: Any) -> Any:
    """A field's value as its column holds it (the cog names: comma-separated, sorted)."""
    return ",".join(sorted(value)) if isinstance(value, frozenset) else value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, frozenset):
        return ",".join(sorted(value))
    return str(value)
