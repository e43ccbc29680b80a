"""The bot in a process of its own against the emulator, so a test can kill it with SIGKILL
and start it again on the same database."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from discord_emulator import Emulator
from tests.support.paths import ROOT

TOKEN = "emulator-token-for-the-subprocess-bot-0123456789"


async def start_bot_process(emu: Emulator, db_path: Path, *args: str) -> asyncio.subprocess.Process:
    """`python -m bot ARGS` on `db_path`, connecting to `emu` (made with `token=TOKEN`); its
    commands sync globally, whatever DEV_GUILD_ID the developer's shell has."""
    env = {
        **os.environ,
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_BASE": emu.base_url,
        "DATABASE_PATH": str(db_path),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DEV_GUILD_ID", None)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
