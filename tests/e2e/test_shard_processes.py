"""Two `python -m bot` processes of one cluster (`--shard-count 2 --shard-ids N`) against one
emulator: each connects its shard only, answers its servers, and only shard 0's syncs."""

from __future__ import annotations

import signal

from discord_emulator import Emulator, demo_worlds
from tests.support.bot_process import TOKEN, start_bot_process

COMMAND_SYNCS = r"^/applications/\d+/(guilds/\d+/)?commands$"


async def test_two_processes_share_the_shards_and_answer_every_server(tmp_path):
    async with Emulator(token=TOKEN) as emu:
        worlds = demo_worlds(emu, 4)
        processes = [
            await start_bot_process(
                emu, tmp_path / f"shard{shard}.sqlite3", "--shard-count", "2", "--shard-ids", shard
            )
            for shard in ("0", "1")
        ]
        try:
            await emu.wait_ready(timeout=30, shards=[0, 1])
            for world in worlds:
                shown = await emu.slash(world.guild, "general", "uaena", "countdown", timeout=10)
                assert "days" in shown.message.text()
            assert sorted(emu.gateway.sessions) == [0, 1]
            assert emu.shard_conflicts == []  # no shard was claimed by both processes
            assert len(emu.requests_matching("PUT", COMMAND_SYNCS)) == 1
        finally:
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            stderrs = [(await process.communicate())[1].decode() for process in processes]
        for process, stderr in zip(processes, stderrs, strict=True):
            assert process.returncode == 0, stderr
            assert "Traceback" not in stderr
    assert emu.internal_errors == []
