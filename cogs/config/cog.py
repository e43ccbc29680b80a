"""`/config`: moderators choose features, channel, time zone, language, moderator role, and
the settings the features declare (the trivia timeout)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.checks import changer_of, moderator_group, moderator_only
from bot.choices import MAX_CHOICES, NAME_MAX, offer_choices
from bot.deadline import reply
from bot.embeds import clip, fan_embed
from bot.errors import InvalidInput, send_ephemeral
from bot.guild_settings import (
    AUTO_LANGUAGE,
    VIA_DASHBOARD,
    AlsoInTransaction,
    GuildSettings,
)
from bot.i18n import catalog, t
from bot.time_zones import describe_offset, matching_zones
from cogs.config.setting_commands import setting_command, setting_line
from cogs.config.validation import (
    ZoneFollowers,
    check_post_channel,
    checked_language,
    checked_mod_role,
    checked_zone,
)

if TYPE_CHECKING:
    from bot.client import FanBot


def language_name(language: str, locale: Any) -> str:
    """ "Korean" / "한국어" for "ko"; a language the catalogs don't name, as its code."""
    key = f"config.language_{language}"
    return t(key, locale) if catalog().has(key) else f"`{language}`"


class ConfigCog(commands.Cog, name="Config"):
    config = moderator_group("config", _("Moderators: this server's settings for the bot"))

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self.features = bot.features
        offer_choices(
            self.cog,
            "name",
            [app_commands.Choice(name=name, value=name) for name in self.features.switchable],
        )
        # The declared settings' subcommands, where `/config trivia-timeout` always was:
        # after timezone, before modrole.
        self.config.remove_command(self.modrole.name)
        for setting in self.features.settings:
            self.config.add_command(setting_command(setting))
        self.config.add_command(self.modrole)

    async def _update(
        self,
        interaction: discord.Interaction,
        *,
        also: AlsoInTransaction | None = None,
        **changes: Any,
    ) -> GuildSettings:
        assert interaction.guild_id is not None
        return await self.bot.guild_settings.update(
            interaction.guild_id, changer_of(interaction), also=also, **changes
        )

    async def _done(self, interaction: discord.Interaction, key: str, **values: Any) -> None:
        await send_ephemeral(interaction, t(key, interaction.locale, **values))

    @config.command(name="show", description=_("Show this server's settings"))
    @moderator_only()
    async def show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        locale = interaction.locale
        settings = await self.bot.guild_settings.get(interaction.guild_id)
        changes = await self.bot.guild_settings.last_changes(interaction.guild_id)
        none = t("config.none", locale)
        cogs = "\n".join(
            t(
                "config.cog_line",
                locale,
                name=name,
                state=t("config.on" if settings.cog_enabled(name) else "config.off", locale),
            )
            for name in self.features.switchable
        )
        rows = [
            ("disabled_cogs", t("config.label.cogs", locale), cogs),
            (
                "announce_channel_id",
                t("config.label.channel", locale),
                f"<#{settings.announce_channel_id}>" if settings.announce_channel_id else none,
            ),
            ("timezone", t("config.label.timezone", locale), f"`{settings.timezone}`"),
            (
                "language",
                t("config.label.language", locale),
                await self._language_line(interaction.guild_id, settings.language, locale),
            ),
            *(
                (setting.name, *setting_line(setting, settings.value(setting.name), locale))
                for setting in self.features.settings
            ),
            (
                "mod_role_id",
                t("config.label.modrole", locale),
                f"<@&{settings.mod_role_id}>" if settings.mod_role_id else none,
            ),
        ]
        embed = fan_embed(t("config.title", locale))
        for setting, label, value in rows:
            change = changes.get(setting)
            if change is not None:
                when = discord.utils.format_dt(change.changed_at, "R")
                key = "config.changed_by" + ("_dashboard" if change.via == VIA_DASHBOARD else "")
                value += "\n" + t(key, locale, user=f"<@{change.user_id}>", when=when)
            embed.add_field(name=label, value=value, inline=False)
        await reply(interaction, embed=embed, ephemeral=True)

    @config.command(name="cog", description=_("Turn a feature on or off in this server"))
    @app_commands.describe(name=_("Which feature"), enabled=_("On (true) or off (false)"))
    @moderator_only()
    async def cog(self, interaction: discord.Interaction, name: str, enabled: bool) -> None:
        # Its choices are the switchable features, set in __init__.
        switchable = self.features.switchable
        if name not in switchable:
            raise InvalidInput("config.unknown_cog", name=name, known=", ".join(switchable))
        assert interaction.guild_id is not None
        # One name on or off in the stored set: a stale cached set would undo another
        # moderator's change made at the same moment.
        await self.bot.guild_settings.set_cog_enabled(
            interaction.guild_id, changer_of(interaction), name, enabled
        )
        await self._done(interaction, "config.cog_on" if enabled else "config.cog_off", name=name)

    @config.command(name="channel", description=_("Where scheduled announcements go"))
    @app_commands.describe(channel=_("A text channel the bot can post in"))
    @moderator_only()
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        check_post_channel(channel, channel.mention)
        await self._update(interaction, announce_channel_id=channel.id)
        await self._done(interaction, "config.channel_set", channel=channel.mention)

    @config.command(name="timezone", description=_("The time zone schedule times are read in"))
    @app_commands.describe(zone=_("A zone name or city, such as Asia/Seoul, UTC or New York"))
    @moderator_only()
    async def timezone(self, interaction: discord.Interaction, zone: str) -> None:
        now = self.bot.clock.now()
        name = checked_zone(zone, now, interaction.locale)
        assert interaction.guild_id is not None
        # The announcements follow the zone that is stored, also when two moderators change
        # it at once.
        followers = ZoneFollowers(getattr(self.bot, "scheduler", None), interaction.guild_id)
        await self._update(interaction, timezone=name, also=followers.also)
        followers.arm()
        local = now.astimezone(ZoneInfo(name))
        await self._done(
            interaction,
            "config.zone_set",
            zone=name,
            now=local.strftime("%H:%M"),
            offset=describe_offset(name, now),
        )

    @timezone.autocomplete("zone")
    async def zone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        now = self.bot.clock.now()
        # The label shows what the zone's clocks read now, so a moderator can check the pick.
        return [
            app_commands.Choice(
                name=clip(f"{name} ({describe_offset(name, now)})", NAME_MAX), value=name
            )
            for name in matching_zones(current, now, MAX_CHOICES)
        ]

    async def _language_line(self, guild_id: int, chosen: str, locale: Any) -> str:
        """`/config show`'s language: the chosen one, or `auto` and what it follows now."""
        if chosen != AUTO_LANGUAGE:
            return language_name(chosen, locale)
        current = language_name(await self.bot.server_language(guild_id), locale)
        return t("config.language_auto", locale, language=current)

    @config.command(
        name="language", description=_("The language of messages for the whole channel")
    )
    @app_commands.describe(
        language=_("Trivia rounds and scheduled posts; replies follow each member's language")
    )
    @app_commands.choices(
        language=[
            app_commands.Choice(name=_("auto: the server's Discord language"), value=AUTO_LANGUAGE),
            app_commands.Choice(name=_("Korean"), value="ko"),
            app_commands.Choice(name=_("English"), value="en"),
        ]
    )
    @moderator_only()
    async def language(self, interaction: discord.Interaction, language: str) -> None:
        assert interaction.guild_id is not None
        await self._update(interaction, language=checked_language(language))
        locale = interaction.locale
        now = language_name(await self.bot.server_language(interaction.guild_id), locale)
        key = "config.language_auto_set" if language == AUTO_LANGUAGE else "config.language_set"
        await self._done(interaction, key, language=now)

    @config.command(name="modrole", description=_("A role whose members count as moderators"))
    @app_commands.describe(role=_("The role (leave empty to clear it)"))
    @moderator_only()
    async def modrole(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        role_id = checked_mod_role(interaction.guild, role.id if role else None)
        await self._update(interaction, mod_role_id=role_id)
        if role is None:
            await self._done(interaction, "config.modrole_cleared")
        else:
            await self._done(interaction, "config.modrole_set", role=role.mention)


async def setup(bot: FanBot) -> None:
    await bot.add_cog(ConfigCog(bot))
