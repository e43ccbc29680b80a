"""The FanBot an interaction arrived at, typed as one.

discord.py types `Interaction.client` as a plain `discord.Client`: a check, a command or a
`DynamicItem` can't declare which client it is registered with. Every interaction this
code handles arrives at the FanBot whose tree holds the command or whose cog added the
button, so the one cast that says so is here, not a `type: ignore` at each use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import discord

if TYPE_CHECKING:
    from bot.client import FanBot


def fanbot_of(interaction: discord.Interaction) -> FanBot:
    """The bot that received `interaction` (its settings, its cogs)."""
    # The fact discord.py's types can't carry: only a FanBot registers our commands and items.
    return cast("FanBot", interaction.client)
