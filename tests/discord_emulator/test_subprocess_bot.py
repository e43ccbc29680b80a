"""A bot in its own process, redirected by DISCORD_API_BASE, killed at a chosen instant."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from discord_emulator import DemoWorld, Emulator

pytestmark = pytest.mark.asyncio

REPO_ROOT = Path(__file__).resolve().parents[2]

# Posts one announcement per start, with a nonce that is the same every time.
CHILD_BOT = """
import asyncio, os
import discord
from discord_emulator.redirect import use_api_base

async def main():
    use_api_base(os.environ["DISCORD_API_BASE"])
    client = discord.Client(intents=discord.Intents.default())

    @client.event
    async def on_guild_available(guild):
        await guild.text_channels[0].send("announcement", nonce="schedule-1-2026-11-26")

    await client.start(os.environ["DISCORD_TOKEN"])

asyncio.run(main())
"""


async def test_killed_after_post_then_restarted(
    emu: Emulator, world: DemoWorld, tmp_path: Path
) -> None:
    script = tmp_path / "child_bot.py"
    script.write_text(CHILD_BOT)
    env = {
        **os.environ,
        "DISCORD_API_BASE": emu.base_url,
        "DISCORD_TOKEN": emu.token or "",
        "PYTHONPATH": str(REPO_ROOT),
    }
    posts = r"/channels/\d+/messages$"

    async def start() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, str(script), env=env, stderr=asyncio.subprocess.DEVNULL
        )

    hold = emu.hold("POST", posts, when="after")
    child = await start()
    try:
        await hold.reached(timeout=10)
        # Discord created the message; the bot dies before it hears back.
        child.kill()
        await child.wait()
        hold.release()
        assert [m.content for m in emu.channel_messages(world.general)] == ["announcement"]

        child = await start()
        await emu.wait_until(lambda: len(emu.requests_matching("POST", posts)) == 2, timeout=10)
        await emu.wait_until(lambda: emu.request_log[-1].status == 200, timeout=5)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    # The retry reused the nonce, so Discord handed back the first message.
    assert [m.content for m in emu.channel_messages(world.general)] == ["announcement"]
    assert emu.gateway.identify_count == 2
