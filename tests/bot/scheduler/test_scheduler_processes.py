"""Two processes on one database that both believe they own every server (a wrong shard
range, a rolling restart): each run is still posted exactly once, also when one of them dies
with a post claimed. Each test runs on SQLite (two connections to one file) and on
PostgreSQL (two pools on one database), through `database_target`.

Discord here has forgotten every nonce (as it does after a few minutes), so a run sent twice
shows as two posts; `Discord.sends` counts every attempt, so even a repeat that found its
post shows.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import discord
import pytest

from bot.clock import FakeClock, to_db
from bot.database import Database, open_database
from bot.schedule_time import Repeat
from bot.scheduler import (
    DueRun,
    OutgoingMessage,
    RunStatus,
    Scheduler,
    run_nonce,
)
from bot.scheduler.store import AnnouncementStore

SEOUL = ZoneInfo("Asia/Seoul")
NINE = time(9, 0)
# 2024-05-01 09:00 KST; the clock starts an hour before it.
DUE = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)
START = DUE - timedelta(hours=1)
LEASE = timedelta(minutes=3)
GUILDS = (100, 200, 300, 400)
EACH_GUILD = 15


@dataclass
class Post:
    channel_id: int
    nonce: str
    footer: str | None
    message_id: int


@dataclass
class Discord:
    """One Discord for every process, past its nonce window: every send makes a message."""

    posts: list[Post] = field(default_factory=list)
    sends: list[str] = field(default_factory=list)

    def posted(self) -> Counter[str]:
        return Counter(post.nonce for post in self.posts)


@dataclass
class ProcessPoster:
    """One process's way to Discord. `gate`: its sends wait there (a post in flight);
    `crash_after_post`: the process dies once Discord has made the message."""

    discord: Discord
    gate: asyncio.Event | None = None
    crash_after_post: bool = False

    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        self.discord.sends.append(nonce)
        if self.gate is not None:
            await self.gate.wait()
        footer = message.embed.footer.text if message.embed is not None else None
        message_id = 7000 + len(self.discord.posts)
        self.discord.posts.append(Post(channel_id, nonce, footer, message_id))
        if self.crash_after_post:
            raise SimulatedCrash
        return message_id

    async def find_posted(self, channel_id: int, marker: str, since: datetime) -> int | None:
        for post in self.discord.posts:
            if post.channel_id == channel_id and post.footer and marker in post.footer:
                return post.message_id
        return None


class SimulatedCrash(BaseException):
    """The process dying: not an `Exception`, so nothing in the scheduler handles it."""


async def render_quote(run: DueRun, language: str) -> OutgoingMessage:
    return OutgoingMessage(embed=discord.Embed(description=f"quote #{run.announcement_id}"))


class Process:
    """One bot process: its own connection (SQLite) or pool (PostgreSQL) and scheduler."""

    def __init__(self, target: Path | str, clock: FakeClock, discord: Discord, name: str):
        self.target = target
        self.clock = clock
        self.poster = ProcessPoster(discord)
        self.name = name
        self.db: Database | None = None
        self.scheduler: Scheduler | None = None

    async def start(self) -> Scheduler:
        self.db = await open_database(self.target)
        self.scheduler = Scheduler(
            self.db,
            self.clock,
            self.poster,
            retry_delays=(0.0,),
            instance=self.name,
            claim_lease=LEASE,
        )
        self.scheduler.register_kind("quote", render_quote)
        await self.scheduler.load()
        return self.scheduler

    async def stop(self) -> None:
        """The process ends: posts still in flight are cancelled, their claims left as they
        are (a SIGKILL leaves them the same way)."""
        if self.scheduler is not None:
            await self.scheduler.stop(grace=0)
        if self.db is not None:
            await self.db.close()
        self.db = self.scheduler = None

    async def run_due(self) -> list[RunStatus]:
        assert self.scheduler is not None
        return [outcome.status for outcome in await self.scheduler.run_due()]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def world() -> Discord:
    return Discord()


@pytest.fixture
async def processes(
    database_target: Path | str, clock: FakeClock, world: Discord
) -> AsyncIterator[tuple[Process, Process]]:
    pair = (
        Process(database_target, clock, world, "a"),
        Process(database_target, clock, world, "b"),
    )
    yield pair
    for process in pair:
        await process.stop()


async def add_many(scheduler: Scheduler, per_guild: int = EACH_GUILD) -> list[int]:
    """`per_guild` daily 09:00 announcements in each of `GUILDS`, all due at once."""
    ids = []
    for guild_id in GUILDS:
        for _ in range(per_guild):
            announcement = await scheduler.add(
                guild_id, guild_id + 1, "quote", NINE, Repeat.DAILY, SEOUL, 42
            )
            ids.append(announcement.id)
    return ids


def nonces(ids: list[int], due: datetime) -> Counter[str]:
    return Counter(run_nonce(announcement_id, due) for announcement_id in ids)


async def sent(world: Discord, count: int) -> None:
    """Let the send tasks run until `count` sends reached Discord."""
    for _ in range(100):
        if len(world.sends) >= count:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{len(world.sends)} sends of {count}")


async def unconfirmed(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) FROM announcements WHERE pending_nonce IS NOT NULL")
    assert row is not None
    return int(row[0])


# --- Claiming ------------------------------------------------------------------------------


async def test_two_processes_running_at_once_post_every_run_exactly_once(
    processes: tuple[Process, Process], clock: FakeClock, world: Discord
) -> None:
    a, b = processes
    ids = await add_many(await a.start())
    await b.start()  # loads what a added: both hold every run

    expected: Counter[str] = Counter()
    for day in range(3):
        due = DUE + timedelta(days=day)
        clock.set(due)
        for _ in range(3):  # the same minute, several passes of each
            await asyncio.gather(a.run_due(), b.run_due())
        expected += nonces(ids, due)
        assert world.posted() == expected, f"day {day}"
        assert Counter(world.sends) == expected, f"day {day}"
    assert b.db is not None
    assert await unconfirmed(b.db) == 0

    # Then each alone (the other one gone, as in a rolling restart): each still follows
    # every row, also those whose claims it lost to the other (each day one of them lost).
    for day, alone in ((3, a), (4, b)):
        due = DUE + timedelta(days=day)
        clock.set(due)
        for _ in range(2):  # an entry found stale is armed anew for the next pass
            await alone.run_due()
        expected += nonces(ids, due)
        assert world.posted() == expected, f"day {day}, {alone.name} alone"


async def test_a_process_that_lost_the_claim_still_posts_the_next_run(
    processes: tuple[Process, Process], clock: FakeClock, world: Discord
) -> None:
    """A rolling restart: the leaving process claimed today's runs; the one that stays posts
    tomorrow's, though it never armed them itself."""
    leaving, staying = processes
    ids = await add_many(await leaving.start(), per_guild=2)
    await staying.start()
    clock.set(DUE)
    assert set(await leaving.run_due()) == {RunStatus.POSTED}
    await leaving.stop()
    assert await staying.run_due() == []  # its entries surface: claimed already

    tomorrow = DUE + timedelta(days=1)
    clock.set(tomorrow)
    assert set(await staying.run_due()) == {RunStatus.POSTED}
    assert world.posted() == nonces(ids, DUE) + nonces(ids, tomorrow)


async def test_a_claim_from_a_stale_read_writes_nothing(
    processes: tuple[Process, Process], clock: FakeClock
) -> None:
    """The claim is conditional on the next run the pass read: a second process holding the
    same read (it read before the first committed) claims nothing."""
    a, b = processes
    announcement_id = (await add_many(await a.start(), per_guild=1))[0]
    await b.start()
    assert a.db is not None
    assert b.db is not None
    clock.set(DUE)
    first, second = AnnouncementStore(a.db), AnnouncementStore(b.db)
    run = DueRun(
        announcement_id, GUILDS[0], GUILDS[0] + 1, "quote", DUE, run_nonce(announcement_id, DUE)
    )
    following = DUE + timedelta(days=1)
    async with b.db.transaction() as tx:
        [stale] = (await second.rows_to_claim(tx, [announcement_id])).values()
    assert stale.next_run_utc == DUE
    assert stale.pending_nonce is None
    for store, db, won in ((first, a.db, True), (second, b.db, False)):
        async with db.transaction() as tx:
            claimed = await store.claim(
                tx,
                run,
                expected=to_db(DUE),
                following=following,
                instance="x",
                lease_until=DUE + LEASE,
            )
        assert claimed is won
    async with b.db.transaction() as tx:
        [row] = (await second.rows_to_claim(tx, [announcement_id])).values()
    assert row.next_run_utc == following
    assert row.claimed_by == "x"


# --- A process dying with posts claimed -----------------------------------------------------


@pytest.mark.parametrize("dies", ["before_discord", "after_discord"])
async def test_claims_left_by_a_dead_process_are_sent_once_by_the_live_one(
    processes: tuple[Process, Process], clock: FakeClock, world: Discord, dies: str
) -> None:
    dead, live = processes
    ids = await add_many(await dead.start(), per_guild=1)
    await live.start()
    clock.set(DUE)
    assert dead.scheduler is not None
    if dies == "before_discord":
        dead.poster.gate = asyncio.Event()  # never opens: the posts are in flight
        await dead.scheduler.run_due(wait=False)
        await sent(world, len(ids))
    else:
        dead.poster.crash_after_post = True
        with pytest.raises(SimulatedCrash):
            await dead.scheduler.run_due()
    await dead.stop()
    assert world.sends
    assert set(world.sends) <= set(nonces(ids, DUE))

    # The live process leaves them alone while their lease runs, then sends each once.
    clock.advance(LEASE - timedelta(seconds=1))
    assert await live.run_due() == []
    clock.advance(timedelta(seconds=2))
    assert set(await live.run_due()) == {RunStatus.POSTED}
    assert world.posted() == nonces(ids, DUE)
    assert await live.run_due() == []

    # The dead one's restart (the same name: its own claims are its own again) finds nothing.
    await dead.start()
    clock.advance(timedelta(minutes=1))
    assert await dead.run_due() == []
    assert world.posted() == nonces(ids, DUE)
    assert live.db is not None
    assert await unconfirmed(live.db) == 0


async def test_a_starting_process_leaves_alone_the_posts_a_live_one_is_sending(
    processes: tuple[Process, Process], clock: FakeClock, world: Discord
) -> None:
    sending, starting = processes
    ids = await add_many(await sending.start(), per_guild=1)
    clock.set(DUE)
    gate = sending.poster.gate = asyncio.Event()
    assert sending.scheduler is not None
    await sending.scheduler.run_due(wait=False)

    await starting.start()  # finds the claims unconfirmed
    clock.advance(timedelta(minutes=1))
    assert await starting.run_due() == []
    assert Counter(world.sends) == nonces(ids, DUE)

    gate.set()
    await sending.scheduler.stop(grace=5)  # lets the sends finish and confirm
    assert world.posted() == nonces(ids, DUE)
    clock.advance(LEASE)
    assert await starting.run_due() == []
    assert Counter(world.sends) == nonces(ids, DUE)


async def test_a_live_process_keeps_the_lease_of_a_post_it_is_still_sending(
    processes: tuple[Process, Process], clock: FakeClock, world: Discord
) -> None:
    """A post held up for longer than the lease (a slow Discord, a long queue) stays its
    sender's: each pass of the sender renews it."""
    sending, other = processes
    ids = await add_many(await sending.start(), per_guild=1)
    await other.start()
    clock.set(DUE)
    gate = sending.poster.gate = asyncio.Event()
    assert sending.scheduler is not None
    await sending.scheduler.run_due(wait=False)
    assert await other.run_due() == []

    for _ in range(4):  # four times the lease's third: past it, without a gap of a lease
        clock.advance(LEASE / 3 + timedelta(seconds=5))
        await sending.scheduler.run_due(wait=False)
        assert await other.run_due() == []
    assert Counter(world.sends) == nonces(ids, DUE)

    gate.set()
    await sending.scheduler.stop(grace=5)
    assert world.posted() == nonces(ids, DUE)
