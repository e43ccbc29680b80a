"""`/config`: moderators choose features, channel, time zone, language, moderator role, and
the settings the features declare (the trivia timeout)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.checks import changer_of, missing_post_permissions, moderator_group, moderator_only
from bot.choices import MAX_CHOICES, NAME_MAX, offer_choices
from bot.database import Transaction
from bot.deadline import reply
from bot.embeds import clip, fan_embed
from bot.errors import InvalidInput, send_ephemeral
from bot.guild_settings import (
    AUTO_LANGUAGE,
    LANGUAGES,
    VIA_DASHBOARD,
    AlsoInTransaction,
    GuildSettings,
)
from bot.i18n import catalog, t
from bot.scheduler import Rescheduled
from bot.time_zones import (
    UnknownZone,
    ZoneAbbreviation,
    describe_offset,
    matching_zones,
    resolve_zone,
)
from cogs.config.setting_commands import setting_command, setting_line

if TYPE_CHECKING:
    from bot.client import FanBot


# How many zones a refusal names before "and N more": enough to find one's own, short
# enough to read (and far inside the 2,000 characters of a message).
ZONES_LISTED = 8


def list_zones(zones: tuple[str, ...], locale: Any) -> str:
    """`Asia/Seoul`, `Asia/Pyongyang` and 3 more (in the locale's words)."""
    shown = ", ".join(f"`{zone}`" for zone in zones[:ZONES_LISTED])
    rest = len(zones) - ZONES_LISTED
    return shown + (" " + t("config.zone_more", locale, count=rest) if rest > 0 else "")


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
        missing = missing_post_permissions(channel)
        if missing:
            raise InvalidInput(
                "config.channel_forbidden", channel=channel.mention, missing=", ".join(missing)
            )
        await self._update(interaction, announce_channel_id=channel.id)
        await self._done(interaction, "config.channel_set", channel=channel.mention)

    @config.command(name="timezone", description=_("The time zone schedule times are read in"))
    @app_commands.describe(zone=_("A zone name or city, such as Asia/Seoul, UTC or New York"))
    @moderator_only()
    async def timezone(self, interaction: discord.Interaction, zone: str) -> None:
        locale = interaction.locale
        now = self.bot.clock.now()
        try:
            name = resolve_zone(zone, now)
        except ZoneAbbreviation as error:
            raise InvalidInput(
                "config.zone_abbreviation",
                abbreviation=clip(error.abbreviation, 10),
                zones=list_zones(error.zones, locale),
            ) from error
        except UnknownZone as error:
            hint = ""
            if error.suggestions:
                hint = "\n" + t(
                    "config.zone_suggestions", locale, zones=list_zones(error.suggestions, locale)
                )
            raise InvalidInput("config.bad_zone", zone=clip(zone.strip(), 60), hint=hint) from error
        assert interaction.guild_id is not None
        guild_id = interaction.guild_id
        scheduler = getattr(self.bot, "scheduler", None)
        rescheduled: list[Rescheduled] = []

        async def move_announcements(tx: Transaction, settings: GuildSettings) -> None:
            # In the change's transaction: the announcements follow the zone that is stored,
            # also when two moderators change it at once.
            if scheduler is not None:
                rescheduled.append(await scheduler.reschedule_in(tx, guild_id, settings.zone))

        await self._update(interaction, timezone=name, also=move_announcements)
        if scheduler is not None:
            for moved in rescheduled:
                scheduler.arm_rescheduled(moved)
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
        if language not in LANGUAGES:  # only a client that ignores the choices sends another
            raise InvalidInput("config.unknown_language", language=clip(language, 10))
        await self._update(interaction, language=language)
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
        if role is not None and role.is_default():
            raise InvalidInput("config.everyone_role")
        # discord.py builds a role of another server as if it were this one's: check it is.
        if role is not None and (
            interaction.guild is None or interaction.guild.get_role(role.id) is None
        ):
            raise InvalidInput("errors.foreign_role")
        await self._update(interaction, mod_role_id=role.id if role else None)
        if role is None:
            await self._done(interaction, "config.modrole_cleared")
        else:
            await self._done(interaction, "config.modrole_set", role=role.mention)


async def setup(bot: FanBot) -> None:
    await bot.add_cog(ConfigCog(bot))
