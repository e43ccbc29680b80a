"""A moderator in a real headless Chromium, after rounds were played in Discord: from the
server's page to its scores, the week's board, and one member's figures."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.async_api import Browser, Page

from bot.client import FanBot
from discord_emulator import DemoWorld, Emulator
from tests.support.browser import KOREAN, open_page, screenshot, sign_in_as_mod
from tests.support.dashboard_scores import play_round, stored_answers


async def cells(page: Page, table: str) -> list[list[str]]:
    """The text of each body row's cells of `table` (a CSS selector)."""
    rows = page.locator(f"{table} tbody tr")
    found = []
    for index in range(await rows.count()):
        texts = await rows.nth(index).locator("th, td").all_inner_texts()
        found.append([" ".join(text.split()) for text in texts])
    return found


async def test_a_moderator_reads_the_boards_and_a_members_figures(
    emu: Emulator, world: DemoWorld, dashboard: FanBot, page: Page
) -> None:
    tagged = emu.add_user("tagged", global_name="<b>x</b>")
    world.guild.add_member(tagged)
    await play_round(emu, world, dashboard, {"uaena": True, "army": False, "tagged": True})
    await play_round(emu, world, dashboard, {"uaena": True, "tagged": False})

    base = await sign_in_as_mod(page, dashboard, world)
    guild_id = int(world.guild.id)

    await page.goto(f"{base}/servers/{guild_id}")
    await page.click("nav.sections >> text=Scores")
    await page.wait_for_url(f"{base}/servers/{guild_id}/scores")
    await screenshot(page, "dashboard-scores-all-time")
    board = await cells(page, "table.leaderboard")
    assert [row[1:] for row in board] == [
        ["UAENA", "22", "2"],
        ["<b>x</b>", "10", "1"],  # shown as typed, not as markup
        ["ARMY", "0", "0"],
    ]
    assert await page.locator("table.leaderboard b").count() == 0
    chart = page.locator("svg.chart[role=img]")
    assert "Accuracy per category" in (await chart.get_attribute("aria-label") or "")
    bars = page.locator("svg.chart rect")
    assert await bars.count() == len(await cells(page, "table.scores-categories"))
    box = await chart.bounding_box()
    assert box is not None
    # Drawn a unit to a pixel where the page has room (12px text), beside its table.
    assert box["width"] == float(await chart.get_attribute("width") or 0)
    table = await page.locator("table.scores-categories").bounding_box()
    assert table is not None
    assert table["x"] > box["x"] + box["width"]

    await page.click("nav.tabs >> text=This week")
    await page.wait_for_url(f"{base}/servers/{guild_id}/scores?board=week")
    assert await page.get_attribute("nav.tabs a[aria-current=page]", "href") == (
        f"/servers/{guild_id}/scores?board=week"
    )
    assert [row[1] for row in await cells(page, "table.leaderboard")] == [
        "UAENA",
        "<b>x</b>",
        "ARMY",
    ]
    await screenshot(page, "dashboard-scores-week")

    await page.click("table.leaderboard >> text=UAENA")
    await page.wait_for_url(f"{base}/servers/{guild_id}/scores/members/{world.uaena.id}")
    assert await page.text_content("h2") == "Trivia figures: UAENA"
    facts = await page.locator("dl.scores-figures dd").all_inner_texts()
    assert facts == ["2", "2", "100%", "22", "2", "2"]
    await screenshot(page, "dashboard-scores-member")


async def test_the_scores_in_korean(world: DemoWorld, dashboard: FanBot, browser: Browser) -> None:
    store = dashboard.get_cog("Trivia").store  # type: ignore[union-attr]
    now = datetime.now(UTC)
    guild_id, uaena, army = int(world.guild.id), int(world.uaena.id), int(world.army.id)
    await stored_answers(store, guild_id, uaena, "유애나", now, right=3, wrong=1)
    await stored_answers(store, guild_id, army, "아미", now, right=1, wrong=1, category="service")
    async with open_page(browser, KOREAN) as page:
        base = await sign_in_as_mod(page, dashboard, world)
        await page.goto(f"{base}/servers/{guild_id}")
        await page.click("nav.sections >> text=점수")
        await page.wait_for_url(f"{base}/servers/{guild_id}/scores")
        assert await page.text_content("h2") == "순위표"
        labels = await page.locator("svg.chart text.label").all_text_contents()
        assert labels == ["뮤직비디오", "군 복무"]
        await screenshot(page, "dashboard-scores-ko")
