"""The real bot, started against the emulator: what a member or moderator would see."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.client import FanBot
from bot.clock import SystemClock
from bot.config import Settings
from bot.devtools.emulator import DemoWorld, Emulator, running_client


def make_bot(emu: Emulator, path: Path, clock=None) -> FanBot:
    settings = Settings(token=emu.token, database_path=path, api_base=emu.base_url)
    return FanBot(settings, clock=clock or SystemClock(), guild_ready_timeout=0.05)


@pytest.fixture
def bot_clock():
    """The bot's clock; a test that needs to move time overrides this with a FakeClock."""
    return SystemClock()


@pytest.fixture
async def bot(emu: Emulator, world: DemoWorld, tmp_path, bot_clock) -> AsyncIterator[FanBot]:
    client = make_bot(emu, tmp_path / "bot.sqlite3", bot_clock)
    async with running_client(client, emu):
        yield client


def bot_messages(emu: Emulator):
    """Every message the bot sent anywhere (ephemeral ones included)."""
    return [m for m in emu.world.messages.values() if m.author.id == emu.bot.id]
