"""The rules of a settings change, shared by `/config` and the dashboard's settings page.

Each check returns the value to store or raises `InvalidInput` with the message a moderator
reads (a command answers it ephemerally, the page lists it). `ZoneFollowers` moves the
server's announcements to a new zone inside the change's transaction, for both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord

from bot.checks import missing_post_permissions
from bot.database import Transaction
from bot.embeds import clip
from bot.errors import InvalidInput
from bot.features import OutOfBounds, Setting
from bot.guild_settings import LANGUAGES, GuildSettings
from bot.i18n import t
from bot.scheduler import Rescheduled, Scheduler
from bot.time_zones import UnknownZone, ZoneAbbreviation, resolve_zone

# How many zones a refusal names before "and N more": enough to find one's own, short
# enough to read (and far inside the 2,000 characters of a message).
ZONES_LISTED = 8


def list_zones(zones: tuple[str, ...], locale: Any) -> str:
    """`Asia/Seoul`, `Asia/Pyongyang` and 3 more (in the locale's words)."""
    shown = ", ".join(f"`{zone}`" for zone in zones[:ZONES_LISTED])
    rest = len(zones) - ZONES_LISTED
    return shown + (" " + t("config.zone_more", locale, count=rest) if rest > 0 else "")


def checked_zone(text: str, now: datetime, locale: Any) -> str:
    """The canonical name of the zone `text` means (`bot.time_zones.resolve_zone`); an
    abbreviation or an unknown name is refused naming the zones it may mean."""
    try:
        return resolve_zone(text, now)
    except ZoneAbbreviation as error:
        raise InvalidInput(
            "config.zone_abbreviation",
            abbreviation=clip(error.abbreviation, 10),
            zones=list_zones(error.zones, locale),
        ) from error
    except UnknownZone as error:
        hint = ""
        if error.suggestions:
            hint = "\n" + t(
                "config.zone_suggestions", locale, zones=list_zones(error.suggestions, locale)
            )
        raise InvalidInput("config.bad_zone", zone=clip(text.strip(), 60), hint=hint) from error


def checked_value(setting: Setting, value: int) -> int:
    """`value` for the feature setting, refused with its bounds when outside them."""
    try:
        return setting.check(value)
    except OutOfBounds as error:
        raise InvalidInput(
            setting.refused_key, **{setting.option: value}, low=setting.low, high=setting.high
        ) from error


def check_post_channel(channel: discord.abc.GuildChannel, shown: str) -> None:
    """Refuse a channel the bot can't post its embeds in (when its view of the server knows
    its permissions); `shown` names the channel in the refusal."""
    missing = missing_post_permissions(channel)
    if missing:
        raise InvalidInput("config.channel_forbidden", channel=shown, missing=", ".join(missing))


def checked_mod_role(guild: discord.Guild | None, role_id: int | None) -> int | None:
    """The moderator role's id (None clears it): not @everyone, and one of `guild`'s roles
    (discord.py builds a role of another server as if it were this one's; a form can name
    any id)."""
    if role_id is None:
        return None
    if guild is not None and role_id == guild.id:  # @everyone's id is the server's
        raise InvalidInput("config.everyone_role")
    if guild is None or guild.get_role(role_id) is None:
        raise InvalidInput("errors.foreign_role")
    return role_id


def checked_language(language: str) -> str:
    """`auto`, `ko` or `en` (only a client that ignores the choices sends another)."""
    if language not in LANGUAGES:
        raise InvalidInput("config.unknown_language", language=clip(language, 10))
    return language


class ZoneFollowers:
    """The server's announcements follow a new zone: pass `also` to the settings change
    (it recomputes their next runs in the change's transaction, so they follow the zone
    that is stored even when two moderators change it at once), then `arm` once it has
    committed. Without a scheduler, both do nothing."""

    def __init__(self, scheduler: Scheduler | None, guild_id: int) -> None:
        self._scheduler = scheduler
        self._guild_id = guild_id
        self._moved: list[Rescheduled] = []

    async def also(self, tx: Transaction, settings: GuildSettings) -> None:
        if self._scheduler is not None:
            self._moved.append(
                await self._scheduler.reschedule_in(tx, self._guild_id, settings.zone)
            )

    def arm(self) -> None:
        if self._scheduler is not None:
            for moved in self._moved:
                self._scheduler.arm_rescheduled(moved)
