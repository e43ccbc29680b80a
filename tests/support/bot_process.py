"""The bot in a process of its own against the emulator, so a test can kill it with SIGKILL
and start it again on the same database."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.database import is_postgres_url
from discord_emulator import Emulator
from tests.support.paths import ROOT

TOKEN = "emulator-token-for-the-subprocess-bot-0123456789"


async def start_bot_process(
    emu: Emulator,
    database: Path | str,
    *args: str,
    env_more: dict[str, str] | None = None,
    log_level: str = "WARNING",
) -> asyncio.subprocess.Process:
    """`python -m bot ARGS` on `database` (an SQLite file, or a PostgreSQL URL), connecting
    to `emu` (made with `token=TOKEN`); its commands sync globally, whatever DEV_GUILD_ID the
    developer's shell has. `env_more` adds settings (the dashboard's, say)."""
    env = {
        **os.environ,
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_BASE": emu.base_url,
        "LOG_LEVEL": log_level,
    }
    for name in ("DEV_GUILD_ID", "DATABASE_URL", "DATABASE_PATH"):
        env.pop(name, None)
    if is_postgres_url(database):
        env["DATABASE_URL"] = str(database)
    else:
        env["DATABASE_PATH"] = str(database)
    env.update(env_more or {})
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
