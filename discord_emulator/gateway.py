"""The gateway websocket: HELLO, IDENTIFY -> READY + GUILD_CREATE, RESUME, dispatches.

Transport compression follows the `compress` query parameter the client sends:
`zlib-stream` (one zlib context per connection, every message flushed with Z_SYNC_FLUSH so it
ends in 00 00 ff ff), `zstd-stream` (when a zstd module is importable; discord.py 2.7 asks for
it whenever it has one), or none (plain text frames).

Heartbeats are ACKed a round trip later, as Discord's are (see `HEARTBEAT_ACK_DELAY`).

Shards. IDENTIFY's `shard: [id, count]` (absent: `[0, 1]`) opens the session of that shard;
the gateway holds one session per shard, all of one count. A guild belongs to shard
`(guild_id >> 22) % count`: READY and GUILD_CREATE list only the shard's guilds, and every
guild-scoped dispatch (guild, channel, role, member, message and interaction events) goes to
that shard's session only; DMs and other events without a guild go to shard 0, as Discord's
do. Each session resumes on its own (its own session id and sequence). What is refused:

- an id outside `0 <= id < count`, or a count other than that of the sessions still
  connected: close 4010 "Invalid shard." (discord.py does not reconnect after it);
- a shard that would hold more than `max_guilds_per_shard` guilds: close 4011 "Sharding
  required.";
- a second connection identifying as a shard that is still connected: Discord lets the
  newest IDENTIFY take the shard (a restarted process whose old socket lingers), so the new
  session wins and the OLD connection is closed with 4010, recorded in `shard_conflicts`.
  A close code discord.py resumes after (4005, 4009) would make the two processes take the
  shard from each other forever; 4010 stops the old client with an error its log shows;
- with `enforce_identify_pacing`, an IDENTIFY within `IDENTIFY_INTERVAL_S` of the last one of
  the same rate-limit key (`shard_id % max_concurrency`): op 9 Invalid Session, as Discord
  answers an IDENTIFY over the session start rate; recorded in `paced_identifies`.
"""

# Waits take a `timeout` argument on purpose: a timeout is part of what a test asserts
# and ends in a message saying what the bot failed to do.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
import uuid
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from .state import (
    CHANNEL_DM,
    Channel,
    Guild,
    Member,
    Message,
    Role,
    World,
)

log = logging.getLogger(__name__)

# Gateway opcodes.
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

# Intents.
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
ALL_INTENTS = (1 << 26) - 1

# Application flags telling which privileged intents the "developer portal" enabled.
APP_FLAG_GATEWAY_PRESENCE = 1 << 12
APP_FLAG_GATEWAY_GUILD_MEMBERS = 1 << 14
APP_FLAG_GATEWAY_MESSAGE_CONTENT = 1 << 18
APP_FLAG_COMMAND_BADGE = 1 << 23

# Close codes.
CLOSE_UNKNOWN_ERROR = 4000
CLOSE_UNKNOWN_OPCODE = 4001
CLOSE_DECODE_ERROR = 4002
CLOSE_NOT_AUTHENTICATED = 4003
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_ALREADY_AUTHENTICATED = 4005
CLOSE_SESSION_TIMED_OUT = 4009
CLOSE_INVALID_SHARD = 4010
CLOSE_SHARDING_REQUIRED = 4011
CLOSE_INVALID_API_VERSION = 4012
CLOSE_INVALID_INTENTS = 4013
CLOSE_DISALLOWED_INTENTS = 4014

# Seconds between a heartbeat and its ACK: about a round trip to Discord. discord.py's
# keep-alive thread notes when it sent a heartbeat only once the event loop says the send is
# done; an ACK handled before that (an instant one from a server in the same process, while
# the loop holds the GIL) is measured from the previous heartbeat, a whole interval earlier,
# and logged as "Can't keep up, shard ID None websocket is 41.3s behind."
HEARTBEAT_ACK_DELAY = 0.1

# Discord refuses a shard with more guilds than this (close 4011).
MAX_GUILDS_PER_SHARD = 2500
# Discord's recommended shard count in /gateway/bot: one shard per this many guilds.
GUILDS_PER_RECOMMENDED_SHARD = 1000
# The session start rate: max_concurrency IDENTIFYs (one per rate-limit key) per 5 seconds.
IDENTIFY_INTERVAL_S = 5.0
# session_start_limit.total in /gateway/bot: IDENTIFYs a bot may make per day.
SESSION_START_TOTAL = 1000


class Encoder(Protocol):
    def encode(self, text: str) -> bytes | str: ...


class PlainEncoder:
    """No transport compression: text frames."""

    def encode(self, text: str) -> str:
        return text


class ZlibStreamEncoder:
    """One deflate stream per connection; each message is sync-flushed (ends in 00 00 ff ff)."""

    def __init__(self) -> None:
        self._compressor = zlib.compressobj()

    def encode(self, text: str) -> bytes:
        return self._compressor.compress(text.encode()) + self._compressor.flush(zlib.Z_SYNC_FLUSH)


class ZstdStreamEncoder:
    """One zstd stream per connection; each message is a flushed block discord.py can decode."""

    def __init__(self) -> None:
        try:
            import zstandard  # type: ignore[import-not-found]
        except ImportError:
            from compression import zstd  # type: ignore[import-not-found]

            compressor = zstd.ZstdCompressor()
            self._encode: Callable[[bytes], bytes] = lambda data: compressor.compress(
                data, mode=zstd.ZstdCompressor.FLUSH_BLOCK
            )
        else:
            cobj = zstandard.ZstdCompressor().compressobj()
            self._encode = lambda data: (
                cobj.compress(data) + cobj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
            )

    def encode(self, text: str) -> bytes:
        return self._encode(text.encode())


def make_encoder(compress: str | None) -> Encoder:
    """The encoder for a `compress` query value; ValueError for one the emulator can't speak."""
    if not compress:
        return PlainEncoder()
    if compress == "zlib-stream":
        return ZlibStreamEncoder()
    if compress == "zstd-stream":
        try:
            return ZstdStreamEncoder()
        except ImportError as exc:
            raise ValueError("zstd-stream requested but no zstd module is installed") from exc
    raise ValueError(f"unsupported compress={compress!r}")


@dataclass(eq=False)
class Connection:
    """One websocket connection and its outgoing queue."""

    ws: web.WebSocketResponse
    encoder: Encoder
    path: str
    query: dict[str, str]
    queue: asyncio.Queue[dict[str, Any] | None] = field(default_factory=asyncio.Queue)
    session: GatewaySession | None = None
    kind: str = "pending"  # "identify" or "resume" once the client said which
    close_code: int | None = None
    # Heartbeat ACKs on their way (see HEARTBEAT_ACK_DELAY), cancelled if the socket closes.
    pending_acks: set[asyncio.TimerHandle] = field(default_factory=set)

    def send(self, frame: dict[str, Any] | None) -> None:
        """Queue a frame for the writer; None stops the writer once the frames before it went."""
        self.queue.put_nowait(frame)


@dataclass(eq=False)
class GatewaySession:
    """A gateway session: survives dropped connections until the bot identifies anew."""

    id: str
    intents: int
    # As the client sent it (None: unsharded, which is shard 0 of 1); READY echoes it.
    shard: list[int] | None
    shard_id: int = 0
    shard_count: int = 1
    seq: int = 0
    # Every dispatch of the session, so a RESUME can replay what the client missed.
    buffer: list[dict[str, Any]] = field(default_factory=list)
    connection: Connection | None = None
    presence: dict[str, Any] | None = None
    # Set once READY and the shard's GUILD_CREATEs went out (or it resumed).
    ready: bool = False


@dataclass(frozen=True)
class ShardConflict:
    """A second connection identified as a shard that was still connected; the old one was
    closed with 4010 (see the module docstring)."""

    shard_id: int
    shard_count: int
    old_session_id: str
    new_session_id: str


@dataclass(frozen=True)
class ConnectionInfo:
    """What a test may assert about a past connection."""

    path: str
    query: dict[str, str]
    kind: str


PayloadBuilder = Callable[[GatewaySession], "dict[str, Any] | None"]


class Gateway:
    """Serves the websocket and turns model events into gateway dispatches."""

    def __init__(
        self,
        world: World,
        *,
        check_token: Callable[[str], bool],
        resume_url: Callable[[], str],
        heartbeat_interval_ms: int = 41250,
        heartbeat_ack_delay: float = HEARTBEAT_ACK_DELAY,
        privileged_intents: int = PRIVILEGED_INTENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.world = world
        self._clock = clock
        self._check_token = check_token
        self._resume_url = resume_url
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.heartbeat_ack_delay = heartbeat_ack_delay
        self.heartbeat_acks = 0
        self.privileged_intents = privileged_intents
        # One session per shard id, every one of `shard_count` shards.
        self.sessions: dict[int, GatewaySession] = {}
        self.shard_count = 1
        self.max_guilds_per_shard = MAX_GUILDS_PER_SHARD
        self.max_concurrency = 1
        self.enforce_identify_pacing = False
        self.session_start_remaining = SESSION_START_TOTAL
        # (shard id, clock time) of every IDENTIFY that opened a session, in order.
        self.identifies: list[tuple[int, float]] = []
        # (shard id, clock time) of IDENTIFYs refused by enforce_identify_pacing.
        self.paced_identifies: list[tuple[int, float]] = []
        self.shard_conflicts: list[ShardConflict] = []
        self.connections: list[ConnectionInfo] = []
        self.identify_count = 0
        self.resume_count = 0
        self._live: set[Connection] = set()
        # Set and replaced whenever a session connects, gets ready or loses its connection.
        self._sessions_changed = asyncio.Event()
        # Cleared: new connections hang before the handshake, as behind a network outage.
        self._accepting = asyncio.Event()
        self._accepting.set()

    @property
    def application_flags(self) -> int:
        flags = APP_FLAG_COMMAND_BADGE
        if self.privileged_intents & GUILD_PRESENCES:
            flags |= APP_FLAG_GATEWAY_PRESENCE
        if self.privileged_intents & GUILD_MEMBERS:
            flags |= APP_FLAG_GATEWAY_GUILD_MEMBERS
        if self.privileged_intents & MESSAGE_CONTENT:
            flags |= APP_FLAG_GATEWAY_MESSAGE_CONTENT
        return flags

    @property
    def session(self) -> GatewaySession | None:
        """Shard 0's session: the only one of an unsharded bot."""
        return self.sessions.get(0)

    def shard_of(self, guild_id: str | int) -> int:
        """The shard a guild's events go to: `(guild_id >> 22) % shard_count`."""
        return (int(guild_id) >> 22) % self.shard_count

    def guilds_of_shard(self, shard_id: int, shard_count: int) -> list[Guild]:
        return [
            g for g in self.world.guilds.values() if (int(g.id) >> 22) % shard_count == shard_id
        ]

    @property
    def recommended_shards(self) -> int:
        """/gateway/bot's `shards`: one per GUILDS_PER_RECOMMENDED_SHARD guilds, at least 1."""
        return max(1, -(-len(self.world.guilds) // GUILDS_PER_RECOMMENDED_SHARD))

    def gateway_bot(self) -> dict[str, Any]:
        """/gateway/bot's `shards` and `session_start_limit` (its `url` is the server's)."""
        return {
            "shards": self.recommended_shards,
            "session_start_limit": {
                "total": SESSION_START_TOTAL,
                "remaining": self.session_start_remaining,
                "reset_after": 14400000,
                "max_concurrency": self.max_concurrency,
            },
        }

    @property
    def online(self) -> bool:
        """Every session is connected and ready (and there is at least one)."""
        return self._shards_online(None)

    def _shards_online(self, shards: Iterable[int] | None) -> bool:
        if shards is None:
            wanted = list(self.sessions.values())
        else:
            found = [self.sessions.get(shard) for shard in shards]
            if None in found:
                return False
            wanted = [s for s in found if s is not None]
        return bool(wanted) and all(s.connection is not None and s.ready for s in wanted)

    def _notify(self) -> None:
        self._sessions_changed.set()
        self._sessions_changed = asyncio.Event()

    async def wait_online(self, timeout: float, shards: Iterable[int] | None = None) -> None:
        """Until every session (or each of `shards`, of the current count) is online."""
        wanted = None if shards is None else list(shards)
        async with asyncio.timeout(timeout):
            while not self._shards_online(wanted):
                await self._sessions_changed.wait()

    # -- connection handling ---------------------------------------------------------------

    def hold_connections(self) -> None:
        """Make new connections wait before their handshake until `accept_connections`."""
        self._accepting.clear()

    def accept_connections(self) -> None:
        self._accepting.set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if not self._accepting.is_set():
            await self._accepting.wait()
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=503)  # the client gave up meanwhile
        # The client already negotiates permessage-deflate; compressing twice buys nothing.
        ws = web.WebSocketResponse(compress=False, max_msg_size=0, timeout=2.0)
        await ws.prepare(request)
        query = dict(request.query)
        try:
            encoder = make_encoder(query.get("compress"))
        except ValueError as exc:
            log.warning("gateway: %s", exc)
            await ws.close(code=CLOSE_DECODE_ERROR, message=str(exc).encode()[:120])
            return ws
        conn = Connection(ws=ws, encoder=encoder, path=request.path, query=query)
        self._live.add(conn)
        writer = asyncio.create_task(self._write(conn), name="emulator-gateway-writer")
        try:
            if query.get("v", "10") != "10":
                await self._close(conn, CLOSE_INVALID_API_VERSION, "Invalid API version")
                return ws
            if query.get("encoding", "json") != "json":
                await self._close(
                    conn, CLOSE_DECODE_ERROR, "The emulator speaks encoding=json only"
                )
                return ws
            conn.send(
                {
                    "op": OP_HELLO,
                    "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["emulator"]},
                    "s": None,
                    "t": None,
                }
            )
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    try:
                        payload = json.loads(msg.data)
                    except ValueError:
                        await self._close(conn, CLOSE_DECODE_ERROR, "Error while decoding payload.")
                        break
                    await self._on_payload(conn, payload)
                elif msg.type is WSMsgType.BINARY:
                    await self._close(conn, CLOSE_DECODE_ERROR, "Binary frames are not accepted.")
                    break
                elif msg.type is WSMsgType.ERROR:
                    break
        finally:
            self._detach(conn)
            for pending in conn.pending_acks:
                pending.cancel()
            conn.send(None)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
            self._live.discard(conn)
        return ws

    async def _write(self, conn: Connection) -> None:
        while True:
            frame = await conn.queue.get()
            if frame is None or conn.ws.closed:
                return
            data = conn.encoder.encode(json.dumps(frame, separators=(",", ":")))
            try:
                if isinstance(data, str):
                    await conn.ws.send_str(data)
                else:
                    await conn.ws.send_bytes(data)
            except (ConnectionError, RuntimeError):
                return

    def _detach(self, conn: Connection) -> None:
        session = conn.session
        if session is not None and session.connection is conn:
            session.connection = None
            self._notify()

    async def _close(self, conn: Connection, code: int, reason: str) -> None:
        conn.close_code = code
        self._detach(conn)
        await conn.ws.close(code=code, message=reason.encode()[:120])

    async def _on_payload(self, conn: Connection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == OP_HEARTBEAT:
            self._ack_heartbeat(conn)
        elif op == OP_IDENTIFY:
            await self._identify(conn, data or {})
        elif op == OP_RESUME:
            await self._resume(conn, data or {})
        elif conn.session is None:
            await self._close(conn, CLOSE_NOT_AUTHENTICATED, "Not authenticated.")
        elif op == OP_PRESENCE_UPDATE:
            conn.session.presence = data
        elif op == OP_REQUEST_GUILD_MEMBERS:
            self._members_chunk(conn.session, data or {})
        elif op == OP_VOICE_STATE_UPDATE:
            pass
        else:
            await self._close(conn, CLOSE_UNKNOWN_OPCODE, "Unknown opcode.")

    def _ack_heartbeat(self, conn: Connection) -> None:
        """Op 11 after `heartbeat_ack_delay`, without holding up the frames read meanwhile."""

        def send() -> None:
            conn.pending_acks.discard(pending)
            conn.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
            self.heartbeat_acks += 1

        pending = asyncio.get_running_loop().call_later(self.heartbeat_ack_delay, send)
        conn.pending_acks.add(pending)

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        if conn.session is not None:
            await self._close(conn, CLOSE_ALREADY_AUTHENTICATED, "Already authenticated.")
            return
        if not self._check_token(str(data.get("token", ""))):
            await self._close(conn, CLOSE_AUTHENTICATION_FAILED, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents & ~ALL_INTENTS:
            await self._close(conn, CLOSE_INVALID_INTENTS, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self.privileged_intents:
            await self._close(conn, CLOSE_DISALLOWED_INTENTS, "Disallowed intent(s).")
            return
        shard = data.get("shard")
        if shard is None:
            shard_id, shard_count = 0, 1
        elif (
            isinstance(shard, list)
            and len(shard) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in shard)
            and 0 <= shard[0] < shard[1]
        ):
            shard_id, shard_count = shard
        else:
            await self._close(conn, CLOSE_INVALID_SHARD, "Invalid shard.")
            return
        if any(
            s.shard_count != shard_count and s.connection is not None
            for s in self.sessions.values()
        ):
            # Shards of another count are still connected: the guilds would be split twice.
            await self._close(conn, CLOSE_INVALID_SHARD, "Invalid shard.")
            return
        guilds = self.guilds_of_shard(shard_id, shard_count)
        if len(guilds) > self.max_guilds_per_shard:
            await self._close(conn, CLOSE_SHARDING_REQUIRED, "Sharding required.")
            return
        now = self._clock()
        if self.enforce_identify_pacing and self._identified_lately(shard_id, now):
            self.paced_identifies.append((shard_id, now))
            conn.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        if shard_count != self.shard_count:
            # Only disconnected sessions of the old count are left: none can resume now.
            self.sessions.clear()
            self.shard_count = shard_count
        session = GatewaySession(
            id=uuid.uuid4().hex,
            intents=intents,
            shard=shard,
            shard_id=shard_id,
            shard_count=shard_count,
        )
        session.presence = data.get("presence")
        conn.session = session
        conn.kind = "identify"
        self.connections.append(ConnectionInfo(conn.path, conn.query, "identify"))
        self.identify_count += 1
        self.identifies.append((shard_id, now))
        self.session_start_remaining = max(0, self.session_start_remaining - 1)
        # A new session replaces the old one of its shard, as when a restarted bot identifies
        # again; one still connected is closed (see the module docstring).
        old = self.sessions.get(shard_id)
        self.sessions[shard_id] = session
        session.connection = conn
        stale = old.connection if old is not None else None
        if stale is not None and old is not None:
            self.shard_conflicts.append(ShardConflict(shard_id, shard_count, old.id, session.id))
            log.warning(
                "gateway: shard [%d, %d] identified again; closing its older connection",
                shard_id,
                shard_count,
            )
        bot = self.world.bot.to_dict()
        bot.update({"verified": True, "mfa_enabled": False, "email": None, "flags": 0})
        ready: dict[str, Any] = {
            "v": 10,
            "user": bot,
            "user_settings": {},
            "guilds": [{"id": g.id, "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self._resume_url(),
            "application": {"id": self.world.application_id, "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "auth": {},
            "_trace": ["emulator"],
        }
        if session.shard is not None:
            ready["shard"] = session.shard
        self._send(session, "READY", ready)
        for guild in guilds:
            self._send(
                session,
                "GUILD_CREATE",
                functools.partial(self._guild_create, guild=guild, unavailable=False),
            )
        session.ready = True
        self._notify()
        self.world.changed()
        if stale is not None:
            # After READY went out: closing waits for the old client's answer.
            stale.close_code = CLOSE_INVALID_SHARD
            with contextlib.suppress(Exception):
                await stale.ws.close(
                    code=CLOSE_INVALID_SHARD,
                    message=b"Invalid shard: another connection identified as this shard.",
                )

    def _identified_lately(self, shard_id: int, now: float) -> bool:
        key = shard_id % max(1, self.max_concurrency)
        return any(
            other % max(1, self.max_concurrency) == key and now - at < IDENTIFY_INTERVAL_S
            for other, at in self.identifies
        )

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        if not self._check_token(str(data.get("token", ""))):
            await self._close(conn, CLOSE_AUTHENTICATION_FAILED, "Authentication failed.")
            return
        session = next((s for s in self.sessions.values() if s.id == data.get("session_id")), None)
        if session is None:
            # Not resumable: the client must identify again on a new connection.
            conn.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        old = session.connection
        if old is not None and old is not conn:
            self._detach(old)
            with contextlib.suppress(Exception):
                await old.ws.close(
                    code=CLOSE_SESSION_TIMED_OUT, message=b"Session resumed elsewhere"
                )
        conn.session = session
        conn.kind = "resume"
        self.connections.append(ConnectionInfo(conn.path, conn.query, "resume"))
        self.resume_count += 1
        session.connection = conn
        seq = data.get("seq") or 0
        for frame in session.buffer:
            if frame["s"] > seq:
                conn.send(frame)
        self._send(session, "RESUMED", {"_trace": ["emulator"]})
        session.ready = True
        self._notify()
        self.world.changed()

    def _members_chunk(self, session: GatewaySession, data: dict[str, Any]) -> None:
        guild = self.world.guilds.get(str(data.get("guild_id")))
        if guild is None:
            return
        members = list(guild.members.values())
        user_ids = data.get("user_ids")
        if user_ids is not None:
            wanted = {str(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            members = [m for m in members if m.user.id in wanted]
        elif data.get("query"):
            prefix = str(data["query"]).lower()
            members = [m for m in members if m.user.name.lower().startswith(prefix)]
        limit = data.get("limit") or 0
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": guild.id,
            "members": [m.to_dict() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        self._send(session, "GUILD_MEMBERS_CHUNK", chunk)

    # -- dispatching ---------------------------------------------------------------------------

    def dispatch(
        self, event: str, data: dict[str, Any] | PayloadBuilder, *, guild_id: str | None = None
    ) -> bool:
        """Send an event to the shard of `guild_id` (None: shard 0), buffered for RESUME.

        False if that shard has no session or the payload was filtered (intents)."""
        shard = 0 if guild_id is None else self.shard_of(guild_id)
        return self._send(self.sessions.get(shard), event, data)

    def _send(
        self, session: GatewaySession | None, event: str, data: dict[str, Any] | PayloadBuilder
    ) -> bool:
        if session is None:
            return False
        payload = data(session) if callable(data) else data
        if payload is None:
            return False
        session.seq += 1
        frame = {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": payload}
        session.buffer.append(frame)
        if session.connection is not None:
            session.connection.send(frame)
        return True

    def _targets(self, shard: int | None) -> list[GatewaySession]:
        if shard is None:
            return list(self.sessions.values())
        session = self.sessions.get(shard)
        return [] if session is None else [session]

    def send_reconnect(self, shard: int | None = None) -> None:
        """Op 7 to one shard's connection (None: every shard's): reconnect and resume."""
        for session in self._targets(shard):
            if session.connection is not None:
                session.connection.send({"op": OP_RECONNECT, "d": None, "s": None, "t": None})

    def invalidate_session(self, *, resumable: bool = False, shard: int | None = None) -> None:
        """Op 9 to one shard (None: every shard); with resumable=False the client must
        identify from scratch."""
        for session in self._targets(shard):
            if session.connection is None:
                continue
            session.connection.send(
                {"op": OP_INVALID_SESSION, "d": resumable, "s": None, "t": None}
            )
            if not resumable:
                del self.sessions[session.shard_id]
                self._notify()

    async def drop(self, code: int = CLOSE_UNKNOWN_ERROR, *, shard: int | None = None) -> None:
        """Close one shard's connection (None: every shard's) as a network blip would; the
        sessions stay resumable."""
        for session in self._targets(shard):
            if session.connection is not None:
                await self._close(session.connection, code, "Dropped by the emulator")

    async def close_all(self, code: int = 1001) -> None:
        for conn in list(self._live):
            with contextlib.suppress(Exception):
                await self._close(conn, code, "Emulator shutting down")

    # -- model events -> dispatches ----------------------------------------------------------

    def model_event(self, kind: str, obj: Any) -> None:
        handler = getattr(self, f"_on_{kind}", None)
        if handler is not None:
            handler(obj)

    def _guild_create(
        self, session: GatewaySession, guild: Guild, unavailable: bool | None
    ) -> dict[str, Any] | None:
        if guild.id not in self.world.guilds:
            return None
        return guild.gateway_dict(
            all_members=bool(session.intents & GUILD_MEMBERS), unavailable=unavailable
        )

    def _on_guild_create(self, guild: Guild) -> None:
        self.dispatch(
            "GUILD_CREATE", lambda s: self._guild_create(s, guild, None), guild_id=guild.id
        )

    def _on_guild_update(self, guild: Guild) -> None:
        self.dispatch("GUILD_UPDATE", _needs(GUILDS, guild.to_dict()), guild_id=guild.id)

    def _on_guild_delete(self, guild: Guild) -> None:
        self.dispatch("GUILD_DELETE", {"id": guild.id}, guild_id=guild.id)

    def _on_channel_create(self, channel: Channel) -> None:
        self.dispatch("CHANNEL_CREATE", _needs(GUILDS, channel.to_dict()), guild_id=_gid(channel))

    def _on_channel_update(self, channel: Channel) -> None:
        self.dispatch("CHANNEL_UPDATE", _needs(GUILDS, channel.to_dict()), guild_id=_gid(channel))

    def _on_role_create(self, role: Role) -> None:
        self.dispatch(
            "GUILD_ROLE_CREATE",
            _needs(GUILDS, {"guild_id": role.guild.id, "role": role.to_dict()}),
            guild_id=role.guild.id,
        )

    def _on_role_update(self, role: Role) -> None:
        self.dispatch(
            "GUILD_ROLE_UPDATE",
            _needs(GUILDS, {"guild_id": role.guild.id, "role": role.to_dict()}),
            guild_id=role.guild.id,
        )

    def _on_member_add(self, member: Member) -> None:
        data = member.to_dict()
        data["guild_id"] = member.guild.id
        self.dispatch("GUILD_MEMBER_ADD", _needs(GUILD_MEMBERS, data), guild_id=member.guild.id)

    def _on_member_update(self, member: Member) -> None:
        data = member.to_dict()
        data["guild_id"] = member.guild.id
        # The bot always hears about its own member; others need the members intent.
        intent = GUILDS if member.user is self.world.bot else GUILD_MEMBERS
        self.dispatch("GUILD_MEMBER_UPDATE", _needs(intent, data), guild_id=member.guild.id)

    def _on_message_create(self, message: Message) -> None:
        if not message.ephemeral:
            self.dispatch(
                "MESSAGE_CREATE",
                lambda s: self._message_payload(s, message),
                guild_id=_gid(message.channel),
            )

    def _on_message_update(self, message: Message) -> None:
        if not message.ephemeral:
            self.dispatch(
                "MESSAGE_UPDATE",
                lambda s: self._message_payload(s, message),
                guild_id=_gid(message.channel),
            )

    def _on_message_delete(self, message: Message) -> None:
        if message.ephemeral:
            return
        data: dict[str, Any] = {"id": message.id, "channel_id": message.channel.id}
        if message.guild is not None:
            data["guild_id"] = message.guild.id
        intent = DIRECT_MESSAGES if message.guild is None else GUILD_MESSAGES
        self.dispatch("MESSAGE_DELETE", _needs(intent, data), guild_id=_gid(message.channel))

    def _message_payload(self, session: GatewaySession, message: Message) -> dict[str, Any] | None:
        channel = message.channel
        is_dm = channel.type == CHANNEL_DM
        if not session.intents & (DIRECT_MESSAGES if is_dm else GUILD_MESSAGES):
            return None
        data = message.to_dict()
        guild = message.guild
        if guild is not None and message.author.id in guild.members:
            data["member"] = guild.members[message.author.id].to_dict(with_user=False)
        bot_id = self.world.bot.id
        # Without the message content intent Discord blanks other people's messages,
        # except DMs and messages that mention the bot.
        sees_content = (
            session.intents & MESSAGE_CONTENT
            or is_dm
            or message.author.id == bot_id
            or any(u["id"] == bot_id for u in data["mentions"])
        )
        if not sees_content:
            data.update(content="", embeds=[], attachments=[], components=[])
            data.pop("poll", None)
        return data


def _gid(channel: Channel) -> str | None:
    return None if channel.guild is None else channel.guild.id


def _needs(intent: int, payload: dict[str, Any]) -> PayloadBuilder:
    return lambda session: payload if session.intents & intent else None
