"""One embed style for the whole bot."""

from __future__ import annotations

import discord

# The lilac of the single's cover art; every embed shares it so the bot looks like one thing.
BRAND_COLOUR = discord.Colour(0x9B7EDE)
SUCCESS_COLOUR = discord.Colour(0x3BA55D)

NO_MENTIONS = discord.AllowedMentions.none()


def fan_embed(
    title: str, description: str | None = None, *, url: str | None = None
) -> discord.Embed:
    return discord.Embed(title=title, description=description, colour=BRAND_COLOUR, url=url)


def clip(text: str, limit: int) -> str:
    """`text` cut to Discord's `limit`, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
