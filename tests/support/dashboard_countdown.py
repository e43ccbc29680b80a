"""Helpers for the tests of the dashboard's countdown section (`cogs.countdown.dashboard`)."""

from __future__ import annotations

from bot.client import FanBot
from cogs.countdown.store import CountdownStore


def countdown_page(guild_id: int | str) -> str:
    return f"/servers/{guild_id}/countdown"


async def own_event_names(bot: FanBot, guild_id: int | str) -> list[str]:
    """The names of the server's own events, as the command's store reads them."""
    return [event.name for event in await CountdownStore(bot.database).events(int(guild_id))]
