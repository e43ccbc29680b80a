"""Two processes of the bot on one PostgreSQL database, posting announcements that all fall
due at 09:00, stay together under Discord's global rate limit (50 requests a second per bot
token, enforced by the emulator): no 429, no second past 50. Without the limiter the same
burst gets 429s, so the test can fail.

The two bots share nothing in memory: each has its own pool, limiter and scheduler; only the
database (and the token) are common, as for two `python -m bot` processes. They only log in
(REST), since the scheduler needs no gateway and two unsharded sessions would be refused.
"""

from __future__ import annotations

import time as monotonic
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.client import FanBot
from bot.clock import FakeClock
from bot.config import Settings
from bot.rate_limit import DISCORD_LIMIT, GlobalLimit
from bot.schedule_time import Repeat
from discord_emulator import Emulator, eventually, reset_api_base, use_api_base
from tests.support.postgres import PostgresServer

DUE = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)  # 09:00 in Seoul
SERVERS, CHANNELS = 4, 40  # 160 posts due at once: three seconds' worth at 50 a second


class ClusterBot(FanBot):
    """One process of a cluster: it schedules only the servers it is given."""

    def __init__(
        self, settings: Settings, clock: FakeClock, own: Iterable[int], limit: GlobalLimit | None
    ) -> None:
        super().__init__(settings, clock=clock, guild_ready_timeout=0.05, global_limit=limit)
        self.own = frozenset(own)

    def owns_guild(self, guild_id: int) -> bool:
        return guild_id in self.own


def world(emu: Emulator) -> dict[int, list[int]]:
    """Servers, each with its channels: {guild id: [channel ids]}."""
    owner = emu.add_user("owner")
    servers = {}
    for n in range(SERVERS):
        guild = emu.add_guild(f"Love wins all fans {n + 1}", owner)
        channels = [guild.add_text_channel(f"daily-{c}") for c in range(CHANNELS)]
        servers[int(guild.id)] = [int(channel.id) for channel in channels]
    return servers


async def post_all_at_nine(
    emu: Emulator, postgres: PostgresServer, limit: GlobalLimit | None
) -> float:
    """Both processes post every server's daily 09:00 announcement; returns when (the
    emulator's clock) the posts fell due."""
    emu.global_rate_limit = 50
    servers = world(emu)
    url = await postgres.fresh_database()
    clock = FakeClock(DUE - timedelta(minutes=5))
    settings = Settings(token=emu.token, database_url=url, api_base=emu.base_url)
    halves = [list(servers)[0::2], list(servers)[1::2]]
    bots = [ClusterBot(settings, clock, half, limit) for half in halves]
    use_api_base(emu.base_url)
    try:
        for bot in bots:
            await bot.login(emu.token or "")
        for bot, half in zip(bots, halves, strict=True):
            for guild_id in half:
                for channel_id in servers[guild_id]:
                    await bot.scheduler.add(
                        guild_id,
                        channel_id,
                        "quote",
                        time(9, 0),
                        Repeat.DAILY,
                        ZoneInfo("Asia/Seoul"),
                        1,
                    )
        due_at = emu.clock()
        clock.set(DUE)
        for bot in bots:
            bot.scheduler.wake()
        expected = SERVERS * CHANNELS
        await eventually(lambda: posted(emu) >= expected, timeout=60)
        assert posted(emu) == expected
        return due_at
    finally:
        for bot in bots:
            await bot.close()
        reset_api_base()


def posted(emu: Emulator) -> int:
    return sum(
        1
        for message in emu.world.messages.values()
        if message.author.id == emu.bot.id and "daily-" in message.channel.name
    )


async def test_two_processes_together_stay_under_the_global_limit(
    emu: Emulator, postgres: PostgresServer
) -> None:
    started = monotonic.monotonic()
    due_at = await post_all_at_nine(emu, postgres, DISCORD_LIMIT)
    print(
        f"160 posts by two processes: {monotonic.monotonic() - started:.1f} s, per second "
        f"{emu.requests_per_second(since=due_at)}, sliding peak "
        f"{emu.peak_requests_per_second(sliding=True, since=due_at)}"
    )
    assert emu.global_429s == 0
    assert emu.peak_requests_per_second() <= 50
    # Spread, not dropped: the burst took seconds, as 160 requests at 50 a second must.
    assert len(emu.requests_per_second(since=due_at)) >= 3


async def test_without_the_limiter_the_same_burst_gets_429s(
    emu: Emulator, postgres: PostgresServer
) -> None:
    await post_all_at_nine(emu, postgres, None)
    assert emu.global_429s > 0
