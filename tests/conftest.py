"""Shared fixtures: a migrated database in a temporary file, a clock that moves when told."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from hypothesis import Phase, settings

from bot.clock import FakeClock
from bot.database import Database
from discord_emulator import DemoWorld, Emulator, demo_world
from tests.support.clock import T0

# Property tests (tests/**/test_properties_*.py) are the same examples on every CI run, and
# quick; `HYPOTHESIS_PROFILE=explore` searches afresh, with more examples, on a laptop.
settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True, database=None)
settings.register_profile("explore", max_examples=2000, deadline=None)
# To watch a property fail on broken code without minutes of shrinking the example.
settings.register_profile(
    "no-shrink", settings.get_profile("ci"), phases=[Phase.explicit, Phase.generate]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
async def db(tmp_path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "test.sqlite3")
    yield database
    await database.close()


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """A Discord emulator on 127.0.0.1; a bug in it fails the test, not passes it."""
    async with Emulator() as emulator:
        yield emulator
    assert emulator.internal_errors == []


@pytest.fixture
def world(emu: Emulator) -> DemoWorld:
    return demo_world(emu)
