"""Autocomplete: one way to turn a feature's options into the choices Discord shows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from discord import app_commands

from bot.embeds import clip

ChoiceT = TypeVar("ChoiceT", str, int)

# Discord shows at most 25 choices, each named in at most 100 characters.
MAX_CHOICES = 25
NAME_MAX = 100


def matching_choices(
    options: Iterable[tuple[str, ChoiceT]], typed: str, *, keep_newest: bool = False
) -> list[app_commands.Choice[ChoiceT]]:
    """The (label, value) options whose label contains what the member typed, any case.

    `keep_newest`: the options come oldest first, and past 25 the newest are the likelier.
    """
    wanted = typed.strip().casefold()
    found = [
        app_commands.Choice(name=clip(label, NAME_MAX), value=value)
        for label, value in options
        if wanted in label.casefold()
    ]
    return found[-MAX_CHOICES:] if keep_newest else found[:MAX_CHOICES]
