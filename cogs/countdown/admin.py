"""`/countdown-admin add|remove`: a server's own countdown events, for moderators."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.checks import changer_of, moderator_group, moderator_only
from bot.choices import matching_choices
from bot.embeds import clip
from bot.errors import InvalidInput, NotFound, send_ephemeral
from bot.i18n import t
from bot.text import as_text
from cogs.countdown.own_events import (
    DESCRIPTION_MAX,
    GUILD_MAX_EVENTS,
    HISTORY_NAME,
    NAME_MAX,
    EventRefused,
    add_own_event,
    remove_own_event,
)
from cogs.countdown.store import CountdownStore

if TYPE_CHECKING:
    from bot.client import FanBot

__all__ = ["DESCRIPTION_MAX", "GUILD_MAX_EVENTS", "NAME_MAX", "CountdownAdminCog"]
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
        settings = await self.bot.guild_settings.get(interaction.guild_id)
        shipped = getattr(self.bot.get_cog("Countdown"), "builtin", [])
        try:
            added = await add_own_event(
                self.store,
                interaction.guild_id,
                settings,
                shipped,
                name=name,
                date=date,
                yearly=yearly,
                description=description,
                kind=kind,
                created_by=interaction.user.id,
                now=self.bot.clock.now(),
                quote=as_text,
            )
        except EventRefused as refused:
            first = refused.problems[0]
            raise InvalidInput(first.key, **first.values) from refused
        await self.bot.guild_settings.record(
            interaction.guild_id, changer_of(interaction), HISTORY_NAME, None, added.history_entry
        )
        key = "countdown_admin.added_yearly" if added.yearly else "countdown_admin.added"
        await send_ephemeral(
            interaction,
            t(
                key,
                interaction.locale,
                name=as_text(added.name),
                when=added.when,
                zone=settings.timezone,
            ),
        )

    @admin.command(name="remove", description=_("Remove one of this server's countdown events"))
    @app_commands.describe(name=_("The event's name"))
    @moderator_only()
    async def remove(self, interaction: discord.Interaction, name: str) -> None:
        assert interaction.guild_id is not None
        try:
            removed = await remove_own_event(self.store, interaction.guild_id, name, quote=as_text)
        except EventRefused as refused:
            first = refused.problems[0]
            raise NotFound(first.key, **first.values) from refused
        await self.bot.guild_settings.record(
            interaction.guild_id, changer_of(interaction), HISTORY_NAME, removed, None
        )
        await send_ephemeral(
            interaction,
            t("countdown_admin.removed", interaction.locale, name=as_text(clip(removed, 100))),
        )

    @remove.autocomplete("name")
    async def name_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        events = await self.store.events(interaction.guild_id)
        return matching_choices(((event.name, event.name) for event in events), current)
