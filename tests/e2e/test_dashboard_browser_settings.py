"""The settings page in headless Chromium, as a moderator uses it: a zone typed wrong is
refused with a suggestion and nothing is stored; fixed, the form saves; the bot's next
trivia round closes after the timeout set on the page."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import Page

from bot.client import FanBot
from bot.clock import from_db
from discord_emulator import DemoWorld, Emulator
from tests.support.browser import screenshot, sign_in_as_mod
from tests.support.dashboard_settings import settings_path


async def test_a_moderator_changes_the_settings_and_the_bot_follows(
    page: Page, emu: Emulator, world: DemoWorld, dashboard: FanBot
) -> None:
    guild_id = int(world.guild.id)
    await sign_in_as_mod(page, dashboard, world)
    await page.goto(f"{dashboard.settings.dashboard_url}{settings_path(guild_id)}")
    assert await page.text_content("h2") == "Settings"
    await screenshot(page, "dashboard-settings-form")

    # A near miss: refused with the zone it likely means, nothing stored.
    await page.fill("#timezone", "Seou")
    await page.fill("#setting_trivia_timeout", "5")
    await page.uncheck("input[name=cog_symbols]")
    await page.click("button[type=submit] >> text=Save")
    problems = page.locator(".problems")
    await problems.wait_for()
    assert "Did you mean Asia/Seoul?" in (await problems.inner_text())
    await screenshot(page, "dashboard-settings-refused")
    assert await dashboard.database.fetchone("SELECT 1 FROM settings_changes") is None
    # What was typed is still there, to be fixed.
    assert await page.input_value("#timezone") == "Seou"
    assert await page.input_value("#setting_trivia_timeout") == "5"

    await page.fill("#timezone", "UTC")
    await page.click("button[type=submit] >> text=Save")
    await page.locator(".notice").wait_for()
    assert await page.text_content(".notice") == "Settings saved."
    history = await page.locator("table.history").inner_text()
    assert "dashboard" in history
    assert "Asia/Seoul → UTC" in history
    await screenshot(page, "dashboard-settings-saved")
    settings = await dashboard.guild_settings.get(guild_id)
    assert (settings.timezone, settings.value("trivia_timeout")) == ("UTC", 5)
    assert not settings.cog_enabled("symbols")

    # The bot acts on it: /symbol is off, and a round closes after 5 s, not the default 20.
    off = await emu.slash(world.guild, "general", "uaena", "symbol", {"name": "Nemo"})
    assert "turned off in this server" in off.content
    started = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
    row = await dashboard.database.fetchone("SELECT opened_at, closes_at FROM trivia_rounds")
    assert from_db(row["closes_at"]) - from_db(row["opened_at"]) == timedelta(seconds=5)
    revealed = await started.wait_edit(timeout=15)
    assert "Time's up" in revealed.text()
