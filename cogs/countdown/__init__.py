"""Countdowns to and from V's service milestones, the release, and servers' own events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.countdown.admin import CountdownAdminCog
from cogs.countdown.cog import CountdownCog
from cogs.countdown.store import forget_countdown_guild

if TYPE_CHECKING:
    from bot.client import FanBot


async def setup(bot: FanBot) -> None:
    await bot.add_cog(CountdownCog(bot))
    await bot.add_cog(CountdownAdminCog(bot))
    bot.member_data.register("countdown", forget_guild=forget_countdown_guild)
