"""Per-server settings, read through a small write-through cache.

Every interaction reads its server's settings (is the cog on? which zone?), so they are
served from memory; only a change goes to the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.database import Database, Transaction

COG_NAMES = ("trivia", "symbols", "countdown", "announcements")
DEFAULT_TIMEZONE = "Asia/Seoul"
DEFAULT_TRIVIA_TIMEOUT = 20
TRIVIA_TIMEOUT_RANGE = (5, 120)


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    timezone: str = DEFAULT_TIMEZONE
    trivia_timeout: int = DEFAULT_TRIVIA_TIMEOUT
    announce_channel_id: int | None = None
    mod_role_id: int | None = None
    disabled_cogs: frozenset[str] = field(default_factory=frozenset)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def cog_enabled(self, name: str) -> bool:
        return name not in self.disabled_cogs


@dataclass(frozen=True)
class SettingChange:
    setting: str
    user_id: int
    old_value: str | None
    new_value: str | None
    changed_at: datetime


_COLUMNS = ("timezone", "trivia_timeout", "announce_channel_id", "mod_role_id", "disabled_cogs")


class GuildSettingsStore:
    """Reads and changes `guild_settings`; every change is recorded in `settings_changes`."""

    def __init__(self, db: Database, clock: Clock, *, cache_size: int = 50_000) -> None:
        self._db = db
        self._clock = clock
        self._cache: dict[int, GuildSettings] = {}
        self._cache_size = cache_size

    async def get(self, guild_id: int) -> GuildSettings:
        cached = self._cache.get(guild_id)
        if cached is not None:
            return cached
        row = await self._db.fetchone(
            "SELECT timezone, trivia_timeout, announce_channel_id, mod_role_id, disabled_cogs "
            "FROM guild_settings WHERE guild_id = ?",
            (guild_id,),
        )
        settings = _from_row(guild_id, row) if row else GuildSettings(guild_id)
        self._remember(settings)
        return settings

    async def update(self, guild_id: int, user_id: int, **changes: Any) -> GuildSettings:
        """Set the given fields, record who changed what, and return the new settings."""
        unknown = set(changes) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        old = await self.get(guild_id)
        new = replace(old, **changes)
        now = self._clock.now().isoformat()
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO guild_settings (guild_id, timezone, trivia_timeout, "
                "announce_channel_id, mod_role_id, disabled_cogs) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET timezone = excluded.timezone, "
                "trivia_timeout = excluded.trivia_timeout, "
                "announce_channel_id = excluded.announce_channel_id, "
                "mod_role_id = excluded.mod_role_id, disabled_cogs = excluded.disabled_cogs",
                _to_row(new),
            )
            for name in changes:
                before, after = _text(getattr(old, name)), _text(getattr(new, name))
                if before != after:
                    await tx.execute(
                        "INSERT INTO settings_changes (guild_id, user_id, setting, old_value, "
                        "new_value, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (guild_id, user_id, name, before, after, now),
                    )
        self._remember(new)
        return new

    async def last_changes(self, guild_id: int) -> dict[str, SettingChange]:
        """The latest change of each setting in this server."""
        rows = await self._db.fetchall(
            "SELECT setting, user_id, old_value, new_value, changed_at FROM settings_changes "
            "WHERE id IN (SELECT MAX(id) FROM settings_changes WHERE guild_id = ? "
            "GROUP BY setting)",
            (guild_id,),
        )
        return {
            row["setting"]: SettingChange(
                row["setting"],
                row["user_id"],
                row["old_value"],
                row["new_value"],
                datetime.fromisoformat(row["changed_at"]),
            )
            for row in rows
        }

    def forget(self, guild_id: int) -> None:
        self._cache.pop(guild_id, None)

    async def forget_guild(self, tx: Transaction, guild_id: int) -> int:
        """Erase the server's settings and their history (a `MemberData` guild eraser)."""
        self.forget(guild_id)
        removed = await tx.execute("DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,))
        removed += await tx.execute("DELETE FROM settings_changes WHERE guild_id = ?", (guild_id,))
        return removed

    def _remember(self, settings: GuildSettings) -> None:
        if len(self._cache) >= self._cache_size:
            # Drop the oldest entry; dicts keep insertion order.
            self._cache.pop(next(iter(self._cache)))
        self._cache[settings.guild_id] = settings


def _from_row(guild_id: int, row: Any) -> GuildSettings:
    disabled = frozenset(name for name in row["disabled_cogs"].split(",") if name)
    return GuildSettings(
        guild_id=guild_id,
        timezone=row["timezone"],
        trivia_timeout=row["trivia_timeout"],
        announce_channel_id=row["announce_channel_id"],
        mod_role_id=row["mod_role_id"],
        disabled_cogs=disabled,
    )


def _to_row(settings: GuildSettings) -> tuple[Any, ...]:
    return (
        settings.guild_id,
        settings.timezone,
        settings.trivia_timeout,
        settings.announce_channel_id,
        settings.mod_role_id,
        ",".join(sorted(settings.disabled_cogs)),
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, frozenset):
        return ",".join(sorted(value))
    return str(value)
