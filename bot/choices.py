"""Autocomplete: one way to turn a feature's options into the choices Discord shows."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, TypeVar

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


def offer_choices(
    command: app_commands.Command[Any, ..., Any],
    parameter: str,
    choices: Iterable[app_commands.Choice[ChoiceT]],
) -> None:
    """Give `parameter` of a cog instance's `command` fixed choices known only once the bot
    exists (the features it serves), as `@app_commands.choices` does for a class.

    discord.py copies a cog's commands for each instance but shares their parameters with
    the class: the parameter is copied before the choices are set, so two bots in one process
    (tests) keep their own; the names become `locale_str`s, as the class decorator makes
    them, so they are translated when the commands sync. Raises `TypeError` as
    `app_commands.choices` does.
    """
    params = command._params
    params[parameter] = copy.copy(params[parameter])
    translatable = [
        app_commands.Choice(name=app_commands.locale_str(str(choice.name)), value=choice.value)
        for choice in choices
    ]
    app_commands.choices(**{parameter: translatable})(command)
