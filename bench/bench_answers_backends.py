"""2,000 members answering one trivia round, stored through the bot's own answer path, on
SQLite or PostgreSQL; then the same load from several OS processes against one database.

    .venv/bin/python bench/bench_answers_backends.py --backend sqlite|postgresql
        [--database-url postgresql://...] [--members 2000] [--rounds 1] [--spread 0]
        [--processes 1 2] [--process-rounds 10]

Measured at the store: each click is `AnswerWriter.submit` (the group commit of
cogs/trivia/answers.py over `TriviaStore.record_answers`, what the cog awaits before it
tells a member "Correct!"), so latency = from the click to its answer committed (what the
member waits for, less Discord's own round trips; bench/bench_burst.py measures those through
the emulator, on SQLite). Clicks arrive at once (`--spread 0`, the worst burst) or evenly over
`--spread` seconds. Stored per second = answers over first click .. last commit; afterwards the
round's rows are counted in the database: every acknowledged click must be there.

Processes: N OS processes (multiprocessing, spawn), each with its own connection pool, its own
servers and rounds (as N shard processes would have), start together at a barrier and each
run `--process-rounds` rounds of `--members` clicks one after another against ONE database.
Rate = all answers over the first start .. the last commit; the ratio compares N processes
with one. Figures vary with the machine and what else runs on it; nothing asserts them.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from backends import (  # noqa: E402
    add_backend_arguments,
    postgres_server,
    server_cpu,
    server_settings,
)

from bot.database import open_database  # noqa: E402
from cogs.trivia.answers import AnswerWriter  # noqa: E402
from cogs.trivia.game import TriviaRound  # noqa: E402
from cogs.trivia.schema import Question  # noqa: E402
from cogs.trivia.store import AnswerToStore, TriviaStore  # noqa: E402

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
QUESTION = Question("bench:1", "Q?", "right", ("a", "b", "c"), "video")
DEADLINE = 3.0


@dataclass
class Run:
    answers: int = 0
    stored: int = 0
    latencies: list[float] = field(default_factory=list)
    started: float = math.inf
    ended: float = 0.0
    batches: int = 0
    largest_batch: int = 0
    failed: int = 0
    cpu: float = 0.0  # user + system seconds of the process(es) recording, during the rounds

    @property
    def rate(self) -> float:
        span = self.ended - self.started
        return self.answers / span if span > 0 else math.nan

    def add(self, other: Run) -> None:
        self.answers += other.answers
        self.stored += other.stored
        self.latencies += other.latencies
        self.started = min(self.started, other.started)
        self.ended = max(self.ended, other.ended)
        self.batches += other.batches
        self.largest_batch = max(self.largest_batch, other.largest_batch)
        self.failed += other.failed
        self.cpu += other.cpu


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


async def open_round(store: TriviaStore, guild_id: int, channel_id: int) -> TriviaRound:
    closes = NOW + timedelta(seconds=120)
    trivia_round = TriviaRound.deal(0, guild_id, channel_id, QUESTION, closes, random.Random(0))
    trivia_round.round_id = await store.open_round(
        guild_id,
        channel_id,
        QUESTION,
        list(trivia_round.choices),
        trivia_round.correct_index,
        NOW,
        closes,
        start_afresh=False,
    )
    return trivia_round


async def one_round(
    store: TriviaStore, writer: AnswerWriter, trivia_round: TriviaRound, members: int, spread: float
) -> Run:
    """Every member clicks once (member i: choice i mod 4); returns when all are settled."""
    run = Run(answers=members)
    base_user = 10**15

    async def click(index: int, at: float) -> None:
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        clicked = time.perf_counter()
        answer = AnswerToStore(trivia_round, base_user + index, f"m{index}", index % 4, NOW)
        try:
            await writer.submit(answer)
        except Exception:
            run.failed += 1
            return
        done = time.perf_counter()
        run.latencies.append(done - clicked)
        run.ended = max(run.ended, done)

    run.started = time.perf_counter()
    await asyncio.gather(
        *(click(index, run.started + spread * index / members) for index in range(members))
    )
    await store.close_round(trivia_round.round_id)
    row = await store_db(store).fetchone(
        "SELECT COUNT(*) FROM trivia_answers WHERE round_id = ?", (trivia_round.round_id,)
    )
    run.stored = int(row[0]) if row else 0
    return run


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def store_db(store: TriviaStore) -> Any:
    return store._db  # the benchmark counts rows through the store's own database


async def rounds_in_one_process(
    target: str, members: int, rounds: int, spread: float, guild_id: int, barrier: Any = None
) -> Run:
    db = await open_database(target)
    try:
        store = TriviaStore(db)
        writer = AnswerWriter(store)
        total = Run()
        # Rounds are opened before the clock starts: the figure is the answers' path.
        prepared = [await open_round(store, guild_id, guild_id * 100 + n) for n in range(rounds)]
        if barrier is not None:
            await asyncio.get_running_loop().run_in_executor(None, barrier.wait)
        cpu_before = process_cpu()
        for trivia_round in prepared:
            total.add(await one_round(store, writer, trivia_round, members, spread))
        total.cpu = process_cpu() - cpu_before
        await writer.close()
        total.batches, total.largest_batch = writer.batches, writer.largest_batch
        return total
    finally:
        await db.close()


def worker(
    target: str,
    members: int,
    rounds: int,
    guild_id: int,
    barrier: Any,
    results: Any,
) -> None:
    run = asyncio.run(rounds_in_one_process(target, members, rounds, 0.0, guild_id, barrier))
    # Process clocks: perf_counter is system-wide monotonic on Linux (CLOCK_MONOTONIC).
    results.put(run)


def in_processes(target: str, processes: int, members: int, rounds: int) -> Run:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    results = context.Queue()
    children = [
        context.Process(target=worker, args=(target, members, rounds, 1000 + n, barrier, results))
        for n in range(processes)
    ]
    for child in children:
        child.start()
    total = Run()
    for _ in children:
        total.add(results.get(timeout=900))
    for child in children:
        child.join()
    return total


def line(label: str, run: Run, server_seconds: float | None = None) -> str:
    ms = [value * 1000 for value in run.latencies]
    within = sum(value <= DEADLINE for value in run.latencies)
    return (
        f"{label:<26} {run.answers:>7} {run.stored:>7} {run.failed:>6} {within:>8} "
        f"{run.rate:>9.0f} {percentile(ms, 0.5):>7.1f} {percentile(ms, 0.99):>7.1f} "
        f"{max(ms, default=math.nan):>7.1f} {run.batches:>7} {run.largest_batch:>6} "
        f"{run.cpu:>6.2f}s {'-' if server_seconds is None else f'{server_seconds:.2f}s':>7} "
        f"{cpu_per_answer(run, server_seconds):>8}"
    )


def cpu_per_answer(run: Run, server_seconds: float | None) -> str:
    """Microseconds of CPU (recording processes + server) per stored answer."""
    if not run.stored:
        return "-"
    return f"{(run.cpu + (server_seconds or 0.0)) / run.stored * 1e6:.0f}"


HEADER = (
    f"{'run':<26} {'clicks':>7} {'stored':>7} {'failed':>6} {'in 3 s':>8} {'stored/s':>9} "
    f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'batches':>7} {'max b':>6} {'CPU':>7} "
    f"{'server':>7} {'µs/ans':>8}"
)


async def fresh_target(backend: str, server: Any, folder: Path, name: str) -> str:
    if backend == "sqlite":
        path = folder / f"{name}.sqlite3"
        db = await open_database(path)
        await db.close()
        return str(path)
    url: str = await server.fresh_database()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_backend_arguments(parser)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--spread", type=float, default=0.0)
    parser.add_argument("--processes", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--process-rounds", type=int, default=10)
    args = parser.parse_args()
    print("$ .venv/bin/python " + " ".join(sys.argv))
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; backend {args.backend}"
    )
    with tempfile.TemporaryDirectory() as tmp, server_or_none(args) as server:
        if server is not None:
            print(f"PostgreSQL {server.psql('SHOW server_version')}: {server_settings(server)}")
        print(HEADER)
        target = asyncio.run(fresh_target(args.backend, server, Path(tmp), "single"))
        before = server_cpu(server)
        run = asyncio.run(rounds_in_one_process(target, args.members, args.rounds, args.spread, 1))
        used = server_used(server, before)
        spread = f", spread {args.spread:g} s" if args.spread else ", at once"
        print(line(f"1 process, {args.rounds} round{spread}", run, used), flush=True)
        rates: dict[int, float] = {}
        for count in args.processes:
            target = asyncio.run(fresh_target(args.backend, server, Path(tmp), f"p{count}"))
            before = server_cpu(server)
            run = in_processes(target, count, args.members, args.process_rounds)
            used = server_used(server, before)
            rates[count] = run.rate
            label = f"{count} proc x {args.process_rounds} rounds"
            print(line(label, run, used), flush=True)
        if 1 in rates and len(rates) > 1:
            for count, rate in rates.items():
                if count != 1:
                    print(
                        f"{count} processes / 1 process, answers stored per second: "
                        f"{rate / rates[1]:.2f}x"
                    )
    print(
        "\nclicks = AnswerWriter.submit calls, stored = the rounds' rows counted afterwards,"
        "\nCPU = user + system time of the recording process(es) (SQLite's work included), server"
        "\n= the throwaway PostgreSQL server's processes over the same runs (includes opening"
        "\nthe processes' pools), µs/ans = (CPU + server) per stored answer,"
        "\nin 3 s = clicks committed within 3 s of the click, latency = click .. committed,"
        f"\nstored/s = answers over first click .. last commit. Load average at the end "
        f"{os.getloadavg()[0]:.1f}"
    )


def server_used(server: Any, before: float | None) -> float | None:
    after = server_cpu(server)
    return None if before is None or after is None else after - before


class server_or_none:
    def __init__(self, args: argparse.Namespace) -> None:
        self._manager = postgres_server(args.database_url) if args.backend != "sqlite" else None

    def __enter__(self) -> Any:
        return self._manager.__enter__() if self._manager is not None else None

    def __exit__(self, *exc: object) -> None:
        if self._manager is not None:
            self._manager.__exit__(*exc)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
