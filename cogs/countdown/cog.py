"""`/countdown`: days until or since V's service milestones, the release, and yearly dates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.checks import cog_enabled
from bot.choices import matching_choices
from bot.embeds import NO_MENTIONS, clip, fan_embed
from bot.errors import NotFound
from bot.i18n import language_of, t
from bot.scheduler import DueRun, OutgoingMessage
from cogs.countdown.maths import Countdown, CountdownEvent, countdown, ordinal
from cogs.countdown.store import CountdownStore, load_builtin_events

if TYPE_CHECKING:
    from bot.client import FanBot

MAX_FIELDS = 25


def describe(item: Countdown, locale: Any) -> str:
    """`in 12 days (D-12)`, `1 day 5 hours ago (D+1)`, with the occurrence of a yearly event."""
    span = abs(item.remaining)
    if item.show_hours:
        days, hours = span.days, span.seconds // 3600
        key = "countdown.day_hours" if days == 1 else "countdown.days_hours"
        amount = t(key, locale, days=days, hours=hours)
        if days == 0:
            amount = t("countdown.hours", locale, hours=hours, minutes=span.seconds // 60 % 60)
    else:
        days = abs(item.days)
        amount = t("countdown.day" if days == 1 else "countdown.days", locale, days=days)
    key = "countdown.since" if item.is_past else "countdown.until"
    text = t(key, locale, amount=amount, d=item.d_label)
    if item.occurrence is not None and item.occurrence > 0:
        nth = ordinal(item.occurrence) if language_of(locale) == "en" else item.occurrence
        occasion = t(f"countdown.occasion.{item.event.occasion}", locale, nth=nth)
        text = f"{occasion} · {text}"
    return text


class CountdownCog(commands.Cog, name="Countdown"):
    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self.store = CountdownStore(bot.database)
        self.builtin: list[CountdownEvent] = []

    async def cog_load(self) -> None:
        self.builtin = load_builtin_events()
        self.bot.scheduler.register_kind("countdown", self.render_announcement)

    async def cog_unload(self) -> None:
        self.bot.scheduler.unregister_kind("countdown")

    async def render_announcement(self, run: DueRun) -> OutgoingMessage | None:
        settings = await self.bot.guild_settings.get(run.guild_id)
        if not settings.cog_enabled("countdown"):
            return None
        guild = self.bot.get_guild(run.guild_id)
        locale = guild.preferred_locale if guild else None
        return OutgoingMessage(embed=await self.countdown_embed(run.guild_id, None, locale))

    async def events_for(self, guild_id: int) -> list[CountdownEvent]:
        return self.builtin + await self.store.events(guild_id)

    @app_commands.command(
        name="countdown", description=_("Days until or since V's service dates and the release")
    )
    @app_commands.describe(event=_("One event (default: all of them)"))
    @app_commands.guild_only()
    @cog_enabled("countdown")
    async def countdown_command(
        self, interaction: discord.Interaction, event: str | None = None
    ) -> None:
        assert interaction.guild_id is not None
        embed = await self.countdown_embed(interaction.guild_id, event, interaction.locale)
        await interaction.response.send_message(embed=embed, allowed_mentions=NO_MENTIONS)

    async def countdown_embed(self, guild_id: int, event: str | None, locale: Any) -> discord.Embed:
        """The answer to `/countdown` (also posted by scheduled announcements)."""
        settings = await self.bot.guild_settings.get(guild_id)
        now = self.bot.clock.now()
        events = await self.events_for(guild_id)
        if event:
            wanted = event.strip().casefold()
            chosen = [e for e in events if wanted in (e.name.casefold(), e.key.casefold())]
            if not chosen:
                known = ", ".join(e.name for e in events[:10])
                raise NotFound("countdown.unknown", name=clip(event, 60), known=known)
            item = countdown(chosen[0], now, settings.zone)
            embed = fan_embed(chosen[0].name, f"**{describe(item, locale)}**")
            if chosen[0].fact:
                embed.add_field(name=t("countdown.fact", locale), value=chosen[0].fact)
            if chosen[0].source:
                embed.add_field(
                    name=t("countdown.source", locale), value=chosen[0].source, inline=False
                )
            embed.set_footer(text=self._when(item, settings.timezone))
            return embed
        items = [countdown(e, now, settings.zone) for e in events]
        upcoming = sorted((i for i in items if not i.is_past), key=lambda i: i.remaining)
        past = sorted((i for i in items if i.is_past), key=lambda i: i.remaining, reverse=True)
        embed = fan_embed(t("countdown.title", locale))
        for item in (upcoming + past)[:MAX_FIELDS]:
            value = f"**{describe(item, locale)}**"
            if item.event.fact:
                value += f"\n{item.event.fact}"
            embed.add_field(name=clip(item.event.name, 256), value=clip(value, 1024), inline=False)
        embed.set_footer(text=t("countdown.zone_footer", locale, zone=settings.timezone))
        return embed

    @staticmethod
    def _when(item: Countdown, zone: str) -> str:
        from zoneinfo import ZoneInfo

        return item.target.astimezone(ZoneInfo(zone)).strftime(f"%Y-%m-%d %H:%M ({zone})")

    @countdown_command.autocomplete("event")
    async def event_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        events = self.builtin
        if interaction.guild_id is not None:
            events = await self.events_for(interaction.guild_id)
        return matching_choices(((e.name, clip(e.name, 100)) for e in events), current)
