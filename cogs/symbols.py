"""`/symbol` (the director's explanation of the video's symbols) and `/quote`."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.checks import cog_enabled
from bot.content import DATA_DIR, ContentError, Field, is_url, load_file, validate_records
from bot.embeds import NO_MENTIONS, clip, fan_embed
from bot.errors import NotFound
from bot.i18n import language_of, t
from bot.scheduler import DueRun, OutgoingMessage

if TYPE_CHECKING:
    from pathlib import Path

    from bot.client import FanBot


@dataclass(frozen=True)
class Symbol:
    name: str
    aliases: tuple[str, ...]
    summary: str
    quote: str
    quote_ko: str | None
    note: str | None
    attribution: str
    source: str

    def matches(self, text: str) -> bool:
        wanted = text.strip().casefold()
        return wanted in (self.name.casefold(), *(alias.casefold() for alias in self.aliases))


@dataclass(frozen=True)
class Quote:
    text: str
    text_ko: str | None
    translated: bool
    speaker: str
    context: str
    source: str

    def haystack(self) -> str:
        return " ".join((self.text, self.text_ko or "", self.speaker, self.context)).casefold()


SYMBOL_FIELDS = [
    Field("name", max_length=60),
    Field("aliases", required=False, kind=list),
    Field("summary", max_length=300),
    Field("quote", max_length=1500),
    Field("quote_ko", required=False, max_length=1000),
    Field("note", required=False, max_length=300),
    Field("attribution", max_length=300),
    Field("source", max_length=500, check=is_url),
]
QUOTE_FIELDS = [
    Field("text", max_length=1500),
    Field("text_ko", required=False, max_length=1000),
    Field("translated", required=False, kind=bool),
    Field("speaker", max_length=100),
    Field("context", max_length=300),
    Field("source", max_length=500, check=is_url),
]


def load_symbols(path: Path = DATA_DIR / "symbols.toml") -> list[Symbol]:
    records, problems = validate_records(load_file(path), "symbols", SYMBOL_FIELDS)
    if problems:
        raise ContentError(str(path), problems)
    return [
        Symbol(
            name=r["name"],
            aliases=tuple(str(alias) for alias in r.get("aliases", [])),
            summary=r["summary"],
            quote=r["quote"],
            quote_ko=r.get("quote_ko"),
            note=r.get("note"),
            attribution=r["attribution"],
            source=r["source"],
        )
        for r in records
    ]


def load_quotes(path: Path = DATA_DIR / "quotes.toml") -> list[Quote]:
    records, problems = validate_records(load_file(path), "quotes", QUOTE_FIELDS)
    if problems:
        raise ContentError(str(path), problems)
    return [
        Quote(
            text=r["text"],
            text_ko=r.get("text_ko"),
            translated=r.get("translated", False),
            speaker=r["speaker"],
            context=r["context"],
            source=r["source"],
        )
        for r in records
    ]


def blockquote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


class SymbolsCog(commands.Cog, name="Symbols"):
    def __init__(self, bot: FanBot, *, rng: random.Random | None = None) -> None:
        self.bot = bot
        self.rng = rng or random.Random()
        self.symbols: list[Symbol] = []
        self.quotes: list[Quote] = []

    async def cog_load(self) -> None:
        self.symbols = load_symbols()
        self.quotes = load_quotes()
        self.bot.scheduler.register_kind("quote", self.render_quote)
        self.bot.scheduler.register_kind("symbol", self.render_symbol)

    async def cog_unload(self) -> None:
        self.bot.scheduler.unregister_kind("quote")
        self.bot.scheduler.unregister_kind("symbol")

    async def _locale_if_enabled(self, run: DueRun) -> tuple[bool, Any]:
        settings = await self.bot.guild_settings.get(run.guild_id)
        guild = self.bot.get_guild(run.guild_id)
        return settings.cog_enabled("symbols"), guild.preferred_locale if guild else None

    async def render_quote(self, run: DueRun) -> OutgoingMessage | None:
        enabled, locale = await self._locale_if_enabled(run)
        if not enabled:
            return None
        # Seeded by the run, so a re-sent run renders the same quote.
        chosen = random.Random(run.nonce).choice(self.quotes)
        return OutgoingMessage(embed=self.quote_embed(chosen, locale))

    async def render_symbol(self, run: DueRun) -> OutgoingMessage | None:
        enabled, locale = await self._locale_if_enabled(run)
        if not enabled:
            return None
        chosen = random.Random(run.nonce).choice(self.symbols)
        return OutgoingMessage(embed=self.symbol_embed(chosen, locale))

    @app_commands.command(
        name="symbol", description=_("The director's explanation of a symbol in the video")
    )
    @app_commands.describe(name=_("Which symbol (Nemo, Camcorder, ...)"))
    @app_commands.guild_only()
    @cog_enabled("symbols")
    async def symbol(self, interaction: discord.Interaction, name: str) -> None:
        found = next((symbol for symbol in self.symbols if symbol.matches(name)), None)
        if found is None:
            known = ", ".join(symbol.name for symbol in self.symbols)
            raise NotFound("symbols.unknown", name=clip(name, 60), known=known)
        await interaction.response.send_message(
            embed=self.symbol_embed(found, interaction.locale), allowed_mentions=NO_MENTIONS
        )

    @staticmethod
    def symbol_embed(found: Symbol, locale: Any) -> discord.Embed:
        korean = language_of(locale) == "ko" and found.quote_ko
        quote = found.quote_ko if korean else found.quote
        embed = fan_embed(found.name, f"*{found.summary}*\n\n{blockquote(quote or '')}")
        if found.note and not korean:
            embed.add_field(name=t("symbols.note", locale), value=found.note)
        embed.add_field(
            name=t("symbols.attribution", locale),
            value=f"{found.attribution}\n{found.source}",
            inline=False,
        )
        return embed

    @symbol.autocomplete("name")
    async def symbol_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = current.strip().casefold()
        return [
            app_commands.Choice(name=symbol.name, value=symbol.name)
            for symbol in self.symbols
            if not wanted
            or wanted in symbol.name.casefold()
            or any(wanted in alias.casefold() for alias in symbol.aliases)
        ][:25]

    @app_commands.command(name="quote", description=_("A quote about Love wins all"))
    @app_commands.describe(search=_("Words to look for (optional)"))
    @app_commands.guild_only()
    @cog_enabled("symbols")
    async def quote(self, interaction: discord.Interaction, search: str | None = None) -> None:
        pool = self.quotes
        if search and search.strip():
            words = search.casefold().split()
            pool = [q for q in self.quotes if all(word in q.haystack() for word in words)]
            if not pool:
                raise NotFound("symbols.no_quote", search=clip(search, 60))
        chosen = self.rng.choice(pool)
        await interaction.response.send_message(
            embed=self.quote_embed(chosen, interaction.locale), allowed_mentions=NO_MENTIONS
        )

    @staticmethod
    def quote_embed(chosen: Quote, locale: Any) -> discord.Embed:
        korean = language_of(locale) == "ko" and chosen.text_ko
        text = chosen.text_ko if korean else chosen.text
        embed = fan_embed(t("symbols.quote_title", locale), blockquote(text or ""))
        if chosen.text_ko and not korean:
            embed.add_field(name=t("symbols.original", locale), value=chosen.text_ko, inline=False)
        said = t("symbols.said_by", locale, speaker=chosen.speaker, context=chosen.context)
        if chosen.translated and not korean:
            said += " " + t("symbols.translated", locale)
        embed.add_field(
            name=t("symbols.attribution", locale), value=f"{said}\n{chosen.source}", inline=False
        )
        return embed


async def setup(bot: FanBot) -> None:
    await bot.add_cog(SymbolsCog(bot))
