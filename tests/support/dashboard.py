"""The dashboard served by the real bot against the emulator, and a browser-less client.

`dashboard_bot` starts a FanBot with DASHBOARD_URL on a free port of 127.0.0.1.
`DashboardClient` is an aiohttp client with its own cookie jar: `sign_in` gives it the
session a login would (a cookie sealed with the test's DASHBOARD_SECRET, as the app seals
them: the login itself is tested through the emulator's OAuth2), `csrf` reads the token a
page's forms carry, `post_form` sends a form with it.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.fernet import Fernet
from yarl import URL

from bot.client import FanBot
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.dashboard.app import COOKIE_NAME, derived_key
from discord_emulator import DemoWorld, Emulator, running_client
from discord_emulator import permissions as perms
from discord_emulator.state import Guild

DASHBOARD_SECRET = "the-tests-own-dashboard-secret-of-32+-characters"
CLIENT_SECRET = "emulator-client-secret"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def other_server(emu: Emulator, world: DemoWorld) -> Guild:
    """A second server with the bot, where the demo world's `mod` is a plain member (no
    Mods role) and `army` its owner: for moderators editing another server's ids."""
    guild = emu.add_guild("Another fan server", world.army)
    guild.add_text_channel("general")
    guild.add_text_channel("news")
    guild.add_role("Staff", perms.MANAGE_GUILD)
    guild.add_member(world.mod)
    guild.add_member(world.uaena)
    return guild


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def dashboard_settings(emu: Emulator, path: Path, port: int, **more: Any) -> Settings:
    return Settings(
        token=emu.token,
        database_path=path,
        api_base=emu.base_url,
        dashboard_url=f"http://127.0.0.1:{port}",
        dashboard_port=port,
        client_secret=getattr(emu, "client_secret", CLIENT_SECRET),
        dashboard_secret=DASHBOARD_SECRET,
        **more,
    )


@asynccontextmanager
async def dashboard_bot(
    emu: Emulator, path: Path, clock: Clock | None = None, **settings: Any
) -> AsyncIterator[FanBot]:
    """The bot, with its dashboard on; `bot.dashboard_url` is where it answers."""
    port = free_port()
    registered = getattr(emu, "oauth2_redirect_uris", None)
    if registered is not None:
        registered.add(f"http://127.0.0.1:{port}/callback")
    client = FanBot(
        dashboard_settings(emu, path, port, **settings),
        clock=clock or SystemClock(),
        guild_ready_timeout=0.05,
    )
    async with running_client(client, emu):
        yield client


def sealed_session(data: Mapping[str, Any], secret: str = DASHBOARD_SECRET) -> str:
    """A session cookie's value as the app seals it (aiohttp-session's Fernet storage)."""
    key = base64.urlsafe_b64encode(derived_key(secret.encode(), "session"))
    payload = json.dumps({"created": int(time.time()), "session": dict(data)})
    return Fernet(key).encrypt(payload.encode()).decode()


def signed_in_session(user_id: int | str, name: str, guild_ids: list[int] | list[str]) -> str:
    """The sealed session cookie a login by `user_id` listing `guild_ids` would leave."""
    return sealed_session(
        {"user": {"id": str(user_id), "name": name}, "guilds": [str(g) for g in guild_ids]}
    )


def opened_session(value: str, secret: str = DASHBOARD_SECRET) -> dict[str, Any]:
    """What a session cookie holds (to check it keeps no token)."""
    key = base64.urlsafe_b64encode(derived_key(secret.encode(), "session"))
    return dict(json.loads(Fernet(key).decrypt(value.encode()))["session"])


class DashboardClient:
    """A browser without a page engine: cookies, redirects, forms."""

    def __init__(self, base_url: str, *, language: str = "en-US,en;q=0.9") -> None:
        self.base_url = base_url
        self.http = aiohttp.ClientSession(
            base_url=base_url,
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # 127.0.0.1 is an IP address
            headers={"Accept-Language": language},
        )

    async def close(self) -> None:
        await self.http.close()

    def sign_in(self, user_id: int, name: str, guild_ids: list[int]) -> None:
        """The session a login by `user_id` listing `guild_ids` would leave."""
        self.set_cookie(signed_in_session(user_id, name, guild_ids))

    def set_cookie(self, value: str) -> None:
        """The session cookie, as the dashboard's own Set-Cookie would leave it."""
        self.http.cookie_jar.update_cookies({COOKIE_NAME: value}, response_url=URL(self.base_url))

    def session_cookie(self) -> str | None:
        for cookie in self.http.cookie_jar:
            if cookie.key == COOKIE_NAME:
                return cookie.value
        return None

    async def get(self, path: str, **kwargs: Any) -> tuple[int, str]:
        async with self.http.get(path, **kwargs) as response:
            return response.status, await response.text()

    async def csrf(self, path: str = "/servers") -> str:
        """The CSRF token of the forms on `path` (a page the session may see)."""
        status, html = await self.get(path)
        found = CSRF_INPUT.search(html)
        assert found, f"no CSRF token on {path} (HTTP {status})"
        return found.group(1)

    async def post_form(
        self,
        path: str,
        fields: Mapping[str, Any] | None = None,
        *,
        token_from: str | None = None,
        csrf: str | None = None,
        allow_redirects: bool = True,
    ) -> tuple[int, str]:
        """POST `fields` with the CSRF token of `token_from`'s forms (default: `path`'s
        page), or `csrf` as given ("" sends none)."""
        data = dict(fields or {})
        if csrf is None:
            csrf = await self.csrf(token_from or path)
        if csrf:
            data["csrf_token"] = csrf
        async with self.http.post(path, data=data, allow_redirects=allow_redirects) as response:
            return response.status, await response.text()


@asynccontextmanager
async def dashboard_client(bot: FanBot, **kwargs: Any) -> AsyncIterator[DashboardClient]:
    """A browser of `bot`'s dashboard."""
    assert bot.settings.dashboard_url is not None
    async with dashboard_client_at(bot.settings.dashboard_url, **kwargs) as client:
        yield client


@asynccontextmanager
async def dashboard_client_at(base_url: str, **kwargs: Any) -> AsyncIterator[DashboardClient]:
    """A browser of the dashboard at `base_url` (a `python -m bot dashboard` process)."""
    client = DashboardClient(base_url, **kwargs)
    try:
        yield client
    finally:
        await client.close()


async def recorded_changes(bot: FanBot, guild_id: int | str) -> list[tuple[Any, ...]]:
    """The server's history, oldest first: what changed, from and to, by whom, and where."""
    changes = reversed(await bot.guild_settings.history(int(guild_id)))
    return [
        (change.setting, change.old_value, change.new_value, change.user_name, change.via)
        for change in changes
    ]
