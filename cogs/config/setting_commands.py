"""`/config <setting>`: one subcommand for each setting a feature declares.

Built when the bot is, from `bot.features`: `/config trivia-timeout seconds:` is trivia's
declared timeout, and a new feature's setting gets its subcommand without a line here.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _

from bot.checks import changer_of, moderator_only
from bot.errors import send_ephemeral
from bot.features import Setting
from bot.i18n import t
from bot.interaction_bot import fanbot_of
from cogs.config.validation import checked_value


def setting_command(setting: Setting) -> app_commands.Command[Any, ..., None]:
    """`/config <setting.command> <setting.option>:`, for moderators: stores a value within
    the setting's bounds and says so; a value outside them is refused with its bounds."""

    async def set_value(interaction: discord.Interaction, value: int) -> None:
        assert interaction.guild_id is not None
        await fanbot_of(interaction).guild_settings.set_value(
            interaction.guild_id,
            changer_of(interaction),
            setting.name,
            checked_value(setting, value),
        )
        said = {setting.option: value}
        await send_ephemeral(interaction, t(setting.done_key, interaction.locale, **said))

    command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=setting.command, description=_(setting.description), callback=set_value
    )
    # The callback's parameter is `value`; moderators see the option the setting names.
    app_commands.rename(value=setting.option)(command)
    app_commands.describe(value=_(setting.option_description))(command)
    moderator_only()(command)
    return command


def setting_line(setting: Setting, value: int, locale: Any) -> tuple[str, str]:
    """The setting's field of `/config show`: its label and its value, in `locale`."""
    return t(setting.label_key, locale), t(setting.value_key, locale, **{setting.option: value})
