"""Fixtures for the emulator's own tests: a started emulator holding the demo world."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.devtools.emulator import DemoWorld, Emulator, demo_world


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as emulator:
        yield emulator
    # A bug in the emulator must not pass for a behaviour of the bot.
    assert emulator.internal_errors == []


@pytest.fixture
def world(emu: Emulator) -> DemoWorld:
    return demo_world(emu)
