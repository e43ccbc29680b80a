"""Shard clusters through the emulator: several FanBot processes (here, instances in one test
process, each with its own database) share the bot's shards; each serves its own servers,
and only the one running shard 0 syncs the commands."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import pytest

from bot.client import FanBot
from discord_emulator import Emulator, reset_api_base, use_api_base
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


async def test_identify_waits_as_gateway_bot_max_concurrency_says(emu: Emulator, tmp_path):
    bot = make_bot(emu, tmp_path / "bot.sqlite3", shard_count=3)
    time = FakeIdentifyTime(bot)
    async with logged_in(bot):
        for shard_id in range(3):
            await bot.before_identify_hook(shard_id, initial=shard_id == 0)
    # The emulator's /gateway/bot says max_concurrency 1: one shard per 5 s window.
    assert time.slept == [5.0, 5.0]
    assert len(emu.requests_matching("GET", r"^/gateway/bot$")) == 1  # asked once


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
