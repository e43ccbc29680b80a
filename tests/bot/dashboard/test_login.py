"""Logging in to the dashboard with Discord, through the emulator's OAuth2 on 127.0.0.1:
the whole authorization-code flow, and each way it must refuse."""

from __future__ import annotations

import logging
import re

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.client import FanBot
from bot.dashboard.app import COOKIE_NAME, DashboardOptions, make_app
from bot.dashboard.auth import OAUTH_APP
from bot.dashboard.services import SERVICES
from discord_emulator import DemoWorld, Emulator
from tests.support.dashboard import DashboardClient, dashboard_client, opened_session


async def log_in(browser: DashboardClient, path: str = "/login") -> tuple[int, str, str]:
    """Follow the login from `path` to where it ends: (status, final path, page)."""
    async with browser.http.get(path) as response:
        return response.status, response.url.path, await response.text()


async def test_a_moderator_logs_in_through_discord_and_the_session_keeps_no_token(
    dashboard: FanBot, emu: Emulator, world: DemoWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    emu.oauth2_sign_in_as(world.mod)
    async with dashboard_client(dashboard) as browser:
        status, where, html = await log_in(browser)
        assert (status, where) == (200, "/servers")
        assert world.guild.name in html
        cookie = browser.session_cookie()
        assert cookie is not None
        held = opened_session(cookie)
        assert held["user"] == {"id": str(world.mod.id), "name": "mod"}
        assert held["guilds"] == [str(world.guild.id)]
        (token,) = emu.oauth2_tokens
        (code,) = emu.oauth2_codes
        assert token.access_token not in str(held)
        assert token.revoked_at is not None  # the dashboard never uses it again
        for secret in (token.access_token, token.refresh_token, code.code, emu.client_secret):
            assert secret not in caplog.text


async def test_a_replayed_or_forged_state_is_refused(
    dashboard: FanBot, emu: Emulator, world: DemoWorld
) -> None:
    emu.oauth2_sign_in_as(world.mod)
    async with dashboard_client(dashboard) as browser:
        async with browser.http.get("/login", allow_redirects=False) as to_discord:
            authorize = to_discord.headers["Location"]
        async with browser.http.get(authorize, allow_redirects=False) as back:
            callback = back.headers["Location"]
        assert "state=" in callback
        forged = re.sub(r"state=[^&]+", "state=forged", callback)
        status, html = await browser.get(forged, allow_redirects=False)
        assert status == 400  # not the state this browser was given
        assert browser.session_cookie() is None or "user" not in opened_session(
            browser.session_cookie() or ""
        )
    async with dashboard_client(dashboard) as browser:
        async with browser.http.get("/login", allow_redirects=False) as to_discord:
            authorize = to_discord.headers["Location"]
        async with browser.http.get(authorize, allow_redirects=False) as back:
            callback = back.headers["Location"]
        status, _ = await browser.get(callback, allow_redirects=False)
        assert status == 302  # logged in
        await browser.post_form("/logout", token_from="/servers")
        status, html = await browser.get(callback, allow_redirects=False)
        assert status == 400  # the same answer again: its state was used
        assert "expired" in html
        status, _ = await browser.get("/servers", allow_redirects=False)
        assert status == 302  # and nobody is logged in by it
    async with dashboard_client(dashboard) as browser:
        async with browser.http.get("/login", allow_redirects=False) as to_discord:
            authorize = to_discord.headers["Location"]
        async with browser.http.get(authorize, allow_redirects=False) as back:
            callback = back.headers["Location"]
        bad_code = re.sub(r"code=[^&]+", "code=not-a-code", callback)
        status, _ = await browser.get(bad_code, allow_redirects=False)
        assert status == 400  # Discord refused the code...
        status, _ = await browser.get(callback, allow_redirects=False)
        assert status == 400  # ... and the state went with that try


async def test_a_cancelled_login_says_so_and_logs_nobody_in(
    dashboard: FanBot, emu: Emulator, world: DemoWorld
) -> None:
    emu.oauth2_sign_in_as(world.mod)
    emu.oauth2_deny_next()
    async with dashboard_client(dashboard) as browser:
        status, _, html = await log_in(browser)
        assert status == 400
        assert "cancelled" in html
        status, _ = await browser.get("/servers", allow_redirects=False)
        assert status == 302


async def test_a_member_without_rights_logs_in_to_an_empty_list(
    dashboard: FanBot, emu: Emulator, world: DemoWorld
) -> None:
    emu.oauth2_sign_in_as(world.uaena)
    async with dashboard_client(dashboard) as browser:
        status, where, html = await log_in(browser)
        assert (status, where) == (200, "/servers")
        assert world.guild.name not in html
        assert opened_session(browser.session_cookie() or "")["guilds"] == []


async def test_login_starts_a_new_session_and_goes_back_only_to_this_site(
    dashboard: FanBot, emu: Emulator, world: DemoWorld
) -> None:
    emu.oauth2_sign_in_as(world.mod)
    async with dashboard_client(dashboard) as browser:
        await browser.get("/")  # a session from before the login, with a CSRF value
        before = opened_session(browser.session_cookie() or "")
        assert "csrf" in before
        status, where, _ = await log_in(browser, f"/login?next=/servers/{world.guild.id}")
        assert (status, where) == (200, f"/servers/{world.guild.id}")
        after = opened_session(browser.session_cookie() or "")
        assert after["csrf"] != before["csrf"]  # nothing of the old session is kept
        assert set(after) == {"user", "guilds", "csrf"}
    async with dashboard_client(dashboard) as browser:
        status, where, _ = await log_in(browser, "/login?next=//elsewhere.example/x")
        assert (status, where) == (200, "/servers")


async def test_the_cookie_is_httponly_lax_and_secure_on_https(
    dashboard: FanBot, emu: Emulator, world: DemoWorld
) -> None:
    emu.oauth2_sign_in_as(world.mod)
    async with (
        dashboard_client(dashboard) as browser,
        browser.http.get("/login", allow_redirects=False) as response,
    ):
        cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # http://127.0.0.1 in the tests
    assert dashboard.dashboard is not None
    app = dashboard.dashboard.app
    https = DashboardOptions(
        url="https://fanbot.example.org", secret=b"s" * 32, oauth=app[OAUTH_APP]
    )
    secure_app: web.Application = make_app(app[SERVICES], https)
    async with TestClient(TestServer(secure_app)) as client:
        response = await client.get("/login", allow_redirects=False)
        assert "Secure" in response.headers["Set-Cookie"]
