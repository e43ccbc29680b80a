"""Login with Discord: OAuth2's authorization-code flow, by oauthlib, over aiohttp.

`/login` keeps a fresh `state` (from `secrets`) in the session and sends the browser to
Discord; `/callback` takes it back out (so a `state` works once), lets oauthlib check the
answer against it, trades the code for a token, asks Discord who the member is and which
servers they are in, revokes the token and starts a new session holding only the member and
the servers the bot treats them as a moderator of. No token is kept: the pages act with the
bot's own rights, after checking the member's on every request.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
from aiohttp import web
from aiohttp_session import get_session, new_session
from oauthlib.oauth2 import OAuth2Error, WebApplicationClient

from bot.checks import treats_as_moderator
from bot.dashboard.services import SignedIn, services_of

log = logging.getLogger(__name__)

SCOPES = ("identify", "guilds")
DISCORD_WEB = "https://discord.com"
API_VERSION = "v10"
# The most servers a session lists (a member can be in 200): the cookie stays small.
MAX_LISTED_SERVERS = 100
STATE_KEY = "oauth_state"
NEXT_KEY = "after_login"
USER_KEY = "user"
GUILDS_KEY = "guilds"


@dataclass(frozen=True)
class OAuthApp:
    """The application's OAuth2 settings: `web_base` is where Discord's authorize page is
    (https://discord.com, or the emulator), `api_base` its REST API with version."""

    client_id: int
    client_secret: str
    redirect_uri: str
    web_base: str = DISCORD_WEB

    @property
    def api_base(self) -> str:
        return f"{self.web_base}/api/{API_VERSION}"

    @property
    def authorize_url(self) -> str:
        return f"{self.web_base}/oauth2/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.api_base}/oauth2/token"

    def __repr__(self) -> str:  # the secret never reaches a log line
        return f"OAuthApp(client_id={self.client_id}, redirect_uri={self.redirect_uri!r})"


class LoginFailed(Exception):
    """The login can't go on; `key` is the catalog message the member is shown."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


OAUTH_APP = web.AppKey("oauth_app", OAuthApp)
HTTP = web.AppKey("oauth_http", aiohttp.ClientSession)


def safe_next(path: str | None) -> str:
    """Where to go after login: a path of this site only (never `//elsewhere`)."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/servers"


async def login(request: web.Request) -> web.StreamResponse:
    app = request.app[OAUTH_APP]
    session = await get_session(request)
    state = secrets.token_urlsafe(32)
    session[STATE_KEY] = state
    session[NEXT_KEY] = safe_next(request.query.get("next"))
    client = WebApplicationClient(str(app.client_id))
    url = client.prepare_request_uri(
        app.authorize_url, redirect_uri=app.redirect_uri, scope=list(SCOPES), state=state
    )
    raise web.HTTPFound(url)


async def callback(request: web.Request) -> web.StreamResponse:
    """Discord sent the member back; raises `LoginFailed` when the login can't go on."""
    app = request.app[OAUTH_APP]
    session = await get_session(request)
    expected = session.pop(STATE_KEY, None)
    after = safe_next(session.pop(NEXT_KEY, None))
    if not isinstance(expected, str):
        # No login under way in this browser, or this answer was used already.
        raise LoginFailed("dashboard.login.expired")
    client = WebApplicationClient(str(app.client_id))
    # The address Discord sent the browser to, as the operator registered it.
    answered = f"{app.redirect_uri}?{request.query_string}"
    try:
        code = client.parse_request_uri_response(answered, state=expected)["code"]
    except OAuth2Error as error:
        raise LoginFailed(
            "dashboard.login.denied" if error.error == "access_denied" else "dashboard.login.failed"
        ) from None
    http = request.app[HTTP]
    body = client.prepare_request_body(
        code=code,
        redirect_uri=app.redirect_uri,
        client_secret=app.client_secret,
        include_client_id=True,
    )
    async with http.post(
        app.token_url,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ) as response:
        text = await response.text()
    try:
        token = client.parse_request_body_response(text, scope=list(SCOPES))
    except (OAuth2Error, ValueError):
        log.warning("dashboard: Discord refused the login code (HTTP %d)", response.status)
        raise LoginFailed("dashboard.login.failed") from None
    access_token = str(token["access_token"])
    try:
        user = await _discord_get(http, app, "/users/@me", access_token)
        guilds = await _discord_get(http, app, "/users/@me/guilds", access_token)
    finally:
        await _revoke(http, app, client, access_token)
    signed_in = SignedIn(int(user["id"]), str(user.get("global_name") or user["username"]))
    moderated = await moderated_servers(request, signed_in, [int(g["id"]) for g in guilds])
    # A new session: whatever this browser's cookie held before the login is dropped.
    session = await new_session(request)
    session[USER_KEY] = signed_in.as_session()
    session[GUILDS_KEY] = [str(guild_id) for guild_id in moderated[:MAX_LISTED_SERVERS]]
    log.info("dashboard: %s logged in, moderating %d servers", signed_in.user_id, len(moderated))
    raise web.HTTPFound(after)


async def logout(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    session.invalidate()
    raise web.HTTPSeeOther("/")


async def signed_in_user(request: web.Request) -> SignedIn | None:
    session = await get_session(request)
    return SignedIn.from_session(session.get(USER_KEY))


async def listed_servers(request: web.Request) -> list[int]:
    session = await get_session(request)
    listed = session.get(GUILDS_KEY)
    if not isinstance(listed, list):
        return []
    return [int(value) for value in listed if isinstance(value, str) and value.isdigit()]


async def moderated_servers(
    request: web.Request, user: SignedIn, guild_ids: list[int]
) -> list[int]:
    """Those of `guild_ids` where the bot is and treats `user` as a moderator, in order."""
    gate = asyncio.Semaphore(8)

    async def moderates(guild_id: int) -> bool:
        async with gate:
            return await moderator_in(request, guild_id, user) is not None

    found = await asyncio.gather(*(moderates(guild_id) for guild_id in guild_ids))
    return [guild_id for guild_id, ok in zip(guild_ids, found, strict=True) if ok]


async def moderator_in(
    request: web.Request, guild_id: int, user: SignedIn
) -> tuple[discord.Guild, discord.Member] | None:
    """The server and the member, when the bot is there and treats them as a moderator."""
    services = services_of(request)
    guild = await services.view.guild(guild_id)
    if guild is None:
        return None
    member = await services.view.member(guild, user.user_id)
    if member is None:
        return None
    settings = await services.settings.get(guild_id)
    return (guild, member) if treats_as_moderator(member, settings) else None


async def _discord_get(
    http: aiohttp.ClientSession, app: OAuthApp, path: str, access_token: str
) -> Any:
    async with http.get(
        f"{app.api_base}{path}", headers={"Authorization": f"Bearer {access_token}"}
    ) as response:
        if response.status != 200:
            log.warning("dashboard: Discord answered %s with HTTP %d", path, response.status)
            raise LoginFailed("dashboard.login.failed")
        return await response.json()


async def _revoke(
    http: aiohttp.ClientSession, app: OAuthApp, client: WebApplicationClient, token: str
) -> None:
    """Revoke the token at once: the dashboard never uses it again."""
    url, headers, body = client.prepare_token_revocation_request(
        f"{app.token_url}/revoke",
        token,
        token_type_hint="access_token",
        client_id=str(app.client_id),
        client_secret=app.client_secret,
    )
    try:
        async with http.post(url, data=body, headers=headers) as response:
            if response.status != 200:
                log.warning("dashboard: Discord did not revoke a token (HTTP %d)", response.status)
    except aiohttp.ClientError as error:
        log.warning("dashboard: could not revoke a login's token (%s)", type(error).__name__)
