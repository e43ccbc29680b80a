"""The real bot, started against the emulator: what a member or moderator would see."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.client import FanBot
from bot.clock import SystemClock
from discord_emulator import DemoWorld, Emulator, running_client
from tests.support.bots import make_bot
from tests.support.payloads import unguarded_payloads


@pytest.fixture
def bot_clock():
    """The bot's clock; a test that needs to move time overrides this with a FakeClock."""
    return SystemClock()


@pytest.fixture
async def bot(emu: Emulator, world: DemoWorld, tmp_path, bot_clock) -> AsyncIterator[FanBot]:
    client = make_bot(emu, tmp_path / "bot.sqlite3", bot_clock)
    async with running_client(client, emu):
        yield client


@pytest.fixture(autouse=True)
def every_payload_pings_nobody(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each e2e test: nothing the bot sent could ping, whatever text it carried."""
    if "emu" not in request.fixturenames:
        yield
        return
    emu: Emulator = request.getfixturevalue("emu")
    yield
    assert unguarded_payloads(emu) == []
