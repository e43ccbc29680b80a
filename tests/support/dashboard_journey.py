"""Helpers for the dashboard's end-to-end browser journey (tests/e2e/test_dashboard_journey.py):
a moderator logs in for real, in headless Chromium, through the emulator's OAuth2 page, and
every page on the way is saved as a numbered screenshot.

`Screenshots` names the shots `<prefix>-<nn>-<page>-<step>` so that they sort in the order
they were taken; `write_index` lists what a run saved in test-screenshots/INDEX.txt.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, Page

from bot.dashboard.app import COOKIE_NAME
from bot.i18n import catalog
from tests.support.browser import SCREENSHOTS, screenshot

INDEX = SCREENSHOTS / "INDEX.txt"
# The language of the dashboard's catalogs that a browser locale asks for ("ko-KR" -> "ko").
LANGUAGE_OF_LOCALE = {"en-US": "en", "ko-KR": "ko"}


def language_of(locale: str) -> str:
    return LANGUAGE_OF_LOCALE[locale]


def text(key: str, language: str, **values: Any) -> str:
    """A dashboard string as the page shows it in `language` (the bot's own catalogs)."""
    return catalog().t(key, language, **values)


class Screenshots:
    """The screenshots of one test, numbered in the order taken: `journey-01-front-logged-out`.

    Every one saved is also added to `saved` (the run's list, for the index)."""

    def __init__(self, prefix: str, saved: list[Path]) -> None:
        self.prefix = prefix
        self.saved = saved
        self._taken = 0

    async def take(self, page: Page, page_name: str, step: str) -> Path:
        self._taken += 1
        path = await screenshot(page, f"{self.prefix}-{self._taken:02d}-{page_name}-{step}")
        self.saved.append(path)
        return path


def write_index(saved: list[Path], index: Path = INDEX) -> str:
    """Write the names of the screenshots `saved` (in the order taken) to `index`, one a
    line; returns the text written."""
    lines = [path.name for path in saved]
    written = "".join(f"{line}\n" for line in lines)
    index.parent.mkdir(exist_ok=True)
    index.write_text(written, encoding="utf-8")
    return written


async def session_cookie(context: BrowserContext) -> dict[str, Any] | None:
    """The dashboard's session cookie as the browser keeps it (name, value, httpOnly, ...)."""
    for cookie in await context.cookies():
        if cookie.get("name") == COOKIE_NAME:
            return dict(cookie)
    return None


async def log_in(
    page: Page,
    *,
    dashboard_url: str,
    emulator_url: str,
    who: str,
    language: str,
    shots: Screenshots,
) -> None:
    """Log in as a person does: the front page's "Log in with Discord", then, on the
    emulator's authorize page (nobody signed in there), "Authorize as `who`", back to the
    dashboard's list of servers. Screenshots of the three pages."""
    await page.goto(f"{dashboard_url}/")
    await shots.take(page, "front", "logged-out")
    await page.get_by_role("link", name=text("dashboard.login.button", language)).click()
    await page.wait_for_url(re.compile(rf"^{re.escape(emulator_url)}/oauth2/authorize\?"))
    await shots.take(page, "discord", "authorize")
    await page.get_by_role("button", name=f"Authorize as {who}", exact=True).click()
    await page.wait_for_url(f"{dashboard_url}/servers")
    await shots.take(page, "servers", "list")
