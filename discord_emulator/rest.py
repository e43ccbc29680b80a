"""REST routes under /api/v10 (OAuth2's token endpoints and the Bearer-token user routes among
them), with the request log, fault injection and holds around them."""

from __future__ import annotations

import json
import logging
import mimetypes
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from . import errors as e
from . import permissions as perms
from .errors import ApiError
from .faults import Faults, RecordedRequest, RequestRecord
from .oauth2 import AccessToken, OAuth2, is_bearer, partial_guild, redacted
from .ratelimit import (
    GlobalRateLimit,
    counts_toward_global_limit,
    global_429_body,
    global_429_headers,
)
from .state import (
    FLAG_EPHEMERAL,
    FLAG_IS_COMPONENTS_V2,
    FLAG_LOADING,
    FLAG_SUPPRESS_EMBEDS,
    FLAG_SUPPRESS_NOTIFICATIONS,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    INTERACTION_PING,
    MESSAGE_CHAT_INPUT_COMMAND,
    MESSAGE_DEFAULT,
    MESSAGE_REPLY,
    Attachment,
    Channel,
    Guild,
    Interaction,
    Message,
    World,
)
from .validation import FormErrors, check_choices, check_commands, check_message

log = logging.getLogger(__name__)

NONCE_WINDOW_S = 300.0
INTERACTION_TOKEN_LIFETIME_S = 15 * 60.0
# Flags a bot may set when creating a message (ephemeral only through interactions).
SETTABLE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_IS_COMPONENTS_V2
FORM = "application/x-www-form-urlencoded"
# The scope a user's Bearer token needs on each route that takes one.
BEARER_SCOPES = {"/users/@me": "identify", "/users/@me/guilds": "guilds"}


@dataclass
class UploadedFile:
    field_name: str
    filename: str
    data: bytes
    content_type: str | None


@dataclass
class Call:
    """One parsed REST request handed to a route handler."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[UploadedFile] = field(default_factory=list)
    # An application/x-www-form-urlencoded body (the OAuth2 endpoints read only these).
    form: dict[str, str] | None = None
    authorization: str | None = None
    # The Bearer token a user route was called with (None: the bot's token).
    grant: AccessToken | None = None

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("1", "true", "yes")


@dataclass
class Reply:
    status: int = 200
    body: Any = None


Handler = Callable[[Call], Awaitable[Reply]]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    needs_bot_auth: bool
    # A user's OAuth2 Bearer token is accepted too (every other route answers it 401).
    accepts_bearer: bool = False


def _compile_route(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template.replace(".", r"\."))
    return re.compile(f"^{regex}$")


def ok(body: Any = None, status: int = 200) -> Reply:
    return Reply(status, body)


def no_content() -> Reply:
    return Reply(204, None)


class RestApi:
    """Routes Discord's REST API onto the shared World.

    It is given exactly what it uses. The lists are the caller's: each request is appended to
    `requests` and `request_log`, a path no route knows to `unknown_routes`, an exception of
    the emulator's own to `internal_errors`. The callables are read at each request, since
    the server's address is known only once it listens and a test may change the deadline.
    """

    def __init__(
        self,
        world: World,
        *,
        faults: Faults,
        requests: list[RecordedRequest],
        request_log: list[RequestRecord],
        unknown_routes: list[tuple[str, str]],
        internal_errors: list[Exception],
        check_auth: Callable[[str | None], bool],
        base_url: Callable[[], str],
        gateway_url: Callable[[], str],
        gateway_bot: Callable[[], dict[str, Any]],
        application_flags: Callable[[], int],
        clock: Callable[[], float],
        interaction_deadline: Callable[[], float],
        global_limit: GlobalRateLimit | None = None,
        oauth2: OAuth2 | None = None,
    ) -> None:
        self.world = world
        self._oauth2 = oauth2 or OAuth2(world, clock=clock)
        self._faults = faults
        self._requests = requests
        self._request_log = request_log
        self._unknown_routes = unknown_routes
        self._internal_errors = internal_errors
        self._check_auth = check_auth
        self._base_url = base_url
        self._gateway_url = gateway_url
        self._gateway_bot = gateway_bot
        self._application_flags = application_flags
        self._clock = clock
        self._interaction_deadline = interaction_deadline
        self._global_limit = global_limit or GlobalRateLimit()
        self.routes: list[Route] = []
        # (channel id, nonce) -> (message, clock time) for enforce_nonce.
        self._nonces: dict[tuple[str, str], tuple[Message, float]] = {}
        self._register()

    # -- plumbing -------------------------------------------------------------------------------

    def _add(
        self,
        method: str,
        template: str,
        handler: Handler,
        *,
        auth: bool = True,
        bearer: bool = False,
    ) -> None:
        self.routes.append(Route(method, _compile_route(template), handler, auth, bearer))

    def _register(self) -> None:
        add = self._add
        add("GET", "/users/@me", self.get_me, bearer=True)
        add("GET", "/users/@me/guilds", self.get_my_guilds, bearer=True)
        add("GET", "/users/{user_id}", self.get_user)
        add("POST", "/users/@me/channels", self.create_dm)
        add("GET", "/gateway", self.get_gateway, auth=False)
        # OAuth2: the client authenticates with its id and secret, not a token.
        add("POST", "/oauth2/token", self.oauth2_token, auth=False)
        add("POST", "/oauth2/token/revoke", self.oauth2_revoke, auth=False)
        add("GET", "/gateway/bot", self.get_gateway_bot)
        # discord.py's Client.login calls the oauth2 path; the plain one is the newer alias.
        add("GET", "/oauth2/applications/@me", self.get_application)
        add("GET", "/applications/@me", self.get_application)
        for prefix in ("/applications/{app_id}", "/applications/{app_id}/guilds/{guild_id}"):
            add("GET", f"{prefix}/commands", self.get_commands)
            add("PUT", f"{prefix}/commands", self.put_commands)
            add("POST", f"{prefix}/commands", self.post_command)
            add("GET", f"{prefix}/commands/{{command_id}}", self.get_command)
            add("PATCH", f"{prefix}/commands/{{command_id}}", self.patch_command)
            add("DELETE", f"{prefix}/commands/{{command_id}}", self.delete_command)
        add("GET", "/channels/{channel_id}", self.get_channel)
        add("GET", "/channels/{channel_id}/messages", self.get_messages)
        add("POST", "/channels/{channel_id}/messages", self.post_message)
        add("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        add("PATCH", "/channels/{channel_id}/messages/{message_id}", self.patch_message)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        add("POST", "/channels/{channel_id}/typing", self.typing)
        reaction = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"
        add("PUT", reaction, self.add_reaction)
        add("DELETE", reaction, self.remove_reaction)
        add("GET", "/guilds/{guild_id}", self.get_guild)
        add("GET", "/guilds/{guild_id}/channels", self.get_guild_channels)
        add("GET", "/guilds/{guild_id}/roles", self.get_guild_roles)
        add("GET", "/guilds/{guild_id}/members", self.get_members)
        add("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member)
        add("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self.add_member_role)
        add(
            "DELETE",
            "/guilds/{guild_id}/members/{user_id}/roles/{role_id}",
            self.remove_member_role,
        )
        add(
            "POST",
            "/interactions/{interaction_id}/{token}/callback",
            self.interaction_callback,
            auth=False,
        )
        add("POST", "/webhooks/{app_id}/{token}", self.webhook_execute, auth=False)
        hook_message = "/webhooks/{app_id}/{token}/messages/{message_id}"
        add("GET", hook_message, self.webhook_get_message, auth=False)
        add("PATCH", hook_message, self.webhook_edit_message, auth=False)
        add("DELETE", hook_message, self.webhook_delete_message, auth=False)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The pipeline: parse, record, hold "before", inject, act, hold "after", reply."""
        try:
            response = await self._handle(request)
            self.world.changed()  # the request's status is now known
            return response
        except Exception as exc:
            # An emulator bug. Not a 500: discord.py would retry those with back-off for ~25 s.
            log.exception("emulator: internal error on %s %s", request.method, request.path)
            self._internal_errors.append(exc)
            return _error_response(ApiError(400, 0, f"emulator internal error: {exc!r}"))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.method.upper()
        path = "/" + request.match_info["tail"].rstrip("/")
        query = dict(request.query.items())
        try:
            body, files = await _read_body(request)
        except ApiError as exc:
            return _error_response(exc)
        form = body if request.content_type == FORM else None
        # A form carries OAuth2 credentials: the records keep their names, not their values.
        shown = redacted(form) if form is not None else body
        record = RequestRecord(method, path, shown, query, [f.filename for f in files])
        record.at = self._clock()
        auth = request.headers.get("Authorization")
        record.global_counted = (
            auth is not None and self._check_auth(auth) and counts_toward_global_limit(path)
        )
        self._requests.append(RecordedRequest(method, path, shown))
        self._request_log.append(record)
        # Tests may wait on the request log itself (Emulator.wait_until).
        self.world.changed()
        if record.global_counted and auth is not None:
            retry_after = self._global_limit.admit(auth, record.at)
            if retry_after is not None:
                record.status = 429
                record.global_limited = True
                log.info("emulator: %s %s -> 429 global rate limit", method, path)
                return json_response(
                    global_429_body(retry_after),
                    status=429,
                    headers=global_429_headers(retry_after),
                )

        await self._faults.pause(record, "before")
        injected = self._faults.injected_error(method, path)
        if injected is not None:
            record.status = injected.status
            record.injected = True
            return _error_response(injected)

        try:
            reply = await self._route(request, method, path, query, body, files, form)
        except ApiError as exc:
            if exc.status >= 400 and exc.code:
                log.info("emulator: %s %s -> %s %s", method, path, exc.status, exc.message)
            await self._faults.pause(record, "after")
            record.status = exc.status
            return _error_response(exc)
        await self._faults.pause(record, "after")
        record.status = reply.status
        if reply.status == 204:
            return web.Response(status=204)
        return json_response(reply.body, status=reply.status)

    async def _route(
        self,
        request: web.Request,
        method: str,
        path: str,
        query: dict[str, str],
        body: Any,
        files: list[UploadedFile],
        form: dict[str, str] | None,
    ) -> Reply:
        allowed_elsewhere = False
        header = request.headers.get("Authorization")
        for route in self.routes:
            match = route.pattern.match(path)
            if match is None:
                continue
            if route.method != method:
                allowed_elsewhere = True
                continue
            grant = None
            if route.accepts_bearer and is_bearer(header):
                assert header is not None
                grant = self._oauth2.bearer(header, BEARER_SCOPES[path])
            elif route.needs_bot_auth and not self._check_auth(header):
                raise e.unauthorized()
            call = Call(method, path, match.groupdict(), query, body, files, form, header, grant)
            return await route.handler(call)
        if allowed_elsewhere:
            raise ApiError(405, 0, "405: Method Not Allowed")
        log.warning("emulator: no route for %s %s (answering 404)", method, path)
        self._unknown_routes.append((method, path))
        raise e.not_found_route()

    # -- lookups ----------------------------------------------------------------------------------

    def _channel(self, channel_id: str) -> Channel:
        channel = self.world.channels.get(channel_id)
        if channel is None:
            raise e.unknown("Channel", e.UNKNOWN_CHANNEL)
        return channel

    def _guild(self, guild_id: str) -> Guild:
        guild = self.world.guilds.get(guild_id)
        if guild is None:
            raise e.unknown("Guild", e.UNKNOWN_GUILD)
        return guild

    def _channel_message(self, channel: Channel, message_id: str) -> Message:
        message = self.world.messages.get(message_id)
        if (
            message is None
            or message.channel is not channel
            or message.deleted
            or message.ephemeral
        ):
            raise e.unknown("Message", e.UNKNOWN_MESSAGE)
        return message

    def _bot_permissions(self, channel: Channel) -> int:
        if channel.guild is None:
            return perms.ALL
        return channel.guild.me.permissions(channel)

    def _require(self, channel: Channel, needed: int) -> None:
        have = self._bot_permissions(channel)
        if not have & perms.VIEW_CHANNEL:
            raise ApiError(403, e.MISSING_ACCESS, "Missing Access")
        if have & needed != needed:
            raise ApiError(403, e.MISSING_PERMISSIONS, "Missing Permissions")

    def _check_app(self, call: Call) -> None:
        if call.params["app_id"] != self.world.application_id:
            raise ApiError(403, e.MISSING_ACCESS, "Missing Access")

    # -- users, application, gateway ------------------------------------------------------------

    async def get_me(self, call: Call) -> Reply:
        if call.grant is not None:
            # A user's own account, as the `identify` scope shows it (no email).
            data = call.grant.user.to_dict()
            data.update({"mfa_enabled": False, "locale": "en-US", "premium_type": 0})
            return ok(data)
        data = self.world.bot.to_dict()
        data.update({"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None})
        return ok(data)

    async def get_my_guilds(self, call: Call) -> Reply:
        """The guilds the token's user (or the bot) is a member of, by id; `after`,
        `before` and `limit` (1-200, default 200) page them as Discord does."""
        user = self.world.bot if call.grant is None else call.grant.user
        limit = max(1, min(200, int(call.query.get("limit", "200"))))
        guilds = sorted(
            (g for g in self.world.guilds.values() if user.id in g.members),
            key=lambda g: int(g.id),
        )
        if "after" in call.query:
            guilds = [g for g in guilds if int(g.id) > int(call.query["after"])]
        if "before" in call.query:
            guilds = [g for g in guilds if int(g.id) < int(call.query["before"])][-limit:]
        return ok([partial_guild(g, g.members[user.id]) for g in guilds[:limit]])

    async def oauth2_token(self, call: Call) -> Reply:
        return ok(self._oauth2.token(call.form, call.authorization))

    async def oauth2_revoke(self, call: Call) -> Reply:
        self._oauth2.revoke(call.form, call.authorization)
        return ok({})

    async def get_user(self, call: Call) -> Reply:
        user = self.world.users.get(call.params["user_id"])
        if user is None:
            raise e.unknown("User", e.UNKNOWN_USER)
        return ok(user.to_dict())

    async def create_dm(self, call: Call) -> Reply:
        user = self.world.users.get(str((call.json or {}).get("recipient_id")))
        if user is None:
            raise e.unknown("User", e.UNKNOWN_USER)
        return ok(self.world.dm_channel(user).to_dict())

    async def get_gateway(self, call: Call) -> Reply:
        return ok({"url": self._gateway_url()})

    async def get_gateway_bot(self, call: Call) -> Reply:
        body = {"url": self._gateway_url()}
        body.update(self._gateway_bot())
        return ok(body)

    async def get_application(self, call: Call) -> Reply:
        world = self.world
        return ok(
            {
                "id": world.application_id,
                "name": world.bot.name,
                "icon": None,
                "description": "Emulated application",
                "summary": "",
                "type": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": world.app_owner.to_dict(),
                "team": None,
                "flags": self._application_flags(),
                "bot": world.bot.to_dict(),
                "approximate_guild_count": len(world.guilds),
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "tags": [],
                "integration_types_config": {"0": {}},
            }
        )

    # -- application commands ---------------------------------------------------------------------

    def _command_scope(self, call: Call) -> str | None:
        self._check_app(call)
        guild_id = call.params.get("guild_id")
        if guild_id is not None:
            self._guild(guild_id)
        return guild_id

    async def get_commands(self, call: Call) -> Reply:
        return ok(self.world.commands_for(self._command_scope(call)))

    async def put_commands(self, call: Call) -> Reply:
        guild_id = self._command_scope(call)
        payload = call.json or []
        if not isinstance(payload, list):
            raise ApiError(400, e.INVALID_FORM_BODY, "Invalid Form Body")
        check_commands(payload)
        return ok(self.world.set_commands(guild_id, payload))

    async def post_command(self, call: Call) -> Reply:
        guild_id = self._command_scope(call)
        check_commands([call.json or {}])
        return ok(self.world.upsert_command(guild_id, call.json), status=201)

    def _find_command(self, call: Call) -> dict[str, Any]:
        for command in self.world.commands_for(self._command_scope(call)):
            if command["id"] == call.params["command_id"]:
                return command
        raise e.unknown("application command", e.UNKNOWN_APPLICATION_COMMAND)

    async def get_command(self, call: Call) -> Reply:
        return ok(self._find_command(call))

    async def patch_command(self, call: Call) -> Reply:
        command = self._find_command(call)
        merged = {**command, **(call.json or {})}
        return ok(self.world.upsert_command(call.params.get("guild_id"), merged))

    async def delete_command(self, call: Call) -> Reply:
        command = self._find_command(call)
        commands = self.world.commands_for(call.params.get("guild_id"))
        commands.remove(command)
        self.world.changed()
        return no_content()

    # -- channels and messages --------------------------------------------------------------------

    async def get_channel(self, call: Call) -> Reply:
        return ok(self._channel(call.params["channel_id"]).to_dict())

    async def get_messages(self, call: Call) -> Reply:
        channel = self._channel(call.params["channel_id"])
        if channel.guild is not None:
            self._require(channel, perms.READ_MESSAGE_HISTORY)
        limit = max(1, min(100, int(call.query.get("limit", "50"))))
        messages = channel.visible_messages()
        if "before" in call.query:
            messages = [m for m in messages if int(m.id) < int(call.query["before"])]
        if "after" in call.query:
            messages = [m for m in messages if int(m.id) > int(call.query["after"])]
            return ok([m.to_dict() for m in reversed(messages[:limit])])
        # Newest first, as Discord returns them.
        return ok([m.to_dict() for m in reversed(messages[-limit:])])

    async def get_message(self, call: Call) -> Reply:
        channel = self._channel(call.params["channel_id"])
        return ok(self._channel_message(channel, call.params["message_id"]).to_dict())

    async def post_message(self, call: Call) -> Reply:
        channel = self._channel(call.params["channel_id"])
        payload = call.json or {}
        needed = perms.SEND_MESSAGES | (perms.ATTACH_FILES if call.files else 0)
        self._require(channel, needed)
        nonce = payload.get("nonce")
        key = (channel.id, str(nonce))
        if nonce is not None and payload.get("enforce_nonce"):
            seen = self._nonces.get(key)
            # Discord: a repeated nonce within a few minutes returns the first message.
            if seen is not None and self._clock() - seen[1] <= NONCE_WINDOW_S:
                return ok(seen[0].to_dict())
        fields = self._message_fields(payload, call.files, creating=True, existing=None)
        reference = payload.get("message_reference")
        kind = MESSAGE_DEFAULT
        if reference:
            replied = self.world.messages.get(str(reference.get("message_id")))
            if replied is None and reference.get("fail_if_not_exists", True):
                errors = FormErrors()
                errors.add(
                    ["message_reference"],
                    "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                    "Unknown message",
                )
                errors.raise_if_any()
            kind = MESSAGE_REPLY
            fields["message_reference"] = {
                "type": 0,
                "channel_id": channel.id,
                "message_id": str(reference.get("message_id")),
                **({"guild_id": channel.guild.id} if channel.guild else {}),
            }
        fields["flags"] = fields.get("flags", 0) & SETTABLE_FLAGS
        message = self.world.create_message(
            channel,
            self.world.bot,
            type=kind,
            nonce=None if nonce is None else str(nonce),
            **fields,
        )
        if nonce is not None:
            self._nonces[key] = (message, self._clock())
        return ok(message.to_dict())

    async def patch_message(self, call: Call) -> Reply:
        channel = self._channel(call.params["channel_id"])
        message = self._channel_message(channel, call.params["message_id"])
        if message.author is not self.world.bot:
            raise ApiError(
                403, e.CANNOT_EDIT_OTHERS_MESSAGE, "Cannot edit a message authored by another user"
            )
        changes = self._message_fields(
            call.json or {}, call.files, creating=False, existing=message
        )
        if "flags" in changes:
            changes["flags"] &= SETTABLE_FLAGS
        self.world.edit_message(message, changes)
        return ok(message.to_dict())

    async def delete_message(self, call: Call) -> Reply:
        channel = self._channel(call.params["channel_id"])
        message = self._channel_message(channel, call.params["message_id"])
        if message.author is not self.world.bot:
            self._require(channel, perms.MANAGE_MESSAGES)
        self.world.delete_message(message)
        return no_content()

    async def typing(self, call: Call) -> Reply:
        self._channel(call.params["channel_id"])
        return no_content()

    async def add_reaction(self, call: Call) -> Reply:
        channel = self._channel(call.params["channel_id"])
        message = self._channel_message(channel, call.params["message_id"])
        self._require(channel, perms.ADD_REACTIONS | perms.READ_MESSAGE_HISTORY)
        message.reactions.setdefault(call.params["emoji"], set()).add(self.world.bot.id)
        self.world.changed()
        return no_content()

    async def remove_reaction(self, call: Call) -> Reply:
        channel = self._channel(call.params["channel_id"])
        message = self._channel_message(channel, call.params["message_id"])
        message.reactions.get(call.params["emoji"], set()).discard(self.world.bot.id)
        self.world.changed()
        return no_content()

    # -- guilds ---------------------------------------------------------------------------------

    async def get_guild(self, call: Call) -> Reply:
        guild = self._guild(call.params["guild_id"])
        data = guild.to_dict()
        if call.flag("with_counts"):
            data["approximate_member_count"] = len(guild.members)
            data["approximate_presence_count"] = len(guild.members)
        return ok(data)

    async def get_guild_channels(self, call: Call) -> Reply:
        guild = self._guild(call.params["guild_id"])
        return ok([c.to_dict() for c in guild.channels.values()])

    async def get_guild_roles(self, call: Call) -> Reply:
        guild = self._guild(call.params["guild_id"])
        return ok([r.to_dict() for r in guild.roles.values()])

    async def get_members(self, call: Call) -> Reply:
        guild = self._guild(call.params["guild_id"])
        limit = max(1, min(1000, int(call.query.get("limit", "1"))))
        after = int(call.query.get("after", "0"))
        members = sorted(guild.members.values(), key=lambda m: int(m.user.id))
        return ok([m.to_dict() for m in members if int(m.user.id) > after][:limit])

    async def get_member(self, call: Call) -> Reply:
        guild = self._guild(call.params["guild_id"])
        member = guild.members.get(call.params["user_id"])
        if member is None:
            raise e.unknown("Member", e.UNKNOWN_MEMBER)
        return ok(member.to_dict())

    async def _member_role(self, call: Call, add: bool) -> Reply:
        guild = self._guild(call.params["guild_id"])
        member = guild.members.get(call.params["user_id"])
        if member is None:
            raise e.unknown("Member", e.UNKNOWN_MEMBER)
        role = guild.roles.get(call.params["role_id"])
        if role is None:
            raise e.unknown("Role", e.UNKNOWN_ROLE)
        me = guild.me
        top = max((r.position for r in me.roles), default=0)
        if not me.permissions() & perms.MANAGE_ROLES or role.position >= top:
            raise ApiError(403, e.MISSING_PERMISSIONS, "Missing Permissions")
        if add and role not in member.roles:
            member.roles.append(role)
        elif not add and role in member.roles:
            member.roles.remove(role)
        self.world.emit("member_update", member)
        return no_content()

    async def add_member_role(self, call: Call) -> Reply:
        return await self._member_role(call, add=True)

    async def remove_member_role(self, call: Call) -> Reply:
        return await self._member_role(call, add=False)

    # -- message payloads -------------------------------------------------------------------------

    def _message_fields(
        self,
        payload: dict[str, Any],
        files: list[UploadedFile],
        *,
        creating: bool,
        existing: Message | None,
    ) -> dict[str, Any]:
        """Turn a create/edit payload into Message fields (only the keys that were sent)."""
        check_message(payload, has_files=bool(files), creating=creating)
        fields: dict[str, Any] = {}
        if "content" in payload:
            fields["content"] = "" if payload["content"] is None else str(payload["content"])
        for key in ("embeds", "components"):
            if key in payload:
                fields[key] = payload[key] or []
        if "allowed_mentions" in payload:
            fields["allowed_mentions"] = payload["allowed_mentions"]
        if payload.get("tts") is not None and creating:
            fields["tts"] = bool(payload["tts"])
        if payload.get("poll") is not None and creating:
            fields["poll"] = payload["poll"]
        if payload.get("flags") is not None:
            fields["flags"] = int(payload["flags"])
        new = self._uploads(payload, files)
        if existing is None:
            fields["attachments"] = new
        elif "attachments" in payload or new:
            keep_ids = {str(a.get("id")) for a in payload.get("attachments") or []}
            kept = [a for a in existing.attachments if a.id in keep_ids]
            if "attachments" not in payload:
                kept = list(existing.attachments)
            fields["attachments"] = kept + new
        return fields

    def _uploads(self, payload: dict[str, Any], files: list[UploadedFile]) -> list[Attachment]:
        described = {str(a.get("id")): a for a in payload.get("attachments") or []}
        result = []
        for upload in files:
            index = re.search(r"\[(\d+)\]", upload.field_name)
            meta = described.get(index.group(1) if index else "", {})
            filename = meta.get("filename") or upload.filename
            # discord.py labels every part application/octet-stream; Discord goes by the name.
            content_type = mimetypes.guess_type(filename)[0] or upload.content_type
            result.append(
                self.world.add_attachment(
                    self._base_url(),
                    filename,
                    upload.data,
                    content_type=content_type,
                    description=meta.get("description"),
                )
            )
        return result

    # -- interactions -----------------------------------------------------------------------------

    def _interaction(self, interaction_id: str, token: str) -> Interaction:
        interaction = self.world.interactions.get(interaction_id)
        if interaction is None or interaction.token != token:
            raise e.unknown("interaction", e.UNKNOWN_INTERACTION)
        return interaction

    async def interaction_callback(self, call: Call) -> Reply:
        rec = self._interaction(call.params["interaction_id"], call.params["token"])
        if rec.response_type is not None:
            raise ApiError(
                400, e.ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged."
            )
        if self._clock() - rec.created_at > self._interaction_deadline():
            # Discord forgets an interaction not acknowledged within 3 seconds.
            rec.late_callback = True
            self.world.changed()
            raise e.unknown("interaction", e.UNKNOWN_INTERACTION)
        body: dict[str, Any] = call.json or {}
        kind = body.get("type")
        data = body.get("data") or {}
        allowed = {
            INTERACTION_PING: {1},
            INTERACTION_APPLICATION_COMMAND: {4, 5, 9},
            INTERACTION_COMPONENT: {4, 5, 6, 7, 9},
            INTERACTION_AUTOCOMPLETE: {8},
            INTERACTION_MODAL_SUBMIT: {4, 5, 6, 7},
        }[rec.type]
        if rec.type == INTERACTION_MODAL_SUBMIT and rec.message is None:
            allowed = {4, 5}
        if kind not in allowed:
            errors = FormErrors()
            errors.add(
                ["type"], "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid interaction response type"
            )
            raise errors.error()

        message_type = (
            MESSAGE_CHAT_INPUT_COMMAND
            if rec.type == INTERACTION_APPLICATION_COMMAND
            else MESSAGE_DEFAULT
        )
        if kind == 4:
            fields = self._message_fields(data, call.files, creating=True, existing=None)
            fields["flags"] = fields.get("flags", 0) & (SETTABLE_FLAGS | FLAG_EPHEMERAL)
            rec.original = self._interaction_message(rec, fields, message_type)
        elif kind == 5:
            flags = FLAG_LOADING | (int(data.get("flags") or 0) & FLAG_EPHEMERAL)
            rec.original = self._interaction_message(rec, {"flags": flags}, message_type)
        elif kind in (6, 7):
            assert rec.message is not None
            rec.original = rec.message
            if kind == 7:
                changes = self._message_fields(
                    data, call.files, creating=False, existing=rec.message
                )
                # An update keeps the message's ephemeral-ness whatever flags were sent.
                if "flags" in changes:
                    keep = rec.message.flags & FLAG_EPHEMERAL
                    changes["flags"] = (changes["flags"] & SETTABLE_FLAGS) | keep
                self.world.edit_message(rec.message, changes)
        elif kind == 8:
            check_choices(list(data.get("choices") or []))
        elif kind == 9:
            errors = FormErrors()
            for key in ("custom_id", "title", "components"):
                if not data.get(key):
                    errors.add(["data", key], "BASE_TYPE_REQUIRED", "This field is required")
            errors.raise_if_any()

        rec.response_type = kind
        rec.response_data = data
        rec.response_at = self._clock()
        if rec.original is not None and kind != 5:
            rec.response_revision = rec.original.revision
            rec.initial = rec.original.to_dict()
        self.world.changed()
        if not call.flag("with_response"):
            return no_content()
        return ok(self._callback_response(rec, kind))

    def _interaction_message(self, rec: Interaction, fields: dict[str, Any], kind: int) -> Message:
        return self.world.create_message(
            rec.channel,
            self.world.bot,
            type=kind,
            webhook_id=self.world.application_id,
            application_id=self.world.application_id,
            interaction=rec,
            **fields,
        )

    def _callback_response(self, rec: Interaction, kind: int) -> dict[str, Any]:
        """The interaction callback response object returned for ?with_response=true."""
        interaction: dict[str, Any] = {"id": rec.id, "type": rec.type}
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 5, 7) and rec.original is not None:
            interaction["response_message_id"] = rec.original.id
            interaction["response_message_loading"] = kind == 5
            interaction["response_message_ephemeral"] = rec.original.ephemeral
            resource["message"] = rec.original.to_dict()
        return {"interaction": interaction, "resource": resource}

    # -- interaction webhooks (followups, @original) ------------------------------------------

    def _webhook_interaction(self, call: Call) -> Interaction:
        if call.params["app_id"] != self.world.application_id:
            raise e.unknown("Webhook", e.UNKNOWN_WEBHOOK)
        rec = self.world.interaction_by_token(call.params["token"])
        if rec is None:
            raise e.unknown("Webhook", e.UNKNOWN_WEBHOOK)
        if self._clock() - rec.created_at > INTERACTION_TOKEN_LIFETIME_S:
            raise ApiError(401, e.INVALID_WEBHOOK_TOKEN, "Invalid Webhook Token")
        if rec.response_type is None:
            # No callback yet: Discord has no webhook for this interaction.
            raise e.unknown("Webhook", e.UNKNOWN_WEBHOOK)
        return rec

    def _webhook_message(self, rec: Interaction, message_id: str) -> Message:
        if message_id == "@original":
            message = rec.original
        else:
            candidates = [*rec.followups, *([rec.original] if rec.original else [])]
            message = next((m for m in candidates if m.id == message_id), None)
        if message is None or message.deleted:
            raise e.unknown("Message", e.UNKNOWN_MESSAGE)
        return message

    def _complete_deferred(self, rec: Interaction, changes: dict[str, Any]) -> Message:
        """The first edit (or followup) after a defer replaces the "thinking" message."""
        original = rec.original
        assert original is not None
        keep = original.flags & FLAG_EPHEMERAL
        changes["flags"] = (changes.get("flags", 0) & SETTABLE_FLAGS) | keep
        self.world.edit_message(original, changes, mark_edited=False)
        rec.response_revision = original.revision
        rec.initial = original.to_dict()
        return original

    async def webhook_execute(self, call: Call) -> Reply:
        rec = self._webhook_interaction(call)
        payload = call.json or {}
        deferred = rec.original is not None and rec.original.loading and rec.response_type == 5
        if deferred and not rec.original.deleted:  # type: ignore[union-attr]
            fields = self._message_fields(payload, call.files, creating=True, existing=None)
            message = self._complete_deferred(rec, fields)
        else:
            fields = self._message_fields(payload, call.files, creating=True, existing=None)
            fields["flags"] = fields.get("flags", 0) & (SETTABLE_FLAGS | FLAG_EPHEMERAL)
            kind = (
                MESSAGE_CHAT_INPUT_COMMAND
                if rec.type == INTERACTION_APPLICATION_COMMAND
                else MESSAGE_DEFAULT
            )
            message = self._interaction_message(rec, fields, kind)
            rec.followups.append(message)
            self.world.changed()
        if not call.flag("wait"):
            return no_content()
        return ok(message.to_dict())

    async def webhook_get_message(self, call: Call) -> Reply:
        rec = self._webhook_interaction(call)
        return ok(self._webhook_message(rec, call.params["message_id"]).to_dict())

    async def webhook_edit_message(self, call: Call) -> Reply:
        rec = self._webhook_interaction(call)
        message = self._webhook_message(rec, call.params["message_id"])
        changes = self._message_fields(
            call.json or {}, call.files, creating=False, existing=message
        )
        if message is rec.original and message.loading:
            self._complete_deferred(rec, changes)
        else:
            if "flags" in changes:
                keep = message.flags & FLAG_EPHEMERAL
                changes["flags"] = (changes["flags"] & SETTABLE_FLAGS) | keep
            self.world.edit_message(message, changes)
        return ok(message.to_dict())

    async def webhook_delete_message(self, call: Call) -> Reply:
        rec = self._webhook_interaction(call)
        message = self._webhook_message(rec, call.params["message_id"])
        self.world.delete_message(message)
        return no_content()


# -- helpers ----------------------------------------------------------------------------------


def json_response(
    body: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON with Content-Type exactly "application/json": discord.py compares the header
    verbatim and treats anything else (aiohttp adds "; charset=utf-8") as plain text."""
    response = web.Response(
        body=json.dumps(body, separators=(",", ":")).encode(), status=status, headers=headers
    )
    response.headers["Content-Type"] = "application/json"
    return response


def _error_response(exc: ApiError) -> web.Response:
    return json_response(exc.body(), status=exc.status, headers=exc.headers)


async def _read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    """JSON body, or multipart with `payload_json` plus `files[n]` parts, as discord.py sends;
    a form (OAuth2's token endpoints) as a dict of each field's first value."""
    if not request.body_exists:
        return None, []
    content_type = request.content_type
    if content_type == FORM:
        fields = await request.post()
        form: dict[str, str] = {}
        for key, value in fields.items():
            if isinstance(value, str):
                form.setdefault(key, value)
        return form, []
    if content_type.startswith("multipart/"):
        payload: Any = None
        files: list[UploadedFile] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, aiohttp.BodyPartReader):
                continue
            name = part.name or ""
            data = await part.read(decode=False)
            if name == "payload_json":
                payload = _parse_json(bytes(data))
            else:
                files.append(
                    UploadedFile(
                        field_name=name,
                        filename=part.filename or name,
                        data=bytes(data),
                        content_type=part.headers.get("Content-Type"),
                    )
                )
        return payload, files
    raw = await request.read()
    if not raw:
        return None, []
    return _parse_json(raw), []


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from exc
