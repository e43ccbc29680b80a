"""How fast members' trivia button clicks are answered under a burst, against a bare bot.

    .venv/bin/python bench/bench_clicks.py [--members 300] [--rounds 3] [--leaderboard 20]

Everything runs in this one process and on one event loop: the local Discord emulator
(`discord_emulator`, REST + gateway on 127.0.0.1), the driver playing the members, and
the bot under test (a real discord.py client connected to the emulator).

Scenarios, each against a fresh emulator with `demo_world` plus `--members` extra members:

- fanbot: the real FanBot (temporary SQLite file, trivia timeout set to 120 s so no round
  closes by itself). Per round: `/trivia play` in #trivia, then every extra member clicks an
  answer button at once (`asyncio.gather` of `emu.click`); after the burst the script waits
  until the database holds one answer per member, then closes the round with
  `cog.close_round`. Afterwards `--leaderboard` sequential `/trivia leaderboard` calls.
- bare: a minimal `commands.Bot` whose `/quiz` posts four buttons whose callback only does
  `interaction.response.send_message("ok", ephemeral=True)`; the same bursts, then the same
  number of sequential `/ping` calls (answers "pong") as the counterpart of the leaderboard.

Per click (times from `time.monotonic`, the emulator's clock):

- callback: from the emulator creating and dispatching INTERACTION_CREATE
  (`Interaction.created_at`) to it processing the bot's callback request
  (`Interaction.response_at`). This is the bot's answer time as Discord would see it.
- emu.click wall: around the `emu.click(...)` call, i.e. what a test observes. It adds the
  driver's own part: "driver pre" (building the interaction payload, before the dispatch)
  and "driver post" (from the callback being processed until the waiting `emu.click`
  notices it and returns; every emulator change wakes every waiting click).

Round 1 is reported apart from rounds 2+: in it the bot opens one HTTP connection per
concurrent callback (discord.py's connector has no limit), more than the emulator's listen
backlog (aiohttp's default, 128) takes at once, so the kernel drops SYNs and the client
retries them after about 1 s. The per-round checks show the kernel's ListenOverflows
counter (system-wide, Linux) for each burst. Later rounds reuse those connections.

Throughput ("per s") is answers divided by the bursts' spans: first dispatch to last
callback for the callback rows, gather start to gather end for the wall rows.

Checks printed (not asserted): REST requests the bot made during the bursts per click (the
expectation is exactly one interaction callback per click and no other API call), that
every click got exactly one answer and that it is ephemeral, and, for the fanbot, that the
database recorded one answer per member in every round. Discord forgets an interaction not
answered within 3 s; such clicks (and any other failure) are counted, not raised.

The emulator, the driver and the bot share one event loop, hence one CPU core (warm bursts
are CPU-bound: wall time = CPU time), so the emulator's and driver's work also delays the
bot. The bare bot carries the same overhead, so the difference between the two scenarios
is the cost of the FanBot's own click handling.
Figures vary with the machine; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import math
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import discord
from discord import app_commands
from discord.ext import commands

# Run as a script from anywhere: make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.client import FanBot
from bot.clock import SystemClock
from bot.config import Settings
from cogs.trivia.cog import TriviaCog
from discord_emulator import (
    DemoWorld,
    Emulator,
    Interaction,
    InteractionResult,
    Member,
    Message,
    RequestRecord,
    demo_world,
    eventually,
    running_client,
)

CALLBACK = re.compile(r"^/interactions/(?P<id>[0-9]+)/[^/]+/callback$")
# Generous waits: a slow answer is measured, not cut off (Discord's own 3 s deadline is
# enforced by the emulator and shows up as a failed click).
CLICK_TIMEOUT = 30.0
SETTLE_TIMEOUT = 30.0
# After a burst, how long to keep listening for requests the bot makes late.
QUIET_PERIOD = 0.2
BARE_LABELS = ("A", "B", "C", "D")


# --- measurements ---------------------------------------------------------------------------


@dataclass
class Timed:
    """One interaction: when the driver was called, dispatched, got the callback, returned."""

    started: float
    returned: float
    result: InteractionResult

    @property
    def interaction(self) -> Interaction:
        return self.result.interaction

    @property
    def dispatched(self) -> float:
        return self.interaction.created_at

    @property
    def answered(self) -> float:
        at = self.interaction.response_at
        return self.returned if at is None else at


@dataclass
class Burst:
    """One burst of clicks (or one series of slash commands) and what the bot did."""

    expected: int
    first_request: int = 0
    first_interaction: int = 0
    timed: list[Timed] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)
    wall: float = 0.0
    requests: list[RequestRecord] = field(default_factory=list)
    dispatched_ids: list[str] = field(default_factory=list)
    db_answers: int | None = None
    cpu: float = 0.0  # this process's CPU time during the burst (all parties share it)
    listen_overflows: int | None = None  # kernel counter, system-wide (Linux only)

    def start(self, emu: Emulator) -> None:
        self.first_request = len(emu.request_log)
        self.first_interaction = len(emu.world.interactions)

    def finish(self, emu: Emulator) -> None:
        """Take the interactions dispatched and the requests made since `start`."""
        self.requests = emu.request_log[self.first_request :]
        self.dispatched_ids = list(emu.world.interactions)[self.first_interaction :]

    @property
    def span(self) -> float:
        """First dispatch to last callback."""
        if not self.timed:
            return 0.0
        return max(t.answered for t in self.timed) - min(t.dispatched for t in self.timed)


@dataclass
class Scenario:
    name: str
    command_name: str
    bursts: list[Burst] = field(default_factory=list)
    commands: Burst | None = None


# --- driving interactions -------------------------------------------------------------------


async def timed(call: Callable[[], Awaitable[InteractionResult]]) -> Timed:
    started = time.monotonic()
    result = await call()
    return Timed(started, time.monotonic(), result)


async def quiet(emu: Emulator, seconds: float = QUIET_PERIOD) -> None:
    """Wait until no REST request arrived for `seconds`, so late calls land in the log."""
    while True:
        count = len(emu.request_log)
        await asyncio.sleep(seconds)
        if len(emu.request_log) == count:
            return


async def poll(predicate: Callable[[], Awaitable[bool]], within: float) -> bool:
    """Poll an async predicate; False (not an error) when it stays false for `within` s."""
    deadline = time.monotonic() + within
    while not await predicate():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.01)
    return True


def listen_overflows() -> int | None:
    """TcpExt ListenOverflows: connections dropped because a listen queue was full."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            value = table.get("ListenOverflows")
            return int(value) if value is not None else None
    return None


async def click_burst(emu: Emulator, message: Message, members: Sequence[Member]) -> Burst:
    """Every member clicks one of the message's buttons (member i: button i mod 4), at once.

    Call `burst.finish(emu)` once the bot has settled.
    """
    custom_ids = [button["custom_id"] for button in message.buttons()]
    burst = Burst(expected=len(members))

    async def one(index: int, member: Member) -> Timed:
        custom_id = custom_ids[index % len(custom_ids)]
        return await timed(lambda: emu.click(message, custom_id, member, timeout=CLICK_TIMEOUT))

    gc.collect()
    burst.start(emu)
    overflows = listen_overflows()
    cpu = time.process_time()
    started = time.monotonic()
    outcomes = await asyncio.gather(
        *(one(index, member) for index, member in enumerate(members)), return_exceptions=True
    )
    burst.wall = time.monotonic() - started
    burst.cpu = time.process_time() - cpu
    after = listen_overflows()
    if overflows is not None and after is not None:
        burst.listen_overflows = after - overflows
    for outcome in outcomes:
        if isinstance(outcome, Timed):
            burst.timed.append(outcome)
        else:
            burst.failures.append(outcome)
    return burst


async def command_series(
    emu: Emulator, world: DemoWorld, members: Sequence[Member], command: str, count: int
) -> Burst:
    """`count` sequential slash commands in #general, by different members."""
    burst = Burst(expected=count)
    burst.start(emu)
    started = time.monotonic()
    for index in range(count):
        member = members[index % len(members)]
        try:
            burst.timed.append(
                await timed(
                    lambda m=member: emu.slash(
                        world.guild, world.general, m, command, timeout=CLICK_TIMEOUT
                    )
                )
            )
        except Exception as error:
            burst.failures.append(error)
    burst.wall = time.monotonic() - started
    await quiet(emu)
    burst.finish(emu)
    return burst


def add_members(emu: Emulator, world: DemoWorld, count: int) -> list[Member]:
    return [world.guild.add_member(emu.add_user(f"fan{index:04d}")) for index in range(count)]


# --- scenario: the FanBot ---------------------------------------------------------------------


async def run_fanbot(members_count: int, rounds: int, commands_count: int) -> Scenario:
    scenario = Scenario("fanbot", "/trivia leaderboard")
    with tempfile.TemporaryDirectory() as folder:
        async with Emulator() as emu:
            world = demo_world(emu)
            members = add_members(emu, world, members_count)
            settings = Settings(
                token=emu.token or "emulator-token",
                database_path=Path(folder) / "bench.sqlite3",
                api_base=emu.base_url,
            )
            bot = FanBot(settings, clock=SystemClock(), guild_ready_timeout=0.05)
            async with running_client(bot, emu, timeout=30):
                guild_id = int(world.guild.id)
                await bot.guild_settings.update(guild_id, 0, trivia_timeout=120)
                cog = bot.get_cog("Trivia")
                if not isinstance(cog, TriviaCog):
                    raise RuntimeError("the FanBot has no Trivia cog")

                def armed() -> bool:
                    return any(r.message_id is not None for r in cog.rounds.values())

                for _ in range(rounds):
                    started = await emu.slash(
                        world.guild, world.trivia, world.uaena, "trivia play", timeout=30
                    )
                    if started.message is None or started.ephemeral:
                        raise RuntimeError(f"/trivia play did not start a round: {started!r}")
                    await eventually(armed, timeout=30)
                    round_id = next(iter(cog.rounds))
                    await quiet(emu)  # /trivia play's own requests stay out of the burst

                    burst = await click_burst(emu, started.message, members)

                    async def stored(rid: int = round_id, b: Burst = burst) -> bool:
                        row = await bot.database.fetchone(
                            "SELECT COUNT(*) AS n FROM trivia_answers WHERE round_id = ?", (rid,)
                        )
                        b.db_answers = int(row["n"]) if row else 0
                        return b.db_answers >= members_count

                    await poll(stored, SETTLE_TIMEOUT)
                    await quiet(emu)
                    burst.finish(emu)
                    scenario.bursts.append(burst)
                    await cog.close_round(round_id)
                    await quiet(emu)
                scenario.commands = await command_series(
                    emu, world, members, "trivia leaderboard", commands_count
                )
    return scenario


# --- scenario: a bare discord.py bot ----------------------------------------------------------


class BareView(discord.ui.View):
    """Four buttons whose callback does nothing but answer ephemerally."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        for label in BARE_LABELS:
            button: discord.ui.Button[BareView] = discord.ui.Button(
                label=label, custom_id=f"bare:{label}"
            )
            button.callback = self.answer  # type: ignore[method-assign]
            self.add_item(button)

    async def answer(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok", ephemeral=True)


class BareBot(commands.Bot):
    """A minimal bot: /quiz posts the four buttons, /ping answers "pong"."""

    def __init__(self) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned, intents=intents, guild_ready_timeout=0.05
        )
        self.quiz_view = BareView()
        self.tree.add_command(
            app_commands.Command(name="quiz", description="Four buttons", callback=self.quiz)
        )
        self.tree.add_command(
            app_commands.Command(name="ping", description="Pong", callback=self.ping)
        )

    async def quiz(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Pick one", view=self.quiz_view)

    async def ping(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    async def setup_hook(self) -> None:
        self.add_view(self.quiz_view)  # persistent: clicks are routed by custom id
        await self.tree.sync()


async def run_bare(members_count: int, rounds: int, commands_count: int) -> Scenario:
    scenario = Scenario("bare", "/ping")
    async with Emulator() as emu:
        world = demo_world(emu)
        members = add_members(emu, world, members_count)
        async with running_client(BareBot(), emu, timeout=30):
            for _ in range(rounds):
                posted = await emu.slash(world.guild, world.trivia, world.uaena, "quiz")
                if posted.message is None:
                    raise RuntimeError("/quiz posted no message")
                await quiet(emu)
                burst = await click_burst(emu, posted.message, members)
                await quiet(emu)
                burst.finish(emu)
                scenario.bursts.append(burst)
            scenario.commands = await command_series(emu, world, members, "ping", commands_count)
    return scenario


# --- report -------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def row(scenario: str, measure: str, seconds: Sequence[float], rate: float | None) -> str:
    head = f"{scenario:<7} {measure:<29} {len(seconds):>5}"
    if not seconds:
        return f"{head}  (nothing answered)"
    ms = [s * 1000 for s in seconds]
    cells = (percentile(ms, 0.50), percentile(ms, 0.95), percentile(ms, 0.99), max(ms))
    rate_cell = f"{rate:>7.0f}" if rate is not None else f"{'-':>7}"
    return head + "".join(f" {cell:>8.1f}" for cell in cells) + f" {rate_cell}"


HEADER = (
    f"{'bot':<7} {'measure':<29} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
    f"{'max ms':>8} {'per s':>7}"
)


def measure_rows(name: str, bursts: Sequence[Burst], call: str, which: str) -> list[str]:
    """dispatch->callback and the driver call's wall time over `bursts`.

    Rates: for a burst, answers over its span (first dispatch to last callback) and over
    its wall time; for a sequential series, answers per second of wall time only.
    """
    timed_all = [t for b in bursts for t in b.timed]
    span = sum(b.span for b in bursts)
    wall = sum(b.wall for b in bursts)
    return [
        row(
            name,
            f"callback, {which}",
            [t.answered - t.dispatched for t in timed_all],
            len(timed_all) / span if span and call == "click" else None,
        ),
        row(
            name,
            f"emu.{call} wall, {which}",
            [t.returned - t.started for t in timed_all],
            len(timed_all) / wall if wall else None,
        ),
    ]


def driver_rows(name: str, bursts: Sequence[Burst], which: str) -> list[str]:
    timed_all = [t for b in bursts for t in b.timed]
    return [
        row(name, f"  driver pre, {which}", [t.dispatched - t.started for t in timed_all], None),
        row(name, f"  driver post, {which}", [t.returned - t.answered for t in timed_all], None),
    ]


def path_kind(path: str) -> str:
    return re.sub(r"/[0-9]+", "/{id}", re.sub(r"/emu-interaction-token-[^/]+", "/{token}", path))


def checks(burst: Burst, *, ephemeral: bool) -> list[str]:
    """Human-readable checks of one burst (printed, never asserted)."""
    callbacks: Counter[str] = Counter()
    other: Counter[str] = Counter()
    bad_status = 0
    for record in burst.requests:
        match = CALLBACK.match(record.path)
        if match and record.method == "POST":
            callbacks[match["id"]] += 1
        else:
            other[f"{record.method} {path_kind(record.path)}"] += 1
        if record.status is None or not 200 <= record.status < 300:
            bad_status += 1
    dispatched = burst.dispatched_ids
    once = sum(1 for i in dispatched if callbacks[i] == 1)
    never = sum(1 for i in dispatched if callbacks[i] == 0)
    twice = sum(1 for i in dispatched if callbacks[i] > 1)
    well_formed = sum(
        1
        for t in burst.timed
        if t.result.type == 4 and t.result.ephemeral == ephemeral and not t.result.followups
    )
    replies = Counter(re.split(r"[.!]", t.result.content or "<embed>")[0][:24] for t in burst.timed)
    per = len(burst.requests) / burst.expected if burst.expected else 0.0
    lines = [
        f"{len(dispatched)} dispatched, {len(burst.timed)} answered, "
        f"{len(burst.failures)} failed; callbacks: {once} exactly once, {never} never, "
        f"{twice} more than once",
        f"REST requests by the bot: {len(burst.requests)} = {per:.2f} per interaction "
        f"({sum(callbacks.values())} callbacks, {sum(other.values())} other"
        + (f": {dict(other)}" if other else "")
        + f"), {bad_status} not 2xx",
        f"type-4 {'ephemeral' if ephemeral else 'public'} answers with no followup: "
        f"{well_formed}/{burst.expected}; replies: {dict(replies)}",
    ]
    if burst.db_answers is not None:
        lines.append(f"database answers for the round: {burst.db_answers}/{burst.expected}")
    if burst.failures:
        kinds = Counter(f"{type(f).__name__}: {str(f)[:100]}" for f in burst.failures)
        lines.append(f"failures: {dict(kinds.most_common(3))}")
    return lines


def report(scenarios: Sequence[Scenario], members: int) -> None:
    print()
    print(f"Click bursts: {members} members click at once, once per round")
    print(HEADER)
    for scenario in scenarios:
        cold, warm = scenario.bursts[:1], scenario.bursts[1:]
        lines = measure_rows(scenario.name, cold, "click", "round 1")
        if warm:
            lines += measure_rows(scenario.name, warm, "click", "rounds 2+")
        lines += driver_rows(scenario.name, scenario.bursts, "all")
        for line in lines:
            print(line)
    print(
        "callback = from the emulator dispatching INTERACTION_CREATE to it processing the "
        "bot's\ncallback; emu.click wall = around the driver call = driver pre + callback + "
        "driver post.\nRound 1 includes the bot opening its HTTP connections (see "
        "'listen overflows' below)."
    )
    print()
    print("Sequential slash commands after the bursts, one at a time")
    print(HEADER)
    for scenario in scenarios:
        if scenario.commands is not None:
            label = scenario.command_name.removeprefix("/").replace("trivia ", "")
            for line in measure_rows(scenario.name, [scenario.commands], "slash", label):
                print(line)
    print()
    for scenario in scenarios:
        print(f"Checks: {scenario.name}")
        for number, burst in enumerate(scenario.bursts, start=1):
            server = [t.answered - t.dispatched for t in burst.timed] or [math.nan]
            overflows = "n/a" if burst.listen_overflows is None else burst.listen_overflows
            print(
                f"  round {number}: {burst.wall * 1000:.0f} ms wall ({burst.cpu * 1000:.0f} ms "
                f"CPU), callback p50 {percentile(server, 0.5) * 1000:.1f} / p95 "
                f"{percentile(server, 0.95) * 1000:.1f} / max {max(server) * 1000:.1f} ms; "
                f"listen overflows {overflows}"
            )
            for line in checks(burst, ephemeral=True):
                print(f"    {line}")
        if scenario.commands is not None:
            print(f"  {scenario.command_name} x{scenario.commands.expected}:")
            for line in checks(scenario.commands, ephemeral=False):
                print(f"    {line}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=300, help="extra members clicking")
    parser.add_argument("--rounds", type=int, default=3, help="bursts per scenario")
    parser.add_argument(
        "--leaderboard", type=int, default=20, help="sequential /trivia leaderboard and /ping"
    )
    args = parser.parse_args()
    print(
        f"Python {sys.version.split()[0]}, discord.py {discord.__version__}; "
        f"{args.members} members x {args.rounds} rounds; emulator, driver and bot in one "
        "process on one event loop"
    )
    started = time.monotonic()
    fanbot = await run_fanbot(args.members, args.rounds, args.leaderboard)
    bare = await run_bare(args.members, args.rounds, args.leaderboard)
    report([fanbot, bare], args.members)
    print(f"\ntotal run time {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
