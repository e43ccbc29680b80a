"""User mistakes as named exceptions, and the one handler that answers every failure.

A command raises a `UserError` subclass; `answer_error` turns it into one ephemeral message in
the member's language. Anything else is logged with its traceback and answered with an
apology and a short reference, so no interaction is ever left unanswered.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import discord
from discord import app_commands

from bot.database import is_busy
from bot.deadline import reply
from bot.i18n import t
from bot.metrics import Outcome, count_interaction

log = logging.getLogger(__name__)

MESSAGE_MAX = 2000


class UserError(app_commands.AppCommandError):
    """A mistake the user can fix. `key` names the message in the catalogs."""

    key = "errors.generic"
    # Counted as "refused" (the command did not run for who or where the caller is) rather
    # than "user_error" (what they typed was refused).
    outcome = Outcome.USER_ERROR

    def __init__(self, key: str | None = None, /, **values: Any) -> None:
        self.key = key or self.key
        self.values = values
        super().__init__(self.key)

    def render(self, locale: discord.Locale | str | None) -> str:
        return t(self.key, locale, **self.values)


class InvalidInput(UserError):
    """An option's value is not accepted; the message says what is."""

    key = "errors.invalid_input"


class NotFound(UserError):
    """The thing the user named does not exist (here)."""

    key = "errors.not_found"


class CogDisabled(UserError):
    """A moderator switched this feature off in the server."""

    key = "errors.cog_disabled"
    outcome = Outcome.REFUSED


class NotModerator(UserError):
    """The caller has neither Manage Server nor the server's moderator role."""

    key = "errors.not_moderator"
    outcome = Outcome.REFUSED


class GuildOnly(UserError):
    key = "errors.guild_only"
    outcome = Outcome.REFUSED


class Busy(UserError):
    """Something is already under way that this would clash with (an open trivia round)."""

    key = "errors.busy"


def new_reference() -> str:
    """A short id the operator can find in the log, and the user can quote."""
    return secrets.token_hex(3).upper()


async def answer_error(interaction: discord.Interaction, error: Exception) -> None:
    """Answer `interaction` ephemerally for `error`, logging what the user can't fix.

    Counts the interaction with its `Outcome` in the bot's metrics.
    """
    original = getattr(error, "original", error)
    outcome = Outcome.REFUSED
    if isinstance(original, UserError):
        outcome = original.outcome
        text = original.render(interaction.locale)
    elif isinstance(error, app_commands.CommandOnCooldown):
        text = t("errors.cooldown", interaction.locale, seconds=f"{error.retry_after:.0f}")
    elif isinstance(error, app_commands.NoPrivateMessage):
        text = t("errors.guild_only", interaction.locale)
    elif isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        text = t("errors.not_moderator", interaction.locale)
    elif is_busy(original):
        # Another process holds the database longer than the busy timeout: nothing was
        # changed, and trying again shortly is all the member can (and needs to) do.
        command = interaction.command.qualified_name if interaction.command else "?"
        log.warning("database busy in %s (guild %s): %s", command, interaction.guild_id, original)
        text = t("errors.database_busy", interaction.locale)
    else:
        outcome = Outcome.ERROR
        reference = new_reference()
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error(
            "unexpected error [%s] in %s (guild %s, user %s)",
            reference,
            command,
            interaction.guild_id,
            interaction.user.id if interaction.user else None,
            exc_info=original,
        )
        text = t("errors.unexpected", interaction.locale, reference=reference)
    count_interaction(interaction, outcome)
    await send_ephemeral(interaction, text)


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Reply (or follow up, or complete a deferral) with an ephemeral, mention-free message."""
    text = text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 1] + "…"
    try:
        await reply(interaction, text, ephemeral=True)
    except discord.HTTPException:
        # The interaction token may have expired; there is no one left to tell but the log.
        log.warning("could not answer interaction %s with an error", interaction.id)


class FanTree(app_commands.CommandTree):
    """The command tree with our error handler; components use the same one (see views)."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await answer_error(interaction, error)
