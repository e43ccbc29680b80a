"""Thousands of members clicking one trivia round at once, the bot in its own process.

    .venv/bin/python bench/bench_burst.py [--members 2000 3000] [--bots fanbot bare]

For each member count, two scenarios, each against a fresh emulator (`demo_world` plus
`add_fans`) run by this process, and a bot started as a separate process pointed at it with
DISCORD_API_BASE (as a real deployment talks to Discord):

- fanbot: `python -m bot` with a fresh SQLite file. `/config trivia-timeout 120` (so the
  round stays open), `/trivia play` in #trivia, then every member clicks one of the four
  buttons at once (`emu.dispatch_click`, member i: button i mod 4). Afterwards the bot is
  stopped and the database is read: every member who was told "Correct!"/"Not quite" must
  have their answer stored.
- bare: a minimal discord.py bot (`bench_clicks.BareBot`: buttons whose callback only sends
  an ephemeral "ok") in its own process; the same burst.

Per click, on the emulator's clock: callback = from creating and dispatching the
INTERACTION_CREATE to processing the bot's callback (what Discord holds to 3 s; a later one
fails). A click the bot deferred is acknowledged when its result replaces "thinking" (seen
by a 20 ms poll). Stored per second = the answers in the database over the span from the
first dispatch until the database (polled every 20 ms) held them all. Bot CPU = user +
system time of the bot's process during the burst. The emulator's garbage collector is
paused during a burst (it is the harness, not the subject). Figures vary with the machine
and with what else runs on it; nothing here asserts them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import math
import os
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import discord

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from discord_emulator import (  # noqa: E402
    Emulator,
    Interaction,
    Member,
    Message,
    add_fans,
    demo_world,
    eventually,
)

TOKEN = "emulator-token-for-the-burst-benchmark-0123456789"
DEADLINE = 3.0
SETTLE_TIMEOUT = 120.0
POLL = 0.02
ACKNOWLEDGED = ("Correct!", "Not quite.")


@dataclass
class BurstResult:
    bot: str
    members: int
    callbacks: list[float] = field(default_factory=list)  # dispatch -> callback, seconds
    acknowledged: list[float] = field(default_factory=list)  # dispatch -> result shown
    late: int = 0  # callback after 3 s: "This interaction failed"
    unanswered: int = 0
    deferred: int = 0
    acknowledged_users: set[int] = field(default_factory=set)
    other_replies: dict[str, int] = field(default_factory=dict)
    span: float = 0.0
    stored: int | None = None
    acknowledged_not_stored: int | None = None
    bot_cpu: float | None = None
    log_lines: int = 0
    all_stored_at: float | None = None  # when the database first held every answer (polled)
    store_span: float | None = None


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def start_process(
    args: list[str], env: dict[str, str], log: Path
) -> asyncio.subprocess.Process:
    with log.open("wb") as handle:
        return await asyncio.create_subprocess_exec(
            *args, cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=handle
        )


async def stop_process(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


async def burst(
    emu: Emulator,
    message: Message,
    members: Sequence[Member],
    result: BurstResult,
    pid: int,
    db_path: Path | None = None,
) -> list[Interaction]:
    """Every member clicks at once; returns once each click is answered or has failed (and,
    with `db_path`, once the bot's database holds an answer per member)."""
    custom_ids = [button["custom_id"] for button in message.buttons()]
    gc.collect()
    gc.freeze()
    gc.disable()
    cpu_before = process_cpu(pid)
    clicks = [
        emu.dispatch_click(message, custom_ids[index % len(custom_ids)], member)
        for index, member in enumerate(members)
    ]
    shown: dict[str, float] = {}
    deadline = time.monotonic() + SETTLE_TIMEOUT
    reader = sqlite3.connect(db_path) if db_path is not None else None
    while time.monotonic() < deadline:
        now = emu.clock()
        busy = False
        if reader is not None and result.all_stored_at is None:
            # Another process writes it (WAL: reading doesn't block the writer).
            (count,) = reader.execute("SELECT COUNT(*) FROM trivia_answers").fetchone()
            if count >= len(members):
                result.all_stored_at = now
            else:
                busy = True
        for click in clicks:
            if click.id in shown or click.late_callback:
                continue
            original = click.original
            if click.response_type is None or original is None or original.loading:
                busy = True
                continue
            at = click.response_at
            shown[click.id] = now if click.response_type == 5 or at is None else at
        if not busy:
            break
        await asyncio.sleep(POLL)
    cpu_after = process_cpu(pid)
    if reader is not None:
        reader.close()
    gc.enable()
    gc.unfreeze()
    if cpu_before is not None and cpu_after is not None:
        result.bot_cpu = cpu_after - cpu_before
    first = min(click.created_at for click in clicks)
    last = first
    for click in clicks:
        if click.late_callback:
            result.late += 1
            continue
        if click.response_at is None:
            result.unanswered += 1
            continue
        latency = click.response_at - click.created_at
        result.callbacks.append(latency)
        if latency > DEADLINE:
            result.late += 1
        if click.response_type == 5:
            result.deferred += 1
        content = (click.original.content if click.original is not None else "") or ""
        if click.id in shown and (content.startswith(ACKNOWLEDGED) or content == "ok"):
            result.acknowledged.append(shown[click.id] - click.created_at)
            result.acknowledged_users.add(int(click.user.id))
            last = max(last, shown[click.id])
        else:
            key = (content or "<none>")[:40]
            result.other_replies[key] = result.other_replies.get(key, 0) + 1
    result.span = last - first
    if result.all_stored_at is not None:
        result.store_span = result.all_stored_at - first
    return clicks


async def run_fanbot(members_count: int, folder: Path) -> BurstResult:
    result = BurstResult("fanbot", members_count)
    db_path = folder / f"fanbot-{members_count}.sqlite3"
    log_path = folder / f"fanbot-{members_count}.log"
    async with Emulator(token=TOKEN) as emu:
        world = demo_world(emu)
        fans = add_fans(world, members_count)
        env = {
            **os.environ,
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_API_BASE": emu.base_url,
            "DATABASE_PATH": str(db_path),
            "LOG_LEVEL": "WARNING",
        }
        env.pop("DEV_GUILD_ID", None)
        process = await start_process([sys.executable, "-m", "bot"], env, log_path)
        try:
            await emu.wait_ready(timeout=60)
            await eventually(lambda: any(c["name"] == "trivia" for c in emu.commands()), 60)
            await emu.slash(
                world.guild,
                world.general,
                world.mod,
                "config trivia-timeout",
                {"seconds": 120},
                timeout=30,
            )
            started = await emu.slash(
                world.guild, world.trivia, world.uaena, "trivia play", timeout=30
            )
            if started.message is None or started.ephemeral:
                raise RuntimeError(f"/trivia play did not start a round: {started!r}")
            await asyncio.sleep(0.5)  # the bot stores the message id; let it settle
            await burst(emu, started.message, fans, result, process.pid, db_path)
        finally:
            await stop_process(process)
    result.log_lines = len(log_path.read_text(errors="replace").splitlines())
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        stored = {row[0] for row in db.execute("SELECT user_id FROM trivia_answers")}
    result.stored = len(stored)
    result.acknowledged_not_stored = len(result.acknowledged_users - stored)
    return result


BARE_CHILD = """
import asyncio, os, sys
sys.path.insert(0, os.path.join(os.getcwd(), "bench"))
from bench_clicks import BareBot
from discord_emulator.redirect import use_api_base

async def main():
    use_api_base(os.environ["DISCORD_API_BASE"])
    async with BareBot() as bot:
        await bot.start(os.environ["DISCORD_TOKEN"])

asyncio.run(main())
"""


async def run_bare(members_count: int, folder: Path) -> BurstResult:
    result = BurstResult("bare", members_count)
    log_path = folder / f"bare-{members_count}.log"
    async with Emulator(token=TOKEN) as emu:
        world = demo_world(emu)
        fans = add_fans(world, members_count)
        env = {**os.environ, "DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": emu.base_url}
        process = await start_process([sys.executable, "-c", BARE_CHILD], env, log_path)
        try:
            await emu.wait_ready(timeout=60)
            await eventually(lambda: any(c["name"] == "quiz" for c in emu.commands()), 60)
            posted = await emu.slash(world.guild, world.trivia, world.uaena, "quiz", timeout=30)
            if posted.message is None:
                raise RuntimeError("/quiz posted no message")
            await asyncio.sleep(0.5)
            await burst(emu, posted.message, fans, result, process.pid)
        finally:
            await stop_process(process)
    result.log_lines = len(log_path.read_text(errors="replace").splitlines())
    return result


HEADER = (
    f"{'bot':<7} {'members':>7} {'late':>5} {'deferred':>8} {'cb p50':>7} {'cb p99':>7} "
    f"{'cb max':>7} {'ack p50':>7} {'ack p99':>7} {'ack max':>7} {'acked':>6} {'stored':>6} "
    f"{'lost':>5} {'stored/s':>8} {'bot CPU':>7}"
)


def line(r: BurstResult) -> str:
    ms = [v * 1000 for v in r.callbacks]
    ack = [v * 1000 for v in r.acknowledged]
    stored = "-" if r.stored is None else str(r.stored)
    lost = "-" if r.acknowledged_not_stored is None else str(r.acknowledged_not_stored)
    rate = "-" if r.stored is None or not r.store_span else f"{r.stored / r.store_span:.0f}"
    cpu = "-" if r.bot_cpu is None else f"{r.bot_cpu:.2f}s"
    figures = [
        percentile(ms, 0.5),
        percentile(ms, 0.99),
        max(ms, default=math.nan),
        percentile(ack, 0.5),
        percentile(ack, 0.99),
        max(ack, default=math.nan),
    ]
    return (
        f"{r.bot:<7} {r.members:>7} {r.late:>5} {r.deferred:>8} "
        + " ".join(f"{value:>7.0f}" for value in figures)
        + f" {len(r.acknowledged_users):>6} {stored:>6} {lost:>5} {rate:>8} {cpu:>7}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[2000, 3000])
    parser.add_argument("--bots", nargs="+", choices=["fanbot", "bare"], default=["fanbot", "bare"])
    args = parser.parse_args()
    print(
        f"Python {sys.version.split()[0]}, discord.py {discord.__version__}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; the bot in its own "
        "process, the emulator and the members in this one"
    )
    print(HEADER)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for count in args.members:
            for name in args.bots:
                run = run_fanbot if name == "fanbot" else run_bare
                results.append(await run(count, folder))
                print(line(results[-1]), flush=True)
    print()
    for r in results:
        if r.unanswered or r.other_replies or r.log_lines:
            print(
                f"{r.bot} {r.members}: unanswered {r.unanswered}; other replies "
                f"{r.other_replies}; bot log lines {r.log_lines}"
            )
    print(
        "\nms from dispatch: cb = the bot's callback (Discord's 3 s limit; late = failed),"
        "\nack = the result shown (after a defer: when it replaced 'thinking');"
        "\nacked = members told Correct!/Not quite (bare: 'ok'), stored = answers in the "
        "database,\nlost = acknowledged but not stored, stored/s = stored over first "
        f"dispatch..all stored (polled).\nload average at the end {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
