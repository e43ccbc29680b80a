"""`/countdown`: days until or since V's service milestones, the release, and yearly dates.

With no event it answers a compact list, one line per event, in pages of `PER_PAGE` with
Previous/Next buttons; an event's description, fact and source are shown only through
`event:`. A page's size is bounded by design: at most `PER_PAGE` lines, each at most a name
(100 characters) and a count, so a page stays far inside Discord's embed limits whatever
moderators add.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.checks import cog_enabled
from bot.deadline import AnswerStyle, reply, update
from bot.embeds import clip, fan_embed
from bot.errors import CogDisabled, InvalidInput, NotFound, answer_error
from bot.i18n import language_of, t
from bot.interaction_bot import fanbot_of
from bot.metrics import Outcome, count_interaction
from bot.scheduler import DueRun, OutgoingMessage
from bot.sources import source_links
from bot.text import as_text
from cogs.countdown.maths import (
    Countdown,
    CountdownEvent,
    best_matches,
    countdown,
    find_events,
    in_list_order,
    local_date,
    ordinal,
    pages_of,
)
from cogs.countdown.store import CountdownStore, load_builtin_events

if TYPE_CHECKING:
    from bot.client import FanBot

PER_PAGE = 10
NAME_MAX = 100  # built-in names are validated to 100, server ones are refused above it
DESCRIPTION_MAX = 4096
CHOICES_MAX = 25
SUGGESTIONS = 10  # names listed when the typed event is unknown or ambiguous
# A scheduled post's footer carries `bot.scheduler.run_marker` ("⏰ #3"); paging keeps it, so
# a restart can still find the post.
RUN_MARK = re.compile(r"⏰ #\d+")


def describe(item: Countdown, locale: Any) -> str:
    """`in 12 days (D-12)`, `1 day 5 hours ago (D+1)`, with the occurrence of a yearly event."""
    span = abs(item.remaining)
    if item.is_today:
        text = t("countdown.today", locale, d=item.d_label)
    else:
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
        occasion = t(f"countdown.occasion.{item.event.kind}", locale, nth=nth)
        text = f"{occasion} · {text}"
    return text


def when_text(item: Countdown, zone: str, locale: Any) -> str:
    """The target as members should read it: a date-only event as its date in its own zone
    (never a made-up time in the server's), an instant on the server's clock."""
    if item.event.date_only:
        own = str(item.event.at.tzinfo)
        return t("countdown.date_in", locale, date=local_date(item.event, item.target), zone=own)
    return item.target.astimezone(ZoneInfo(zone)).strftime(f"%Y-%m-%d %H:%M ({zone})")


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"countdown:page:(?P<page>[0-9]{1,4}):(?P<lang>[a-z]{2,3})",
):
    """Previous/Next on the list. Its custom id carries the page to show and the message's
    language, so it works after a restart and every page reads in the language of the first;
    the page is rendered afresh on each click, so the counts are those of that moment."""

    answer = AnswerStyle.UPDATE  # a click edits the list

    def __init__(self, page: int, language: str, label: str = "", disabled: bool = False):
        super().__init__(
            discord.ui.Button(
                label=label or str(page + 1),
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"countdown:page:{page}:{language}",
            )
        )
        self.page = page
        self.language = language

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PageButton:
        return cls(int(match["page"]), match["lang"])

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = fanbot_of(interaction).get_cog(CountdownCog.__cog_name__)
        try:
            if not isinstance(cog, CountdownCog) or interaction.guild_id is None:
                raise NotFound("countdown.page_gone")
            await cog.turn_page(interaction, self.page, self.language)
        except Exception as error:
            await answer_error(interaction, error)
        else:
            count_interaction(interaction, Outcome.OK)


class CountdownCog(commands.Cog, name="Countdown"):
    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self.store = CountdownStore(bot.database)
        self.builtin: list[CountdownEvent] = []

    async def cog_load(self) -> None:
        self.builtin = load_builtin_events()
        self.bot.add_dynamic_items(PageButton)
        self.bot.scheduler.register_kind("countdown", self.render_announcement, feature="countdown")

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PageButton)
        self.bot.scheduler.unregister_kind("countdown")

    async def render_announcement(self, run: DueRun, language: str) -> OutgoingMessage | None:
        """The scheduled countdown: the list's first page (the soonest events), with buttons."""
        embed, view = await self.list_page(run.guild_id, 0, language)
        return OutgoingMessage(embed=embed, view=view)

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
        if event and event.strip():
            embed = await self.event_embed(interaction.guild_id, event, interaction.locale)
            await reply(interaction, embed=embed)
            return
        language = language_of(interaction.locale)
        embed, view = await self.list_page(interaction.guild_id, 0, language)
        await reply(interaction, embed=embed, view=view)

    async def turn_page(self, interaction: discord.Interaction, page: int, language: str) -> None:
        assert interaction.guild_id is not None
        settings = await self.bot.guild_settings.get(interaction.guild_id)
        if not settings.cog_enabled("countdown"):
            raise CogDisabled(feature=t("cogs.countdown", interaction.locale))
        embed, view = await self.list_page(interaction.guild_id, page, language)
        old = interaction.message.embeds[0].footer.text if interaction.message else None
        if old and (mark := RUN_MARK.search(old)):
            embed.set_footer(text=f"{embed.footer.text} · {mark.group()}")
        await update(interaction, embed=embed, view=view)

    async def list_page(
        self, guild_id: int, page: int, language: str
    ) -> tuple[discord.Embed, discord.ui.View | None]:
        """One page of the compact list (soonest first, then the most recent past), and its
        buttons (None when everything fits on one page). A page past the end shows the last."""
        settings = await self.bot.guild_settings.get(guild_id)
        now = self.bot.clock.now()
        items = [countdown(e, now, settings.zone) for e in await self.events_for(guild_id)]
        pages = pages_of(in_list_order(items), PER_PAGE)
        page = min(max(page, 0), len(pages) - 1)
        lines = [
            f"**{as_text(clip(item.event.name_in(language), NAME_MAX))}** · "
            f"{describe(item, language)}"
            for item in pages[page]
        ]
        embed = fan_embed(t("countdown.title", language), clip("\n".join(lines), DESCRIPTION_MAX))
        footer = t("countdown.zone_footer", language, zone=settings.timezone)
        if len(pages) > 1:
            footer = t("countdown.page", language, page=page + 1, pages=len(pages)) + " · " + footer
        embed.set_footer(text=footer)
        if len(pages) == 1:
            return embed, None
        # A disabled button still needs a valid custom id distinct from the other one.
        view = discord.ui.View(timeout=None)
        view.add_item(
            PageButton(
                max(page - 1, 0),
                language,
                label=t("countdown.previous", language),
                disabled=page == 0,
            )
        )
        view.add_item(
            PageButton(
                min(page + 1, len(pages) - 1),
                language,
                label=t("countdown.next", language),
                disabled=page == len(pages) - 1,
            )
        )
        return embed, view

    async def event_embed(self, guild_id: int, typed: str, locale: Any) -> discord.Embed:
        """One event in detail: its count, when, its description or fact, and its source."""
        settings = await self.bot.guild_settings.get(guild_id)
        language = language_of(locale)
        events = await self.events_for(guild_id)
        chosen = best_matches(events, typed)
        if not chosen:
            known = ", ".join(clip(e.name_in(language), 60) for e in events[:SUGGESTIONS])
            raise NotFound("countdown.unknown", name=clip(typed, 60), known=known)
        if len(chosen) > 1:
            names = ", ".join(f"`{clip(e.name_in(language), 60)}`" for e in chosen[:SUGGESTIONS])
            raise InvalidInput("countdown.ambiguous", name=clip(typed, 60), names=names)
        event = chosen[0]
        item = countdown(event, self.bot.clock.now(), settings.zone)
        title = clip(event.name_in(language), NAME_MAX)
        embed = fan_embed(title, f"**{describe(item, locale)}**")
        if fact := event.fact_in(language):
            fact = clip(as_text(fact), 1024)
            embed.add_field(name=t("countdown.fact", locale), value=fact)
        if event.source:
            embed.add_field(
                name=t("countdown.source", locale), value=source_links(event.source), inline=False
            )
        embed.set_footer(text=when_text(item, settings.timezone, locale))
        return embed

    @countdown_command.autocomplete("event")
    async def event_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        events = self.builtin
        if interaction.guild_id is not None:
            events = await self.events_for(interaction.guild_id)
        # The label is in the member's language; the value is the English name, which
        # `find_events` matches exactly (rank 0) when sent back.
        language = language_of(interaction.locale)
        return [
            app_commands.Choice(name=clip(e.name_in(language), NAME_MAX), value=e.name)
            for e in find_events(events, current)[:CHOICES_MAX]
        ]
