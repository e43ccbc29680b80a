"""A sharded bot as a cluster of processes: each runs some shards of one count, and each
server's interactions reach the process that runs its shard."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from discord_emulator import Emulator, demo_worlds

pytestmark = pytest.mark.asyncio

REPO_ROOT = Path(__file__).resolve().parents[2]

# One process of the cluster: SHARD_IDS of SHARD_COUNT; the one running shard 0 syncs.
CHILD_BOT = """
import asyncio, os
import discord
from discord import app_commands
from discord_emulator.redirect import use_api_base

SHARD_IDS = [int(n) for n in os.environ["SHARD_IDS"].split(",")]


class Cluster(discord.AutoShardedClient):
    def __init__(self):
        super().__init__(
            intents=discord.Intents.default(),
            shard_count=int(os.environ["SHARD_COUNT"]),
            shard_ids=SHARD_IDS,
        )
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(description="Which process answers here")
        async def where(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"process {os.getpid()} {SHARD_IDS}")

    async def setup_hook(self):
        if 0 in SHARD_IDS:
            await self.tree.sync()

    async def before_identify_hook(self, shard_id, *, initial=False):
        return None


async def main():
    use_api_base(os.environ["DISCORD_API_BASE"])
    await Cluster().start(os.environ["DISCORD_TOKEN"])

asyncio.run(main())
"""


@contextlib.asynccontextmanager
async def cluster(
    emu: Emulator, tmp_path: Path, count: int, groups: list[list[int]]
) -> AsyncIterator[list[asyncio.subprocess.Process]]:
    script = tmp_path / "cluster_bot.py"
    script.write_text(CHILD_BOT)
    children = []
    try:
        for shard_ids in groups:
            env = {
                **os.environ,
                "DISCORD_API_BASE": emu.base_url,
                "DISCORD_TOKEN": emu.token or "",
                "PYTHONPATH": str(REPO_ROOT),
                "SHARD_COUNT": str(count),
                "SHARD_IDS": ",".join(map(str, shard_ids)),
            }
            children.append(
                await asyncio.create_subprocess_exec(
                    sys.executable, str(script), env=env, stderr=asyncio.subprocess.DEVNULL
                )
            )
        yield children
    finally:
        for child in children:
            if child.returncode is None:
                child.kill()
                await child.wait()


async def test_each_process_answers_the_servers_of_its_shards(
    emu: Emulator, tmp_path: Path
) -> None:
    worlds = demo_worlds(emu, 8)
    async with cluster(emu, tmp_path, 4, [[0, 1], [2, 3]]) as children:
        await emu.wait_ready(shards=range(4), timeout=30)
        await emu.wait_until(lambda: emu.commands(), timeout=10)
        for world in worlds:
            group = [0, 1] if emu.shard_of(world.guild) < 2 else [2, 3]
            pid = children[0 if group == [0, 1] else 1].pid
            result = await emu.slash(world.guild, world.general, world.uaena, "where")
            assert result.content == f"process {pid} {group}"
    assert sorted(shard for shard, _ in emu.identifies) == [0, 1, 2, 3]
    assert emu.shard_conflicts == []
