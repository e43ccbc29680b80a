"""Every page and form a server has on the dashboard, whichever feature added it, found in
the app's own router (so a new one is covered the day it is added): nobody but the server's
moderators gets it, no form works without this session's CSRF token, and a refused form
changes no row of any table."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp import web

from bot.client import FanBot
from bot.dashboard.app import SECTIONS
from discord_emulator import DemoWorld
from discord_emulator.state import Guild
from tests.support.dashboard import DashboardClient, dashboard_client

PLACEHOLDER = re.compile(r"\{(\w+)(?::[^}]*)?\}")
# What a route's other parts are filled with: a number no row has.
ANY_ID = "1"
# The forms a moderator would send, as far as a refusal can tell: any field the page reads.
SOME_FIELDS = {"id": ANY_ID, "name": "x", "time": "09:00", "kind": "quote", "pack": "x"}


def server_routes(app: web.Application) -> list[tuple[str, str]]:
    """(method, path template) of every route under /servers/{guild_id}."""
    found = []
    for resource in app.router.resources():
        info = resource.get_info()
        template = info.get("formatter") or info.get("path") or ""
        if "{guild_id}" not in template:
            continue
        for route in resource:
            if route.method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                found.append((route.method, template))
    return sorted(set(found))


def filled(template: str, guild_id: int) -> str:
    return PLACEHOLDER.sub(
        lambda match: str(guild_id) if match.group(1) == "guild_id" else ANY_ID, template
    )


async def row_counts(bot: FanBot) -> dict[str, int]:
    tables = await bot.database.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    counts = {}
    for table in tables:
        row = await bot.database.fetchone(f"SELECT COUNT(*) AS n FROM {table['name']}")
        counts[table["name"]] = row["n"] if row else 0
    return counts


def app_of(bot: FanBot) -> web.Application:
    assert bot.dashboard is not None
    return bot.dashboard.app


async def send(
    client: DashboardClient, method: str, path: str, csrf: str | None
) -> tuple[int, Any]:
    if method == "GET":
        return await client.get(path, allow_redirects=False)
    fields = dict(SOME_FIELDS)
    if csrf:
        fields["csrf_token"] = csrf
    async with client.http.request(method, path, data=fields, allow_redirects=False) as response:
        return response.status, await response.text()


def test_every_section_has_a_page(dashboard: FanBot) -> None:
    routes = server_routes(app_of(dashboard))
    pages = {template for method, template in routes if method == "GET"}
    assert "/servers/{guild_id}" in pages
    for section in app_of(dashboard)[SECTIONS]:
        assert any(page.startswith(f"/servers/{{guild_id}}/{section.name}") for page in pages), (
            f"section {section.name} has no page"
        )


@pytest.mark.parametrize("who", ["member", "moderator_elsewhere", "nobody"])
async def test_only_the_servers_moderators_get_any_page_or_form(
    dashboard: FanBot,
    world: DemoWorld,
    other_guild: Guild,
    member: DashboardClient,
    moderator: DashboardClient,
    who: str,
) -> None:
    if who == "member":
        client, guild_id = member, world.guild.id  # uaena: no Manage Server, no Mods role
    elif who == "moderator_elsewhere":
        client, guild_id = moderator, other_guild.id  # mod of the demo server only
    else:
        client, guild_id = None, world.guild.id
    before = await row_counts(dashboard)
    async with dashboard_client(dashboard) as nobody:
        asking = client or nobody
        csrf = await asking.csrf("/servers") if client is not None else None
        for method, template in server_routes(app_of(dashboard)):
            path = filled(template, guild_id)
            status, _ = await send(asking, method, path, csrf)
            if who == "nobody" and method == "GET":
                assert status == 302, f"{method} {path}: {status}"  # to the login
            else:
                assert status == 403, f"{method} {path} as {who}: {status}"
    assert await row_counts(dashboard) == before


@pytest.mark.parametrize("token", ["none", "forged", "another_session"])
async def test_no_form_works_without_this_sessions_csrf_token(
    dashboard: FanBot, world: DemoWorld, moderator: DashboardClient, token: str
) -> None:
    async with dashboard_client(dashboard) as other:
        other.sign_in(world.owner.id, "owner", [world.guild.id])
        theirs = await other.csrf("/servers")
    mine = await moderator.csrf("/servers")
    csrf = {
        "none": None,
        "forged": mine[:-4] + ("0000" if not mine.endswith("0000") else "1111"),
        "another_session": theirs,
    }[token]
    before = await row_counts(dashboard)
    posts = [t for m, t in server_routes(app_of(dashboard)) if m != "GET"]
    for template in [*posts, "/logout"]:
        path = filled(template, world.guild.id)
        status, html = await send(moderator, "POST", path, csrf)
        assert status == 403, f"POST {path} with {token} token: {status}"
        assert "expired" in html or "만료" in html
    assert await row_counts(dashboard) == before
