"""Checks shared by cogs: is the feature on in this server, is the caller a moderator."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands

from bot.deadline import ephemeral_extras
from bot.errors import CogDisabled, GuildOnly, NotModerator
from bot.guild_settings import VIA_COMMAND, Changer, GuildSettings
from bot.i18n import t
from bot.interaction_bot import fanbot_of

# Discord shows moderator roots only to members with Manage Server unless a server's admins
# open them up in Server Settings > Integrations; `moderator_only` checks the caller anyway.
MANAGE_SERVER = discord.Permissions(manage_guild=True)

# A command (or its callback) that a check decorates.
T = TypeVar("T")


def moderator_group(name: str, description: app_commands.locale_str) -> app_commands.Group:
    """A moderator command root: server-only, hidden from members by default, answering
    ephemerally (so a deferral's "thinking" is the moderator's alone too)."""
    return app_commands.Group(
        name=name,
        description=description,
        guild_only=True,
        default_permissions=MANAGE_SERVER,
        extras=ephemeral_extras(),
    )


def cog_enabled(name: str) -> Callable[[T], T]:
    """The command answers that its feature is off when a moderator switched `name` off."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if interaction.guild_id is None:
            raise GuildOnly()
        settings = await fanbot_of(interaction).guild_settings.get(interaction.guild_id)
        if not settings.cog_enabled(name):
            raise CogDisabled(feature=t(f"cogs.{name}", interaction.locale))
        return True

    return app_commands.check(predicate)


async def is_moderator(interaction: discord.Interaction) -> bool:
    """Manage Server, or the server's configured moderator role."""
    member = interaction.user
    if interaction.guild_id is None or not isinstance(member, discord.Member):
        return False
    if member.guild_permissions.manage_guild:
        return True
    settings = await fanbot_of(interaction).guild_settings.get(interaction.guild_id)
    return treats_as_moderator(member, settings)


def treats_as_moderator(member: discord.Member, settings: GuildSettings) -> bool:
    """The one rule, for commands and the dashboard alike: Manage Server (which the server's
    owner and administrators have), or the server's configured moderator role."""
    if member.guild_permissions.manage_guild:
        return True
    return settings.mod_role_id is not None and any(
        role.id == settings.mod_role_id for role in member.roles
    )


def changer_of(interaction: discord.Interaction) -> Changer:
    """The member running a command, as the settings history records them."""
    return Changer(interaction.user.id, interaction.user.display_name, VIA_COMMAND)


def moderator_only() -> Callable[[T], T]:
    """Refuse (ephemerally, via the error handler) anyone who is not a moderator here."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if interaction.guild_id is None:
            raise GuildOnly()
        if not await is_moderator(interaction):
            raise NotModerator()
        return True

    return app_commands.check(predicate)


def missing_post_permissions(channel: discord.abc.GuildChannel) -> list[str]:
    """The permissions the bot lacks to post its embeds in `channel` (names as Discord shows)."""
    me = channel.guild.me
    if me is None:
        return []
    allowed = channel.permissions_for(me)
    wanted = {
        "View Channel": allowed.view_channel,
        "Send Messages": allowed.send_messages,
        "Embed Links": allowed.embed_links,
    }
    return [name for name, ok in wanted.items() if not ok]
