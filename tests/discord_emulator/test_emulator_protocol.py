"""The emulator's protocols spoken by hand: raw gateway frames and raw REST requests."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from discord_emulator import DemoWorld, Emulator, demo_world

pytestmark = pytest.mark.asyncio


async def _receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    return json.loads(await ws.receive_str(timeout=2))


async def test_gateway_hello_heartbeat_identify(emu: Emulator, world: DemoWorld) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{emu.gateway_url}?v=10&encoding=json") as ws,
    ):
        hello = await _receive(ws)
        assert hello["op"] == 10
        assert hello["d"]["heartbeat_interval"] == 41250
        await ws.send_json({"op": 1, "d": None})
        assert (await _receive(ws))["op"] == 11
        await ws.send_json({"op": 2, "d": {"token": emu.token, "intents": 513}})
        ready = await _receive(ws)
        assert (ready["t"], ready["s"]) == ("READY", 1)
        assert ready["d"]["resume_gateway_url"] == f"{emu.gateway_url}/resume"
        guild = await _receive(ws)
        assert guild["t"] == "GUILD_CREATE"
        assert guild["d"]["unavailable"] is False
        # No members intent: only the bot's own member, with the full count.
        assert [m["user"]["id"] for m in guild["d"]["members"]] == [emu.bot.id]
        assert guild["d"]["member_count"] == 5
        await emu.wait_ready()


@pytest.mark.parametrize(
    ("query", "first", "code"),
    [
        ("v=9&encoding=json", None, 4012),
        ("v=10&encoding=etf", None, 4002),
        ("v=10&encoding=json", {"op": 2, "d": {"token": "wrong", "intents": 1}}, 4004),
        ("v=10&encoding=json", {"op": 3, "d": {}}, 4003),
        ("v=10&encoding=json", {"op": 2, "d": {"token": "emulator-token"}}, 4013),
    ],
)
async def test_gateway_close_codes(
    emu: Emulator, query: str, first: dict[str, Any] | None, code: int
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{emu.gateway_url}?{query}") as ws,
    ):
        if first is not None:
            await _receive(ws)  # HELLO
            await ws.send_json(first)
        while (msg := await ws.receive(timeout=2)).type is aiohttp.WSMsgType.TEXT:
            pass
        assert msg.type is aiohttp.WSMsgType.CLOSE
        assert msg.data == code


async def test_resume_of_unknown_session_is_invalidated(emu: Emulator) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{emu.gateway_url}/resume?v=10&encoding=json") as ws,
    ):
        await _receive(ws)
        await ws.send_json({"op": 6, "d": {"token": emu.token, "session_id": "x", "seq": 3}})
        assert await _receive(ws) == {"op": 9, "d": False, "s": None, "t": None}


# -- REST rules ---------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_nonce_window_uses_the_injected_clock() -> None:
    clock = FakeClock()
    async with Emulator(clock=clock) as emu:
        world = demo_world(emu)
        url = f"{emu.base_url}/api/v10/channels/{world.general.id}/messages"
        headers = {"Authorization": f"Bot {emu.token}"}
        body = {"content": "hi", "nonce": "n1", "enforce_nonce": True}
        async with aiohttp.ClientSession(headers=headers) as session:
            ids = []
            for advance in (0, 299, 2):
                clock.now += advance
                async with session.post(url, json=body) as response:
                    assert response.headers["Content-Type"] == "application/json"
                    ids.append((await response.json())["id"])
        # Same message within five minutes, a new one after.
        assert ids[0] == ids[1] != ids[2]
        assert len(emu.channel_messages(world.general)) == 2


async def test_requests_need_the_bot_token(emu: Emulator) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{emu.base_url}/api/v10/users/@me") as response,
    ):
        assert response.status == 401
        assert await response.json() == {"message": "401: Unauthorized", "code": 0}


async def test_pings_follow_allowed_mentions(emu: Emulator, world: DemoWorld) -> None:
    text = f"@everyone {world.uaena.mention} {world.mods.mention}"
    loud = emu.world.create_message(world.general, emu.bot, content=text)
    assert loud.pings().everyone
    assert loud.pings().users == {world.uaena.id}
    quiet = emu.world.create_message(
        world.general, emu.bot, content=text, allowed_mentions={"parse": []}
    )
    assert not quiet.pings().any
    users_only = emu.world.create_message(
        world.general, emu.bot, content=text, allowed_mentions={"parse": ["users"]}
    )
    assert users_only.pings().users == {world.uaena.id}
    assert not users_only.pings().roles


# -- redirect -----------------------------------------------------------------------------------
