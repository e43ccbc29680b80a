"""The dashboard's web app: the session, the checks every request passes, the core's pages.

Every request passes, before any page's handler:
- the session middleware (aiohttp-session): a cookie encrypted and signed with a key from
  the operator's DASHBOARD_SECRET (Fernet), HttpOnly, SameSite=Lax, Secure on https; a cookie
  that fails to decrypt is a session of nobody;
- `guard`: every POST carries a CSRF token made for this session (`bot.dashboard.forms`);
  every page under `/servers/{guild_id}/` is for a member logged in whom the bot treats as a
  moderator of that server, asked of the bot's own view on this request (else 403);
- `headers`: a content security policy of this site only (no inline script, no CDN) and no
  framing.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import get_session
from aiohttp_session import setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from bot.dashboard.auth import (
    HTTP,
    OAUTH_APP,
    LoginFailed,
    OAuthApp,
    callback,
    listed_servers,
    login,
    logout,
    moderator_in,
    signed_in_user,
)
from bot.dashboard.forms import csrf_token, csrf_valid, form_data
from bot.dashboard.language import browser_language
from bot.dashboard.sections import Section, discover_sections
from bot.dashboard.services import (
    GUILD_PAGE,
    LANGUAGE,
    SERVICES,
    GuildPage,
    Services,
    language_of_request,
    page_of,
)
from bot.i18n import catalog
from bot.resources import cog_packages, package_folder

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

COOKIE_NAME = "fanbot_session"
SESSION_DAYS = 7
# A pack of questions is the largest form (bot/cogs/trivia: at most a few hundred KB).
MAX_BODY = 2 * 1024 * 1024
NOTICE_KEY = "notice"
CSRF_SECRET = web.AppKey("csrf_secret", bytes)
SECTIONS = web.AppKey("sections", list)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' https://cdn.discordapp.com data:; "
    "style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)


@dataclass(frozen=True)
class DashboardOptions:
    """`url`: the public base URL (DASHBOARD_URL); `secret`: the cookie and CSRF keys' seed
    (DASHBOARD_SECRET, or random at each start)."""

    url: str
    secret: bytes
    oauth: OAuthApp

    @property
    def secure(self) -> bool:
        return self.url.startswith("https://")

    def __repr__(self) -> str:
        return f"DashboardOptions(url={self.url!r})"


def derived_key(secret: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose, from the operator's one secret."""
    return hashlib.sha256(purpose.encode() + b"\0" + secret).digest()


def make_app(
    services: Services, options: DashboardOptions, sections: Iterable[Section] | None = None
) -> web.Application:
    """The dashboard, with every feature's section (default: the installed cogs')."""
    if not options.secure:
        # oauthlib refuses plain http; the dashboard allows it only on this machine
        # (bot.config checks DASHBOARD_URL), where nobody else can read the traffic.
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    app = web.Application(client_max_size=MAX_BODY)
    app[SERVICES] = services
    app[OAUTH_APP] = options.oauth
    app[CSRF_SECRET] = derived_key(options.secret, "csrf")
    found = list(
        sections
        if sections is not None
        else discover_sections(f"cogs.{package.name}" for package in cog_packages())
    )
    app[SECTIONS] = found
    storage = EncryptedCookieStorage(
        derived_key(options.secret, "session"),  # raw: the storage makes it a Fernet key
        cookie_name=COOKIE_NAME,
        max_age=SESSION_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=options.secure,
    )
    setup_sessions(app, storage)
    app.middlewares.extend([headers, language, errors, guard])
    aiohttp_jinja2.setup(app, loader=_template_loader(found), autoescape=True)
    app.router.add_get("/", index)
    app.router.add_get("/login", login)
    app.router.add_get("/callback", callback)
    app.router.add_post("/logout", logout)
    app.router.add_get("/servers", servers)
    app.router.add_get("/servers/{guild_id}", server)
    for section in found:
        for route in section.routes:
            if not isinstance(route, web.RouteDef):
                raise TypeError(f"section {section.name}: only routes, not {route!r}")
            path = f"/servers/{{guild_id}}/{section.name}{route.path}"
            app.router.add_route(route.method, path, route.handler, **route.kwargs)
    app.router.add_static("/static", package_folder("bot") / "dashboard" / "static")

    async def open_http(app: web.Application) -> None:
        app[HTTP] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))

    async def close_http(app: web.Application) -> None:
        await app[HTTP].close()

    app.on_startup.append(open_http)
    app.on_cleanup.append(close_http)
    return app


def _template_loader(sections: list[Section]) -> jinja2.BaseLoader:
    """The core's templates by name (`base.html`); a feature's under its section's name
    (`trivia/questions.html`), from its package's `templates/<name>/`."""
    core = jinja2.FileSystemLoader(str(package_folder("bot") / "dashboard" / "templates"))
    folders: list[str] = [str(folder) for folder in _feature_template_folders()]
    return jinja2.ChoiceLoader([core, jinja2.FileSystemLoader(folders)])


def _feature_template_folders() -> list[Path]:
    return [package / "templates" for package in cog_packages() if (package / "templates").is_dir()]


# -- rendering --------------------------------------------------------------------------------


async def render(
    request: web.Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> web.Response:
    """`template` with the frame's values: `t` in the browser's language, the member, the
    CSRF token for forms, the server's menu, and the notice a redirect left."""
    session = await get_session(request)
    lang = language_of_request(request)
    cat = catalog()
    page = request.get(GUILD_PAGE)

    def t(key: str, **values: Any) -> str:
        return cat.t(key, lang, **values)

    frame = {
        "t": t,
        "lang": lang,
        "user": await signed_in_user(request),
        "csrf_token": csrf_token(request.app[CSRF_SECRET], session),
        "sections": request.app[SECTIONS],
        "page": page,
        "notice": session.pop(NOTICE_KEY, None),
        "path": request.path,
    }
    return aiohttp_jinja2.render_template(
        template, request, {**frame, **(context or {})}, status=status
    )


async def notice(request: web.Request, key: str, **values: Any) -> None:
    """A line to show on the next page (after a form's redirect), in the browser's language."""
    session = await get_session(request)
    session[NOTICE_KEY] = catalog().t(key, language_of_request(request), **values)


def back_to(request: web.Request, path: str = "") -> web.HTTPSeeOther:
    """The redirect after a form of a server's page: to the server's `path` (relative)."""
    return web.HTTPSeeOther(f"/servers/{page_of(request).guild_id}{path}")


# -- middlewares ------------------------------------------------------------------------------


@web.middleware
async def language(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[LANGUAGE] = browser_language(request.headers.get("Accept-Language"))
    return await handler(request)


ERROR_KEYS = {
    400: "dashboard.error.bad_request",
    403: "dashboard.error.forbidden",
    404: "dashboard.error.not_found",
    405: "dashboard.error.not_found",
    413: "dashboard.error.too_large",
}
CSRF_REFUSED = "csrf"


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """An error as a page in the browser's language (redirects pass through)."""
    try:
        return await handler(request)
    except LoginFailed as failure:
        return await render(request, "error.html", {"message_key": failure.key}, status=400)
    except web.HTTPException as error:
        if error.status < 400 or error.status not in ERROR_KEYS:
            raise
        key = ERROR_KEYS[error.status]
        if error.reason == CSRF_REFUSED:
            key = "dashboard.error.csrf"
        return await render(request, "error.html", {"message_key": key}, status=error.status)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """CSRF on every POST; a moderator, by the bot's view, on every server page."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        session = await get_session(request)
        posted = form_data(await request.post())
        if not csrf_valid(request.app[CSRF_SECRET], session, posted):
            log.info(
                "dashboard: refused a %s to %s without a valid CSRF token",
                request.method,
                request.path,
            )
            raise web.HTTPForbidden(reason=CSRF_REFUSED)
    raw_id = request.match_info.get("guild_id")
    if raw_id is not None:
        user = await signed_in_user(request)
        if user is None:
            if request.method == "GET":
                raise web.HTTPFound(f"/login?next={quote(request.path)}")
            raise web.HTTPForbidden()
        if not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 20):
            raise web.HTTPNotFound()
        found = await moderator_in(request, int(raw_id), user)
        if found is None:
            # Not a moderator there, or the bot is not there: the same answer for both.
            raise web.HTTPForbidden()
        guild, member = found
        settings = await request.app[SERVICES].settings.get(guild.id)
        request[GUILD_PAGE] = GuildPage(guild, member, settings, user)
    return await handler(request)


@web.middleware
async def headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The outermost middleware: every answer gets the headers, error pages and redirects
    (raised as exceptions) too."""
    try:
        response = await handler(request)
    except web.HTTPException as error:
        _protect(request, error.headers)
        raise
    _protect(request, response.headers)
    return response


def _protect(request: web.Request, headers: MutableMapping[str, str]) -> None:
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.path != "/" and not request.path.startswith("/static"):
        headers.setdefault("Cache-Control", "no-store")


# -- the core's pages -------------------------------------------------------------------------


async def index(request: web.Request) -> web.StreamResponse:
    if await signed_in_user(request) is not None:
        raise web.HTTPFound("/servers")
    return await render(request, "index.html")


async def servers(request: web.Request) -> web.StreamResponse:
    """The servers the member moderates: those listed at login, each checked again now."""
    user = await signed_in_user(request)
    if user is None:
        raise web.HTTPFound("/login?next=/servers")
    shown = []
    for guild_id in await listed_servers(request):
        found = await moderator_in(request, guild_id, user)
        if found is not None:
            shown.append(found[0])
    return await render(request, "servers.html", {"guilds": shown})


async def server(request: web.Request) -> web.StreamResponse:
    """A server's front page: what is on, and the way to each section."""
    page = page_of(request)
    services = request.app[SERVICES]
    return await render(
        request,
        "server.html",
        {
            "features": services.features.switchable,
            "settings": page.settings,
        },
    )
