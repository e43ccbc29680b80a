"""Running a real discord.py client against the emulator inside a test."""

# Waits take a `timeout` argument on purpose: a timeout is part of what a test asserts
# and ends in a message saying what the bot failed to do.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import discord

from .redirect import reset_api_base, use_api_base
from .server import Emulator

ClientT = TypeVar("ClientT", bound=discord.Client)
T = TypeVar("T")


async def eventually(
    predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.005
) -> T:
    """Poll `predicate` until it is truthy (for client-side state, which has no change feed)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


async def _unless_task_fails(awaitable: Awaitable[T], task: asyncio.Task[None]) -> T:
    """Await `awaitable`, but raise the client task's error if it dies first."""
    waiter = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
    if waiter in done:
        return waiter.result()
    waiter.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiter
    exc = task.exception()
    raise RuntimeError("the client stopped before it was ready") from exc


def _shard_ids(client: discord.Client) -> list[int] | None:
    """The shards `client` will identify as, when it names them (None: all there are)."""
    if isinstance(client, discord.AutoShardedClient):
        return None if client.shard_ids is None else list(client.shard_ids)
    return None if client.shard_id is None else [client.shard_id]


@contextlib.asynccontextmanager
async def running_client(
    client: ClientT,
    emu: Emulator,
    *,
    token: str | None = None,
    timeout: float = 5.0,
    wait_until_ready: bool = False,
) -> AsyncIterator[ClientT]:
    """Log `client` in against `emu`, connect it, and wait until every guild is in its cache.

    A sharded client (an `AutoShardedClient` given `shard_ids`, or a `Client` given
    `shard_id`) waits for its own shards and their guilds only.
    `wait_until_ready=True` also waits for on_ready, which discord.py delays by the client's
    `guild_ready_timeout` (2 s by default; pass a small one to the client in tests).
    On exit the client is closed and discord.py is pointed back at discord.com.
    """
    use_api_base(emu.base_url)
    task: asyncio.Task[None] | None = None
    try:
        await client.login(token or emu.token or "emulator-token")
        task = asyncio.create_task(client.connect(), name="emulated-discord-client")
        shard_ids = _shard_ids(client)
        await _unless_task_fails(emu.wait_ready(timeout, shards=shard_ids), task)

        def guilds_cached() -> bool:
            count = client.shard_count or 1
            mine = range(count) if shard_ids is None else shard_ids
            for guild_id in emu.world.guilds:
                if (int(guild_id) >> 22) % count not in mine:
                    continue  # another process's shard
                guild = client.get_guild(int(guild_id))
                if guild is None or guild.unavailable or guild.me is None:
                    return False
            return True

        await _unless_task_fails(eventually(guilds_cached, timeout), task)
        if wait_until_ready:
            await _unless_task_fails(asyncio.wait_for(client.wait_until_ready(), timeout), task)
        yield client
    finally:
        await client.close()
        if task is not None:
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        reset_api_base()
