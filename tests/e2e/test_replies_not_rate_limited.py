"""A member's reply never waits behind the global rate limit: interaction callbacks are not
bound by it on Discord, so while the bot's token has no request left (10,000 announcements
queued, say) a command is still answered at once."""

from __future__ import annotations

import asyncio

from bot.client import FanBot
from discord_emulator import DemoWorld, Emulator


class Exhausted:
    """A limiter with no token left, ever: every request that asks it waits."""

    def __init__(self) -> None:
        self.waiting = 0

    async def acquire(self) -> None:
        self.waiting += 1
        await asyncio.Event().wait()


async def test_a_command_is_answered_while_the_bots_own_requests_wait(
    emu: Emulator, world: DemoWorld, bot: FanBot
) -> None:
    limiter = Exhausted()
    bot.rate_limiter = limiter
    channel = bot.get_partial_messageable(int(world.announcements.id))
    queued = asyncio.create_task(channel.send("an announcement waiting for its turn"))
    try:
        await asyncio.sleep(0.05)  # the post reaches the limiter and waits there
        assert limiter.waiting == 1
        result = await emu.slash(world.guild, "general", "uaena", "about")
        assert "Love wins all" in result.message.text()
        assert not queued.done()
        assert limiter.waiting == 1  # the reply did not ask it
    finally:
        queued.cancel()
        await asyncio.gather(queued, return_exceptions=True)
