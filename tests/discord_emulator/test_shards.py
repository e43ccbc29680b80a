"""Shards: IDENTIFY's `shard: [id, count]`, each shard's session with only its guilds' events,
the refusals (4010, 4011, a shard identified twice), /gateway/bot and IDENTIFY pacing.

Raw gateway frames where the protocol is the point; real discord.py AutoShardedClients where
what matters is that a client sees its guilds and answers its interactions.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

from discord_emulator import (
    DemoWorld,
    DriverError,
    Emulator,
    demo_worlds,
    eventually,
    running_client,
)

pytestmark = pytest.mark.asyncio

GUILDS = 1 << 0
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
INTENTS = GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class RawShard:
    """One hand-driven gateway connection."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def receive(self) -> dict[str, Any]:
        return json.loads(await self.ws.receive_str(timeout=2))

    async def identify(self, emu: Emulator, shard: list[int] | None) -> dict[str, Any]:
        """Send IDENTIFY; the next frame (READY, op 9, or nothing if closed)."""
        data: dict[str, Any] = {"token": emu.token, "intents": INTENTS}
        if shard is not None:
            data["shard"] = shard
        await self.ws.send_json({"op": 2, "d": data})
        msg = await self.ws.receive(timeout=2)
        if msg.type is not aiohttp.WSMsgType.TEXT:
            return {"closed": msg.data}
        return dict(json.loads(msg.data))

    async def ready(self, emu: Emulator, shard: list[int] | None) -> tuple[set[str], set[str]]:
        """IDENTIFY; the guild ids of READY and of the GUILD_CREATEs that follow it."""
        ready = await self.identify(emu, shard)
        assert ready.get("t") == "READY", ready
        listed = {g["id"] for g in ready["d"]["guilds"]}
        created = set()
        for _ in listed:
            frame = await self.receive()
            assert frame["t"] == "GUILD_CREATE"
            created.add(frame["d"]["id"])
        return listed, created

    async def closed_with(self) -> int:
        while (msg := await self.ws.receive(timeout=2)).type is aiohttp.WSMsgType.TEXT:
            pass
        assert msg.type is aiohttp.WSMsgType.CLOSE, msg
        return int(msg.data)


@contextlib.asynccontextmanager
async def raw_shards(emu: Emulator, count: int) -> AsyncIterator[list[RawShard]]:
    """`count` gateway connections, each past HELLO."""
    async with aiohttp.ClientSession() as session, contextlib.AsyncExitStack() as stack:
        shards = []
        for _ in range(count):
            ws = await stack.enter_async_context(
                session.ws_connect(f"{emu.gateway_url}?v=10&encoding=json")
            )
            shard = RawShard(ws)
            assert (await shard.receive())["op"] == 10
            shards.append(shard)
        yield shards


def shard_guilds(worlds: list[DemoWorld], shard_id: int, count: int) -> set[str]:
    return {w.guild.id for w in worlds if (int(w.guild.id) >> 22) % count == shard_id}


# -- guild ids --------------------------------------------------------------------------------


async def test_guilds_made_in_a_burst_spread_over_the_shards(emu: Emulator) -> None:
    worlds = demo_worlds(emu, 12)
    for count in (2, 3, 4):
        sizes = [len(shard_guilds(worlds, shard, count)) for shard in range(count)]
        assert sizes == [12 // count] * count, (count, sizes)
    assert [emu.shard_of(w.guild) for w in worlds] == [0] * 12  # unsharded: all on shard 0


# -- routing -----------------------------------------------------------------------------------


async def test_each_shard_gets_only_its_guilds_and_their_events(emu: Emulator) -> None:
    worlds = demo_worlds(emu, 6)
    async with raw_shards(emu, 2) as (zero, one):
        zero_ready, zero_created = await zero.ready(emu, [0, 2])
        one_ready, one_created = await one.ready(emu, [1, 2])
        assert zero_ready == zero_created == shard_guilds(worlds, 0, 2)
        assert one_ready == one_created == shard_guilds(worlds, 1, 2)
        assert len(zero_ready) == len(one_ready) == 3
        await emu.wait_ready(shards=[0, 1])

        on_one = next(w for w in worlds if emu.shard_of(w.guild) == 1)
        emu.world.create_message(on_one.general, on_one.uaena, content="on shard one")
        on_one.guild.add_text_channel("new-on-one")
        # DMs belong to no guild: shard 0, as Discord sends them.
        emu.world.create_message(emu.dm_channel(on_one.uaena), on_one.uaena, content="dm")
        on_zero = next(w for w in worlds if emu.shard_of(w.guild) == 0)
        emu.world.create_message(on_zero.general, on_zero.army, content="on shard zero")

        one_events = [await one.receive() for _ in range(2)]
        assert [(f["t"], f["d"].get("guild_id")) for f in one_events] == [
            ("MESSAGE_CREATE", on_one.guild.id),
            ("CHANNEL_CREATE", on_one.guild.id),
        ]
        zero_events = [await zero.receive() for _ in range(2)]
        assert [(f["t"], f["d"].get("guild_id")) for f in zero_events] == [
            ("MESSAGE_CREATE", None),
            ("MESSAGE_CREATE", on_zero.guild.id),
        ]
        # Shard 1 heard nothing of shard 0's guild or the DM.
        with pytest.raises(TimeoutError):
            await one.ws.receive_str(timeout=0.2)


async def test_an_unsharded_identify_is_shard_0_of_1_with_every_guild(emu: Emulator) -> None:
    worlds = demo_worlds(emu, 3)
    async with raw_shards(emu, 1) as (only,):
        ready = await only.identify(emu, None)
        assert "shard" not in ready["d"]
        assert {g["id"] for g in ready["d"]["guilds"]} == {w.guild.id for w in worlds}
    assert emu.shard_count == 1


# -- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("shard", [[2, 2], [-1, 2], [0, 0], [0], ["0", "2"]])
async def test_an_invalid_shard_is_closed_with_4010(emu: Emulator, shard: list[Any]) -> None:
    demo_worlds(emu, 2)
    async with raw_shards(emu, 1) as (conn,):
        assert await conn.identify(emu, shard) == {"closed": 4010}
    assert emu.identifies == []


async def test_a_count_other_than_the_connected_shards_is_closed_with_4010(
    emu: Emulator,
) -> None:
    demo_worlds(emu, 6)
    async with raw_shards(emu, 3) as (first, other_count, same_count):
        await first.ready(emu, [0, 2])
        assert await other_count.identify(emu, [1, 3]) == {"closed": 4010}
        await same_count.ready(emu, [1, 2])
    assert [shard for shard, _ in emu.identifies] == [0, 1]


async def test_once_the_old_count_is_gone_a_new_count_starts_afresh(emu: Emulator) -> None:
    worlds = demo_worlds(emu, 6)
    async with raw_shards(emu, 1) as (old,):
        await old.ready(emu, [0, 2])
    async with raw_shards(emu, 1) as (new,):
        listed, _ = await new.ready(emu, [2, 3])
    assert listed == shard_guilds(worlds, 2, 3)
    assert emu.shard_count == 3
    assert list(emu.gateway.sessions) == [2]


async def test_a_shard_with_too_many_guilds_is_closed_with_4011(emu: Emulator) -> None:
    demo_worlds(emu, 4)
    emu.max_guilds_per_shard = 2
    async with raw_shards(emu, 2) as (unsharded, half):
        assert await unsharded.identify(emu, None) == {"closed": 4011}
        listed, _ = await half.ready(emu, [1, 2])
    assert len(listed) == 2


async def test_a_shard_identified_twice_closes_the_older_connection(emu: Emulator) -> None:
    worlds = demo_worlds(emu, 4)
    async with raw_shards(emu, 2) as (old, new):
        await old.ready(emu, [1, 2])
        old_session = emu.gateway.sessions[1].id
        await new.ready(emu, [1, 2])
        assert await old.closed_with() == 4010
        new_session = emu.gateway.sessions[1].id
        assert [(c.shard_id, c.shard_count) for c in emu.shard_conflicts] == [(1, 2)]
        assert emu.shard_conflicts[0].old_session_id == old_session
        assert emu.shard_conflicts[0].new_session_id == new_session != old_session
        # The shard's events go to the newer connection.
        on_one = next(w for w in worlds if emu.shard_of(w.guild) == 1)
        emu.world.create_message(on_one.general, on_one.uaena, content="hello")
        assert (await new.receive())["t"] == "MESSAGE_CREATE"


# -- /gateway/bot and pacing ---------------------------------------------------------------------


async def gateway_bot(emu: Emulator) -> dict[str, Any]:
    headers = {"Authorization": f"Bot {emu.token}"}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.get(f"{emu.base_url}/api/v10/gateway/bot") as response,
    ):
        assert response.status == 200
        return dict(await response.json())


async def test_gateway_bot_recommends_a_shard_per_1000_guilds(emu: Emulator) -> None:
    owner = emu.add_user("owner")
    assert (await gateway_bot(emu))["shards"] == 1
    for index in range(1000):
        emu.add_guild(f"server {index}", owner)
    assert (await gateway_bot(emu))["shards"] == 1
    emu.add_guild("server 1000", owner)
    assert (await gateway_bot(emu))["shards"] == 2


async def test_gateway_bot_tells_max_concurrency_and_counts_identifies(emu: Emulator) -> None:
    demo_worlds(emu, 2)
    emu.max_concurrency = 16
    before = (await gateway_bot(emu))["session_start_limit"]
    assert before["max_concurrency"] == 16
    async with raw_shards(emu, 2) as (zero, one):
        await zero.ready(emu, [0, 2])
        await one.ready(emu, [1, 2])
    after = (await gateway_bot(emu))["session_start_limit"]
    assert after["remaining"] == before["remaining"] - 2 == after["total"] - 2


async def test_identify_pacing_refuses_a_second_identify_of_one_key_within_5_s() -> None:
    clock = FakeClock()
    async with Emulator(clock=clock) as emu:
        demo_worlds(emu, 4)
        emu.enforce_identify_pacing = True
        emu.max_concurrency = 2
        async with raw_shards(emu, 4) as (zero, one, two, two_later):
            # Keys 0 and 1 (shard % 2) may identify at once...
            await zero.ready(emu, [0, 4])
            await one.ready(emu, [1, 4])
            # ...shard 2 shares key 0 with shard 0: too soon.
            assert await two.identify(emu, [2, 4]) == {"op": 9, "d": False, "s": None, "t": None}
            clock.now += 5
            await two_later.ready(emu, [2, 4])
        assert emu.identifies == [(0, 1000.0), (1, 1000.0), (2, 1005.0)]
        assert emu.gateway.paced_identifies == [(2, 1000.0)]
        assert emu.internal_errors == []


async def test_identify_pacing_is_off_by_default(emu: Emulator) -> None:
    demo_worlds(emu, 2)
    async with raw_shards(emu, 2) as (zero, one):
        await zero.ready(emu, [0, 2])
        await one.ready(emu, [1, 2])
    assert [shard for shard, _ in emu.identifies] == [0, 1]


# -- real discord.py clients ------------------------------------------------------------------


class ShardBot(discord.AutoShardedClient):
    """Answers /where with the shards this client runs: which client got the interaction."""

    def __init__(self, **options: Any) -> None:
        super().__init__(intents=discord.Intents.default(), **options)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(description="Which client answers here")
        async def where(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"client of shards {self.shard_ids}")

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py waits 5 s between shards; the emulator paces nothing by default.
        return None


def cached_guilds(client: discord.Client) -> set[str]:
    return {str(guild.id) for guild in client.guilds}


async def test_an_auto_sharded_client_with_both_shards_sees_every_guild(emu: Emulator) -> None:
    worlds = demo_worlds(emu, 4)
    async with running_client(ShardBot(shard_count=2, shard_ids=[0, 1]), emu) as client:
        assert cached_guilds(client) == {w.guild.id for w in worlds}
        for world in worlds:
            guild = client.get_guild(int(world.guild.id))
            assert guild is not None
            assert guild.shard_id == emu.shard_of(world.guild)
        assert sorted(client.shards) == [0, 1]
        assert sorted(emu.gateway.sessions) == [0, 1]
        await client.tree.sync()
        for world in worlds:
            result = await emu.slash(world.guild, world.general, world.uaena, "where")
            assert result.content == "client of shards [0, 1]"
        # Each interaction went down its guild's shard.
        for shard_id, session in emu.gateway.sessions.items():
            got = [
                frame["d"]["guild_id"]
                for frame in session.buffer
                if frame["t"] == "INTERACTION_CREATE"
            ]
            assert sorted(got) == sorted(shard_guilds(worlds, shard_id, 2))


async def test_a_client_with_shard_1_alone_sees_only_its_guilds(emu: Emulator) -> None:
    worlds = demo_worlds(emu, 4)
    async with running_client(ShardBot(shard_count=2, shard_ids=[1]), emu) as client:
        mine = shard_guilds(worlds, 1, 2)
        assert len(mine) == 2
        await eventually(lambda: cached_guilds(client) == mine)
        await client.tree.sync()
        theirs = next(w for w in worlds if emu.shard_of(w.guild) == 0)
        with pytest.raises(DriverError, match="no gateway session for shard 0"):
            await emu.slash(theirs.guild, theirs.general, theirs.uaena, "where", timeout=1)
        # A channel made in shard 0's guild never reaches this client.
        theirs.guild.add_text_channel("elsewhere")
        ours = next(w for w in worlds if emu.shard_of(w.guild) == 1)
        made = ours.guild.add_text_channel("here")
        await eventually(lambda: client.get_channel(int(made.id)) is not None)
        assert all(c.name != "elsewhere" for c in client.get_all_channels())
    assert cached_guilds(client) <= mine


async def test_two_processes_worth_of_clients_each_answer_their_own_guilds(
    emu: Emulator,
) -> None:
    worlds = demo_worlds(emu, 4)
    async with (
        running_client(ShardBot(shard_count=2, shard_ids=[0]), emu) as zero,
        running_client(ShardBot(shard_count=2, shard_ids=[1]), emu) as one,
    ):
        assert cached_guilds(zero) == shard_guilds(worlds, 0, 2)
        assert cached_guilds(one) == shard_guilds(worlds, 1, 2)
        await zero.tree.sync()
        for world in worlds:
            result = await emu.slash(world.guild, world.general, world.uaena, "where")
            assert result.content == f"client of shards [{emu.shard_of(world.guild)}]"


async def test_a_dropped_shard_resumes_alone(emu: Emulator) -> None:
    worlds = demo_worlds(emu, 4)
    async with running_client(ShardBot(shard_count=2), emu) as client:
        zero_connection = emu.gateway.sessions[0].connection
        one_session = emu.gateway.sessions[1].id
        await emu.drop_gateway(shard=1)
        ours = next(w for w in worlds if emu.shard_of(w.guild) == 1)
        missed = ours.guild.add_text_channel("made-while-down")  # replayed on RESUME
        await emu.wait_ready(shards=[0, 1], timeout=10)
        await eventually(lambda: client.get_channel(int(missed.id)) is not None, timeout=10)
        assert emu.gateway.resume_count == 1
        assert emu.gateway.identify_count == 2
        assert emu.gateway.sessions[1].id == one_session
        assert emu.gateway.sessions[0].connection is zero_connection


async def test_a_second_client_on_the_same_shard_stops_the_first(emu: Emulator) -> None:
    demo_worlds(emu, 2)
    first = ShardBot(shard_count=2, shard_ids=[1])
    async with running_client(first, emu):
        second = ShardBot(shard_count=2, shard_ids=[1])
        async with running_client(second, emu):
            await eventually(lambda: first.is_closed(), timeout=5)
            assert len(emu.shard_conflicts) == 1
            assert emu.gateway.sessions[1].connection is not None


async def test_an_auto_sharded_client_takes_the_recommended_count(emu: Emulator) -> None:
    owner = emu.add_user("owner")
    for index in range(1001):
        emu.add_guild(f"server {index}", owner)
    async with running_client(ShardBot(), emu, timeout=30) as client:
        assert client.shard_count == 2
        assert sorted(emu.gateway.sessions) == [0, 1]
        assert len(client.guilds) == 1001
