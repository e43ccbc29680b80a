"""`/symbol` (the director's explanation of the video's symbols) and `/quote`.

`/quote` draws from data/quotes.toml and from the symbols' explanations. Plain `/quote` goes
through a shuffled cycle per channel (kept in the database, so a restart doesn't reset it):
no quote comes back until every other one was shown there.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.checks import cog_enabled
from bot.content import DATA_DIR, ContentError, Field, Problem, is_url, load_file, validate_records
from bot.deadline import reply
from bot.embeds import clip, fan_embed
from bot.errors import NotFound
from bot.i18n import language_of, t
from bot.scheduler import DueRun, OutgoingMessage
from bot.sources import source_links
from bot.text import clean_text

if TYPE_CHECKING:
    from pathlib import Path

    from bot.client import FanBot
    from bot.database import Database, Transaction


@dataclass(frozen=True)
class Symbol:
    name: str
    name_ko: str
    aliases: tuple[str, ...]
    summary: str
    summary_ko: str
    quote: str
    quote_ko: str
    note: str | None
    note_ko: str | None
    attribution: str
    attribution_ko: str
    source: str

    def matches(self, text: str) -> bool:
        wanted = text.strip().casefold()
        return wanted in (name.casefold() for name in self.names())

    def names(self) -> tuple[str, ...]:
        return (self.name, self.name_ko, *self.aliases)

    def as_quote(self) -> Quote:
        """The explanation as a quote for `/quote`, attributed exactly as `/symbol` does."""
        return Quote(
            key=f"symbol:{self.name.casefold()}",
            text=self.quote,
            text_ko=self.quote_ko,
            translated=False,
            speaker="",
            context="",
            source=self.source,
            attribution=self.attribution,
            attribution_ko=self.attribution_ko,
            topic=self.name,
            topic_ko=self.name_ko,
        )


@dataclass(frozen=True)
class Quote:
    """One quote. A symbol's explanation carries its guide `attribution` instead of a
    speaker and context, and its symbol's names as `topic`."""

    key: str
    text: str
    text_ko: str | None
    translated: bool
    speaker: str
    context: str
    source: str
    speaker_ko: str | None = None
    context_ko: str | None = None
    attribution: str | None = None
    attribution_ko: str | None = None
    topic: str | None = None
    topic_ko: str | None = None

    def haystack(self) -> str:
        """What a search looks in: the quote, who said it and where, its attribution and the
        symbol it is about, in both languages."""
        parts = (
            self.text,
            self.text_ko,
            self.speaker,
            self.speaker_ko,
            self.context,
            self.context_ko,
            self.attribution,
            self.attribution_ko,
            self.topic,
            self.topic_ko,
        )
        return " ".join(part for part in parts if part).casefold()

    def matches(self, search: str) -> bool:
        """Every word of `search` appears somewhere in the quote or what it is about."""
        haystack = self.haystack()
        return all(word in haystack for word in search.casefold().split())


SYMBOL_FIELDS = [
    Field("name", max_length=60),
    Field("name_ko", max_length=60),
    Field("aliases", required=False, kind=list),
    Field("summary", max_length=300),
    Field("summary_ko", max_length=300),
    Field("quote", max_length=1500),
    Field("quote_ko", max_length=1000),
    Field("note", required=False, max_length=300),
    Field("note_ko", required=False, max_length=300),
    Field("attribution", max_length=300),
    Field("attribution_ko", max_length=300),
    Field("source", max_length=500, check=is_url),
    # For editors only: never shown to members.
    Field("review_note", required=False, max_length=1000),
]
QUOTE_FIELDS = [
    Field("text", max_length=1500),
    Field("text_ko", required=False, max_length=1000),
    Field("translated", required=False, kind=bool),
    Field("speaker", max_length=100),
    Field("speaker_ko", max_length=100),
    Field("context", max_length=300),
    Field("context_ko", max_length=300),
    Field("source", max_length=500, check=is_url),
    Field("review_note", required=False, max_length=1000),
]


def blank_optional(document: dict[str, Any], table: str, names: Sequence[str]) -> list[Problem]:
    """An optional text that is given but empty (or only whitespace): an editor's slip that
    `validate_records` would take as absent, so its members would silently lack it."""
    records = document.get(table)
    problems = []
    for number, record in enumerate(records if isinstance(records, list) else [], start=1):
        for name in names:
            value = record.get(name) if isinstance(record, dict) else None
            if isinstance(value, str) and not clean_text(value):
                problems.append(Problem(f"entry {number}, field {name}", "is empty"))
    return problems


def load_symbols(path: Path = DATA_DIR / "symbols.toml") -> list[Symbol]:
    document = load_file(path)
    records, problems = validate_records(document, "symbols", SYMBOL_FIELDS)
    problems += blank_optional(document, "symbols", ("note", "note_ko"))
    # A note shown in one language only would leave the other's members without it.
    for number, record in enumerate(records, start=1):
        for have, lack in (("note", "note_ko"), ("note_ko", "note")):
            if have in record and lack not in record:
                problems.append(
                    Problem(f"entry {number}, field {lack}", f"is missing ({have} is set)")
                )
    if problems:
        raise ContentError(str(path), problems)
    return [
        Symbol(
            name=r["name"],
            name_ko=r["name_ko"],
            aliases=tuple(str(alias) for alias in r.get("aliases", [])),
            summary=r["summary"],
            summary_ko=r["summary_ko"],
            quote=r["quote"],
            quote_ko=r["quote_ko"],
            note=r.get("note"),
            note_ko=r.get("note_ko"),
            attribution=r["attribution"],
            attribution_ko=r["attribution_ko"],
            source=r["source"],
        )
        for r in records
    ]


def quote_key(speaker: str, context: str) -> str:
    """Stable across fixes to a quote's wording, so a channel's cycle survives them."""
    digest = hashlib.sha1(f"{speaker}|{context}".casefold().encode()).hexdigest()[:12]
    return f"q:{digest}"


def load_quotes(path: Path = DATA_DIR / "quotes.toml") -> list[Quote]:
    document = load_file(path)
    records, problems = validate_records(document, "quotes", QUOTE_FIELDS)
    problems += blank_optional(document, "quotes", ("text_ko",))
    quotes = [
        Quote(
            key=quote_key(r.get("speaker", ""), r.get("context", "")),
            text=r.get("text", ""),
            text_ko=r.get("text_ko"),
            translated=r.get("translated", False),
            speaker=r.get("speaker", ""),
            context=r.get("context", ""),
            source=r.get("source", ""),
            speaker_ko=r.get("speaker_ko"),
            context_ko=r.get("context_ko"),
        )
        for r in records
    ]
    seen: dict[str, int] = {}
    for number, quote in enumerate(quotes, start=1):
        if quote.key in seen:
            problems.append(
                Problem(f"entry {number}", f"same speaker and context as entry {seen[quote.key]}")
            )
        seen.setdefault(quote.key, number)
    if problems:
        raise ContentError(str(path), problems)
    return quotes


def next_quote(
    pool: Sequence[Quote], shown: Sequence[str], rng: random.Random, *, cycle: bool = True
) -> tuple[Quote, bool]:
    """The quote to show next, and whether a new cycle starts with it.

    `shown` holds the keys shown in this cycle, oldest first. A quote not shown yet is picked
    at random (so a cycle is a shuffle of the pool). When every quote of `pool` was shown: with
    `cycle`, a new cycle starts, never with the quote just shown; without (a search's few
    matches), the match shown longest ago comes back and the cycle goes on.
    """
    if not pool:
        raise ValueError("no quotes")
    order = {key: index for index, key in enumerate(shown)}
    fresh = [quote for quote in pool if quote.key not in order]
    if fresh:
        return rng.choice(fresh), False
    if not cycle:
        return min(pool, key=lambda quote: order[quote.key]), False
    last = shown[-1] if shown else None
    return rng.choice([quote for quote in pool if quote.key != last] or list(pool)), True


class QuoteCycleStore:
    """Which quotes each channel has seen in its current cycle (table `quotes_shown`)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    async def forget_guild(tx: Transaction, guild_id: int) -> int:
        """Erase the server's quote cycles (a `bot.member_data` guild eraser)."""
        return await tx.execute("DELETE FROM quotes_shown WHERE guild_id = ?", (guild_id,))

    async def take(
        self,
        guild_id: int,
        channel_id: int,
        pool: Sequence[Quote],
        rng: random.Random,
        *,
        cycle: bool = True,
        run_nonce: str | None = None,
    ) -> Quote:
        """Pick the channel's next quote from `pool` and mark it shown, in one transaction
        (two /quote at once in a channel never get the same one).

        A scheduled run passes its `run_nonce`: rendered again after a restart, it gets the
        quote it got the first time.
        """
        by_key = {quote.key: quote for quote in pool}
        async with self._db.transaction() as tx:
            # Another process's pick in this channel waits here, then sees this one's.
            await tx.lock("quotes_shown", channel_id)
            if run_nonce is not None:
                row = await tx.fetchone(
                    "SELECT quote_key FROM quotes_shown WHERE channel_id = ? AND run_nonce = ?",
                    (channel_id, run_nonce),
                )
                if row is not None and row["quote_key"] in by_key:
                    return by_key[row["quote_key"]]
            rows = await tx.fetchall(
                "SELECT quote_key FROM quotes_shown WHERE channel_id = ? ORDER BY position",
                (channel_id,),
            )
            shown = [row["quote_key"] for row in rows]
            chosen, afresh = next_quote(pool, shown, rng, cycle=cycle)
            if afresh:
                await tx.execute("DELETE FROM quotes_shown WHERE channel_id = ?", (channel_id,))
            await tx.execute(
                "INSERT INTO quotes_shown "
                "(channel_id, quote_key, guild_id, position, run_nonce) VALUES (?, ?, ?, "
                "(SELECT COALESCE(MAX(position), 0) + 1 FROM quotes_shown WHERE channel_id = ?),"
                " ?) ON CONFLICT (channel_id, quote_key) DO UPDATE SET "
                "guild_id = excluded.guild_id, position = excluded.position, "
                "run_nonce = excluded.run_nonce",
                (channel_id, chosen.key, guild_id, channel_id, run_nonce),
            )
        return chosen


def blockquote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


class SymbolsCog(commands.Cog, name="Symbols"):
    def __init__(self, bot: FanBot, *, rng: random.Random | None = None) -> None:
        self.bot = bot
        # Tests replace it to make the cycle's order deterministic.
        self.rng = rng or random.Random()
        self.symbols: list[Symbol] = []
        self.quotes: list[Quote] = []
        self.cycles = QuoteCycleStore(bot.database)

    async def cog_load(self) -> None:
        self.symbols = load_symbols()
        self.quotes = load_quotes() + [symbol.as_quote() for symbol in self.symbols]
        self.bot.scheduler.register_kind("quote", self.render_quote, feature="symbols")
        self.bot.scheduler.register_kind("symbol", self.render_symbol, feature="symbols")

    async def cog_unload(self) -> None:
        self.bot.scheduler.unregister_kind("quote")
        self.bot.scheduler.unregister_kind("symbol")

    async def render_quote(self, run: DueRun, language: str) -> OutgoingMessage | None:
        # The channel's cycle, seeded by the run; a re-sent run renders the same quote.
        chosen = await self.cycles.take(
            run.guild_id,
            run.channel_id,
            self.quotes,
            random.Random(run.nonce),
            run_nonce=run.nonce,
        )
        return OutgoingMessage(embed=self.quote_embed(chosen, language))

    async def render_symbol(self, run: DueRun, language: str) -> OutgoingMessage | None:
        chosen = random.Random(run.nonce).choice(self.symbols)
        return OutgoingMessage(embed=self.symbol_embed(chosen, language))

    @app_commands.command(
        name="symbol", description=_("The director's explanation of a symbol in the video")
    )
    @app_commands.describe(name=_("Which symbol (Nemo, Camcorder, ...)"))
    @app_commands.guild_only()
    @cog_enabled("symbols")
    async def symbol(self, interaction: discord.Interaction, name: str) -> None:
        found = next((symbol for symbol in self.symbols if symbol.matches(name)), None)
        if found is None:
            korean = language_of(interaction.locale) == "ko"
            known = ", ".join(s.name_ko if korean else s.name for s in self.symbols)
            raise NotFound("symbols.unknown", name=clip(name, 60), known=known)
        await reply(interaction, embed=self.symbol_embed(found, interaction.locale))

    @staticmethod
    def symbol_embed(found: Symbol, locale: Any) -> discord.Embed:
        if language_of(locale) == "ko":
            title, summary, quote = found.name_ko, found.summary_ko, found.quote_ko
            note, attribution = found.note_ko, found.attribution_ko
        else:
            title, summary, quote = found.name, found.summary, found.quote
            note, attribution = found.note, found.attribution
        embed = fan_embed(title, f"*{summary}*\n\n{blockquote(quote)}")
        if note:
            embed.add_field(name=t("symbols.note", locale), value=note)
        embed.add_field(
            name=t("symbols.attribution", locale),
            value=attributed(attribution, found.source),
            inline=False,
        )
        return embed

    @symbol.autocomplete("name")
    async def symbol_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = current.strip().casefold()
        korean = language_of(interaction.locale) == "ko"
        return [
            app_commands.Choice(name=symbol.name_ko if korean else symbol.name, value=symbol.name)
            for symbol in self.symbols
            if not wanted or any(wanted in name.casefold() for name in symbol.names())
        ][:25]

    @app_commands.command(name="quote", description=_("A quote about Love wins all"))
    @app_commands.describe(search=_("Words to look for (optional)"))
    @app_commands.guild_only()
    @cog_enabled("symbols")
    async def quote(self, interaction: discord.Interaction, search: str | None = None) -> None:
        # guild_only: both are set.
        assert interaction.guild_id is not None
        assert interaction.channel_id is not None
        pool = self.quotes
        wanted = (search or "").strip()
        if wanted:
            pool = [quote for quote in self.quotes if quote.matches(wanted)]
            if not pool:
                raise NotFound("symbols.no_quote", search=clip(wanted, 60))
        # A search takes its matches in turn too, but doesn't restart the channel's cycle.
        chosen = await self.cycles.take(
            interaction.guild_id, interaction.channel_id, pool, self.rng, cycle=not wanted
        )
        await reply(interaction, embed=self.quote_embed(chosen, interaction.locale))

    @staticmethod
    def quote_embed(chosen: Quote, locale: Any) -> discord.Embed:
        korean = language_of(locale) == "ko"
        text = chosen.text_ko if korean and chosen.text_ko else chosen.text
        topic = chosen.topic_ko if korean else chosen.topic
        title = (
            t("symbols.quote_about", locale, topic=topic)
            if topic
            else t("symbols.quote_title", locale)
        )
        embed = fan_embed(title, blockquote(text))
        if chosen.text_ko and text != chosen.text_ko:
            embed.add_field(name=t("symbols.original", locale), value=chosen.text_ko, inline=False)
        if chosen.attribution:
            said = (chosen.attribution_ko if korean else None) or chosen.attribution
        else:
            speaker, context = chosen.speaker, chosen.context
            if korean:
                speaker, context = chosen.speaker_ko or speaker, chosen.context_ko or context
            said = t("symbols.said_by", locale, speaker=speaker, context=context)
            if chosen.translated and not korean:
                said += " " + t("symbols.translated", locale)
            elif chosen.translated and text != chosen.text_ko:
                # No Korean original on file: the English shown is a translation.
                said += " " + t("symbols.korean.english_translation", locale)
        embed.add_field(
            name=t("symbols.attribution", locale),
            value=attributed(said, chosen.source),
            inline=False,
        )
        return embed


def attributed(attribution: str, source: str) -> str:
    """An attribution line with its sources as links, inside one field's 1,024 characters."""
    return f"{attribution}\n{source_links(source, limit=1024 - len(attribution) - 1)}"


async def setup(bot: FanBot) -> None:
    await bot.add_cog(SymbolsCog(bot))
    bot.member_data.register("symbols", forget_guild=QuoteCycleStore.forget_guild)
