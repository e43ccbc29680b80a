"""Heartbeats: a bare discord.py client kept alive across several beats hears no warning.

discord.py's keep-alive thread notes when it sent a heartbeat only after the event loop tells
it the send is done. An ACK handled before that is measured from the previous heartbeat, a
whole interval earlier, and logged as "Can't keep up, shard ID None websocket is 41.3s
behind." An ACK from a server in the same process can arrive that soon; one from Discord,
a network round trip away, does not.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import discord
import pytest
from discord import gateway as discord_gateway

from discord_emulator import Emulator, demo_world, eventually, running_client

pytestmark = pytest.mark.asyncio

INTERVAL_MS = 400
# discord.py warns when a heartbeat's ACK is over 10 s late. Its keep-alive handler reads this
# clock, so 400 ms between beats reads as 12 s, and the warning line is 333 ms of real time.
SPEED_UP = 30
# How long after its send the keep-alive thread hears that it is done: what a busy machine
# (the GIL held by the event loop, two shared cores) does to it now and then, every time here.
THREAD_HEARS_LATE = 0.02
BEATS = 4


class FastPerfCounter:
    """The `time` module as discord.py's gateway sees it, with `perf_counter` sped up."""

    def perf_counter(self) -> float:
        return time.perf_counter() * SPEED_UP

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


async def test_heartbeat_acks_do_not_look_late(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(discord_gateway, "time", FastPerfCounter())
    send_heartbeat = discord_gateway.DiscordWebSocket.send_heartbeat

    async def send_then_stall(self: discord_gateway.DiscordWebSocket, data: Any) -> None:
        await send_heartbeat(self, data)
        await asyncio.sleep(THREAD_HEARS_LATE)

    # Only the keep-alive thread sends heartbeats this way (the first one, on HELLO, does not).
    monkeypatch.setattr(discord_gateway.DiscordWebSocket, "send_heartbeat", send_then_stall)
    caplog.set_level(logging.WARNING, logger="discord.gateway")

    async with Emulator(heartbeat_interval_ms=INTERVAL_MS) as emu:
        demo_world(emu)
        client = discord.Client(intents=discord.Intents.default())
        async with running_client(client, emu):
            # The first heartbeat goes on HELLO; then one per interval from the thread.
            await eventually(lambda: emu.gateway.heartbeat_acks > BEATS, timeout=10 * BEATS)
            latency = client.latency / SPEED_UP
        assert emu.internal_errors == []

    warnings = [r.getMessage() for r in caplog.records if r.name == "discord.gateway"]
    assert warnings == []
    # The round trip, not the time since the previous heartbeat (a whole interval or more).
    assert latency < INTERVAL_MS / 1000
