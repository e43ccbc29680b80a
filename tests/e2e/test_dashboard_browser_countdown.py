"""The countdown page in a real headless Chromium: a moderator adds an event, the bot counts
to it, the moderator removes it, and the bot no longer knows it."""

from __future__ import annotations

from playwright.async_api import Page

from bot.client import FanBot
from discord_emulator import DemoWorld, Emulator
from tests.support.browser import screenshot, sign_in_as_mod
from tests.support.dashboard_countdown import countdown_page, own_event_names


async def test_a_moderator_adds_an_event_and_removes_it_in_the_browser(
    dashboard: FanBot, page: Page, emu: Emulator, world: DemoWorld
) -> None:
    base = await sign_in_as_mod(page, dashboard, world)
    await page.goto(f"{base}{countdown_page(world.guild.id)}")
    await screenshot(page, "dashboard-countdown-page")

    # First a date the command would refuse: the form comes back, saying why, still filled in.
    await page.fill("#countdown-name", "Lilac night")
    await page.fill("#countdown-date", "2030-02-30")
    await page.select_option("#countdown-kind", "anniversary")
    await page.click("form.countdown-add button[type=submit]")
    problems = page.locator("ul.problems")
    assert "`2030-02-30` is not a date I can use" in (await problems.inner_text())
    assert await page.input_value("#countdown-name") == "Lilac night"
    await screenshot(page, "dashboard-countdown-refused")
    assert await own_event_names(dashboard, world.guild.id) == []

    await page.fill("#countdown-date", "2030-05-16 19:00")
    await page.fill("#countdown-description", "Our watch party.")
    await page.click("form.countdown-add button[type=submit]")
    notice = page.locator("p.notice")
    assert "Added Lilac night, every year from 2030-05-16 19:00" in await notice.inner_text()
    row = page.locator("table.own tr", has_text="Lilac night")
    assert "anniversary" in await row.inner_text()
    await screenshot(page, "dashboard-countdown-added")

    shown = await emu.slash(world.guild, "general", "uaena", "countdown", {"event": "lilac"})
    assert shown.message.embeds[0]["title"] == "Lilac night"
    assert "Our watch party." in shown.message.text()

    await row.get_by_role("button", name="Remove").click()
    assert "Lilac night is removed." in await page.locator("p.notice").inner_text()
    assert await page.locator("table.own").count() == 0
    await screenshot(page, "dashboard-countdown-removed")
    gone = await emu.slash(world.guild, "general", "uaena", "countdown", {"event": "Lilac night"})
    assert gone.ephemeral
    assert "There is no event `Lilac night` here" in gone.content
