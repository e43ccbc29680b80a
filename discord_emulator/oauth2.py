"""Discord's OAuth2 authorization-code grant, so a web app's "Login with Discord" runs
wholly on 127.0.0.1: the authorize page, the token and revocation endpoints, and the
Bearer tokens they issue.

The emulator plays the browser's Discord user. `GET /oauth2/authorize` (on the web root,
as discord.com serves it) answers at once with a 302 to the redirect URI when a test chose
who is signed in (`Emulator.oauth2_sign_in_as`), or with a page listing the world's users
to authorize as (for a person at the playground). Errors follow Discord and RFC 6749: an
unknown client or a redirect URI not registered exactly is a 400 page and no redirect; the
rest are redirects with `error=` and the `state`.

`POST /api/v10/oauth2/token` (also `/api/oauth2/token`) takes a form body only, with the
client's credentials in it or in HTTP Basic; codes are single use, bound to their client
and redirect URI, and expire after ten minutes of the emulator's clock; access tokens
after a week. `POST .../oauth2/token/revoke` revokes every token of the authorization.
Bearer tokens reach only `/users/@me` (scope `identify`) and `/users/@me/guilds`
(`guilds`); every bot route answers them 401.

Codes, tokens and the client secret are kept in the records (`AuthorizationCode`,
`AccessToken`, whose reprs hide them) and never written to a log.
"""

from __future__ import annotations

import base64
import hmac
import html
import itertools
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

import yarl
from aiohttp import web

from . import permissions as perms
from .errors import MISSING_ACCESS, ApiError, OAuth2Error, unauthorized
from .state import Guild, Member, User, World

log = logging.getLogger(__name__)

CODE_LIFETIME_S = 10 * 60.0
ACCESS_TOKEN_LIFETIME_S = 7 * 24 * 3600
DEFAULT_CLIENT_SECRET = "emulator-client-secret"

# Every scope Discord's documentation lists (topics/oauth2, "OAuth2 Scopes"); only
# `identify` and `guilds` open a route here, the others are granted and do nothing.
KNOWN_SCOPES = frozenset(
    {
        "activities.read",
        "activities.write",
        "applications.builds.read",
        "applications.builds.upload",
        "applications.commands",
        "applications.commands.update",
        "applications.commands.permissions.update",
        "applications.entitlements",
        "applications.store.update",
        "bot",
        "connections",
        "dm_channels.read",
        "email",
        "gdm.join",
        "guilds",
        "guilds.join",
        "guilds.members.read",
        "identify",
        "messages.read",
        "relationships.read",
        "role_connections.write",
        "rpc",
        "rpc.activities.write",
        "rpc.notifications.read",
        "rpc.voice.read",
        "rpc.voice.write",
        "voice",
        "webhook.incoming",
    }
)

# Form fields that are credentials: the request log shows them as "[redacted]".
SECRET_FIELDS = frozenset({"client_secret", "code", "refresh_token", "token"})
REDACTED = "[redacted]"

ACCESS_DENIED = "The resource owner or authorization server denied the request"
UNSUPPORTED_RESPONSE_TYPE = (
    "The authorization server does not support obtaining an authorization code using this method"
)
INVALID_SCOPE = "The requested scope is invalid, unknown, or malformed."


@dataclass(eq=False)
class AuthorizationCode:
    """A code the authorize endpoint issued; `redeemed_at` (emulator clock) once exchanged."""

    code: str = field(repr=False)
    user: User
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    issued_at: float
    redeemed_at: float | None = None


@dataclass(eq=False)
class AccessToken:
    """An access token and its refresh token, issued for a code ("authorization_code") or a
    refresh token ("refresh_token"). Tokens of one `authorization` are revoked together."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    user: User
    client_id: str
    scopes: tuple[str, ...]
    grant_type: str
    authorization: int
    issued_at: float
    expires_at: float
    # When its refresh token was exchanged for a new pair (a refresh token is single use).
    refreshed_at: float | None = None
    revoked_at: float | None = None

    def usable(self, now: float) -> bool:
        return self.revoked_at is None and now < self.expires_at


def redacted(form: Mapping[str, str]) -> dict[str, str]:
    """The form as the request log keeps it: credentials replaced by "[redacted]"."""
    return {key: REDACTED if key in SECRET_FIELDS else value for key, value in form.items()}


def is_bearer(header: str | None) -> bool:
    return header is not None and header[:7].lower() == "bearer "


def partial_guild(guild: Guild, member: Member) -> dict[str, Any]:
    """A guild as GET /users/@me/guilds lists it, with `member`'s guild-level permissions
    (@everyone and their roles; everything for the owner or an Administrator)."""
    return {
        "id": guild.id,
        "name": guild.name,
        "icon": None,
        "banner": None,
        "owner": member.user is guild.owner,
        "permissions": str(perms.base_permissions(guild, member)),
        "features": [],
    }


class OAuth2:
    """The application's OAuth2 server: its registered redirect URIs and client secret, who
    the browser is signed in as, and every code and token it issued."""

    def __init__(
        self,
        world: World,
        *,
        clock: Callable[[], float],
        client_secret: str = DEFAULT_CLIENT_SECRET,
    ) -> None:
        self.world = world
        self._clock = clock
        self.client_secret = client_secret
        # Discord redirects only to a URI registered for the application, exactly.
        self.redirect_uris: set[str] = set()
        self.signed_in: User | None = None
        self.deny_next = False
        self.codes: list[AuthorizationCode] = []
        self.tokens: list[AccessToken] = []
        self._codes: dict[str, AuthorizationCode] = {}
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, AccessToken] = {}
        self._authorizations = itertools.count(1)

    # -- the authorize page ---------------------------------------------------------------

    async def authorize(self, request: web.Request) -> web.Response:
        """GET: the consent screen (answered at once for a signed-in user); POST: its
        buttons ("Authorize as ..." or Cancel)."""
        query = request.query
        client_id = query.get("client_id")
        redirect_uri = query.get("redirect_uri")
        if client_id != self.world.application_id:
            return _page(400, "Unknown Application", "This application does not exist.")
        if redirect_uri is None or redirect_uri not in self.redirect_uris:
            return _page(
                400,
                "Invalid OAuth2 redirect_uri",
                "The redirect_uri is not registered for this application.",
            )
        state = query.get("state")
        if query.get("response_type") != "code":
            return _redirect_error(
                redirect_uri, state, "unsupported_response_type", UNSUPPORTED_RESPONSE_TYPE
            )
        scopes = tuple(dict.fromkeys(query.get("scope", "").split()))
        if not scopes or not set(scopes) <= KNOWN_SCOPES:
            return _redirect_error(redirect_uri, state, "invalid_scope", INVALID_SCOPE)

        if request.method == "POST":
            form = await request.post()
            if "cancel" in form:
                return _redirect_error(redirect_uri, state, "access_denied", ACCESS_DENIED)
            user = self.world.users.get(str(form.get("user_id")))
            if user is None or user.bot:
                return _page(400, "Unknown User", "Pick one of the users listed.")
        elif self.deny_next:
            self.deny_next = False
            return _redirect_error(redirect_uri, state, "access_denied", ACCESS_DENIED)
        elif self.signed_in is None:
            return self._consent_page(request, scopes)
        else:
            user = self.signed_in
        code = self._issue_code(user, client_id, redirect_uri, scopes)
        location = yarl.URL(redirect_uri).update_query(
            {"code": code, **({} if state is None else {"state": state})}
        )
        return web.Response(status=302, headers={"Location": str(location)})

    def _consent_page(self, request: web.Request, scopes: tuple[str, ...]) -> web.Response:
        app = html.escape(self.world.bot.name)
        action = html.escape(f"{request.path}?{request.query_string}")
        users = sorted(
            (u for u in self.world.users.values() if not u.bot), key=lambda u: u.name.lower()
        )
        buttons = "\n".join(
            f'<li><button type="submit" name="user_id" value="{html.escape(u.id)}">'
            f"Authorize as {html.escape(u.name)}</button></li>"
            for u in users
        )
        wants = ", ".join(html.escape(s) for s in scopes)
        body = (
            f"<p>{app} wants to access your account: {wants}.</p>\n"
            f'<form method="post" action="{action}">\n<ul>\n{buttons}\n</ul>\n'
            '<button type="submit" name="cancel" value="1">Cancel</button>\n</form>'
        )
        return _page(200, f"Authorize {self.world.bot.name}", body, escaped=True)

    def _issue_code(
        self, user: User, client_id: str, redirect_uri: str, scopes: tuple[str, ...]
    ) -> str:
        value = secrets.token_urlsafe(22)
        code = AuthorizationCode(value, user, client_id, redirect_uri, scopes, self._clock())
        self.codes.append(code)
        self._codes[value] = code
        self.world.changed()
        log.info("emulator: OAuth2 code issued to %s for %s", user.name, " ".join(scopes))
        return value

    # -- the token endpoints --------------------------------------------------------------

    def token(self, form: Mapping[str, str] | None, authorization: str | None) -> dict[str, Any]:
        """POST /oauth2/token: a code or a refresh token exchanged for a token pair.

        Raises OAuth2Error: 400 unsupported_grant_type (a JSON body included: Discord
        reads forms only), 401 invalid_client, 400 invalid_request (a missing field) or
        invalid_grant (a code unknown, used, expired, another client's or for another
        redirect URI; a refresh token unknown, used or revoked)."""
        grant_type = None if form is None else form.get("grant_type")
        if form is None or grant_type not in ("authorization_code", "refresh_token"):
            raise OAuth2Error(
                400, "unsupported_grant_type", f"Grant type {grant_type} is not supported"
            )
        client_id = self._client(form, authorization)
        now = self._clock()
        if grant_type == "authorization_code":
            value = _required(form, "code")
            code = self._codes.get(value)
            if (
                code is None
                or code.redeemed_at is not None
                or now >= code.issued_at + CODE_LIFETIME_S
                or code.client_id != client_id
            ):
                raise OAuth2Error(400, "invalid_grant", 'Invalid "code" in request.')
            if form.get("redirect_uri") != code.redirect_uri:
                raise OAuth2Error(400, "invalid_grant", 'Invalid "redirect_uri" in request.')
            code.redeemed_at = now
            issued = self._issue(
                code.user, client_id, code.scopes, grant_type, next(self._authorizations)
            )
        else:
            old = self._refresh.get(_required(form, "refresh_token"))
            if (
                old is None
                or old.refreshed_at is not None
                or old.revoked_at is not None
                or old.client_id != client_id
            ):
                raise OAuth2Error(400, "invalid_grant", 'Invalid "refresh_token" in request.')
            old.refreshed_at = now
            issued = self._issue(old.user, client_id, old.scopes, grant_type, old.authorization)
        return {
            "access_token": issued.access_token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME_S,
            "refresh_token": issued.refresh_token,
            "scope": " ".join(issued.scopes),
        }

    def revoke(self, form: Mapping[str, str] | None, authorization: str | None) -> None:
        """POST /oauth2/token/revoke: every token of the authorization `token` (an access or
        a refresh token) belongs to is refused from now on. An unknown token is no error
        (RFC 7009). Raises OAuth2Error 401 invalid_client, 400 invalid_request."""
        client_id = self._client(form or {}, authorization)
        value = _required(form or {}, "token")
        found = self._access.get(value) or self._refresh.get(value)
        if found is None or found.client_id != client_id:
            return
        now = self._clock()
        for token in self.tokens:
            if token.authorization == found.authorization and token.revoked_at is None:
                token.revoked_at = now
        self.world.changed()
        log.info("emulator: OAuth2 tokens of %s revoked", found.user.name)

    def _client(self, form: Mapping[str, str], authorization: str | None) -> str:
        """The client id, once its secret is right (HTTP Basic or the form's fields)."""
        if authorization is not None and authorization[:6].lower() == "basic ":
            try:
                joined = base64.b64decode(authorization[6:].strip(), validate=True).decode()
            except ValueError:
                raise OAuth2Error(401, "invalid_client") from None
            login, _, password = joined.partition(":")
            # RFC 6749 2.3.1: both are form-encoded before they are joined.
            client_id, secret = unquote_plus(login), unquote_plus(password)
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        right = hmac.compare_digest(secret.encode(), self.client_secret.encode())
        if client_id != self.world.application_id or not right:
            raise OAuth2Error(401, "invalid_client")
        return client_id

    def _issue(
        self,
        user: User,
        client_id: str,
        scopes: tuple[str, ...],
        grant_type: str,
        authorization: int,
    ) -> AccessToken:
        now = self._clock()
        token = AccessToken(
            access_token=secrets.token_urlsafe(22),
            refresh_token=secrets.token_urlsafe(22),
            user=user,
            client_id=client_id,
            scopes=scopes,
            grant_type=grant_type,
            authorization=authorization,
            issued_at=now,
            expires_at=now + ACCESS_TOKEN_LIFETIME_S,
        )
        self.tokens.append(token)
        self._access[token.access_token] = token
        self._refresh[token.refresh_token] = token
        self.world.changed()
        log.info("emulator: OAuth2 token issued to %s (%s)", user.name, grant_type)
        return token

    # -- Bearer tokens ----------------------------------------------------------------------

    def bearer(self, header: str, scope: str) -> AccessToken:
        """The live token of an `Authorization: Bearer ...` header that carries `scope`.

        Raises ApiError 401 for a token unknown, revoked or expired, 403 Missing Access
        (50001) for one without the scope."""
        token = self._access.get(header[7:].strip())
        if token is None or not token.usable(self._clock()):
            raise unauthorized()
        if scope not in token.scopes:
            raise ApiError(403, MISSING_ACCESS, "Missing Access")
        return token


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise OAuth2Error(400, "invalid_request", f'Missing "{name}" in request.')
    return value


def _redirect_error(
    redirect_uri: str, state: str | None, error: str, description: str
) -> web.Response:
    """RFC 6749 4.1.2.1: an error the client hears about, at its redirect URI."""
    query = {"error": error, "error_description": description}
    if state is not None:
        query["state"] = state
    location = yarl.URL(redirect_uri).update_query(query)
    return web.Response(status=302, headers={"Location": str(location)})


def _page(status: int, title: str, body: str, *, escaped: bool = False) -> web.Response:
    """A small HTML page; `title` is escaped here, `body` too unless `escaped` says it was."""
    shown = body if escaped else f"<p>{html.escape(body)}</p>"
    text = (
        '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n"
        f"<body>\n<h1>{html.escape(title)}</h1>\n{shown}\n</body>\n</html>\n"
    )
    return web.Response(status=status, text=text, content_type="text/html")
