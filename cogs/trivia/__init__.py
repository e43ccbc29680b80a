"""Trivia: rounds with buttons, scores and streaks, leaderboards, servers' own questions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.trivia.admin import TriviaAdminCog
from cogs.trivia.cog import TriviaCog
from cogs.trivia.store import forget_trivia_guild, forget_trivia_member

if TYPE_CHECKING:
    from bot.client import FanBot


async def setup(bot: FanBot) -> None:
    await bot.add_cog(TriviaCog(bot))
    await bot.add_cog(TriviaAdminCog(bot))
    bot.member_data.register(
        "trivia", forget_member=forget_trivia_member, forget_guild=forget_trivia_guild
    )
