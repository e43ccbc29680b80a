"""The Emulator: one aiohttp server with Discord's REST API, gateway and attachment CDN."""

# Waits take a `timeout` argument on purpose: a timeout is part of what a test asserts
# and ends in a message saying what the bot failed to do.
# ruff: noqa: ASYNC109

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import web

from . import permissions as perms
from .driver import ChangeFeed, Driver
from .errors import DriverError
from .faults import FaultRule, Faults, Hold, HoldPoint, RecordedRequest, RequestRecord
from .gateway import CLOSE_UNKNOWN_ERROR, PRIVILEGED_INTENTS, Gateway, ShardConflict
from .oauth2 import DEFAULT_CLIENT_SECRET, AccessToken, AuthorizationCode, OAuth2, is_bearer
from .ratelimit import GlobalRateLimit, per_second, sliding_peak
from .rest import RestApi
from .state import Channel, Guild, Member, Message, User, World

ATTACHMENT_UPLOAD_LIMIT = 25 * 1024 * 1024


# Connections the kernel queues before they are accepted. aiohttp's default (128) dropped
# SYNs when a bot opened a connection per click of a 2,000-member burst (each drop costs the
# client a 1 s retransmit); the kernel caps it at net.core.somaxconn.
LISTEN_BACKLOG = 4096


class Emulator(Driver):
    """A local stand-in for Discord's REST API v10 and gateway, for end-to-end tests.

    Serves REST under `{base_url}/api/v10`, the gateway at `{base_url}/gateway` (ws://),
    attachments under `{base_url}/attachments/`, and OAuth2's authorize page at
    `{base_url}/oauth2/authorize` with its token endpoints at `{base_url}/api/v10/oauth2/token`
    (and `/api/oauth2/token`, `.../token/revoke`; see `oauth2`). Build the world (guilds,
    users...) before or after the bot connects; changes after READY reach the bot as
    gateway events.
    """

    def __init__(
        self,
        *,
        bot_name: str = "Love wins all bot",
        token: str | None = "emulator-token",
        application_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        heartbeat_interval_ms: int = 41250,
        privileged_intents: int = PRIVILEGED_INTENTS,
        interaction_deadline: float = 3.0,
        listen_backlog: int = LISTEN_BACKLOG,
        client_secret: str = DEFAULT_CLIENT_SECRET,
    ) -> None:
        self.world = World(bot_name=bot_name, application_id=application_id)
        # None accepts any token.
        self.token = token
        self.clock = clock
        self.interaction_deadline = interaction_deadline
        self.listen_backlog = listen_backlog
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self.request_log: list[RequestRecord] = []
        self.unknown_routes: list[tuple[str, str]] = []
        # Exceptions raised inside the emulator itself (a bug here, not in the bot).
        self.internal_errors: list[Exception] = []
        self._feed = ChangeFeed()
        self._global_limit = GlobalRateLimit()
        self._read_cursors: dict[str, int] = {}
        self.gateway = Gateway(
            self.world,
            check_token=self._token_ok,
            resume_url=lambda: f"{self.gateway_url}/resume",
            heartbeat_interval_ms=heartbeat_interval_ms,
            privileged_intents=privileged_intents,
            clock=self.clock,
        )
        self.world.on_event = self.gateway.model_event
        self.world.on_change = self._feed.notify
        self.oauth2 = OAuth2(self.world, clock=self.clock, client_secret=client_secret)
        self.rest = RestApi(
            self.world,
            faults=self.faults,
            requests=self.requests,
            request_log=self.request_log,
            unknown_routes=self.unknown_routes,
            internal_errors=self.internal_errors,
            check_auth=self.check_auth,
            base_url=lambda: self.base_url,
            gateway_url=lambda: self.gateway_url,
            gateway_bot=self.gateway.gateway_bot,
            application_flags=lambda: self.gateway.application_flags,
            clock=self.clock,
            interaction_deadline=lambda: self.interaction_deadline,
            global_limit=self._global_limit,
            oauth2=self.oauth2,
        )
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        app = web.Application(client_max_size=ATTACHMENT_UPLOAD_LIMIT)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/", self.gateway.handle)
        app.router.add_get("/gateway/resume", self.gateway.handle)
        app.router.add_get("/attachments/{attachment_id}/{filename}", self._serve_attachment)
        app.router.add_route("*", "/api/v{version:\\d+}/{tail:.*}", self.rest.handle)
        # Discord serves these without a version too; the page is on the web root.
        app.router.add_route("*", "/api/{tail:oauth2/token(?:/revoke)?}", self.rest.handle)
        app.router.add_get("/oauth2/authorize", self.oauth2.authorize)
        app.router.add_post("/oauth2/authorize", self.oauth2.authorize)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port, backlog=self.listen_backlog)
        await site.start()
        self._runner = runner
        bound_host, bound_port = runner.addresses[0][:2]
        self._base_url = f"http://{bound_host}:{bound_port}"
        return self

    async def stop(self) -> None:
        """Release holds, close gateway connections, stop the server."""
        self.faults.release_all()
        self.gateway.accept_connections()
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        if self._runner is None:
            await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT (what `use_api_base` takes)."""
        if self._base_url is None:
            raise RuntimeError("the emulator is not started")
        return self._base_url

    @property
    def gateway_url(self) -> str:
        return "ws" + self.base_url.removeprefix("http") + "/gateway"

    def _token_ok(self, token: str) -> bool:
        return self.token is None or token == self.token

    def check_auth(self, header: str | None) -> bool:
        """Whether `header` is the bot's token (any Bot token when `token` is None; a
        user's Bearer token never)."""
        if self.token is None:
            return header is not None and not is_bearer(header)
        return header == f"Bot {self.token}"

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        attachment = self.world.attachments.get(request.match_info["attachment_id"])
        if attachment is None:
            return web.Response(status=404, text="Not found")
        return web.Response(
            body=attachment.data, content_type=attachment.content_type or "application/octet-stream"
        )

    # -- the global rate limit ----------------------------------------------------------------

    @property
    def global_rate_limit(self) -> int | None:
        """Requests a second per bot token past which REST answers 429 `global: true`:
        Discord's 50 by default (`ratelimit.DISCORD_GLOBAL_LIMIT`); None: counted in the
        records, never refused. Interaction callbacks and follow-ups are exempt."""
        return self._global_limit.limit

    @global_rate_limit.setter
    def global_rate_limit(self, value: int | None) -> None:
        self._global_limit.limit = value

    def requests_per_second(
        self, *, admitted_only: bool = False, since: float | None = None
    ) -> list[int]:
        """Requests bound by the global limit (bot token, not an interaction's route) in each
        one-second window of `clock`, first to last; 429s included unless `admitted_only`;
        only those at or after `since` (a `clock` time: skip a bot's start-up) when given.
        The windows are those the limit counts in."""
        return per_second(self.request_log, admitted_only=admitted_only, since=since)

    def peak_requests_per_second(
        self, *, sliding: bool = False, admitted_only: bool = False, since: float | None = None
    ) -> int:
        """The busiest window of `requests_per_second`; with `sliding`, the most such
        requests in any one second, windows or not (stricter than Discord's count)."""
        if sliding:
            return sliding_peak(self.request_log, admitted_only=admitted_only, since=since)
        return max(self.requests_per_second(admitted_only=admitted_only, since=since), default=0)

    @property
    def global_429s(self) -> int:
        """Requests the global rate limit answered with 429."""
        return sum(1 for r in self.request_log if r.global_limited)

    # -- the world --------------------------------------------------------------------------

    @property
    def bot(self) -> User:
        return self.world.bot

    @property
    def application_id(self) -> str:
        return self.world.application_id

    def add_user(self, name: str, *, global_name: str | None = None) -> User:
        return self.world.add_user(name, global_name=global_name)

    def user(self, name_or_id: str) -> User:
        return self.world.user(name_or_id)

    def add_guild(
        self,
        name: str,
        owner: User,
        *,
        locale: str = "en-US",
        everyone_permissions: int = perms.DEFAULT_EVERYONE,
        bot_permissions: int = perms.DEFAULT_BOT,
    ) -> Guild:
        return self.world.add_guild(
            name,
            owner,
            locale=locale,
            everyone_permissions=everyone_permissions,
            bot_permissions=bot_permissions,
        )

    def remove_guild(self, guild: Guild) -> None:
        self.world.remove_guild(guild)

    def rejoin_guild(self, guild: Guild) -> None:
        self.world.rejoin_guild(guild)

    def guild(self, name_or_id: str) -> Guild:
        for guild in self.world.guilds.values():
            if name_or_id in (guild.id, guild.name):
                return guild
        raise KeyError(f"no guild {name_or_id!r}")

    def dm_channel(self, user: User) -> Channel:
        return self.world.dm_channel(user)

    def add_attachment(
        self,
        filename: str,
        data: bytes,
        *,
        content_type: str | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        """A Discord attachment object whose url this emulator serves (for attachment options)."""
        return self.world.add_attachment(
            self.base_url, filename, data, content_type=content_type, description=description
        ).to_dict()

    def attachment_bytes(self, attachment: dict[str, Any]) -> bytes:
        return self.world.attachments[attachment["id"]].data

    def commands(self, guild_id: Guild | str | int | None = None) -> list[dict[str, Any]]:
        """The commands the bot synced globally (None) or to one guild."""
        if isinstance(guild_id, Guild):
            guild_id = guild_id.id
        return list(self.world.commands_for(None if guild_id is None else str(guild_id)))

    def message(self, message_id: str | int) -> Message:
        return self.world.messages[str(message_id)]

    # -- OAuth2: a web app's "Login with Discord" ---------------------------------------------

    @property
    def client_id(self) -> str:
        """The application's OAuth2 client id: its application id."""
        return self.world.application_id

    @property
    def client_secret(self) -> str:
        """The application's OAuth2 client secret (settable; default "emulator-client-secret")."""
        return self.oauth2.client_secret

    @client_secret.setter
    def client_secret(self, value: str) -> None:
        self.oauth2.client_secret = value

    @property
    def oauth2_redirect_uris(self) -> set[str]:
        """The redirect URIs registered for the application (add to it): authorize redirects
        only to one of these, matched exactly, as Discord does."""
        return self.oauth2.redirect_uris

    @property
    def oauth2_authorize_url(self) -> str:
        """Where a web app sends the browser: `{base_url}/oauth2/authorize`."""
        return f"{self.base_url}/oauth2/authorize"

    @property
    def oauth2_token_url(self) -> str:
        return f"{self.base_url}/api/v10/oauth2/token"

    def oauth2_sign_in_as(self, user: User | Member | str) -> User:
        """Make `user` (a User, a Member or a user's name or id) the browser's signed-in
        Discord user: /oauth2/authorize then redirects with a code at once, as if they
        pressed Authorize."""
        if isinstance(user, Member):
            user = user.user
        elif isinstance(user, str):
            user = self.world.user(user)
        if user.bot:
            raise DriverError(f"{user.name!r} is a bot: bots don't sign in to web pages")
        self.oauth2.signed_in = user
        return user

    def oauth2_sign_out(self) -> None:
        """Nobody is signed in: /oauth2/authorize shows a page to pick a user on."""
        self.oauth2.signed_in = None

    def oauth2_deny_next(self) -> None:
        """The next /oauth2/authorize is cancelled by the user: it redirects with
        `error=access_denied` and the state."""
        self.oauth2.deny_next = True

    @property
    def oauth2_codes(self) -> list[AuthorizationCode]:
        """Every code /oauth2/authorize issued, in order (`redeemed_at` once exchanged)."""
        return self.oauth2.codes

    @property
    def oauth2_tokens(self) -> list[AccessToken]:
        """Every token pair /oauth2/token issued, in order (`revoked_at` once revoked)."""
        return self.oauth2.tokens

    # -- faults -------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str | None,
        path_regex: str | re.Pattern[str],
        status: int = 500,
        *,
        retry_after: float = 0.05,
        times: int = 1,
        code: int | None = None,
        message: str | None = None,
        is_global: bool = False,
    ) -> FaultRule:
        """Answer the next `times` requests matching `method` (None: any) and `path_regex`
        (re.search on the path after /api/v10) with `status`, without acting on them.

        429 carries Discord's body and headers (so discord.py sleeps `retry_after` and retries),
        403 defaults to 50013 Missing Permissions, 404 to 10003 Unknown Channel.
        """
        return self.faults.fail_next(
            method,
            path_regex,
            status=status,
            retry_after=retry_after,
            times=times,
            code=code,
            message=message,
            is_global=is_global,
        )

    def hold(
        self,
        method: str | None,
        path_regex: str | re.Pattern[str],
        when: HoldPoint = "before",
        *,
        times: int = 1,
    ) -> Hold:
        """Pause matching requests "before" acting or "after" acting but before replying."""
        return self.faults.hold(method, path_regex, when, times)

    def requests_matching(
        self, method: str | None, path_regex: str | re.Pattern[str]
    ) -> list[RecordedRequest]:
        pattern = re.compile(path_regex) if isinstance(path_regex, str) else path_regex
        return [
            r
            for r in self.requests
            if (method is None or r.method == method.upper()) and pattern.search(r.path)
        ]

    # -- shards -----------------------------------------------------------------------------

    @property
    def max_guilds_per_shard(self) -> int:
        """A shard identifying with more guilds than this is closed with 4011 (default 2500)."""
        return self.gateway.max_guilds_per_shard

    @max_guilds_per_shard.setter
    def max_guilds_per_shard(self, value: int) -> None:
        self.gateway.max_guilds_per_shard = value

    @property
    def max_concurrency(self) -> int:
        """/gateway/bot's session_start_limit.max_concurrency (default 1)."""
        return self.gateway.max_concurrency

    @max_concurrency.setter
    def max_concurrency(self, value: int) -> None:
        self.gateway.max_concurrency = value

    @property
    def enforce_identify_pacing(self) -> bool:
        """Refuse (op 9) an IDENTIFY within 5 s of another of its key, `shard_id %
        max_concurrency` (default off)."""
        return self.gateway.enforce_identify_pacing

    @enforce_identify_pacing.setter
    def enforce_identify_pacing(self, value: bool) -> None:
        self.gateway.enforce_identify_pacing = value

    @property
    def identifies(self) -> list[tuple[int, float]]:
        """(shard id, `clock` time) of every IDENTIFY that opened a session, in order."""
        return self.gateway.identifies

    @property
    def duplicate_shards(self) -> Literal["close_old", "allow"]:
        """What a second connection identifying as a connected shard does: "close_old" (the
        default) closes the older with 4010; "allow" keeps both, each getting the shard's
        events. `shard_conflicts` records it either way."""
        return "allow" if self.gateway.duplicate_shards == "allow" else "close_old"

    @duplicate_shards.setter
    def duplicate_shards(self, value: Literal["close_old", "allow"]) -> None:
        if value not in ("close_old", "allow"):
            raise ValueError(f"duplicate_shards must be 'close_old' or 'allow', not {value!r}")
        self.gateway.duplicate_shards = value

    @property
    def shard_conflicts(self) -> list[ShardConflict]:
        """Each time a connection identified as a shard another connection still held."""
        return self.gateway.shard_conflicts

    @property
    def shard_count(self) -> int:
        """The shard count the bot's sessions identified with (1 until one did)."""
        return self.gateway.shard_count

    def shard_of(self, guild: Guild | str | int) -> int:
        """The shard `guild` belongs to under the current count: `(id >> 22) % count`."""
        return self.gateway.shard_of(guild.id if isinstance(guild, Guild) else guild)

    def guilds_of_shard(self, shard_id: int, shard_count: int | None = None) -> list[Guild]:
        """The guilds shard `shard_id` of `shard_count` (default: the current count) holds."""
        return self.gateway.guilds_of_shard(shard_id, shard_count or self.gateway.shard_count)

    # -- gateway control -----------------------------------------------------------------------

    async def wait_ready(
        self, timeout: float = 5.0, *, shards: Iterable[int] | None = None
    ) -> None:
        """Until the bot has a live session: identified with READY + every GUILD_CREATE sent,
        or resumed. After `drop_gateway()` this waits for the reconnection.

        Sharded: with `shards`, until each of those shard ids has a live session; without,
        until every session the gateway knows is live (shard 0 alone right after the first
        READY of a sharded bot: pass `shards` to wait for all of them)."""
        wanted = None if shards is None else list(shards)
        try:
            await self.gateway.wait_online(timeout, wanted)
        except TimeoutError:
            which = "" if wanted is None else f" for shards {wanted}"
            raise TimeoutError(
                f"the bot did not connect to the gateway{which} within {timeout}s"
            ) from None

    async def drop_gateway(
        self, code: int = CLOSE_UNKNOWN_ERROR, *, stay_down: bool = False, shard: int | None = None
    ) -> None:
        """Close the bot's gateway connection (default 4000, resumable); it should resume.

        `shard`: that shard's connection only (None: every shard's). With `stay_down`, every
        reconnection hangs (as in a network outage) until `restore_gateway()`.
        """
        if not self.gateway.sessions or (shard is not None and shard not in self.gateway.sessions):
            raise DriverError("no gateway session to drop")
        if stay_down:
            self.gateway.hold_connections()
        await self.gateway.drop(code, shard=shard)

    def restore_gateway(self) -> None:
        """End the outage of `drop_gateway(stay_down=True)`: the bot's reconnection goes on."""
        self.gateway.accept_connections()

    def send_reconnect(self, *, shard: int | None = None) -> None:
        """Op 7 Reconnect to one shard (None: every shard): it closes and resumes on its own."""
        self.gateway.send_reconnect(shard)

    def invalidate_session(self, *, resumable: bool = False, shard: int | None = None) -> None:
        """Op 9 Invalid Session to one shard (None: every shard); with resumable=False the
        bot must IDENTIFY again."""
        self.gateway.invalidate_session(resumable=resumable, shard=shard)

    def dispatch(self, event: str, data: dict[str, Any], *, guild_id: str | None = None) -> bool:
        """Send a raw gateway event (escape hatch for events the emulator doesn't model) to
        the shard of `guild_id`; by default the payload's `guild_id` (its `id` for GUILD_CREATE,
        GUILD_UPDATE and GUILD_DELETE), shard 0 when it has none."""
        if guild_id is None:
            found = data.get("guild_id")
            if found is None and event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
                found = data.get("id")
            guild_id = None if found is None else str(found)
        return self.gateway.dispatch(event, data, guild_id=guild_id)
