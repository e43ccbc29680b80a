"""`/schedule add|list|remove`: moderators schedule announcements; the core scheduler posts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.checks import changer_of, moderator_group, moderator_only
from bot.choices import matching_choices, offer_choices
from bot.deadline import reply
from bot.embeds import clip, fan_embed
from bot.errors import NotFound, send_ephemeral
from bot.i18n import t
from bot.schedule_time import Repeat, format_hhmm
from bot.scheduler import Announcement
from cogs.schedule.adding import add_announcement, checked_announcement, remove_announcement

if TYPE_CHECKING:
    from bot.client import FanBot

# The choices for `weekday`, in the order of `date.weekday()` (0 = Monday); Korean names come
# from the [commands] catalog when the commands sync.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# A post less late than this is shown as simply posted: network and clock noise.
LAG_SHOWN_MS = 1000


def shown_lag(lag_ms: int, locale: Any) -> str:
    """How late a post was, in whole seconds, as minutes and seconds past a minute."""
    minutes, seconds = divmod(lag_ms // 1000, 60)
    if minutes:
        return t("schedule.lag_minutes", locale, minutes=minutes, seconds=seconds)
    return t("schedule.lag_seconds", locale, seconds=seconds)


def lag_of(item: Announcement, locale: Any) -> str | None:
    """How late its last post was, or None when it was on time (or is not known)."""
    if item.last_lag_ms is None or item.last_lag_ms < LAG_SHOWN_MS:
        return None
    return shown_lag(item.last_lag_ms, locale)


def describe_announcement(item: Announcement, locale: Any) -> str:
    when = format_hhmm(item.time_local)
    if item.repeat is Repeat.WEEKLY and item.weekday is not None:
        rule = t(
            "schedule.rule.weekly", locale, day=t(f"schedule.day.{item.weekday}", locale), time=when
        )
    else:
        rule = t(f"schedule.rule.{item.repeat.value}", locale, time=when)
    line = t(
        "schedule.line",
        locale,
        id=item.id,
        kind=item.kind,
        channel=f"<#{item.channel_id}>",
        rule=rule,
    )
    if item.next_run_utc is not None:
        # Discord shows the timestamp in each reader's own zone; the server's wall clock and
        # weekday are added so a moderator elsewhere sees the day it was set for.
        local = item.next_run_utc.astimezone(ZoneInfo(item.zone))
        line += "\n" + t(
            "schedule.next",
            locale,
            when=discord.utils.format_dt(item.next_run_utc, "F"),
            day=t(f"schedule.day.{local.weekday()}", locale),
            date=local.strftime("%Y-%m-%d"),
            time=local.strftime("%H:%M"),
            zone=item.zone,
        )
    elif item.pending_due_utc is None:
        line += "\n" + t("schedule.finished", locale)
    if item.last_posted_at is not None:
        when = discord.utils.format_dt(item.last_posted_at, "R")
        lag = lag_of(item, locale)
        if lag is not None:
            line += "\n" + t("schedule.last_posted_lag", locale, when=when, lag=lag)
        else:
            line += "\n" + t("schedule.last_posted", locale, when=when)
    if item.last_error:
        failed_at = item.last_error_at or item.created_at
        line += "\n" + t(
            "schedule.last_error",
            locale,
            error=clip(item.last_error, 200),
            when=discord.utils.format_dt(failed_at, "R"),
        )
    return line


class ScheduleCog(commands.Cog, name="Schedule"):
    schedule = moderator_group("schedule", _("Moderators: scheduled announcements"))

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        # The kinds the features declare, in their order (`bot.features`).
        self.kinds = bot.features.kinds
        offer_choices(
            self.add, "kind", [app_commands.Choice(name=kind, value=kind) for kind in self.kinds]
        )

    @schedule.command(name="add", description=_("Schedule an announcement"))
    @app_commands.describe(
        kind=_("What to post"),
        time=_("HH:MM on a 24-hour clock, in the server's time zone"),
        repeat=_("Once, every day, or every week (pick the day with weekday)"),
        weekday=_("For weekly: the day to post on (default: the next day the time comes)"),
        channel=_("Where to post (default: the configured announcement channel)"),
    )
    # One decorator per option: `choices` takes one value type, and these are text and a number.
    @app_commands.choices(
        repeat=[
            app_commands.Choice(name=_("once"), value="once"),
            app_commands.Choice(name=_("daily"), value="daily"),
            app_commands.Choice(name=_("weekly"), value="weekly"),
        ]
    )
    @app_commands.choices(
        weekday=[app_commands.Choice(name=_(day), value=n) for n, day in enumerate(WEEKDAYS)]
    )
    @moderator_only()
    async def add(
        self,
        interaction: discord.Interaction,
        kind: str,
        time: str,
        repeat: str,
        weekday: int | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        assert interaction.guild is not None
        locale = interaction.locale
        settings = await self.bot.guild_settings.get(interaction.guild_id)
        request = checked_announcement(
            self.kinds,
            kind=kind,
            time_text=time,
            repeat=repeat,
            weekday=weekday,
            channel=channel,
            channels=interaction.guild.text_channels,
            configured_channel_id=settings.announce_channel_id,
            locale=locale,
        )
        item = await add_announcement(
            self.bot.scheduler,
            self.bot.guild_settings,
            interaction.guild_id,
            request,
            changer_of(interaction),
        )
        text = t("schedule.added", locale, description=describe_announcement(item, locale))
        if not settings.cog_enabled("announcements"):
            text += "\n" + t("schedule.announcements_off", locale)
        await send_ephemeral(interaction, text)

    @schedule.command(name="list", description=_("Every scheduled announcement in this server"))
    @moderator_only()
    async def list_command(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        locale = interaction.locale
        items = await self.bot.scheduler.list(interaction.guild_id)
        settings = await self.bot.guild_settings.get(interaction.guild_id)
        if not items:
            body = t("schedule.empty", locale)
        else:
            body = "\n\n".join(describe_announcement(item, locale) for item in items)
        embed = fan_embed(t("schedule.title", locale), clip(body, 4096))
        embed.set_footer(text=t("schedule.zone_footer", locale, zone=settings.timezone))
        await reply(interaction, embed=embed, ephemeral=True)

    @schedule.command(name="remove", description=_("Remove a scheduled announcement"))
    @app_commands.describe(id=_("The announcement's number, from /schedule list"))
    @moderator_only()
    async def remove(self, interaction: discord.Interaction, id: int) -> None:
        assert interaction.guild_id is not None
        removed = await remove_announcement(
            self.bot.scheduler,
            self.bot.guild_settings,
            interaction.guild_id,
            id,
            changer_of(interaction),
        )
        if not removed:
            raise NotFound("schedule.no_such", id=id)
        await send_ephemeral(interaction, t("schedule.removed", interaction.locale, id=id))

    @remove.autocomplete("id")
    async def id_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        items = await self.bot.scheduler.list(interaction.guild_id)
        locale = interaction.locale
        options = (
            (
                f"#{i.id} · {i.kind} · {format_hhmm(i.time_local)} · {i.repeat.value}"
                + (f" · {t(f'schedule.day.{i.weekday}', locale)}" if i.weekday is not None else ""),
                i.id,
            )
            for i in items
        )
        return matching_choices(options, current)


async def setup(bot: FanBot) -> None:
    await bot.add_cog(ScheduleCog(bot))
