"""Shared fixtures: a migrated database in a temporary file, a clock that moves when told, a
page in a real headless Chromium."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, settings
from playwright.async_api import Browser, Page

from bot.client import FanBot
from bot.clock import FakeClock
from bot.database import Database, open_database
from bot.sqlite import SqliteDatabase
from discord_emulator import DemoWorld, Emulator, demo_world
from discord_emulator.state import Guild
from tests.support.browser import ENGLISH, launch_chromium, open_page
from tests.support.clock import T0
from tests.support.dashboard import (
    DashboardClient,
    dashboard_bot,
    dashboard_client,
    other_server,
)
from tests.support.postgres import PostgresServer, Unavailable, skip_or_fail, start_server

BACKENDS = ["sqlite", "postgresql"]

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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer | Unavailable]:
    """One PostgreSQL server for the whole run (or why there is none)."""
    try:
        server = start_server()
    except Unavailable as exc:
        yield exc
        return
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres(postgres_server: PostgresServer | Unavailable) -> PostgresServer:
    """The server, for a test that needs PostgreSQL (skipped, or failed in CI, without)."""
    if isinstance(postgres_server, Unavailable):
        skip_or_fail(str(postgres_server))
        raise AssertionError("unreachable")
    return postgres_server


@pytest.fixture(params=BACKENDS)
async def database_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a test's database is: an SQLite file, then a PostgreSQL database (each test
    that takes it runs on both)."""
    if request.param == "sqlite":
        return tmp_path / "test.sqlite3"
    server: PostgresServer = request.getfixturevalue("postgres")
    return await server.fresh_database()


@pytest.fixture
async def db(database_target: str | Path) -> AsyncIterator[Database]:
    """A migrated database on each backend."""
    database = await open_database(database_target)
    yield database
    await database.close()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    """A migrated SQLite file, for what only SQLite has (PRAGMAs, the file itself)."""
    database = await SqliteDatabase.open(tmp_path / "test.sqlite3")
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


@pytest.fixture
def other_guild(emu: Emulator, world: DemoWorld) -> Guild:
    """A second server of the bot's, where `mod` moderates nothing (`other_server`)."""
    return other_server(emu, world)


@pytest.fixture
async def dashboard(
    emu: Emulator, world: DemoWorld, other_guild: Guild, tmp_path: Path
) -> AsyncIterator[FanBot]:
    """The bot against the emulator's demo world and `other_guild`, serving its dashboard
    (at `dashboard.settings.dashboard_url`)."""
    async with dashboard_bot(emu, tmp_path / "bot.sqlite3") as bot:
        yield bot


@pytest.fixture
async def moderator(dashboard: FanBot, world: DemoWorld) -> AsyncIterator[DashboardClient]:
    """A browser logged in to the dashboard as the demo world's `mod` (the Mods role)."""
    async with dashboard_client(dashboard) as client:
        client.sign_in(world.mod.id, "mod", [world.guild.id])
        yield client


@pytest.fixture
async def member(dashboard: FanBot, world: DemoWorld) -> AsyncIterator[DashboardClient]:
    """A browser logged in as `uaena`, a member without any moderator's rights."""
    async with dashboard_client(dashboard) as client:
        client.sign_in(world.uaena.id, "uaena", [world.guild.id])
        yield client


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Debian Chromium (skipped without it, failed in CI), for a test that opens
    several pages; each `open_page(browser, language)` has its own cookies."""
    async with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
async def page(request: pytest.FixtureRequest, browser: Browser) -> AsyncIterator[Page]:
    """A page whose browser speaks en-US, or the language the test gives it:
    `@pytest.mark.parametrize("page", [KOREAN], indirect=True)` (tests/support/browser.py)."""
    async with open_page(browser, getattr(request, "param", ENGLISH)) as opened:
        yield opened


# The tests that ran on PostgreSQL (those of the `postgresql` backend, and those taking the
# `postgres` fixture), for the summary below: CI's log shows that they passed, not skipped.
_ON_POSTGRES: set[str] = set()
_POSTGRES_OUTCOMES: dict[str, str] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "[postgresql" in item.nodeid or "postgres_server" in fixtures:
            _ON_POSTGRES.add(item.nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid not in _ON_POSTGRES:
        return
    if report.when == "call" or report.outcome != "passed":
        # A skip or an error in set-up is the test's outcome; a pass there is not yet.
        _POSTGRES_OUTCOMES.setdefault(report.nodeid, report.outcome)
        if report.when == "call":
            _POSTGRES_OUTCOMES[report.nodeid] = report.outcome


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _ON_POSTGRES:
        return
    counts = dict.fromkeys(("passed", "failed", "skipped"), 0)
    for outcome in _POSTGRES_OUTCOMES.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    shown = ", ".join(f"{count} {outcome}" for outcome, count in counts.items())
    terminalreporter.write_line(f"PostgreSQL tests: {shown} (of {len(_ON_POSTGRES)} collected)")
