"""The real-browser harness the dashboard's tests stand on (tests/support/browser.py): headless
Debian Chromium fills in a form served on 127.0.0.1 and clicks, in either language, keeps an
HttpOnly cookie from the page's scripts, and saves a screenshot."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser, Page

from tests.support.browser import (
    ENGLISH,
    KOREAN,
    SCREENSHOTS,
    open_page,
    require_chromium,
    screenshot,
)
from tests.support.paths import ROOT

SESSION = "session"
# Caught both, so that a skip where a failure is due fails the test instead of skipping it.
OUTCOMES = (pytest.skip.Exception, pytest.fail.Exception)
SESSION_VALUE = "s3cret-token"


@dataclass
class FormSite:
    """A two-page site: a form, and the page its POST answers with; what reached the server."""

    url: str
    accept_languages: list[str] = field(default_factory=list)
    posted_sessions: list[str | None] = field(default_factory=list)


def form_app(site: FormSite) -> web.Application:
    async def form(request: web.Request) -> web.Response:
        site.accept_languages.append(request.headers.get("Accept-Language", ""))
        response = web.Response(
            content_type="text/html",
            text=(
                "<!doctype html><title>Form</title>"
                '<form method="post" action="/greet">'
                '<label>Name <input name="name" id="name"></label>'
                '<button type="submit" id="send">Send</button></form>'
            ),
        )
        response.set_cookie(SESSION, SESSION_VALUE, httponly=True, samesite="Lax")
        # A cookie the page may read, so that not seeing the other is no accident.
        response.set_cookie("theme", "dark", samesite="Lax")
        return response

    async def greet(request: web.Request) -> web.Response:
        site.posted_sessions.append(request.cookies.get(SESSION))
        name = html.escape(str((await request.post()).get("name", "")))
        return web.Response(
            content_type="text/html",
            text=f'<!doctype html><title>Done</title><p id="result">Hello, {name}</p>',
        )

    app = web.Application()
    app.router.add_get("/", form)
    app.router.add_post("/greet", greet)
    return app


@pytest.fixture
async def form_site() -> AsyncIterator[FormSite]:
    site = FormSite(url="")
    runner = web.AppRunner(form_app(site))
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    port = runner.addresses[0][1]
    site.url = f"http://127.0.0.1:{port}"
    try:
        yield site
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("page", [ENGLISH, KOREAN], indirect=True)
async def test_chromium_fills_in_a_form_posts_it_and_hides_the_httponly_cookie(
    page: Page, form_site: FormSite, request: pytest.FixtureRequest
):
    language = request.node.callspec.params["page"]
    await page.goto(form_site.url)
    await page.fill("#name", "아이유 <IU>")
    await page.click("#send")

    await page.wait_for_url(f"{form_site.url}/greet")
    assert await page.text_content("#result") == "Hello, 아이유 <IU>"
    assert await page.evaluate("document.cookie") == "theme=dark"
    assert form_site.posted_sessions == [SESSION_VALUE]
    assert [header.split(",")[0] for header in form_site.accept_languages] == [language]
    path = await screenshot(page, f"browser-smoke-{language}")
    assert path.parent == SCREENSHOTS
    assert path.read_bytes().startswith(b"\x89PNG")


async def test_a_script_error_on_the_page_fails_the_test(browser: Browser):
    with pytest.raises(AssertionError, match=r"script errors on the page.*broken on purpose"):
        async with open_page(browser) as page:
            await page.set_content("<script>throw new Error('broken on purpose')</script>")


async def test_a_screenshot_name_is_one_file_name(page: Page):
    with pytest.raises(ValueError, match="one file name"):
        await screenshot(page, "../outside")


def test_without_chromium_a_browser_test_skips_and_says_why(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("FANBOT_REQUIRE_POSTGRES", raising=False)
    with pytest.raises(OUTCOMES, match="Chromium is not installed at") as outcome:
        require_chromium(tmp_path / "chromium")
    assert outcome.type is pytest.skip.Exception


def test_in_ci_without_chromium_a_browser_test_fails(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("FANBOT_REQUIRE_POSTGRES", "1")
    with pytest.raises(OUTCOMES, match="the browser tests must run") as outcome:
        require_chromium(tmp_path / "chromium")
    assert outcome.type is pytest.fail.Exception


def test_the_ci_script_installs_chromium_only_when_it_is_missing():
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    script = "\n".join(line for line in lines if not line.lstrip().startswith("#")) + "\n"
    missing, installed = script.split("if [ ! -x /usr/bin/chromium ]; then", 1)
    assert "pytest" not in missing
    install, _, after = installed.partition("\nfi\n")
    assert "apt-get install -y -qq --no-install-recommends chromium chromium-driver" in install
    assert "playwright install" not in script
    assert ".venv/bin/python -m pytest" in after
