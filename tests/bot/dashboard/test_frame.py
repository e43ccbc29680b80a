"""The dashboard's frame, served by the real bot against the emulator: who sees a server's
pages, the CSRF check on every form, the cookie, the language."""

from __future__ import annotations

from bot.client import FanBot
from bot.dashboard.app import CONTENT_SECURITY_POLICY
from discord_emulator import DemoWorld
from discord_emulator.state import Guild
from tests.support.dashboard import DashboardClient, dashboard_client, sealed_session


async def test_a_moderator_sees_their_server_and_a_member_gets_403(
    moderator: DashboardClient, member: DashboardClient, world: DemoWorld, other_guild: Guild
) -> None:
    moderator.sign_in(world.mod.id, "mod", [world.guild.id, other_guild.id])
    status, html = await moderator.get("/servers")
    assert status == 200
    assert world.guild.name in html
    assert other_guild.name not in html  # a plain member there
    status, _ = await moderator.get(f"/servers/{other_guild.id}")
    assert status == 403
    status, html = await moderator.get(f"/servers/{world.guild.id}")
    assert status == 200, html
    status, html = await member.get("/servers")
    assert world.guild.name not in html
    status, _ = await member.get(f"/servers/{world.guild.id}")
    assert status == 403


async def test_nobody_logged_in_is_sent_to_login_and_a_tampered_cookie_is_nobody(
    dashboard: FanBot, world: DemoWorld
) -> None:
    async with dashboard_client(dashboard) as browser:
        page = f"/servers/{world.guild.id}"
        status, _ = await browser.get(page, allow_redirects=False)
        assert status == 302
        good = sealed_session({"user": {"id": str(world.mod.id), "name": "mod"}})
        browser.set_cookie(good)
        status, _ = await browser.get(page, allow_redirects=False)
        assert status == 200  # the sealed session is accepted...
        browser.set_cookie(good[:-6] + ("AAAAAA" if not good.endswith("AAAAAA") else "BBBBBB"))
        status, _ = await browser.get(page, allow_redirects=False)
        assert status == 302  # ... and one changed by a character is nobody's
        browser.set_cookie(
            sealed_session({"user": {"id": str(world.mod.id), "name": "mod"}}, secret="x" * 40)
        )
        status, _ = await browser.get(page, allow_redirects=False)
        assert status == 302  # nor one sealed with another key


async def test_a_post_without_or_with_a_forged_csrf_token_is_refused(
    moderator: DashboardClient,
) -> None:
    status, _ = await moderator.post_form("/logout", csrf="", allow_redirects=False)
    assert status == 403
    token = await moderator.csrf("/servers")
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    status, _ = await moderator.post_form("/logout", csrf=forged, allow_redirects=False)
    assert status == 403
    status, _ = await moderator.get("/servers", allow_redirects=False)
    assert status == 200  # still logged in
    status, _ = await moderator.post_form("/logout", token_from="/servers", allow_redirects=False)
    assert status == 303
    status, _ = await moderator.get("/servers", allow_redirects=False)
    assert status == 302  # logged out


async def test_the_page_follows_the_browser_language(dashboard: FanBot) -> None:
    async with dashboard_client(dashboard, language="ko-KR,ko;q=0.9,en;q=0.5") as browser:
        _, html = await browser.get("/")
        assert "Discord로 로그인" in html
    async with dashboard_client(dashboard) as browser:
        _, html = await browser.get("/")
        assert "Log in with Discord" in html


async def test_every_kind_of_answer_carries_the_security_headers(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld, other_guild: Guild
) -> None:
    """A page, an error page, a redirect and a static file alike: this site's scripts and
    styles only, no framing, no sniffing; a server's pages never cached."""
    moderator.sign_in(world.mod.id, "mod", [world.guild.id])
    answers = {
        "page": (f"/servers/{world.guild.id}", 200),
        "forbidden": (f"/servers/{other_guild.id}", 403),
        "missing": ("/no-such-page", 404),
        "redirect": ("/login", 302),
        "static": ("/static/style.css", 200),
    }
    for name, (path, status) in answers.items():
        async with moderator.http.get(path, allow_redirects=False) as response:
            assert response.status == status, name
            headers = response.headers
        assert headers.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY, name
        assert "script-src 'self'" in CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
        assert headers.get("X-Frame-Options") == "DENY", name
        assert headers.get("X-Content-Type-Options") == "nosniff", name
        assert headers.get("Referrer-Policy") == "same-origin", name
        cached = headers.get("Cache-Control")
        assert (cached is None) if name == "static" else (cached == "no-store"), name
