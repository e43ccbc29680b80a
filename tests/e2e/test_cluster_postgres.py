"""A shard cluster on PostgreSQL: two `python -m bot` processes of two shards each, one
database, one emulator with 40 servers. Rounds and scheduled posts in servers of both; one
process SIGKILLed while a post is in flight and members are clicking, then started again:
every post exactly once, every acknowledged answer counted."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta

from bot.clock import to_db
from bot.database import open_database
from discord_emulator import DemoWorld, Emulator, add_fans, demo_worlds, eventually
from tests.support.bot_process import TOKEN, start_bot_process
from tests.support.postgres import PostgresServer

SHARD_COUNT = 4
PROCESS_SHARDS = {"first": "0-1", "second": "2-3"}
SERVERS = 40
ACKNOWLEDGED = ("Correct!", "Not quite.")


def shard_of(world: DemoWorld) -> int:
    return (int(world.guild.id) >> 22) % SHARD_COUNT


async def schedule_everywhere(url: str, worlds: list[DemoWorld], due: datetime) -> None:
    """One daily quote per server, due already: every process posts its servers' at start."""
    db = await open_database(url)
    try:
        await db.executemany(
            "INSERT INTO announcements (guild_id, channel_id, kind, time_local, repeat, zone, "
            "next_run_utc, created_by, created_at) VALUES (?, ?, 'quote', ?, 'daily', 'UTC', "
            "?, 1, ?)",
            [
                (
                    int(world.guild.id),
                    int(world.announcements.id),
                    due.strftime("%H:%M"),
                    to_db(due),
                    to_db(due),
                )
                for world in worlds
            ],
        )
    finally:
        await db.close()


async def fetch_values(url: str, sql: str, *params: object) -> list[object]:
    db = await open_database(url)
    try:
        return [row[0] for row in await db.fetchall(sql, params)]
    finally:
        await db.close()


def acknowledged(click) -> bool:
    original = click.original
    return (
        original is not None
        and not original.loading
        and (original.content or "").startswith(ACKNOWLEDGED)
    )


async def start(emu: Emulator, url: str, name: str) -> asyncio.subprocess.Process:
    return await start_bot_process(
        emu,
        url,
        "--shard-count",
        str(SHARD_COUNT),
        "--shard-ids",
        PROCESS_SHARDS[name],
    )


async def open_round(emu: Emulator, world: DemoWorld, fans_prefix: str):
    """A round of two minutes in `world`, and 30 members clicking at once."""
    await emu.slash(
        world.guild, "general", "mod", "config trivia-timeout", {"seconds": 120}, timeout=60
    )
    started = await emu.slash(world.guild, "trivia", "uaena", "trivia play", timeout=60)
    message = started.message
    round_id = int(message.buttons()[0]["custom_id"].split(":")[1])
    custom_ids = [button["custom_id"] for button in message.buttons()]
    fans = add_fans(world, 30, prefix=fans_prefix)
    clicks = [
        emu.dispatch_click(message, custom_ids[index % 4], fan) for index, fan in enumerate(fans)
    ]
    return round_id, clicks


async def test_a_killed_process_of_a_cluster_loses_no_post_and_no_answer(
    postgres: PostgresServer,
):
    url = await postgres.fresh_database()
    async with Emulator(token=TOKEN) as emu:
        # One IDENTIFY per 5 s for the whole cluster (max_concurrency 1), as Discord enforces.
        emu.enforce_identify_pacing = True
        worlds = demo_worlds(emu, SERVERS)
        first_half = [w for w in worlds if shard_of(w) in (0, 1)]
        second_half = [w for w in worlds if shard_of(w) in (2, 3)]
        assert len(first_half) == len(second_half) == SERVERS // 2
        await schedule_everywhere(url, worlds, datetime.now(UTC) - timedelta(seconds=30))
        # The first process's post to one of its servers reaches Discord and is created, but
        # the answer never comes back before the process dies.
        victim = first_half[0]
        hold = emu.hold("POST", rf"/channels/{victim.announcements.id}/messages$", "after")

        processes = {name: await start(emu, url, name) for name in PROCESS_SHARDS}
        try:
            await emu.wait_ready(timeout=90, shards=range(SHARD_COUNT))
            await hold.reached(timeout=60)
            killed_round, killed_clicks = await open_round(emu, first_half[1], "first")
            kept_round, kept_clicks = await open_round(emu, second_half[0], "second")
            # Killed once members have been told their answers counted, mid-burst.
            await eventually(
                lambda: sum(map(acknowledged, killed_clicks)) >= 5, timeout=60, interval=0
            )
            processes["first"].send_signal(signal.SIGKILL)
            await processes["first"].wait()
            told = {int(c.user.id) for c in killed_clicks if acknowledged(c)}
            stored = await fetch_values(
                url, "SELECT user_id FROM trivia_answers WHERE round_id = ?", killed_round
            )
            assert told <= set(stored), f"{len(told - set(stored))} acknowledged answers lost"
            hold.release()

            processes["first"] = await start(emu, url, "first")
            await emu.wait_ready(timeout=90, shards=range(SHARD_COUNT))

            async def all_confirmed() -> bool:
                [done] = await fetch_values(
                    url,
                    "SELECT COUNT(*) FROM announcements "
                    "WHERE last_message_id IS NOT NULL AND pending_nonce IS NULL",
                )
                return done == SERVERS

            async with asyncio.timeout(120):
                # Polling: the other processes' writes reach this one through the database.
                while not await all_confirmed():  # noqa: ASYNC110
                    await asyncio.sleep(0.2)
            await eventually(lambda: all(c.original is not None for c in kept_clicks), 60)
        finally:
            for process in processes.values():
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            stderrs = {
                name: (await process.communicate())[1].decode()
                for name, process in processes.items()
            }

        # Every server's quote exactly once, the victim's included (re-sent with its nonce).
        posted = {w.guild.name: len(emu.channel_messages(w.announcements)) for w in worlds}
        assert posted == {w.guild.name: 1 for w in worlds}
        victim_posts = emu.requests_matching(
            "POST", rf"/channels/{victim.announcements.id}/messages$"
        )
        assert len({request.json["nonce"] for request in victim_posts}) == 1
        # Each process posted only its own servers'.
        assert emu.shard_conflicts == []
        # Starting together, the two processes took turns to identify (one IDENTIFY per 5 s
        # for the cluster): none was refused until every shard was up.
        cluster_up = sorted(at for _, at in emu.identifies)[SHARD_COUNT - 1]
        refused = [at for _, at in emu.gateway.paced_identifies if at <= cluster_up]
        assert refused == [], (emu.identifies, emu.gateway.paced_identifies)
        # Every acknowledged answer of both rounds is counted, once.
        for round_id, clicks in ((killed_round, killed_clicks), (kept_round, kept_clicks)):
            told = {int(c.user.id) for c in clicks if acknowledged(c)}
            stored = await fetch_values(
                url, "SELECT user_id FROM trivia_answers WHERE round_id = ?", round_id
            )
            assert told <= set(stored)
            assert len(stored) == len(set(stored)) <= len(clicks)
        kept_told = {int(c.user.id) for c in kept_clicks if acknowledged(c)}
        assert len(kept_told) == len(kept_clicks)  # the process that stayed answered everyone
        for name, stderr in stderrs.items():
            assert processes[name].returncode == 0, stderr
            assert "Traceback" not in stderr, stderr
    assert emu.internal_errors == []
