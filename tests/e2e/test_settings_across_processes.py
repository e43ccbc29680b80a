"""Two bots on one PostgreSQL database: a moderator's `/config` through one is followed by the
other's cache within a second (the database notifies every process of a change)."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

from bot.client import FanBot
from bot.clock import SystemClock
from bot.config import Settings
from bot.guild_settings import DEFAULT_TIMEZONE
from bot.postgres import LISTENER_NAME
from discord_emulator import DemoWorld, Emulator, running_client
from tests.support.postgres import PostgresServer


def bot_on(emu: Emulator, url: str) -> FanBot:
    settings = Settings(token=emu.token, database_url=url, api_base=emu.base_url)
    return FanBot(settings, clock=SystemClock(), guild_ready_timeout=0.05)


async def test_config_through_one_bot_reaches_the_other_bots_cache(
    emu: Emulator, world: DemoWorld, postgres: PostgresServer
):
    url = await postgres.fresh_database()
    guild_id = int(world.guild.id)
    # The other process of a cluster: its database open (with its listener), as
    # `python -m bot` has it before connecting; it serves other shards, not this server.
    other = bot_on(emu, url)
    await other.open_database()
    try:
        assert (await other.guild_settings.get(guild_id)).timezone == DEFAULT_TIMEZONE
        async with running_client(bot_on(emu, url), emu):
            changed = await emu.slash(
                world.guild, "general", "mod", "config timezone", {"zone": "Europe/Berlin"}
            )
            assert changed.ephemeral
            assert "Europe/Berlin" in changed.content
            deadline = time.monotonic() + 1.0
            while (await other.guild_settings.get(guild_id)).timezone != "Europe/Berlin":
                assert time.monotonic() < deadline, "the other bot still has the old zone"
                await asyncio.sleep(0.01)
    finally:
        await other.close()
    # Closed, it listens no more: no connection of it is left on the server.
    name = urlsplit(url).path.lstrip("/")
    assert name.startswith("fanbot_test_")
    deadline = time.monotonic() + 5.0
    while (
        postgres.psql(
            f"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{LISTENER_NAME}' "
            f"AND datname = '{name}'"
        )
        != "0"
    ):
        assert time.monotonic() < deadline, "a closed bot still listens"
        await asyncio.sleep(0.05)
