"""/healthz and /metrics for operators, served by the real bot against the emulator."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.client import FanBot
from bot.metrics import MetricsServerError, gateway_connected
from discord_emulator import DemoWorld, Emulator, eventually, running_client
from tests.support.bots import make_bot

pytestmark = pytest.mark.asyncio

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def metrics_bot(emu: Emulator, path: Path, port: int = 0) -> FanBot:
    client = make_bot(emu, path)
    client.settings = dataclasses.replace(client.settings, metrics_port=port)
    return client


@pytest.fixture
async def bot(emu: Emulator, world: DemoWorld, tmp_path) -> AsyncIterator[FanBot]:
    """The bot with METRICS_PORT=0: any free port, found as `bot.metrics_port`."""
    client = metrics_bot(emu, tmp_path / "bot.sqlite3")
    async with running_client(client, emu):
        await asyncio.wait_for(client.wait_until_ready(), 5)
        yield client


async def get(bot: FanBot, path: str) -> tuple[int, str, str]:
    assert bot.metrics_port is not None
    url = f"http://127.0.0.1:{bot.metrics_port}{path}"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.headers["Content-Type"], await response.text()


async def scrape(bot: FanBot) -> Samples:
    status, content_type, text = await get(bot, "/metrics")
    assert status == 200
    assert content_type.startswith("text/plain; version=")
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def interactions(command: str, outcome: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return ("fanbot_interactions_total", (("command", command), ("outcome", outcome)))


async def scrape_until(bot: FanBot, *wanted: tuple[Any, float]) -> Samples:
    """Scrape until every (sample key, value) is there (for up to 5 s): the bot counts an
    interaction just after answering it, so a scrape right then may come a moment early."""
    deadline = time.monotonic() + 5.0
    while True:
        found = await scrape(bot)
        if all(found.get(key) == value for key, value in wanted):
            return found
        if time.monotonic() > deadline:
            missing = {key: found.get(key) for key, value in wanted if found.get(key) != value}
            raise AssertionError(f"not counted as expected: {missing}")
        await asyncio.sleep(0.01)


async def health(bot: FanBot) -> tuple[int, dict[str, Any]]:
    status, content_type, text = await get(bot, "/healthz")
    assert content_type.startswith("application/json")
    return status, json.loads(text)


# --- /metrics -------------------------------------------------------------------------------


async def test_commands_and_clicks_are_counted_by_command_and_outcome(
    emu: Emulator, world: DemoWorld, bot: FanBot, monkeypatch
):
    await bot.guild_settings.update(int(world.guild.id), 0, trivia_timeout=60)
    before = await scrape(bot)
    assert not any(name == "fanbot_interactions_total" for name, _ in before)

    played = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
    assert not played.ephemeral
    rounds = bot.get_cog("Trivia").rounds
    await eventually(lambda: rounds)
    clicked = await emu.click(played.message, played.message.buttons()[0]["custom_id"], "army")
    assert clicked.ephemeral

    unknown = await emu.slash(world.guild, "general", "uaena", "symbol", {"name": "Nope"})
    assert unknown.ephemeral  # a user error: the name is not a symbol
    refused = await emu.slash(
        world.guild,
        "general",
        "uaena",
        "config timezone",
        {"zone": "UTC"},
        ignore_default_permissions=True,
    )
    assert refused.ephemeral  # not a moderator

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the leaderboard query broke")

    monkeypatch.setattr(bot.get_cog("Trivia").store, "leaderboard_all_time", broken)
    failed = await emu.slash(world.guild, "trivia", "uaena", "trivia leaderboard")
    assert failed.ephemeral  # the apology with a reference

    found = await scrape_until(
        bot,
        (interactions("trivia play", "ok"), 1),
        (interactions("component:trivia", "ok"), 1),
        (interactions("symbol", "user_error"), 1),
        (interactions("config timezone", "refused"), 1),
        (interactions("trivia leaderboard", "error"), 1),
    )
    # One answer stored, none waiting.
    assert found[("fanbot_answer_latency_seconds_count", ())] == 1
    assert found[("fanbot_answers_pending", ())] == 0
    # The gauge of the gateway's heartbeat latency, and the loop-lag histogram, are there.
    assert ("fanbot_gateway_latency_seconds", ()) in found
    assert ("fanbot_event_loop_lag_seconds_count", ()) in found


async def test_each_bot_has_its_own_figures(emu: Emulator, world: DemoWorld, bot, tmp_path):
    await emu.slash(world.guild, "general", "uaena", "about")
    await scrape_until(bot, (interactions("about", "ok"), 1))
    other = metrics_bot(emu, tmp_path / "other.sqlite3")
    await other.open_database()
    await other.start_metrics()
    try:
        assert other.metrics_port not in (None, bot.metrics_port)
        found = await scrape(other)
        assert interactions("about", "ok") not in found
        assert len(loop_lag_tasks()) == 2  # one per bot serving metrics
    finally:
        await other.close()
    assert other.metrics_port is None
    assert len(loop_lag_tasks()) == 1  # cancelled on close


def loop_lag_tasks() -> list[asyncio.Task[Any]]:
    return [task for task in asyncio.all_tasks() if task.get_name() == "event-loop-lag"]


# --- /healthz -------------------------------------------------------------------------------


async def test_healthz_is_200_when_connected_and_503_while_the_gateway_is_down(
    emu: Emulator, bot: FanBot
):
    status, body = await health(bot)
    assert status == 200, body
    assert body["ok"] is True
    assert body["ready"] is True
    assert body["gateway"]["connected"] is True
    assert body["database"] == {"writable": True, "error": None}

    await emu.drop_gateway(stay_down=True)
    try:
        await eventually(lambda: not gateway_connected(bot))
        status, body = await health(bot)
        assert status == 503
        assert body["ok"] is False
        assert body["gateway"]["connected"] is False
        assert body["database"]["writable"] is True
    finally:
        emu.restore_gateway()
    await emu.wait_ready()
    await eventually(lambda: gateway_connected(bot))
    status, body = await health(bot)
    assert status == 200, body


async def test_healthz_is_503_while_the_database_is_not_writable(bot: FanBot):
    # Another process holds the file's write lock (as a stuck backup script would).
    other = sqlite3.connect(bot.database.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        status, body = await health(bot)
        assert status == 503
        assert body["database"] == {"writable": False, "error": "database is locked"}
        assert body["gateway"]["connected"] is True
    finally:
        other.execute("ROLLBACK")
        other.close()
    status, body = await health(bot)
    assert status == 200, body


# --- off unless configured ------------------------------------------------------------------


def listening_ports() -> set[int]:
    """TCP ports this process listens on (Linux: its socket inodes in /proc/net/tcp)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        with_target = os.path.join("/proc/self/fd", fd)
        try:
            target = os.readlink(with_target)
        except OSError:
            continue
        if match := re.fullmatch(r"socket:\[(\d+)\]", target):
            inodes.add(match.group(1))
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc")
async def test_without_metrics_port_no_port_is_opened(emu: Emulator, world: DemoWorld, tmp_path):
    before = listening_ports()
    client = make_bot(emu, tmp_path / "bot.sqlite3")
    assert client.settings.metrics_port is None
    async with running_client(client, emu):
        await emu.slash(world.guild, "general", "uaena", "about")
        assert listening_ports() == before
        assert client.metrics_port is None

    with_metrics = metrics_bot(emu, tmp_path / "bot.sqlite3")
    async with running_client(with_metrics, emu):
        assert listening_ports() == before | {with_metrics.metrics_port}
    assert listening_ports() == before


async def test_a_metrics_port_in_use_is_named(emu: Emulator, tmp_path):
    taken = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
    port = taken.sockets[0].getsockname()[1]
    client = metrics_bot(emu, tmp_path / "bot.sqlite3", port)
    try:
        await client.open_database()
        with pytest.raises(MetricsServerError, match=f"METRICS_PORT={port}: can't listen"):
            await client.start_metrics()
    finally:
        await client.close()
        taken.close()
        await taken.wait_closed()
