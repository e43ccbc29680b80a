"""`/countdown-admin add|remove`: a server's own countdown events, for moderators."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.checks import moderator_group, moderator_only
from bot.choices import matching_choices
from bot.embeds import clip
from bot.errors import InvalidInput, NotFound, send_ephemeral
from bot.i18n import t
from bot.text import as_text, clean_text
from cogs.countdown.maths import EVENT_YEARS, EventYearOutOfRange, has_time, parse_event_date
from cogs.countdown.store import CountdownStore, EventNameTaken, TooManyEvents

if TYPE_CHECKING:
    from bot.client import FanBot

NAME_MAX = 100  # an embed field name holds 256; autocomplete choices hold 100
DESCRIPTION_MAX = 600
GUILD_MAX_EVENTS = 20  # /countdown pages its list, so this limit is for moderators' sake
KIND_CHOICES = [
    app_commands.Choice(name=_("birthday"), value="birthday"),
    app_commands.Choice(name=_("anniversary"), value="anniversary"),
    app_commands.Choice(name=_("debut anniversary"), value="debut"),
    app_commands.Choice(name=_("other yearly date"), value="other"),
]


class CountdownAdminCog(commands.Cog, name="CountdownAdmin"):
    admin = moderator_group("countdown-admin", _("Moderators: this server's own countdown events"))

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self.store = CountdownStore(bot.database)

    @admin.command(name="add", description=_("Add a countdown event for this server"))
    @app_commands.describe(
        name=_("The event's name"),
        date=_("YYYY-MM-DD, optionally with HH:MM, in the server's time zone"),
        yearly=_("Count to its next occurrence every year (default: no)"),
        description=_("One line about it, shown with the countdown"),
        kind=_("What a yearly event celebrates (makes it yearly)"),
    )
    @app_commands.choices(kind=KIND_CHOICES)
    @moderator_only()
    async def add(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, NAME_MAX],
        date: str,
        yearly: bool | None = None,
        description: app_commands.Range[str, 1, DESCRIPTION_MAX] | None = None,
        kind: str | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        # Cleaned before any check: an invisible-only name is empty, and names that differ
        # only by invisible characters are the same name.
        name = clean_text(name)
        description = clean_text(description) if description is not None else None
        if not name:
            raise InvalidInput("countdown_admin.empty_name")
        if kind is not None and yearly is False:
            raise InvalidInput("countdown_admin.kind_needs_yearly")
        # A birthday or an anniversary comes back every year, so a kind alone makes it yearly.
        yearly = bool(yearly) or kind is not None
        settings = await self.bot.guild_settings.get(interaction.guild_id)
        try:
            at = parse_event_date(date, settings.zone)
        except EventYearOutOfRange as error:
            raise InvalidInput(
                "countdown_admin.bad_year",
                date=clip(date, 40),
                first=EVENT_YEARS.start,
                last=EVENT_YEARS.stop - 1,
            ) from error
        except ValueError as error:
            raise InvalidInput(
                "countdown_admin.bad_date", date=clip(date, 40), zone=settings.timezone
            ) from error
        builtin = getattr(self.bot.get_cog("Countdown"), "builtin", [])
        if any(event.name.casefold() == name.casefold() for event in builtin):
            raise InvalidInput("countdown_admin.taken", name=as_text(name))
        try:
            await self.store.add(
                interaction.guild_id,
                name,
                at,
                yearly,
                description or None,
                interaction.user.id,
                self.bot.clock.now(),
                kind=kind,
                date_only=not has_time(date),
                limit=GUILD_MAX_EVENTS,
            )
        except TooManyEvents as error:
            raise InvalidInput("countdown_admin.too_many", limit=error.limit) from error
        except EventNameTaken as error:
            raise InvalidInput("countdown_admin.taken", name=as_text(name)) from error
        when = at.strftime("%Y-%m-%d %H:%M" if has_time(date) else "%Y-%m-%d")
        key = "countdown_admin.added_yearly" if yearly else "countdown_admin.added"
        await send_ephemeral(
            interaction,
            t(key, interaction.locale, name=as_text(name), when=when, zone=settings.timezone),
        )

    @admin.command(name="remove", description=_("Remove one of this server's countdown events"))
    @app_commands.describe(name=_("The event's name"))
    @moderator_only()
    async def remove(self, interaction: discord.Interaction, name: str) -> None:
        assert interaction.guild_id is not None
        name = clean_text(name)
        if not await self.store.remove(interaction.guild_id, name):
            raise NotFound("countdown_admin.no_such_event", name=as_text(clip(name, 100)))
        await send_ephemeral(
            interaction,
            t("countdown_admin.removed", interaction.locale, name=as_text(clip(name, 100))),
        )

    @remove.autocomplete("name")
    async def name_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        events = await self.store.events(interaction.guild_id)
        return matching_choices(((event.name, event.name) for event in events), current)
