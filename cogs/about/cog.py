"""`/about`: what the release was, its credits, and what the bot can do."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot import __version__
from bot.content import DATA_DIR, ContentError, Field, Problem, is_url, load_file, validate_records
from bot.deadline import reply
from bot.embeds import fan_embed
from bot.i18n import language_of, t
from bot.sources import source_links

if TYPE_CHECKING:
    from bot.client import FanBot

# Korean members see the `_ko` texts; `review_note` is for editors: it is never shown.
CREDIT_FIELDS = [
    Field("role", max_length=60),
    Field("role_ko", max_length=60),
    Field("name", max_length=200),
    Field("name_ko", max_length=200),
    Field("source", max_length=500, check=is_url),
    Field("review_note", required=False, max_length=1000),
]
FACT_FIELDS = [
    Field("text", max_length=300),
    Field("text_ko", max_length=300),
    Field("source", max_length=500, check=is_url),
    Field("review_note", required=False, max_length=1000),
]
# The [release] table, checked as one record: an empty (or whitespace) text is missing.
RELEASE_FIELDS = [
    Field("title", max_length=100),
    Field("artist", max_length=100),
    Field("artist_ko", max_length=100),
    Field("summary", max_length=1500),
    Field("summary_ko", max_length=1500),
    Field("source", max_length=500, check=is_url),
    Field("review_note", required=False, max_length=1000),
]
FIELD_VALUE_MAX = 1024
# Discord's limits for the one /about embed; `check_fits` holds the release file to them.
EMBED_TOTAL_MAX = 6000
FIELDS_MAX = 25
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FEATURES = ("trivia", "symbol", "quote", "countdown", "privacy", "config", "schedule")


@dataclass(frozen=True)
class Release:
    title: str
    artist: str
    artist_ko: str
    summary: str
    summary_ko: str
    source: str
    credits: list[Credit]
    facts: list[Fact]


@dataclass(frozen=True)
class Credit:
    role: str
    role_ko: str
    name: str
    name_ko: str
    source: str


@dataclass(frozen=True)
class Fact:
    text: str
    text_ko: str
    source: str


def load_release(path: Path = DATA_DIR / "release.toml") -> Release:
    document = load_file(path)
    problems: list[Problem] = []
    head: dict[str, Any] = {}
    table = document.get("release")
    if isinstance(table, dict):
        [head], head_problems = validate_records({"release": [table]}, "release", RELEASE_FIELDS)
        problems += [
            Problem(problem.place.replace("entry 1", "[release]", 1), problem.message)
            for problem in head_problems
        ]
    else:
        names = ", ".join(field.name for field in RELEASE_FIELDS if field.required)
        problems.append(Problem("[release]", f"needs a table with {names}"))
    credits, credit_problems = validate_records(document, "credits", CREDIT_FIELDS)
    facts, fact_problems = validate_records(document, "facts", FACT_FIELDS)
    problems += credit_problems + fact_problems
    if problems:
        raise ContentError(str(path), problems)
    release = Release(
        title=head["title"],
        artist=head["artist"],
        artist_ko=head["artist_ko"],
        summary=head["summary"],
        summary_ko=head["summary_ko"],
        source=head["source"],
        credits=[
            Credit(c["role"], c["role_ko"], c["name"], c["name_ko"], c["source"]) for c in credits
        ],
        facts=[Fact(f["text"], f["text_ko"], f["source"]) for f in facts],
    )
    check_fits(release, str(path))
    return release


def check_fits(release: Release, source: str) -> None:
    """Refuse (`ContentError`) a release whose /about would not fit one embed in English or
    Korean: the file sets no count of credits or facts, Discord sets 6,000 characters."""
    problems = []
    for language in ("en", "ko"):
        embed = about_embed(release, language)
        if (
            len(embed) > EMBED_TOTAL_MAX
            or len(embed.fields) > FIELDS_MAX
            or len(embed.title or "") > TITLE_MAX
            or len(embed.description or "") > DESCRIPTION_MAX
        ):
            problems.append(
                Problem(
                    f"/about ({language})",
                    f"is {len(embed)} characters in {len(embed.fields)} fields; "
                    f"at most {EMBED_TOTAL_MAX:,} fit, in {FIELDS_MAX} fields "
                    f"(title {TITLE_MAX}, summary and its links {DESCRIPTION_MAX:,})",
                )
            )
    if problems:
        raise ContentError(source, problems)


class AboutCog(commands.Cog, name="About"):
    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self.release: Release | None = None

    async def cog_load(self) -> None:
        self.release = load_release()

    @app_commands.command(name="about", description=_("About Love wins all and this bot"))
    async def about(self, interaction: discord.Interaction) -> None:
        assert self.release is not None
        embed = about_embed(self.release, interaction.locale)
        await reply(interaction, embed=embed)


def about_embed(release: Release, locale: Any) -> discord.Embed:
    """The /about embed in `locale`: every source a link, every field within Discord's limits."""
    korean = language_of(locale) == "ko"
    artist, summary = (
        (release.artist_ko, release.summary_ko) if korean else (release.artist, release.summary)
    )
    embed = fan_embed(f"{artist} · “{release.title}”", f"{summary}\n{source_links(release.source)}")
    credits = [
        with_links(
            f"**{c.role_ko}:** {c.name_ko}" if korean else f"**{c.role}:** {c.name}", c.source
        )
        for c in release.credits
    ]
    add_line_fields(embed, t("about.credits", locale), credits, locale)
    facts = [
        with_links(f"• {fact.text_ko if korean else fact.text}", fact.source)
        for fact in release.facts
    ]
    add_line_fields(embed, t("about.facts", locale), facts, locale)
    commands_text = "\n".join(t(f"about.feature.{name}", locale) for name in FEATURES)
    embed.add_field(name=t("about.commands", locale), value=commands_text, inline=False)
    embed.set_footer(
        text=f"{t('about.version', locale, version=__version__)} · {t('about.footer', locale)}"
    )
    return embed


def with_links(text: str, source: str) -> str:
    """`text` followed by its sources as links, within one field."""
    return f"{text} · {source_links(source, limit=FIELD_VALUE_MAX - len(text) - 3)}"


def add_line_fields(embed: discord.Embed, title: str, lines: list[str], locale: Any) -> None:
    """`lines` in as few fields as fit Discord's 1,024 characters each, never cutting a line
    (a line's links would break); the fields after the first say they continue it."""
    more = t("about.more", locale, title=title)
    value = ""
    for line in lines:
        if value and len(value) + 1 + len(line) > FIELD_VALUE_MAX:
            embed.add_field(name=title, value=value, inline=False)
            title, value = more, ""
        value = f"{value}\n{line}" if value else line
    if value:
        embed.add_field(name=title, value=value, inline=False)


async def setup(bot: FanBot) -> None:
    await bot.add_cog(AboutCog(bot))
