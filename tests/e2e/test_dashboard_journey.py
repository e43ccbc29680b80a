"""The dashboard as a moderator uses it, in a real headless Chromium: the real login through
the emulator's OAuth2 page, then each page in turn, and the bot acting on each change
through the emulator. Every page on the way is saved as a screenshot
(test-screenshots/, listed in test-screenshots/INDEX.txt)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest
from discord.utils import format_dt
from playwright.async_api import Browser, Locator, Page

from bot.client import FanBot
from bot.clock import FakeClock, from_db
from bot.dashboard.app import COOKIE_NAME
from bot.scheduler import RunStatus
from discord_emulator import DemoWorld, Emulator, eventually
from tests.support.announcements import START
from tests.support.browser import ENGLISH, KOREAN, open_page
from tests.support.dashboard import dashboard_bot
from tests.support.dashboard_journey import (
    Screenshots,
    language_of,
    log_in,
    session_cookie,
    text,
    write_index,
)
from tests.support.dashboard_questions import GOOD_PACK, count_in, page_of_questions
from tests.support.dashboard_scores import play_round
from tests.support.dashboard_settings import settings_path

if TYPE_CHECKING:
    from cogs.trivia.cog import TriviaCog

pytestmark = pytest.mark.asyncio

# The trivia timeout the journey sets on the settings page: the lowest the page takes, and
# neither the default (20 s) nor what the scores step left (1 s).
JOURNEY_TIMEOUT = 5
# The questions page's good pack with one mistake: the second question lacks `wrong3`.
A_MISTAKE = GOOD_PACK.replace('wrong3 = "Sunday"\n', "")


@pytest.fixture(scope="module")
def saved_screenshots() -> Iterator[list[Path]]:
    """The screenshots this module's tests saved, written to INDEX.txt at the end."""
    saved: list[Path] = []
    yield saved
    if saved:
        print(f"\nscreenshots saved:\n{write_index(saved)}")


@pytest.fixture
def journey_clock() -> FakeClock:
    """The bot's clock: 17:00 in Seoul, moved only when the journey says so."""
    return FakeClock(START)


@pytest.fixture
async def journey_bot(
    emu: Emulator, world: DemoWorld, tmp_path: Path, journey_clock: FakeClock
) -> AsyncIterator[FanBot]:
    async with dashboard_bot(emu, tmp_path / "bot.sqlite3", clock=journey_clock) as bot:
        yield bot


def dashboard_url(bot: FanBot) -> str:
    assert bot.settings.dashboard_url is not None
    return bot.settings.dashboard_url


def section_link(page: Page, title_key: str, language: str = "en") -> Locator:
    """The link to a section in the server's menu, by its title in the catalogs."""
    return page.locator("nav.sections").get_by_role(
        "link", name=text(title_key, language), exact=True
    )


@pytest.mark.parametrize("locale", [ENGLISH, KOREAN])
async def test_a_moderator_logs_in_through_discord_and_out_again(
    journey_bot: FanBot,
    emu: Emulator,
    world: DemoWorld,
    browser: Browser,
    locale: str,
    saved_screenshots: list[Path],
) -> None:
    base = dashboard_url(journey_bot)
    language = language_of(locale)
    title = text("dashboard.title", language)
    if language == "ko":
        assert title != text("dashboard.title", "en")  # a Korean page, not the fallback
    shots = Screenshots(f"login-{language}", saved_screenshots)
    async with open_page(browser, locale) as page:
        await log_in(
            page,
            dashboard_url=base,
            emulator_url=emu.base_url,
            who="mod",
            language=language,
            shots=shots,
        )
        assert await page.get_attribute("html", "lang") == language
        assert await page.title() == title
        assert await page.locator("h1").inner_text() == text("dashboard.servers.title", language)
        assert await page.locator("header .who").inner_text() == "mod"

        # The session: HttpOnly (the page's scripts never see it), SameSite=Lax.
        cookie = await session_cookie(page.context)
        assert cookie is not None
        assert cookie["httpOnly"] is True
        assert cookie["sameSite"] == "Lax"
        assert cookie["secure"] is False  # http://127.0.0.1 here; Secure on https
        assert COOKIE_NAME not in await page.evaluate("document.cookie")

        await page.get_by_role("link", name=world.guild.name, exact=True).click()
        await page.wait_for_url(f"{base}/servers/{world.guild.id}")
        assert await page.title() == f"{world.guild.name} · {title}"
        assert await page.locator("h1.guild").inner_text() == world.guild.name
        overview = text("dashboard.server.title", language)
        assert await page.locator("section.content h2").inner_text() == overview
        await shots.take(page, "overview", "logged-in")

        # The header's button ends the session: back on the front page, the server's page
        # asks for a login again (the emulator's authorize page, nobody signed in there).
        await page.get_by_role("button", name=text("dashboard.logout", language)).click()
        await page.wait_for_url(f"{base}/")
        login_link = page.get_by_role("link", name=text("dashboard.login.button", language))
        assert await login_link.count() == 1
        await shots.take(page, "front", "logged-out-again")
        await page.goto(f"{base}/servers/{world.guild.id}")
        assert page.url.startswith(f"{emu.base_url}/oauth2/authorize?")
        await page.goto(f"{base}/servers")
        assert page.url.startswith(f"{emu.base_url}/oauth2/authorize?")


async def test_a_member_without_rights_sees_no_server_and_is_refused_its_pages(
    journey_bot: FanBot,
    emu: Emulator,
    world: DemoWorld,
    browser: Browser,
    saved_screenshots: list[Path],
) -> None:
    base = dashboard_url(journey_bot)
    shots = Screenshots("login-member", saved_screenshots)
    async with open_page(browser, ENGLISH) as page:
        await log_in(
            page,
            dashboard_url=base,
            emulator_url=emu.base_url,
            who="uaena",
            language="en",
            shots=shots,
        )
        assert await page.locator("header .who").inner_text() == "UAENA"
        assert text("dashboard.servers.none", "en") in await page.locator("main").inner_text()
        assert await page.get_by_role("link", name=world.guild.name).count() == 0

        response = await page.goto(f"{base}/servers/{world.guild.id}")
        assert response is not None
        assert response.status == 403
        assert await page.locator("p.error").inner_text() == text("dashboard.error.forbidden", "en")
        assert world.guild.name not in await page.content()
        await shots.take(page, "server", "forbidden")


async def test_a_moderators_journey_through_the_pages_the_bot_acting_on_each(
    journey_bot: FanBot,
    emu: Emulator,
    world: DemoWorld,
    browser: Browser,
    saved_screenshots: list[Path],
    journey_clock: FakeClock,
) -> None:
    """One browser session after the real login, page by page, as a moderator would go."""
    base = dashboard_url(journey_bot)
    guild_id = int(world.guild.id)
    server = f"{base}/servers/{guild_id}"
    shots = Screenshots("journey", saved_screenshots)
    async with open_page(browser, ENGLISH) as page:
        await log_in(
            page,
            dashboard_url=base,
            emulator_url=emu.base_url,
            who="mod",
            language="en",
            shots=shots,
        )
        await page.get_by_role("link", name=world.guild.name, exact=True).click()
        await page.wait_for_url(server)
        await shots.take(page, "overview", "start")

        # Members play a round in Discord; the scores page shows it at once.
        await play_round(emu, world, journey_bot, {"uaena": True, "army": False})
        await section_link(page, "dashboard.trivia.scores.nav").click()
        await page.wait_for_url(f"{server}/scores")
        board = page.locator("table.leaderboard tbody tr")
        assert "UAENA" in await board.nth(0).inner_text()
        assert "ARMY" in await board.nth(1).inner_text()
        await shots.take(page, "scores", "after-a-round")

        # An event of the server's own, added on the page: /countdown counts to it.
        await section_link(page, "dashboard.countdown.nav").click()
        await page.wait_for_url(f"{server}/countdown")
        await shots.take(page, "countdown", "before")
        await page.fill("#countdown-name", "Journey watch party")
        await page.fill("#countdown-date", "2030-05-16 19:00")
        await page.fill("#countdown-description", "We watch the video together.")
        await page.click("form.countdown-add button[type=submit]")
        assert "Added Journey watch party" in await page.locator("p.notice").inner_text()
        await shots.take(page, "countdown", "added")
        shown = await emu.slash(
            world.guild, "general", "uaena", "countdown", {"event": "Journey watch party"}
        )
        assert shown.embeds[0]["title"] == "Journey watch party"
        assert "We watch the video together." in shown.text()

        # A shorter trivia timeout saved on the settings page: the bot's next round closes
        # after it (the round's deadline is on the journey's clock; its timer then fires).
        await section_link(page, "dashboard.settings.nav").click()
        await page.wait_for_url(f"{base}{settings_path(guild_id)}")
        await shots.take(page, "settings", "before")
        await page.fill("#setting_trivia_timeout", str(JOURNEY_TIMEOUT))
        await page.click("button[type=submit] >> text=Save")
        await page.locator(".notice").wait_for()
        assert await page.text_content(".notice") == "Settings saved."
        assert await page.input_value("#setting_trivia_timeout") == str(JOURNEY_TIMEOUT)
        await shots.take(page, "settings", "saved")
        settings = await journey_bot.guild_settings.get(guild_id)
        assert settings.value("trivia_timeout") == JOURNEY_TIMEOUT
        started = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
        assert not started.ephemeral, started.content
        closes_at = journey_clock.now() + timedelta(seconds=JOURNEY_TIMEOUT)
        assert format_dt(closes_at, "R") in started.text()
        row = await journey_bot.database.fetchone(
            "SELECT opened_at, closes_at FROM trivia_rounds ORDER BY id DESC LIMIT 1"
        )
        assert row is not None
        assert from_db(row["closes_at"]) - from_db(row["opened_at"]) == timedelta(
            seconds=JOURNEY_TIMEOUT
        )
        journey_clock.advance(timedelta(seconds=JOURNEY_TIMEOUT))
        revealed = await started.wait_edit(timeout=JOURNEY_TIMEOUT + 10)
        assert "Time's up" in revealed.text()
        # Not an isinstance check: the bot loads its cogs' modules afresh.
        rounds = cast("TriviaCog", journey_bot.get_cog("Trivia")).rounds
        await eventually(lambda: not rounds)

        # A quote scheduled on the schedule page a minute ahead: the bot posts it when the
        # journey's clock gets there, and the page then shows it posted.
        await section_link(page, "dashboard.schedule.nav").click()
        await page.wait_for_url(f"{server}/schedule")
        await shots.take(page, "schedule", "before")
        a_minute_on = (journey_clock.now() + timedelta(minutes=1)).astimezone(settings.zone)
        await page.select_option("#schedule-kind", "quote")
        await page.fill("#schedule-time", a_minute_on.strftime("%H:%M"))
        await page.select_option("#schedule-repeat", "daily")
        await page.select_option("#schedule-channel", label=f"#{world.announcements.name}")
        await page.get_by_role("button", name="Schedule it").click()
        await page.locator(".notice").wait_for()
        [announcement] = await journey_bot.scheduler.list(guild_id)
        notice = await page.inner_text(".notice")
        assert f"Announcement #{announcement.id} (quote) is scheduled" in notice
        row_of_it = page.locator(f"#announcement-{announcement.id}")
        assert await row_of_it.locator("td.channel").inner_text() == f"#{world.announcements.name}"
        assert await row_of_it.locator("td.last-posted").inner_text() == "not yet"
        await shots.take(page, "schedule", "added")
        journey_clock.advance(timedelta(minutes=1))
        outcomes = await journey_bot.scheduler.run_due()
        assert [outcome.status for outcome in outcomes] == [RunStatus.POSTED]
        posted = await emu.wait_for_message(world.announcements)
        assert f"⏰ #{announcement.id}" in posted.text()
        await page.reload()
        assert await row_of_it.locator("td.last-posted").inner_text() != "not yet"
        await shots.take(page, "schedule", "posted")

        # A pack of the server's own on the questions page: one with a mistake is refused
        # with the problem listed and nothing stored; the good one is stored, the bot plays it.
        await section_link(page, "dashboard.trivia.questions.nav").click()
        await page.wait_for_url(f"{base}{page_of_questions(guild_id)}")
        await shots.take(page, "questions", "before")
        await page.fill("#pack_text", A_MISTAKE)
        await page.fill("#pack_name", "journey.toml")
        await page.click("button[name=action][value=import]")
        problems = page.locator("#problems-import li")
        await problems.first.wait_for()
        assert [line.strip() for line in await problems.all_text_contents()] == [
            "question 2, field wrong3: is missing"
        ]
        assert await count_in(journey_bot, guild_id) == 0
        await shots.take(page, "questions", "refused")
        await page.fill("#pack_text", GOOD_PACK)
        await page.click("button[name=action][value=import]")
        imported = page.locator("p.notice")
        await imported.wait_for()
        assert await imported.text_content() == (
            "Imported journey.toml: stored 2, skipped 0 already here."
        )
        assert await count_in(journey_bot, guild_id) == 2
        assert await page.locator("table.questions tbody tr").count() == 2
        await shots.take(page, "questions", "imported")
        ours = await emu.slash(world.guild, "trivia", "uaena", "trivia play", {"category": "ours"})
        assert not ours.ephemeral, ours.content
        asked = ours.text()
        assert "Which colour is our server banner?" in asked or "weekly watch party" in asked
        await eventually(lambda: rounds)
        [trivia_round] = list(rounds.values())
        assert trivia_round.question.category == "ours"
        assert ours.message is not None
        right = ours.message.buttons()[trivia_round.correct_index]
        await emu.click(ours.message, right["custom_id"], "uaena")
        journey_clock.advance(timedelta(seconds=JOURNEY_TIMEOUT))
        reveal = (await ours.wait_edit(timeout=JOURNEY_TIMEOUT + 10)).text()
        assert "Right answers (1)\nUAENA" in reveal
        assert "Category: ours" in reveal
