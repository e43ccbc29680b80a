"""The schedule page in a real headless Chromium: a moderator schedules a quote a minute
ahead, the bot posts it in the emulator, the page shows it posted, and Remove takes it away."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page

from bot.client import FanBot
from bot.clock import FakeClock
from bot.scheduler import RunStatus
from discord_emulator import DemoWorld, Emulator
from tests.support.announcements import START
from tests.support.browser import screenshot, sign_in_as_mod
from tests.support.dashboard import dashboard_bot

pytestmark = pytest.mark.asyncio


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)  # 17:00 in Seoul


@pytest.fixture
async def clocked(
    emu: Emulator, world: DemoWorld, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[FanBot]:
    async with dashboard_bot(emu, tmp_path / "bot.sqlite3", clock=clock) as bot:
        yield bot


async def test_a_moderator_schedules_a_quote_sees_it_posted_and_removes_it(
    page: Page, emu: Emulator, world: DemoWorld, clocked: FanBot, clock: FakeClock
) -> None:
    base = await sign_in_as_mod(page, clocked, world)
    await page.goto(f"{base}/servers/{world.guild.id}")
    await page.get_by_role("link", name="Schedule").click()
    await page.wait_for_url(f"{base}/servers/{world.guild.id}/schedule")
    assert "Nothing is scheduled yet" in await page.inner_text("main")
    await screenshot(page, "dashboard-schedule-empty")

    await page.select_option("#schedule-kind", "quote")
    await page.fill("#schedule-time", "17:01")
    await page.select_option("#schedule-repeat", "daily")
    await page.select_option("#schedule-channel", label="#announcements")
    await page.get_by_role("button", name="Schedule it").click()
    await page.wait_for_selector(".notice")
    assert "Announcement #1 (quote) is scheduled" in await page.inner_text(".notice")
    row = page.locator("#announcement-1")
    assert await row.locator("td.channel").inner_text() == "#announcements"
    assert (await row.locator("td.next").inner_text()).endswith("17:01 (Asia/Seoul)")
    await screenshot(page, "dashboard-schedule-added")

    clock.advance(timedelta(minutes=1))
    [outcome] = await clocked.scheduler.run_due()
    assert outcome.status is RunStatus.POSTED
    posted = await emu.wait_for_message(world.announcements)
    assert "⏰ #1" in posted.text()

    await page.reload()
    assert await row.locator("td.last-posted").inner_text() != "not yet"
    await screenshot(page, "dashboard-schedule-posted")

    await row.get_by_role("button", name="Remove").click()
    await page.wait_for_selector(".notice")
    assert "Announcement #1 is removed" in await page.inner_text(".notice")
    assert await page.locator("#announcement-1").count() == 0
    assert await clocked.scheduler.list(int(world.guild.id)) == []
    await screenshot(page, "dashboard-schedule-removed")
    clock.advance(timedelta(days=1))
    assert await clocked.scheduler.run_due() == []
    assert len(emu.channel_messages(world.announcements)) == 1
