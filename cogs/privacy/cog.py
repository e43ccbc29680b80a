"""`/privacy forget`: a member removes what the bot stores about them in one server.

Always available: it belongs to no switchable cog. What is removed is whatever the features
registered with `bot.member_data`; the confirmation buttons carry the member and their expiry
in their custom ids, so a click after a restart is still checked and answered.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.deadline import AnswerStyle, defer, ephemeral_answer, reply, update
from bot.embeds import NO_MENTIONS
from bot.errors import answer_error, send_ephemeral
from bot.i18n import catalog, t
from bot.interaction_bot import fanbot_of
from bot.metrics import Outcome, count_interaction

if TYPE_CHECKING:
    from bot.client import FanBot

log = logging.getLogger(__name__)

# How long the confirmation buttons work.
CONFIRM_SECONDS = 120


class ForgetButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"privacy:forget:(?P<action>confirm|cancel):(?P<user>[0-9]+):(?P<expires>[0-9]+)",
):
    """Confirm or cancel; only `user_id` may press it, and only until `expires` (epoch s)."""

    answer = AnswerStyle.UPDATE  # a click edits the prompt

    def __init__(
        self,
        action: str,
        user_id: int,
        expires: int,
        *,
        label: str = "",
        disabled: bool = False,
    ) -> None:
        style = discord.ButtonStyle.danger if action == "confirm" else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                label=label or action,
                style=style,
                disabled=disabled,
                custom_id=f"privacy:forget:{action}:{user_id}:{expires}",
            )
        )
        self.action = action
        self.user_id = user_id
        self.expires = expires

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ForgetButton:
        return cls(match["action"], int(match["user"]), int(match["expires"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = fanbot_of(interaction).get_cog(PrivacyCog.__cog_name__)
        try:
            if not isinstance(cog, PrivacyCog):
                raise RuntimeError("the privacy cog is not loaded")
            await cog.handle_button(interaction, self.action, self.user_id, self.expires)
        except Exception as error:
            await answer_error(interaction, error)
        else:
            count_interaction(interaction, Outcome.OK)


def confirm_view(
    user_id: int, expires: int, locale: Any, *, disabled: bool = False
) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in ("confirm", "cancel"):
        label = t(f"privacy.{action}", locale)
        view.add_item(ForgetButton(action, user_id, expires, label=label, disabled=disabled))
    return view


class PrivacyCog(commands.Cog, name="Privacy"):
    privacy = app_commands.Group(
        name="privacy", description=_("What the bot stores about you"), guild_only=True
    )

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self.confirm_seconds: float = CONFIRM_SECONDS
        # (guild, member, expiry) -> the task that disables that prompt's buttons.
        self._timers: dict[tuple[int, int, int], asyncio.Task[None]] = {}

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ForgetButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ForgetButton)
        for task in self._timers.values():
            task.cancel()

    @ephemeral_answer
    @privacy.command(
        name="forget", description=_("Remove your trivia answers, scores and name in this server")
    )
    async def forget(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        locale = interaction.locale
        deadline = self.bot.clock.now() + timedelta(seconds=self.confirm_seconds)
        expires = int(deadline.timestamp()) + 1  # whole seconds, never shorter than promised
        text = t(
            "privacy.prompt",
            locale,
            until=discord.utils.format_dt(datetime.fromtimestamp(expires, UTC), "R"),
        )
        await reply(
            interaction,
            text,
            view=confirm_view(interaction.user.id, expires, locale),
            ephemeral=True,
        )
        key = (interaction.guild_id, interaction.user.id, expires)
        self._timers[key] = asyncio.create_task(
            self._expire(interaction, key), name=f"privacy-forget-{interaction.user.id}"
        )

    async def _expire(self, interaction: discord.Interaction, key: tuple[int, int, int]) -> None:
        """Disable the prompt's buttons once they no longer work."""
        _guild_id, user_id, expires = key
        try:
            delay = expires - self.bot.clock.now().timestamp()
            if delay > 0:
                await asyncio.sleep(delay)
            await interaction.edit_original_response(
                content=t("privacy.expired", interaction.locale),
                view=confirm_view(user_id, expires, interaction.locale, disabled=True),
                allowed_mentions=NO_MENTIONS,
            )
        except discord.HTTPException:
            log.info("could not disable the /privacy forget buttons of member %d", user_id)
        finally:
            if self._timers.get(key) is asyncio.current_task():
                del self._timers[key]

    async def handle_button(
        self, interaction: discord.Interaction, action: str, user_id: int, expires: int
    ) -> None:
        locale = interaction.locale
        if interaction.user.id != user_id:
            await send_ephemeral(interaction, t("privacy.not_yours", locale))
            return
        assert interaction.guild_id is not None
        timer = self._timers.pop((interaction.guild_id, user_id, expires), None)
        if timer is not None:
            timer.cancel()
        if self.bot.clock.now().timestamp() >= expires:
            await update(
                interaction,
                content=t("privacy.expired", locale),
                view=confirm_view(user_id, expires, locale, disabled=True),
            )
            return
        if action == "cancel":
            await update(interaction, content=t("privacy.cancelled", locale), view=None)
            return
        # Deferred: the answer says "done" only once the rows are gone, however long it takes.
        await defer(interaction, update=True)
        removed = await self.bot.member_data.forget_member(interaction.guild_id, user_id)
        log.info(
            "server %d: member %d removed their data: %s",
            interaction.guild_id,
            user_id,
            ", ".join(f"{name} {count}" for name, count in removed.items()) or "nothing",
        )
        await update(interaction, content=done_text(removed, locale), view=None)


def done_text(removed: dict[str, int], locale: Any) -> str:
    """What `/privacy forget` removed, by feature."""
    if not removed:
        return t("privacy.done_nothing", locale)
    parts = []
    for name, count in removed.items():
        label = t(f"cogs.{name}", locale) if catalog().has(f"cogs.{name}") else name
        parts.append(t("privacy.done_part", locale, feature=label, count=count))
    return t("privacy.done", locale, count=sum(removed.values()), details=", ".join(parts))


async def setup(bot: FanBot) -> None:
    await bot.add_cog(PrivacyCog(bot))
