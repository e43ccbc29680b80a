"""`/trivia play` and category autocomplete in a server with many questions of its own.

    .venv/bin/python bench/bench_questions.py [--questions 50000] [--plays 10] [--bursts 3]

Everything runs in this one process and on one event loop: the local Discord emulator
(`discord_emulator`), the driver playing the members, and the real FanBot on a
temporary SQLite file. Before the bot starts, `--questions` questions of the server's own
are written straight into the file (40 categories, the three difficulties), past the
per-server limit on purpose: the point is what a play and a keystroke cost when a server
holds that many.

- play: `--plays` times in turn, `/trivia play` in #trivia (no options, then with a
  category and a difficulty), then the round is closed with `cog.close_round`.
- autocomplete: `--bursts` bursts of 20 members typing into `/trivia play category:` at
  once (`asyncio.gather` of `emu.autocomplete`, each typing something else).

Per interaction the time is from the emulator dispatching INTERACTION_CREATE to it
processing the bot's callback (`Interaction.created_at` to `response_at`), which is what
Discord holds to its 3 s deadline; those past 3 s are counted. Figures vary with the
machine; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

# Run as a script from anywhere: make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.client import FanBot
from bot.clock import SystemClock, to_db
from bot.config import Settings
from bot.sqlite import SqliteDatabase
from discord_emulator import Emulator, demo_world, running_client

DEADLINE = 3.0
CATEGORIES = [f"topic-{n:02d}" for n in range(40)]
LEVELS = ("easy", "medium", "hard")


async def fill(path: Path, guild_id: int, count: int) -> None:
    db = await SqliteDatabase.open(path)
    now = to_db(datetime.now(UTC))
    rows = [
        (
            guild_id,
            f"Question number {n} about the video?",
            f"right {n}",
            f"wrong a {n}",
            f"wrong b {n}",
            f"wrong c {n}",
            CATEGORIES[n % len(CATEGORIES)],
            LEVELS[n % len(LEVELS)],
            "bench.toml",
            1,
            now,
        )
        for n in range(count)
    ]
    await db.executemany(
        "INSERT INTO trivia_questions (guild_id, question, correct, wrong1, wrong2, wrong3, "
        "category, difficulty, pack, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    await db.close()


def answer_time(emu: Emulator, interaction_id: str) -> float | None:
    interaction = emu.world.interactions[interaction_id]
    if interaction.response_at is None:
        return None
    return interaction.response_at - interaction.created_at


def summary(name: str, times: list[float | None]) -> str:
    answered = sorted(t for t in times if t is not None)
    late = sum(1 for t in times if t is None or t > DEADLINE)
    if not answered:
        return f"{name:<28} n={len(times)}: none answered"
    p50 = statistics.median(answered)
    return (
        f"{name:<28} n={len(times):>3}  p50 {p50 * 1000:7.1f} ms  "
        f"max {answered[-1] * 1000:7.1f} ms  past 3 s or unanswered: {late}"
    )


async def main(questions: int, plays: int, bursts: int) -> None:
    async with Emulator() as emu:
        world = demo_world(emu)
        guild_id = int(world.guild.id)
        for n in range(20):
            world.guild.add_member(emu.add_user(f"fan{n}"))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bench.sqlite3"
            started = time.monotonic()
            await fill(path, guild_id, questions)
            print(f"{questions} questions written in {time.monotonic() - started:.1f} s")
            settings = Settings(token=emu.token or "", database_path=path, api_base=emu.base_url)
            bot = FanBot(settings, clock=SystemClock(), guild_ready_timeout=0.05)
            async with running_client(bot, emu):
                await bot.guild_settings.update(guild_id, 0, trivia_timeout=120)
                cog = bot.get_cog("Trivia")
                play_times: list[float | None] = []
                for n in range(plays):
                    options = {} if n % 2 == 0 else {"category": "topic-07", "difficulty": "hard"}
                    result = await emu.slash(
                        world.guild, "trivia", "uaena", "trivia play", options, timeout=30
                    )
                    play_times.append(answer_time(emu, result.interaction.id))
                    for round_id in list(cog.rounds):
                        await cog.close_round(round_id)
                print(summary("/trivia play", play_times))

                members = [f"fan{n}" for n in range(20)]
                for burst in range(bursts):
                    before = set(emu.world.interactions)
                    typed = [f"topic-{(n + burst) % 40:02d}"[: 1 + n % 8] for n in range(20)]
                    await asyncio.gather(
                        *(
                            emu.autocomplete(
                                world.guild,
                                "trivia",
                                member,
                                "trivia play",
                                "category",
                                text,
                                timeout=60,
                            )
                            for member, text in zip(members, typed, strict=True)
                        ),
                        return_exceptions=True,
                    )
                    new = [i for i in emu.world.interactions if i not in before]
                    print(
                        summary(
                            f"20 autocompletes, burst {burst + 1}",
                            [answer_time(emu, i) for i in new],
                        )
                    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=50_000)
    parser.add_argument("--plays", type=int, default=10)
    parser.add_argument("--bursts", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.questions, args.plays, args.bursts))
