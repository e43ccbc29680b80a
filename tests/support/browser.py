"""A real headless Chromium for the dashboard's browser tests: Debian's `chromium` package,
driven by Playwright's async API (it runs in the test's own event loop, beside the emulator and
the bot). Playwright's own browser download is never used: `.ci/run` installs the package.

Without /usr/bin/chromium a browser test is skipped and says why, or fails where
FANBOT_REQUIRE_POSTGRES is set (CI installs Chromium, so there it must run).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from bot.client import FanBot
from bot.dashboard.app import COOKIE_NAME
from discord_emulator import DemoWorld
from tests.support.dashboard import signed_in_session
from tests.support.paths import ROOT
from tests.support.postgres import REQUIRE_ENV

CHROMIUM = Path("/usr/bin/chromium")
# As root Chromium needs --no-sandbox; without the background-networking flags it opens
# connections to Google that this machine refuses, many at a time.
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# The browser languages the dashboard follows (Accept-Language), one a test.
ENGLISH = "en-US"
KOREAN = "ko-KR"
SCREENSHOTS = ROOT / "test-screenshots"
# Long enough for a slow shared machine, short enough that a wrong selector fails quickly.
TIMEOUT_MS = 10_000


def require_chromium(chromium: Path = CHROMIUM) -> None:
    """Skip the test when `chromium` is missing, or fail it where the browser is required."""
    if chromium.is_file():
        return
    message = f"Chromium is not installed at {chromium} (apt-get install chromium)"
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{message}; {REQUIRE_ENV} is set: the browser tests must run")
    pytest.skip(message)


@asynccontextmanager
async def launch_chromium() -> AsyncIterator[Browser]:
    """Headless Debian Chromium with a new empty profile, closed on the way out."""
    require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_FLAGS)
        )
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def open_page(browser: Browser, language: str = ENGLISH) -> AsyncIterator[Page]:
    """A page in its own context (its own cookies) whose browser speaks `language`.

    A script error on the page fails the test on the way out, as the emulator's own errors do.
    """
    context = await browser.new_context(locale=language, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    try:
        yield page
    finally:
        await context.close()
    assert script_errors == [], f"script errors on the page: {script_errors}"


async def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as test-screenshots/`name`.png (the folder is git-ignored)."""
    if not re.fullmatch(r"[\w.-]+", name):
        raise ValueError(f"a screenshot's name is one file name, not {name!r}")
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def sign_in_as_mod(page: Page, bot: FanBot, world: DemoWorld) -> str:
    """The session a login by the demo world's `mod` leaves, in the page's browser, as the
    dashboard's own HttpOnly cookie; returns the dashboard's URL."""
    base = bot.settings.dashboard_url
    assert base is not None
    cookie = signed_in_session(world.mod.id, "mod", [world.guild.id])
    await page.context.add_cookies(
        [{"name": COOKIE_NAME, "value": cookie, "url": base, "httpOnly": True}]
    )
    return base
