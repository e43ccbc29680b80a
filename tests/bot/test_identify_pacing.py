"""IDENTIFY paced by Discord's `max_concurrency`: up to that many shards at once, one per
rate-limit bucket (`shard_id % max_concurrency`) per 5 s; no real time is slept."""

from __future__ import annotations

import asyncio

from bot.shards import IDENTIFY_WINDOW, IdentifyPacer, owns, shard_of


class FakeTime:
    """A monotonic clock that moves only when the pacer sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.slept.append(delay)
        self.now += delay
        await asyncio.sleep(0)  # let the other shards' waits run, as a real sleep would


def pacer(max_concurrency: int) -> tuple[IdentifyPacer, FakeTime]:
    time = FakeTime()
    return IdentifyPacer(max_concurrency, monotonic=time.monotonic, sleep=time.sleep), time


async def identify_in_turn(pacer: IdentifyPacer, time: FakeTime, shards: range) -> list[float]:
    """When each shard identified (seconds after the first), launched one after another as
    discord.py's AutoShardedClient launches them."""
    start = time.now
    sent: list[float] = []
    for shard_id in shards:
        await pacer.wait(shard_id)
        sent.append(time.now - start)
    return sent


async def test_max_concurrency_shards_identify_together_then_wait_for_the_window():
    paced, time = pacer(4)
    sent = await identify_in_turn(paced, time, range(10))
    assert sent == [0, 0, 0, 0, 5, 5, 5, 5, 10, 10]


async def test_with_max_concurrency_one_shards_identify_five_seconds_apart():
    paced, time = pacer(1)
    assert await identify_in_turn(paced, time, range(4)) == [0, 5, 10, 15]


async def test_shards_of_one_bucket_wait_in_turn_while_other_buckets_go_at_once():
    time = FakeTime()
    waiting: list[asyncio.Future[None]] = []

    async def sleep(delay: float) -> None:
        time.slept.append(delay)
        waiting.append(asyncio.get_running_loop().create_future())
        await waiting[-1]  # until the test lets the window pass

    paced = IdentifyPacer(16, monotonic=time.monotonic, sleep=sleep)
    await paced.wait(0)
    # 16 and 32 share shard 0's bucket (a reconnect storm, say); 1 is in a bucket of its own.
    second, third = asyncio.create_task(paced.wait(16)), asyncio.create_task(paced.wait(32))
    await asyncio.sleep(0)
    await asyncio.wait_for(paced.wait(1), 1)  # goes while 16 and 32 wait
    assert not second.done()
    assert not third.done()
    assert time.slept == [IDENTIFY_WINDOW]  # only 16 sleeps; 32 waits for its turn
    time.now += IDENTIFY_WINDOW
    waiting[0].set_result(None)
    await second
    await asyncio.sleep(0)
    assert not third.done()
    assert time.slept == [IDENTIFY_WINDOW, IDENTIFY_WINDOW]  # 32: a full window after 16
    time.now += IDENTIFY_WINDOW
    waiting[1].set_result(None)
    await third


async def test_a_shard_that_identifies_again_after_the_window_does_not_wait():
    paced, time = pacer(2)
    await paced.wait(0)
    time.now += 30  # the session ran a while, then was invalidated
    await paced.wait(2)  # bucket 0 again
    assert time.slept == []


async def test_an_identify_shortly_after_one_of_its_bucket_waits_only_the_rest():
    paced, time = pacer(2)
    await paced.wait(1)
    time.now += 2
    await paced.wait(3)  # bucket 1, 2 s later
    assert time.slept == [3]


def test_a_server_belongs_to_the_shard_discord_sends_its_events_on():
    guild_id = (123 << 22) | 4567  # the shard is taken from the timestamp bits
    assert shard_of(guild_id, 4) == 123 % 4 == 3
    assert owns(guild_id, 4, [3])
    assert not owns(guild_id, 4, [0, 1, 2])
    assert owns(guild_id, 4, None)  # every shard here
    assert owns(guild_id, None, None)  # Discord's recommended count, all here
