"""`/about`: what the release was, its credits, and what the bot can do."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.content import DATA_DIR, ContentError, Field, Problem, is_url, load_file, validate_records
from bot.embeds import NO_MENTIONS, clip, fan_embed
from bot.i18n import t

if TYPE_CHECKING:
    from bot.client import FanBot

CREDIT_FIELDS = [
    Field("role", max_length=60),
    Field("name", max_length=200),
    Field("source", max_length=500, check=is_url),
]
FACT_FIELDS = [Field("text", max_length=300), Field("source", max_length=500, check=is_url)]
FEATURES = ("trivia", "symbol", "quote", "countdown", "config", "schedule")


@dataclass(frozen=True)
class Release:
    title: str
    artist: str
    summary: str
    source: str
    credits: list[tuple[str, str]]
    facts: list[str]


def load_release(path: Path = DATA_DIR / "release.toml") -> Release:
    document = load_file(path)
    problems: list[Problem] = []
    head = document.get("release")
    if not isinstance(head, dict) or not all(
        isinstance(head.get(key), str) for key in ("title", "artist", "summary", "source")
    ):
        problems.append(Problem("[release]", "needs title, artist, summary and source"))
        head = {}
    credits, credit_problems = validate_records(document, "credits", CREDIT_FIELDS)
    facts, fact_problems = validate_records(document, "facts", FACT_FIELDS)
    problems += credit_problems + fact_problems
    if problems:
        raise ContentError(str(path), problems)
    return Release(
        title=head["title"],
        artist=head["artist"],
        summary=head["summary"],
        source=head["source"],
        credits=[(c["role"], c["name"]) for c in credits],
        facts=[f["text"] for f in facts],
    )


class AboutCog(commands.Cog, name="About"):
    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self.release: Release | None = None

    async def cog_load(self) -> None:
        self.release = load_release()

    @app_commands.command(name="about", description=_("About Love wins all and this bot"))
    async def about(self, interaction: discord.Interaction) -> None:
        assert self.release is not None
        locale = interaction.locale
        release = self.release
        embed = fan_embed(f"{release.artist} · “{release.title}”", release.summary)
        credits = "\n".join(f"**{role}:** {name}" for role, name in release.credits)
        embed.add_field(name=t("about.credits", locale), value=clip(credits, 1024), inline=False)
        facts = "\n".join(f"• {fact}" for fact in release.facts)
        embed.add_field(name=t("about.facts", locale), value=clip(facts, 1024), inline=False)
        commands_text = "\n".join(t(f"about.feature.{name}", locale) for name in FEATURES)
        embed.add_field(name=t("about.commands", locale), value=commands_text, inline=False)
        embed.set_footer(text=t("about.footer", locale))
        await interaction.response.send_message(embed=embed, allowed_mentions=NO_MENTIONS)


async def setup(bot: FanBot) -> None:
    await bot.add_cog(AboutCog(bot))
