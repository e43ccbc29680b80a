"""Shard clusters through the emulator: several FanBot processes (here, instances in one test
process, each with its own database) share the bot's shards; each serves its own servers,
and only the one running shard 0 syncs the commands."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import discord
import pytest

from bot.client import FanBot
from bot.clock import FakeClock
from bot.metrics import gateway_connected
from bot.shards import shard_of
from discord_emulator import (
    DemoWorld,
    Emulator,
    demo_worlds,
    eventually,
    reset_api_base,
    running_client,
    use_api_base,
)
from tests.support.announcements import START
from tests.support.bots import make_bot

COMMAND_SYNCS = r"^/applications/\d+/(guilds/\d+/)?commands$"


@contextlib.asynccontextmanager
async def logged_in(*bots: FanBot) -> AsyncIterator[None]:
    """Each bot logged in (its setup_hook run: database, cogs, command sync), not connected."""
    use_api_base(bots[0].settings.api_base or "")
    try:
        for bot in bots:
            await bot.login(bot.settings.token)
        yield
    finally:
        for bot in bots:
            await bot.close()
        reset_api_base()


async def test_only_the_process_with_shard_0_syncs_the_commands(
    emu: Emulator, tmp_path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="bot.client")
    first = make_bot(emu, tmp_path / "first.sqlite3", shard_count=2, shard_ids=(0,))
    second = make_bot(emu, tmp_path / "second.sqlite3", shard_count=2, shard_ids=(1,))
    async with logged_in(second, first):
        assert len(emu.requests_matching("PUT", COMMAND_SYNCS)) == 1
        assert {"trivia", "schedule", "config"} <= {
            command["name"] for command in emu.world.commands_for(None)
        }
    leaving = [r.getMessage() for r in caplog.records if "not syncing" in r.getMessage()]
    assert leaving == ["not syncing commands: shards 1 of 2 leave that to the process with shard 0"]


@pytest.mark.parametrize(
    ("shard_count", "shard_ids"), [(None, None), (4, None), (4, (0, 3))], ids=str
)
async def test_a_process_running_shard_0_or_every_shard_syncs(
    emu: Emulator, tmp_path, shard_count, shard_ids
):
    bot = make_bot(emu, tmp_path / "bot.sqlite3", shard_count=shard_count, shard_ids=shard_ids)
    async with logged_in(bot):
        assert len(emu.requests_matching("PUT", COMMAND_SYNCS)) == 1


class FakeIdentifyTime:
    """The bot's identify clock and wait: time moves only when it waits."""

    def __init__(self, bot: FanBot) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        bot.identify_monotonic = lambda: self.now
        bot.identify_sleep = self.sleep

    async def sleep(self, delay: float) -> None:
        self.slept.append(delay)
        self.now += delay


async def test_identify_goes_one_at_a_time_when_gateway_bot_cannot_be_read(
    emu: Emulator, tmp_path, caplog: pytest.LogCaptureFixture
):
    bot = make_bot(emu, tmp_path / "bot.sqlite3", shard_count=2)
    time = FakeIdentifyTime(bot)
    emu.fail_next("GET", r"^/gateway/bot$", status=403)
    async with logged_in(bot):
        await bot.before_identify_hook(0, initial=True)
        await bot.before_identify_hook(1)
    assert time.slept == [5.0]
    assert any("identifying one at a time" in r.getMessage() for r in caplog.records)


# -- two processes' worth of bots on one emulator -------------------------------------------


@contextlib.asynccontextmanager
async def shard_bots(
    emu: Emulator, database: Callable[[int], Path], clock: FakeClock
) -> AsyncIterator[tuple[FanBot, FanBot]]:
    """Two bots as two processes of one cluster: shard 0 and shard 1 of 2, connected."""
    zero, one = (
        make_bot(emu, database(shard), clock, shard_count=2, shard_ids=(shard,)) for shard in (0, 1)
    )
    async with running_client(zero, emu), running_client(one, emu):
        yield zero, one


def shard(world: DemoWorld) -> int:
    """The shard of 2 that gets the world's server's events."""
    return shard_of(int(world.guild.id), 2)


def servers_of(worlds: list[DemoWorld], shard_id: int) -> list[int]:
    return sorted(int(world.guild.id) for world in worlds if shard(world) == shard_id)


def answered_in(bot: FanBot) -> list[int]:
    """The servers whose commands `bot` answered, as it answers them."""
    servers: list[int] = []

    async def record(interaction: discord.Interaction, command: object) -> None:
        assert interaction.guild_id is not None
        servers.append(interaction.guild_id)

    bot.add_listener(record, "on_app_command_completion")
    return servers


async def test_each_server_is_answered_by_the_bot_of_its_shard(emu: Emulator, tmp_path):
    worlds = demo_worlds(emu, 4)
    assert sorted(shard(world) for world in worlds) == [0, 0, 1, 1]

    def own_file(shard_id: int) -> Path:
        return tmp_path / f"shard{shard_id}.sqlite3"

    async with shard_bots(emu, own_file, FakeClock(START)) as bots:
        answered = [answered_in(bot) for bot in bots]
        for world in worlds:
            shown = await emu.slash(world.guild, "general", "uaena", "countdown")
            assert "days" in shown.message.text()
            started = await emu.slash(world.guild, "trivia", "army", "trivia play")
            assert len(started.message.buttons()) == 4
        for shard_id, bot in enumerate(bots):
            mine = servers_of(worlds, shard_id)
            assert sorted(set(answered[shard_id])) == mine
            rounds = bot.get_cog("Trivia").rounds  # type: ignore[union-attr]
            assert sorted(rounds[r].guild_id for r in rounds) == mine


async def test_after_a_restart_each_bot_arms_and_posts_only_its_servers_announcements(
    emu: Emulator, tmp_path
):
    worlds = demo_worlds(emu, 4)
    shared = tmp_path / "cluster.sqlite3"  # one database for both, as PostgreSQL will be
    clock = FakeClock(START)
    async with shard_bots(emu, lambda _shard_id: shared, clock) as bots:
        for world in worlds:
            added = await emu.slash(
                world.guild,
                "general",
                "mod",
                "schedule add",
                {"kind": "quote", "time": "17:05", "repeat": "daily", "channel": "announcements"},
            )
            assert "**#" in added.content
    async with shard_bots(emu, lambda _shard_id: shared, clock) as bots:
        assert [bot.scheduler.armed_count for bot in bots] == [2, 2]
        clock.advance(timedelta(minutes=5))
        # Only shard 1's bot looks at the clock: shard 0's servers wait for their own bot.
        assert len(await bots[1].scheduler.run_due()) == 2
        posts = sorted((shard(w), len(emu.channel_messages(w.announcements))) for w in worlds)
        assert posts == [(0, 0), (0, 0), (1, 1), (1, 1)]
        assert len(await bots[0].scheduler.run_due()) == 2
        for world in worlds:
            assert len(emu.channel_messages(world.announcements)) == 1


async def test_after_a_restart_each_bot_restores_only_its_servers_open_rounds(
    emu: Emulator, tmp_path
):
    worlds = demo_worlds(emu, 4)
    shared = tmp_path / "cluster.sqlite3"
    clock = FakeClock(START)
    async with shard_bots(emu, lambda _shard_id: shared, clock):
        for world in worlds:
            await emu.slash(world.guild, "trivia", "uaena", "trivia play")
    # Both stopped with every round open (their rows stay open); both start again.
    async with shard_bots(emu, lambda _shard_id: shared, clock) as bots:
        for shard_id, bot in enumerate(bots):
            rounds = bot.get_cog("Trivia").rounds  # type: ignore[union-attr]
            assert sorted(rounds[r].guild_id for r in rounds) == servers_of(worlds, shard_id)


@pytest.mark.parametrize(
    ("max_concurrency", "identified_at"),
    [(4, [0, 0, 0, 0]), (2, [0, 0, 5, 5]), (1, [0, 5, 10, 15])],
)
async def test_shards_identify_as_fast_as_max_concurrency_lets_them(
    tmp_path, max_concurrency, identified_at
):
    # One clock for the emulator's pacing rule and the bot's waits: 5 s pass in no time.
    time = [1000.0]
    async with Emulator(clock=lambda: time[0]) as emu:
        emu.max_concurrency = max_concurrency
        emu.enforce_identify_pacing = True  # an IDENTIFY too soon gets op 9, as Discord does
        demo_worlds(emu, 4)
        bot = make_bot(emu, tmp_path / "bot.sqlite3", shard_count=4)

        async def sleep(delay: float) -> None:
            time[0] += delay

        bot.identify_monotonic = lambda: time[0]
        bot.identify_sleep = sleep
        async with running_client(bot, emu):
            assert sorted(bot.shards) == [0, 1, 2, 3]
        assert emu.gateway.paced_identifies == []
        assert [(shard_id, at - 1000.0) for shard_id, at in emu.identifies] == list(
            enumerate(identified_at)
        )
    assert emu.internal_errors == []


async def test_health_counts_the_gateway_down_while_one_shard_of_the_process_is(
    emu: Emulator, tmp_path
):
    demo_worlds(emu, 2)
    bot = make_bot(emu, tmp_path / "bot.sqlite3", shard_count=2)
    bot.identify_sleep = no_wait
    async with running_client(bot, emu):
        assert gateway_connected(bot)
        await emu.drop_gateway(shard=1, stay_down=True)
        try:
            await eventually(lambda: not gateway_connected(bot))
            shards = bot.shards
            assert not shards[0].is_closed()
            assert shards[1].is_closed()
        finally:
            emu.restore_gateway()
        await eventually(lambda: gateway_connected(bot), timeout=10)


async def no_wait(delay: float) -> None:
    return None


async def test_without_shard_settings_the_bot_runs_discords_recommended_count_alone(
    emu: Emulator, tmp_path
):
    owner = emu.add_user("owner")
    servers = [emu.add_guild(f"server {index}", owner) for index in range(1001)]
    bot = make_bot(emu, tmp_path / "bot.sqlite3")
    bot.identify_sleep = no_wait
    async with running_client(bot, emu, timeout=30):
        assert bot.shard_count == 2  # /gateway/bot: one shard per 1,000 servers
        assert sorted(bot.shards) == [0, 1]
        assert len(bot.guilds) == 1001
        assert all(bot.owns_guild(int(server.id)) for server in servers)
        assert bot.syncs_commands
