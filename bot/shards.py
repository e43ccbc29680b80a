"""Shard clusters: which servers a process serves, and the pace of its shards' IDENTIFYs.

Discord lets a bot start `max_concurrency` sessions at once (from `/gateway/bot`): shard
`s` is in rate-limit bucket `s % max_concurrency`, and each bucket takes one IDENTIFY per
5 seconds. discord.py's default `before_identify_hook` waits 5 s before every IDENTIFY but
the first, whatever `max_concurrency` is; `IdentifyPacer` waits only where Discord asks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any

# Discord's window per rate-limit bucket: one IDENTIFY per bucket per 5 seconds.
IDENTIFY_WINDOW = 5.0

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that receives a server's events (Discord's formula)."""
    return (guild_id >> 22) % shard_count


def owns(guild_id: int, shard_count: int | None, shard_ids: Collection[int] | None) -> bool:
    """Whether a process running `shard_ids` of `shard_count` serves `guild_id`: always when
    it runs every shard (`shard_ids` None, or no count: Discord's recommended count, all
    here)."""
    if shard_ids is None or not shard_count:
        return True
    return shard_of(guild_id, shard_count) in shard_ids


class IdentifyPacer:
    """Lets shards IDENTIFY as fast as Discord allows: up to `max_concurrency` together,
    one per rate-limit bucket (`shard_id % max_concurrency`) per `IDENTIFY_WINDOW`.

    `monotonic` and `sleep` are the clock and the wait (tests pass fake ones). It paces the
    shards of one process; processes starting together are not paced against each other.
    """

    def __init__(
        self,
        max_concurrency: int,
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        window: float = IDENTIFY_WINDOW,
    ) -> None:
        self.max_concurrency = max(1, max_concurrency)
        self._monotonic = monotonic
        self._sleep = sleep
        self._window = window
        self._last: dict[int, float] = {}  # bucket -> when its last IDENTIFY went
        self._locks: dict[int, asyncio.Lock] = {}

    def bucket(self, shard_id: int) -> int:
        return shard_id % self.max_concurrency

    async def wait(self, shard_id: int) -> None:
        """Return when `shard_id` may IDENTIFY, and count it as sent then."""
        bucket = self.bucket(shard_id)
        # Shards of one bucket wait in turn; shards of other buckets don't wait for them.
        async with self._locks.setdefault(bucket, asyncio.Lock()):
            last = self._last.get(bucket)
            if last is not None:
                delay = last + self._window - self._monotonic()
                if delay > 0:
                    await self._sleep(delay)
            self._last[bucket] = self._monotonic()
