"""Discord's global rate limit: the token bucket's arithmetic (an injected clock), which
requests it binds, and the bucket two processes share through one PostgreSQL row."""

from __future__ import annotations

import random
import time

import pytest
from multidict import CIMultiDict

from bot.database import open_database
from bot.rate_limit import (
    GlobalLimit,
    LocalLimiter,
    SharedLimiter,
    TokenBucket,
    bound_by_global_limit,
)
from tests.support.postgres import PostgresServer

LIMIT = GlobalLimit(per_second=50, burst=5)


def busiest_second(send_times: list[float]) -> int:
    """The most sends within any one second, wherever the second starts."""
    times = sorted(send_times)
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_a_full_bucket_lets_its_burst_go_at_once_and_paces_the_rest() -> None:
    bucket = TokenBucket(LIMIT)
    waits = [bucket.reserve(100.0) for _ in range(10)]
    assert waits[:5] == [0.0] * 5
    # The sixth waits for one token, the seventh for two: 45 a second.
    assert waits[5] == pytest.approx(1 / 45)
    assert waits[6] == pytest.approx(2 / 45)
    # Tokens come back with time, never more than the burst.
    assert bucket.reserve(100.0 + 60.0) == 0.0
    assert [bucket.reserve(160.0) for _ in range(4)] == [0.0] * 4
    assert bucket.reserve(160.0) > 0


def test_no_second_anywhere_holds_more_than_the_limit() -> None:
    rng = random.Random(12)
    bucket = TokenBucket(LIMIT)
    now, sends = 0.0, []
    for _ in range(3000):
        # Bursts of callers with quiet gaps between them, as posts due at one minute are.
        now += rng.choice((0.0,) * 12 + (0.001, 0.05, 0.7, 3.0))
        sends.append(now + bucket.reserve(now))
    assert busiest_second(sends) <= 50
    # ... and it is not slower than it needs to be: a long queue goes at 45 a second.
    assert busiest_second(sends) >= 45


async def test_the_local_limiter_sleeps_for_its_reserved_wait() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    limiter = LocalLimiter(GlobalLimit(per_second=3, burst=1), clock=lambda: 7.0, sleep=sleep)
    for _ in range(3):
        await limiter.acquire()
    assert slept == [pytest.approx(0.5), pytest.approx(1.0)]


def bot_headers() -> CIMultiDict[str]:
    return CIMultiDict({"Authorization": "Bot abc.def"})


def test_requests_with_the_bot_token_are_bound_and_interaction_routes_are_not() -> None:
    assert bound_by_global_limit("/api/v10/channels/1/messages", bot_headers())
    assert bound_by_global_limit("/api/v10/users/@me", bot_headers())
    # Interaction callbacks and follow-ups are not bound by the global limit on Discord.
    assert not bound_by_global_limit("/api/v10/interactions/1/tok/callback", bot_headers())
    assert not bound_by_global_limit("/api/v10/interactions/1/tok/callback", CIMultiDict())
    assert not bound_by_global_limit("/api/v10/webhooks/9/tok/messages/@original", bot_headers())
    # Without the bot's token (the gateway's websocket, an attachment download): not counted.
    assert not bound_by_global_limit("/", CIMultiDict())
    assert not bound_by_global_limit("/api/v10/channels/1/messages", CIMultiDict())


async def test_two_processes_on_one_database_take_from_one_budget(
    postgres: PostgresServer,
) -> None:
    url = await postgres.fresh_database()
    limit = GlobalLimit(per_second=20, burst=2)
    # Two pools, as two processes of a cluster have.
    first, second = await open_database(url), await open_database(url)
    try:
        limiters = [SharedLimiter(first, limit), SharedLimiter(second, limit)]
        started = time.monotonic()
        waits = [await limiters[i % 2].reserve() for i in range(60)]
        elapsed = time.monotonic() - started
    finally:
        await first.close()
        await second.close()
    # By any wait w, at most burst + rate * (w + elapsed) of the 60 may have gone: the two
    # together, not each, keep 18 a second (two budgets would let twice as many through).
    for sent, wait in enumerate(sorted(waits), start=1):
        assert sent <= limit.burst + limit.rate * (wait + elapsed) + 1e-6
    assert waits[:2] == [0.0, 0.0]


async def test_the_shared_limiter_refuses_sqlite(sqlite_db) -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        SharedLimiter(sqlite_db)
