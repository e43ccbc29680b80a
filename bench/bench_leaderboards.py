"""/trivia leaderboard and /trivia stats in the database layer, at a million answers and more,
on SQLite or PostgreSQL, with the query plans.

    .venv/bin/python bench/bench_leaderboards.py --backend sqlite|postgresql
        [--database-url postgresql://...] [--answers 1000000] [--layouts one many]
        [--samples 300]

For each `--answers` count and layout, a fresh database at today's schema is bulk-loaded with
closed rounds, their answers and the members' score lines (SQLite: executemany in one
transaction; PostgreSQL: COPY through the pool). PostgreSQL then gets `VACUUM ANALYZE`
(what autovacuum does after such a load). SQLite gets no `ANALYZE`, as the bot never runs it
(`--sqlite-analyze` runs it: its statistics change the weekly leaderboard's plan).
`--candidate-index` creates `trivia_answers_window_cover` before the load (see CANDIDATE_INDEX):

- one: one server, 200 rounds two days apart (over 400 days) that every member answers
  (1,000,000 answers = 5,000 members; 10,000,000 = 50,000); the weekly leaderboard is read
  on the last day of a week (since = 6 days before the newest round), when the window holds
  4 rounds: 1/50 of the server's answers;
- many: servers of 100 members with 10 rounds each (1,000,000 answers = 1,000 servers).

Then `--samples` calls of each, for random servers and members, timed around the store's
method (what the cog awaits; no Discord): leaderboard all = `leaderboard_all_time`, week =
`leaderboard_since` (many: from the newest round's Monday), stats = `score` then
`category_lines` (what /trivia stats reads), categories = `category_totals` (the dashboard's
stats of a whole server; `--without-category-index` drops the index it reads, to compare).
p50/p99/max in ms, after 20 warm-up calls.
Finally the plan of each query as the store sends it (EXPLAIN QUERY PLAN on SQLite,
EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL), for a sample of the "one" layout.
Figures vary with the machine; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from backends import postgres_server, server_settings  # noqa: E402

from bot.clock import to_db  # noqa: E402
from bot.database import Database, open_database  # noqa: E402
from bot.postgres import PostgresDatabase, numbered  # noqa: E402
from bot.sqlite import SqliteDatabase  # noqa: E402
from bot.weeks import week_start  # noqa: E402
from cogs.trivia.store import TriviaStore  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
CATEGORIES = ("video", "song", "cast", "director", "release")
CHUNK = 100_000
# `--candidate-index`: what a weekly leaderboard would read from the index alone (same SQL on
# both backends), to measure before proposing it as a migration.
CANDIDATE_INDEX = (
    "CREATE INDEX trivia_answers_window_cover "
    "ON trivia_answers (guild_id, answered_at, user_id, points, correct)"
)
ZONE_UTC = UTC


@dataclass(frozen=True)
class Layout:
    name: str
    guilds: int
    members: int  # per server
    rounds: int  # per server
    every: timedelta  # between a server's rounds

    @property
    def answers(self) -> int:
        return self.guilds * self.members * self.rounds

    @property
    def newest(self) -> datetime:
        return START + self.every * (self.rounds - 1)


def layout(name: str, answers: int) -> Layout:
    if name == "one":
        return Layout(name, 1, max(1, answers // 200), 200, timedelta(days=2))
    return Layout(name, max(1, answers // 1000), 100, 10, timedelta(days=1))


def guild_id(index: int) -> int:
    return 10**17 + index


def user_id(index: int) -> int:
    return 2 * 10**17 + index


def rounds_rows(lay: Layout) -> Iterator[tuple[Any, ...]]:
    round_id = 0
    for g in range(lay.guilds):
        for r in range(lay.rounds):
            round_id += 1
            opened = START + lay.every * r
            yield (
                round_id,
                guild_id(g),
                3 * 10**17 + g,
                None,
                f"bench:{r}",
                json.dumps(["a", "b", "c", "d"]),
                round_id % 4,
                to_db(opened),
                to_db(opened + timedelta(seconds=20)),
                1,
                None,
                None,
            )


def answer_rows(lay: Layout, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    round_id = 0
    for g in range(lay.guilds):
        for r in range(lay.rounds):
            round_id += 1
            at = to_db(START + lay.every * r + timedelta(seconds=5))
            category = CATEGORIES[r % len(CATEGORIES)]
            correct_index = round_id % 4
            for m in range(lay.members):
                choice = rng.randrange(4)
                correct = int(choice == correct_index)
                yield (
                    round_id,
                    guild_id(g),
                    user_id(m),
                    choice,
                    correct,
                    10 * correct,
                    at,
                    category,
                )


def score_rows(lay: Layout, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    # Totals consistent in size with the answers (not recomputed from them: the queries read
    # the totals, they don't check them).
    for g in range(lay.guilds):
        for m in range(lay.members):
            correct = sum(rng.random() < 0.25 for _ in range(min(lay.rounds, 50)))
            correct = correct * lay.rounds // min(lay.rounds, 50)
            yield (guild_id(g), user_id(m), f"member {m}", lay.rounds, correct, 10 * correct, 0, 3)


ROUND_COLUMNS = (
    "id",
    "guild_id",
    "channel_id",
    "message_id",
    "question_key",
    "choices",
    "correct_index",
    "opened_at",
    "closes_at",
    "closed",
    "run_nonce",
    "run_mark",
)
ANSWER_COLUMNS = (
    "round_id",
    "guild_id",
    "user_id",
    "choice",
    "correct",
    "points",
    "answered_at",
    "category",
)
SCORE_COLUMNS = (
    "guild_id",
    "user_id",
    "display_name",
    "answered",
    "correct",
    "points",
    "streak",
    "best_streak",
)
TABLES = (
    ("trivia_rounds", ROUND_COLUMNS, rounds_rows),
    ("trivia_answers", ANSWER_COLUMNS, answer_rows),
    ("trivia_scores", SCORE_COLUMNS, score_rows),
)


def chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def load(db: Database, lay: Layout, analyze: bool) -> None:
    rng = random.Random(2024)
    if isinstance(db, PostgresDatabase):
        async with db.pool().acquire() as conn:
            for table, columns, make in TABLES:
                make_rows: Callable[..., Iterator[tuple[Any, ...]]] = make
                rows = make_rows(lay) if table == "trivia_rounds" else make_rows(lay, rng)
                for chunk in chunks(rows):
                    await conn.copy_records_to_table(table, records=chunk, columns=columns)
            # Identity columns don't move with explicit ids.
            await conn.execute(
                "SELECT setval(pg_get_serial_sequence('trivia_rounds', 'id'), "
                "(SELECT MAX(id) FROM trivia_rounds))"
            )
        await db.execute("VACUUM ANALYZE")
        return
    async with db.transaction() as tx:
        for table, columns, make in TABLES:
            make_rows = make
            rows = make_rows(lay) if table == "trivia_rounds" else make_rows(lay, rng)
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            for chunk in chunks(rows):
                await tx.executemany(sql, chunk)
    if analyze:
        await db.execute("ANALYZE")


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


async def timed(
    samples: int, call: Callable[[random.Random], Awaitable[object]]
) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each call. CPU = this process's, all threads (SQLite's
    work included; for PostgreSQL only the client's part): a wall time far above it is the
    call waiting for a core on a busy machine, not the query."""
    rng = random.Random(7)
    for _ in range(20):
        await call(rng)
    times, cpu = [], []
    for _ in range(samples):
        started, started_cpu = time.perf_counter(), time.process_time()
        await call(rng)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return times, cpu


def commands(
    store: TriviaStore, lay: Layout
) -> dict[str, Callable[[random.Random], Awaitable[object]]]:
    # The week at its fullest: its last day, 6 days after the Monday the window starts.
    since = (
        week_start(lay.newest, ZONE_UTC) if lay.name == "many" else lay.newest - timedelta(days=6)
    )

    def member(rng: random.Random) -> tuple[int, int]:
        return guild_id(rng.randrange(lay.guilds)), user_id(rng.randrange(lay.members))

    async def all_time(rng: random.Random) -> object:
        return await store.leaderboard_all_time(member(rng)[0])

    async def week(rng: random.Random) -> object:
        return await store.leaderboard_since(member(rng)[0], since)

    async def stats(rng: random.Random) -> object:
        guild, user = member(rng)
        return (await store.score(guild, user), await store.category_lines(guild, user))

    async def categories(rng: random.Random) -> object:
        return await store.category_totals(member(rng)[0])

    return {
        "leaderboard all": all_time,
        "leaderboard week": week,
        "stats": stats,
        "categories": categories,
    }


class Recorder:
    """Stands in for the database to note the SQL a store method sends (and answers nothing)."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, Sequence[Any]]] = []

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        self.queries.append((sql, params))
        return []

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self.queries.append((sql, params))
        return None


async def plans(db: Database, lay: Layout) -> str:
    recorder = Recorder()
    store = TriviaStore(recorder)  # type: ignore[arg-type]
    for call in commands(store, lay).values():
        await call(random.Random(1))
    out = []
    for sql, params in recorder.queries:
        out.append(f"-- {sql}\n   params {list(params)}")
        if isinstance(db, SqliteDatabase):
            rows = await db.fetchall(f"EXPLAIN QUERY PLAN {sql}", params)
            out += [f"   {row[3]}" for row in rows]
        else:
            assert isinstance(db, PostgresDatabase)
            async with db.pool().acquire() as conn:
                explain = f"EXPLAIN (ANALYZE, BUFFERS) {numbered(sql)}"
                out += [f"   {row[0]}" for row in await conn.fetch(explain, *params)]
    return "\n".join(out)


async def run_one(
    target: str | Path,
    lay: Layout,
    samples: int,
    show_plans: bool,
    analyze: bool = True,
    candidate: bool = False,
    category_index: bool = True,
) -> None:
    db = await open_database(target)
    try:
        started = time.perf_counter()
        if candidate:
            await db.execute(CANDIDATE_INDEX)
        if not category_index:
            await db.execute("DROP INDEX trivia_answers_category")
        await load(db, lay, analyze)
        loaded = time.perf_counter() - started
        print(
            f"\n{lay.answers:,} answers, layout {lay.name}: {lay.guilds:,} servers x "
            f"{lay.members:,} members x {lay.rounds:,} rounds; loaded in {loaded:.1f} s"
            f"{'; with ' + CANDIDATE_INDEX if candidate else ''}"
            f"{'' if category_index else '; without trivia_answers_category'}; load average "
            f"{os.getloadavg()[0]:.1f}",
            flush=True,
        )
        store = TriviaStore(db)
        for name, call in commands(store, lay).items():
            ms, cpu = await timed(samples, call)
            print(
                f"   {name:<17} p50 {percentile(ms, 0.5):8.2f} ms   p99 "
                f"{percentile(ms, 0.99):8.2f} ms   max {max(ms):8.2f} ms   ({samples} calls; "
                f"CPU p50 {percentile(cpu, 0.5):.2f} ms, p99 {percentile(cpu, 0.99):.2f} ms)",
                flush=True,
            )
        if show_plans:
            print(await plans(db, lay), flush=True)
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL", ""))
    parser.add_argument("--answers", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--layouts", nargs="+", choices=("one", "many"), default=["one", "many"])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--no-plans", action="store_true")
    parser.add_argument("--sqlite-analyze", action="store_true")
    parser.add_argument("--candidate-index", action="store_true")
    parser.add_argument("--without-category-index", action="store_true")
    args = parser.parse_args()
    print("$ .venv/bin/python " + " ".join(sys.argv))
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; backend {args.backend}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend == "sqlite":
            for count in args.answers:
                for name in args.layouts:
                    path = Path(tmp) / f"{name}-{count}.sqlite3"
                    lay = layout(name, count)
                    show_plans = not args.no_plans
                    asyncio.run(
                        run_one(
                            path,
                            lay,
                            args.samples,
                            show_plans,
                            args.sqlite_analyze,
                            args.candidate_index,
                            not args.without_category_index,
                        )
                    )
                    print(f"   file {path.stat().st_size / 2**20:.0f} MiB")
                    path.unlink()
            return
        with postgres_server(args.database_url) as server:
            print(f"PostgreSQL {server.psql('SHOW server_version')}: {server_settings(server)}")
            for count in args.answers:
                for name in args.layouts:
                    url = asyncio.run(server.fresh_database())
                    lay = layout(name, count)
                    show_plans = not args.no_plans
                    asyncio.run(
                        run_one(
                            url,
                            lay,
                            args.samples,
                            show_plans,
                            True,
                            args.candidate_index,
                            not args.without_category_index,
                        )
                    )
                    database = urlsplit(url).path.lstrip("/")
                    size = server.psql(
                        f"SELECT pg_size_pretty(pg_database_size('{database}'))", database
                    )
                    print(f"   database {size}")
                    server.psql(f"DROP DATABASE {database}")


if __name__ == "__main__":
    main()
