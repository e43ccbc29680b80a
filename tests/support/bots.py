"""The real bot in this process, against the emulator, and what it sent there."""

from __future__ import annotations

from pathlib import Path

from bot.client import FanBot
from bot.clock import SystemClock
from bot.config import Settings
from discord_emulator import Emulator


def make_bot(
    emu: Emulator,
    path: Path,
    clock=None,
    *,
    shard_count: int | None = None,
    shard_ids: tuple[int, ...] | None = None,
) -> FanBot:
    settings = Settings(
        token=emu.token,
        database_path=path,
        api_base=emu.base_url,
        shard_count=shard_count,
        shard_ids=shard_ids,
    )
    return FanBot(settings, clock=clock or SystemClock(), guild_ready_timeout=0.05)


def bot_messages(emu: Emulator):
    """Every message the bot sent anywhere (ephemeral ones included)."""
    return [m for m in emu.world.messages.values() if m.author.id == emu.bot.id]
