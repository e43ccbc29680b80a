"""The questions page in a real headless Chromium: a moderator pastes a pack with mistakes,
reads every problem, mends it in the same box, checks it, imports it, and the bot then plays
it through the emulator; the pack is removed again with its button."""

from __future__ import annotations

from playwright.async_api import Page

from bot.client import FanBot
from discord_emulator import DemoWorld, Emulator, eventually
from tests.support.browser import screenshot, sign_in_as_mod
from tests.support.dashboard_questions import GOOD_PACK, count_in, page_of_questions

# Two mistakes: a misspelt key in the first question, a missing answer in the second.
MISTAKES = GOOD_PACK.replace(
    'difficulty = "easy"', 'difficulty = "easy"\ncorect = "Lilac"'
).replace('wrong3 = "Sunday"\n', "")


async def test_a_moderator_mends_a_pack_imports_it_and_the_bot_plays_it(
    page: Page, emu: Emulator, world: DemoWorld, dashboard: FanBot
) -> None:
    url = await sign_in_as_mod(page, dashboard, world)
    await page.goto(url + page_of_questions(world.guild.id))
    assert await page.text_content("h2") == "This server's questions"
    await screenshot(page, "dashboard-questions-empty")

    await page.fill("#pack_text", MISTAKES)
    await page.fill("#pack_name", "ours.toml")
    await page.click("button[name=action][value=import]")
    problems = page.locator("#problems-import li")
    await problems.first.wait_for()
    assert [text.strip() for text in await problems.all_text_contents()] == [
        "question 1: unknown key `corect`; did you mean `correct`?",
        "question 2, field wrong3: is missing",
    ]
    assert await page.input_value("#pack_text") == MISTAKES  # kept, to be mended here
    assert await count_in(dashboard, world.guild.id) == 0
    await screenshot(page, "dashboard-questions-problems")

    await page.fill("#pack_text", GOOD_PACK)
    await page.click("button[name=action][value=check]")
    report = page.locator("#check-report")
    await report.wait_for()
    assert "an import would store 2 and skip 0 already here" in (await report.text_content() or "")
    assert await count_in(dashboard, world.guild.id) == 0
    await screenshot(page, "dashboard-questions-check")

    await page.click("button[name=action][value=import]")
    notice = page.locator("p.notice")
    await notice.wait_for()
    assert await notice.text_content() == "Imported ours.toml: stored 2, skipped 0 already here."
    assert await page.locator("table.questions tbody tr").count() == 2
    await screenshot(page, "dashboard-questions-imported")

    started = await emu.slash(world.guild, "trivia", "uaena", "trivia play", {"category": "ours"})
    assert not started.ephemeral, started.content
    text = started.message.text()
    assert "Which colour is our server banner?" in text or "weekly watch party" in text
    cog = dashboard.get_cog("Trivia")
    await eventually(lambda: cog.rounds)
    [trivia_round] = list(cog.rounds.values())
    await cog.close_round(trivia_round.round_id)

    await page.click("table.packs button")
    await page.locator("p.notice").wait_for()
    assert "Removed the 2 question(s) imported from ours.toml." in (
        await page.text_content("p.notice") or ""
    )
    assert await count_in(dashboard, world.guild.id) == 0
    await screenshot(page, "dashboard-questions-removed")
