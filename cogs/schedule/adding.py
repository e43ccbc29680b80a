"""Adding an announcement, as `/schedule add` and the dashboard's schedule page both do.

`checked_announcement` reads what a moderator gave (a slash command's options or a form's
fields) and returns an `AnnouncementRequest`, or raises `AnnouncementRefused` with every
problem it found, each a message in the catalogs; `add_announcement` stores it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

import discord

from bot.checks import missing_post_permissions
from bot.database import Transaction
from bot.embeds import clip
from bot.errors import InvalidInput
from bot.guild_settings import Changer, GuildSettingsStore
from bot.i18n import t
from bot.schedule_time import InvalidTimeOfDay, Repeat, parse_hhmm
from bot.scheduler import Announcement, Scheduler, TooManyAnnouncements

# A server's limit of unfinished announcements (`Scheduler.add(limit=...)`).
GUILD_MAX_ANNOUNCEMENTS = 25
# What the server's history calls an announcement added or removed, by command or page.
HISTORY_NAME = "announcement"


@dataclass(frozen=True)
class AnnouncementRequest:
    """An announcement as a moderator asked for it, every part checked."""

    kind: str
    at: time
    repeat: Repeat
    weekday: int | None
    channel: discord.TextChannel


class AnnouncementRefused(InvalidInput):
    """What was wrong with an announcement, each problem a message; shown one a line."""

    def __init__(self, problems: Sequence[InvalidInput]) -> None:
        super().__init__(problems[0].key, **problems[0].values)
        self.problems = tuple(problems)

    def render(self, locale: discord.Locale | str | None) -> str:
        return "\n".join(problem.render(locale) for problem in self.problems)


def checked_announcement(
    kinds: Sequence[str],
    *,
    kind: str,
    time_text: str,
    repeat: str,
    weekday: int | str | None,
    channel: discord.TextChannel | int | None,
    channels: Sequence[discord.TextChannel],
    configured_channel_id: int | None,
    locale: Any,
    mention: Callable[[discord.TextChannel], str] = lambda channel: channel.mention,
) -> AnnouncementRequest:
    """The announcement `kind` at `time_text` (HH:MM), repeating `repeat`, on `weekday`
    (0 = Monday; a form's text is read, "" is none; only for weekly) in `channel`.

    `channel` is a channel Discord resolved, the id of one of `channels` (the server's own
    text channels: a form's id is only ever looked up there), or None for the configured
    one. Raises `AnnouncementRefused` with every problem: an unknown kind or repeat, a
    weekday that is not a day or not for a weekly one, a time that is not HH:MM, a channel
    missing, of another server, or one the bot can't post in (named by `mention`).
    """
    problems: list[InvalidInput] = []
    if kind not in kinds:
        problems.append(
            InvalidInput("schedule.bad_kind", kind=clip(kind, 30), known=", ".join(kinds))
        )
    repeat_rule: Repeat | None
    try:
        repeat_rule = Repeat(repeat)
    except ValueError:
        repeat_rule = None
        problems.append(InvalidInput("schedule.bad_repeat", repeat=clip(repeat, 30)))
    day = _weekday(weekday)
    if day is not None and not 0 <= day <= 6:
        problems.append(InvalidInput("schedule.bad_weekday"))
    elif day is not None and repeat_rule is not None and repeat_rule is not Repeat.WEEKLY:
        # Refused rather than ignored: the moderator asked for a day they would not get.
        problems.append(
            InvalidInput(
                "schedule.weekday_not_weekly",
                day=t(f"schedule.day.{day}", locale),
                repeat=repeat_rule.value,
            )
        )
    at: time | None
    try:
        at = parse_hhmm(time_text)
    except InvalidTimeOfDay:
        at = None
        problems.append(InvalidInput("schedule.bad_time", time=clip(time_text, 30)))
    target = _target(channel, channels, configured_channel_id, problems)
    if target is not None:
        missing = missing_post_permissions(target)
        if missing:
            problems.append(
                InvalidInput(
                    "config.channel_forbidden", channel=mention(target), missing=", ".join(missing)
                )
            )
    if problems:
        raise AnnouncementRefused(problems)
    assert at is not None
    assert repeat_rule is not None
    assert target is not None
    return AnnouncementRequest(kind, at, repeat_rule, day, target)


def _weekday(value: int | str | None) -> int | None:
    """A weekday as given; text that is no whole number is -1, which no day is."""
    if value is None or isinstance(value, int):
        return value
    text = value.strip()
    if not text:
        return None
    return int(text) if text.isascii() and text.isdigit() and len(text) < 3 else -1


def _target(
    channel: discord.TextChannel | int | None,
    channels: Sequence[discord.TextChannel],
    configured_channel_id: int | None,
    problems: list[InvalidInput],
) -> discord.TextChannel | None:
    if isinstance(channel, discord.TextChannel):
        return channel
    by_id = {found.id: found for found in channels}
    if channel is not None:
        if channel not in by_id:
            problems.append(InvalidInput("schedule.unknown_channel"))
        return by_id.get(channel)
    if configured_channel_id is None:
        problems.append(InvalidInput("schedule.no_channel"))
        return None
    if configured_channel_id not in by_id:
        problems.append(InvalidInput("schedule.channel_gone"))
    return by_id.get(configured_channel_id)


async def add_announcement(
    scheduler: Scheduler,
    settings: GuildSettingsStore,
    guild_id: int,
    request: AnnouncementRequest,
    by: Changer,
) -> Announcement:
    """Schedule `request` in the server's stored zone, as `by`, and say so in the server's
    history. Raises `InvalidInput` when the server already has `GUILD_MAX_ANNOUNCEMENTS`."""

    async def stored_zone(tx: Transaction) -> ZoneInfo:
        # Not the zone read before: a time zone change may commit before this insert does.
        return await settings.zone_in(tx, guild_id)

    try:
        added = await scheduler.add(
            guild_id,
            request.channel.id,
            request.kind,
            request.at,
            request.repeat,
            stored_zone,
            by.user_id,
            weekday=request.weekday,
            limit=GUILD_MAX_ANNOUNCEMENTS,
        )
    except TooManyAnnouncements as error:
        raise InvalidInput("schedule.too_many", limit=error.limit) from error
    await settings.record(guild_id, by, HISTORY_NAME, None, f"#{added.id} {added.kind}")
    return added


async def remove_announcement(
    scheduler: Scheduler,
    settings: GuildSettingsStore,
    guild_id: int,
    announcement_id: int,
    by: Changer,
) -> bool:
    """Remove the server's announcement `announcement_id` and say so in its history; False
    when the server has none of that number."""
    if not await scheduler.remove(guild_id, announcement_id):
        return False
    await settings.record(guild_id, by, HISTORY_NAME, f"#{announcement_id}", None)
    return True
