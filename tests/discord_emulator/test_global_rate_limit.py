"""Discord's global rate limit: 50 requests a second per bot token across every connection,
429 `global: true` past it, interaction routes exempt; and the records that tell a test what
a bot (or several processes of it) sent each second.

The emulator's clock is injected and stands still unless the test moves it, so every window
holds exactly what the test sent into it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
import discord
import pytest

from discord_emulator import Emulator, demo_world, reset_api_base, use_api_base

pytestmark = pytest.mark.asyncio


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def get_me(
    session: aiohttp.ClientSession, emu: Emulator, token: str
) -> aiohttp.ClientResponse:
    async with session.get(
        f"{emu.base_url}/api/v10/users/@me", headers={"Authorization": f"Bot {token}"}
    ) as response:
        await response.read()
        return response


def retried(emu: Emulator, seen: int) -> Callable[[], bool]:
    """Whether new requests came after the first `seen` and all have their answers."""

    def check() -> bool:
        log = emu.request_log
        return len(log) > seen and all(r.status is not None for r in log)

    return check


def answered(emu: Emulator, since: float) -> int:
    """Requests since `since` that have their answer."""
    return sum(
        1 for r in emu.request_log if r.at is not None and r.at >= since and r.status is not None
    )


async def test_past_50_a_second_a_request_gets_discords_global_429() -> None:
    clock = FakeClock(1000.25)
    async with Emulator(clock=clock) as emu, aiohttp.ClientSession() as session:
        assert emu.global_rate_limit == 50  # Discord's, on by default
        statuses = [(await get_me(session, emu, emu.token or "")).status for _ in range(50)]
        assert statuses == [200] * 50
        async with session.get(
            f"{emu.base_url}/api/v10/users/@me", headers={"Authorization": f"Bot {emu.token}"}
        ) as refused:
            assert refused.status == 429
            assert await refused.json() == {
                "message": "You are being rate limited.",
                "retry_after": 0.75,
                "global": True,
            }
            assert refused.headers["X-RateLimit-Global"] == "true"
            assert refused.headers["X-RateLimit-Scope"] == "global"
            assert refused.headers["Retry-After"] == "1"
            assert refused.headers["Via"]  # discord.py retries only a 429 with one
        # The next second is a new window.
        clock.now += 1
        assert (await get_me(session, emu, emu.token or "")).status == 200
        assert emu.global_429s == 1
        assert emu.requests_per_second() == [51, 1]
        assert emu.requests_per_second(admitted_only=True) == [50, 1]
        assert [r.global_limited for r in emu.request_log].count(True) == 1


async def test_interaction_callbacks_and_followups_are_exempt() -> None:
    clock = FakeClock(1000.0)
    async with Emulator(clock=clock) as emu, aiohttp.ClientSession() as session:
        emu.global_rate_limit = 1
        headers = {"Authorization": f"Bot {emu.token}"}
        assert (await get_me(session, emu, emu.token or "")).status == 200
        exempt = [
            ("POST", "/interactions/1/token/callback", {"type": 1}),
            ("POST", f"/webhooks/{emu.application_id}/token", {"content": "hi"}),
        ]
        for method, path, body in exempt:
            async with session.request(
                method, f"{emu.base_url}/api/v10{path}", json=body, headers=headers
            ) as response:
                # Unknown interaction or webhook, not rate limited.
                assert response.status != 429
        assert (await get_me(session, emu, emu.token or "")).status == 429
        assert [r.global_counted for r in emu.request_log] == [True, False, False, True]


async def test_each_bot_token_has_its_own_limit() -> None:
    clock = FakeClock(1000.0)
    async with Emulator(clock=clock, token=None) as emu, aiohttp.ClientSession() as session:
        emu.global_rate_limit = 2
        first = [(await get_me(session, emu, "one")).status for _ in range(3)]
        second = [(await get_me(session, emu, "two")).status for _ in range(2)]
        assert (first, second) == ([200, 200, 429], [200, 200])


async def test_turned_off_the_records_still_count() -> None:
    clock = FakeClock(1000.5)
    async with Emulator(clock=clock) as emu, aiohttp.ClientSession() as session:
        emu.global_rate_limit = None
        statuses = [(await get_me(session, emu, emu.token or "")).status for _ in range(80)]
        clock.now += 0.6  # into the next window, within a second of most of the first
        statuses += [(await get_me(session, emu, emu.token or "")).status for _ in range(10)]
        assert set(statuses) == {200}
        assert emu.global_429s == 0
        assert emu.requests_per_second() == [80, 10]
        assert emu.peak_requests_per_second() == 80
        assert emu.peak_requests_per_second(sliding=True) == 90


async def test_two_discord_py_clients_together_are_held_to_one_limit() -> None:
    """Two clients with the same token (two processes of one bot) post 60 messages each at
    once: the emulator lets 50 through each second across both, discord.py sleeps each global
    429's retry_after and retries, and every message is posted exactly once.

    The clock stands still until every request in flight has its answer, then moves to the
    next second: the whole first burst falls in one second, whatever the machine's pace."""
    clock = FakeClock(1000.0)
    async with Emulator(clock=clock) as emu:
        world = demo_world(emu)
        # A channel per message: discord.py keeps one rate limit bucket per channel, so the
        # sends go out together instead of queueing behind each other's buckets.
        channels = [world.guild.add_text_channel(f"c{index}") for index in range(120)]
        owner = {channel.id: index % 2 for index, channel in enumerate(channels)}
        use_api_base(emu.base_url)
        clients = [discord.Client(intents=discord.Intents.none()) for _ in range(2)]
        try:
            for client in clients:
                await client.login(emu.token or "")
            clock.now += 1  # the burst has a window to itself, after the logins'
            start = clock.now

            async def send(client: discord.Client, channel_id: str, text: str) -> Any:
                return await client.get_partial_messageable(int(channel_id)).send(text)

            sends = asyncio.gather(
                *(
                    send(clients[owner[channel.id]], channel.id, f"message {index}")
                    for index, channel in enumerate(channels)
                )
            )
            await emu.wait_until(lambda: answered(emu, start) >= 120, timeout=10)
            while not sends.done():
                clock.now += 1
                # discord.py retries a second later: wait for those, then the next second.
                waiter = asyncio.ensure_future(
                    emu.wait_until(retried(emu, len(emu.request_log)), timeout=10)
                )
                await asyncio.wait({waiter, sends}, return_when=asyncio.FIRST_COMPLETED)
                if sends.done():
                    waiter.cancel()
                else:
                    await waiter  # its TimeoutError, if the retries never came
            sent = await sends
        finally:
            for client in clients:
                await client.close()
            reset_api_base()
        assert len(sent) == 120
        posted = sorted(m.content for c in channels for m in emu.channel_messages(c))
        assert posted == sorted(f"message {index}" for index in range(120))
        tried = emu.requests_per_second(since=start)
        admitted = emu.requests_per_second(since=start, admitted_only=True)
        # The first second had all 120 and let 50 through; no second let more through.
        assert tried[0] >= 120
        assert admitted[0] == 50
        assert max(admitted) == emu.peak_requests_per_second(since=start, admitted_only=True)
        assert max(admitted) == 50
        assert sum(admitted) == 120
        assert emu.global_429s == sum(tried) - 120 >= 70
        # Each client sent 60 into a second that took 50 of both: both were refused.
        limited_by = {owner[r.path.split("/")[2]] for r in emu.request_log if r.global_limited}
        assert limited_by == {0, 1}
        assert emu.internal_errors == []
