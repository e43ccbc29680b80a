"""Discord's global rate limit, 50 requests a second per bot token, kept by every process.

Every REST request the bot makes with its token passes `RequestLimiter.acquire` before it is
sent (`limit_requests` hooks it into discord.py's aiohttp session, so retries pass it too).
Interaction callbacks and follow-ups sent with an interaction's token are not bound by the
global limit on Discord, so they never wait here: a member's answer does not queue behind
10,000 announcements.

Both limiters are one token bucket: `GlobalLimit.rate` tokens a second, at most
`GlobalLimit.burst` saved up, so that any one second, wherever its window starts, holds at most
`burst + rate` = `per_second` requests. A caller takes a token even when none is left (the
balance goes negative) and waits until its token would have arrived; one step, no polling.

- `LocalLimiter`: the bucket in memory, for one process (SQLite).
- `SharedLimiter`: the bucket is one row of `rate_budget` in PostgreSQL, refilled and taken
  from in one atomic statement by the database's clock (`clock_timestamp()`), so every
  process of a cluster draws on the same 50 a second.

discord.py's per-route buckets stay per process: the processes of a cluster serve different
servers, so the routes they use carry different major parameters (channel and guild ids) and
their buckets rarely meet.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import aiohttp

from bot.database import Database

# Discord's global limit: requests a second per bot token.
DISCORD_GLOBAL_LIMIT = 50
# Paths (after /api/vN) authorised by an interaction's token: not bound by the global limit.
_EXEMPT_PREFIXES = ("/interactions/", "/webhooks/")

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class GlobalLimit:
    """`per_second` requests in any one second; `burst` of them may go at once."""

    per_second: int = DISCORD_GLOBAL_LIMIT
    burst: int = 5
    name: str = "discord-global"

    def __post_init__(self) -> None:
        if not 1 <= self.burst < self.per_second:
            raise ValueError("burst must be at least 1 and below per_second")

    @property
    def rate(self) -> float:
        """Tokens added a second: what is left of `per_second` after a full `burst`."""
        return float(self.per_second - self.burst)


# What the bot keeps by default: 48 in any second, 2 below Discord's 50, for the jitter
# between a token taken and its request arriving (another process's may arrive first).
DISCORD_LIMIT = GlobalLimit(per_second=DISCORD_GLOBAL_LIMIT - 2)


class RequestLimiter(Protocol):
    async def acquire(self) -> None:
        """Return once one more request may be sent under the global limit."""
        ...


class TokenBucket:
    """The bucket's arithmetic, with time passed in (seconds of any monotonic clock)."""

    def __init__(self, limit: GlobalLimit) -> None:
        self._limit = limit
        self._tokens = float(limit.burst)
        self._at: float | None = None

    def reserve(self, now: float) -> float:
        """Take one token at `now`; returns how many seconds to wait before sending (0: now)."""
        if self._at is not None and now > self._at:
            refill = (now - self._at) * self._limit.rate
            self._tokens = min(float(self._limit.burst), self._tokens + refill)
        if self._at is None or now > self._at:
            self._at = now
        self._tokens -= 1.0
        return _wait(self._tokens, self._limit.rate)


class LocalLimiter:
    """The global limit for one process: a `TokenBucket` in memory."""

    def __init__(
        self,
        limit: GlobalLimit | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._bucket = TokenBucket(limit or GlobalLimit())
        self._clock = clock
        self._sleep = sleep

    async def acquire(self) -> None:
        wait = self._bucket.reserve(self._clock())
        if wait > 0:
            await self._sleep(wait)


# One statement takes a token and refills by the time since the last one, on the database's
# clock (processes' clocks may differ); the row lock orders concurrent takers. `clock_timestamp`
# is read twice: microseconds apart, refilling a little less than it could (the safe side).
_TAKE_TOKEN = """
INSERT INTO rate_budget AS b (name, tokens, refilled_at)
VALUES (?1, ?2 - 1, clock_timestamp())
ON CONFLICT (name) DO UPDATE SET
    tokens = LEAST(
        ?2,
        b.tokens + ?3 * EXTRACT(EPOCH FROM (clock_timestamp() - b.refilled_at))::float8
    ) - 1,
    refilled_at = GREATEST(b.refilled_at, clock_timestamp())
RETURNING tokens
"""


class SharedLimiter:
    """The global limit for every process on one PostgreSQL database (table `rate_budget`).

    Raises what the database raises; `acquire` is then not counted, and the caller's request
    fails with it rather than going out unlimited.
    """

    def __init__(
        self, db: Database, limit: GlobalLimit | None = None, *, sleep: Sleep = asyncio.sleep
    ) -> None:
        if db.dialect != "postgresql":
            raise ValueError("the shared limiter needs PostgreSQL; use LocalLimiter")
        self._db = db
        self._limit = limit or GlobalLimit()
        self._sleep = sleep

    async def reserve(self) -> float:
        """Take one token from the shared row; returns the seconds to wait before sending."""
        limit = self._limit
        row = await self._db.fetchone(_TAKE_TOKEN, (limit.name, float(limit.burst), limit.rate))
        assert row is not None  # an upsert with RETURNING always returns its row
        return _wait(float(row[0]), limit.rate)

    async def acquire(self) -> None:
        wait = await self.reserve()
        if wait > 0:
            await self._sleep(wait)


def _wait(tokens_left: float, rate: float) -> float:
    """A negative balance is a debt of reserved tokens, repaid at `rate` a second."""
    return 0.0 if tokens_left >= 0 else -tokens_left / rate


def bound_by_global_limit(path: str, headers: Mapping[str, str]) -> bool:
    """Whether a request counts toward the bot's global limit: it carries the bot's token and
    is not an interaction's callback or follow-up (those carry the interaction's token)."""
    if not headers.get("Authorization", "").startswith("Bot "):
        return False
    _, _, route = path.partition("/api/v")
    route = route[route.find("/") :] if route else path
    return not route.startswith(_EXEMPT_PREFIXES)


def limit_requests(limiter_of: Callable[[], RequestLimiter | None]) -> aiohttp.TraceConfig:
    """An aiohttp trace for discord.py's session (`Client(http_trace=...)`): each request bound
    by the global limit waits for `limiter_of()` before it is sent (None: no limit)."""

    async def on_request_start(
        session: aiohttp.ClientSession,
        context: object,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        limiter = limiter_of()
        if limiter is not None and bound_by_global_limit(params.url.path, params.headers):
            await limiter.acquire()

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    return trace
