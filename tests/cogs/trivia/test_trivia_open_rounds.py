"""The open rounds' lifecycle without Discord: armed, closed on time or at once, revealed once
the answers being stored are settled, retried, and restored after a restart."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import discord
import pytest

from bot.clock import FakeClock
from cogs.trivia.game import TriviaRound
from cogs.trivia.rounds import OpenRounds, round_from_row
from cogs.trivia.schema import Question
from cogs.trivia.store import StoredRound

NOW = datetime(2026, 11, 26, tzinfo=UTC)
Q = Question("b:1", "Q?", "right", ("a", "b", "c"), "video")


def new_round(round_id: int = 1, channel_id: int = 10, *, seconds: int = 20) -> TriviaRound:
    return TriviaRound(
        round_id, 1, channel_id, Q, ("a", "right", "b", "c"), 1, NOW + timedelta(seconds=seconds)
    )


def stored_row(round_id: int, message_id: int | None, key: str = "b:1") -> StoredRound:
    return StoredRound(
        round_id, 1, 10 + round_id, message_id, key, ["a", "right", "b", "c"], 1, NOW
    )


class FakeStore:
    """The rounds' rows in memory."""

    def __init__(self, rows: list[StoredRound] | None = None) -> None:
        self.rows = rows or []
        self.answers: dict[int, list[tuple[int, int, str]]] = {}
        self.messages: dict[int, int] = {}
        self.closed: list[int] = []
        self.a_round_closed = asyncio.Event()

    async def set_round_message(self, round_id: int, message_id: int) -> None:
        self.messages[round_id] = message_id

    async def close_round(self, round_id: int) -> None:
        self.closed.append(round_id)
        self.a_round_closed.set()

    async def open_rounds(self) -> list[StoredRound]:
        return self.rows

    async def round_answers(self, round_id: int) -> list[tuple[int, int, str]]:
        return self.answers.get(round_id, [])


class Reveals:
    """Stands in for the edit of the message: records each attempt, fails as told."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.attempts: list[tuple[int, dict[int, int]]] = []

    async def __call__(self, trivia_round: TriviaRound) -> None:
        self.attempts.append((trivia_round.round_id, dict(trivia_round.answers)))
        if self.failures:
            raise self.failures.pop(0)


def http_error(cls: type[discord.HTTPException], status: int) -> discord.HTTPException:
    response = SimpleNamespace(status=status, reason="x")
    return cls(response, {"message": "x", "code": 0})  # type: ignore[arg-type]


async def shipped_only(guild_id: int, key: str) -> Question | None:
    return Q if key == Q.key else None


def open_rounds(store: FakeStore, reveals: Reveals) -> tuple[OpenRounds, list[float]]:
    """The rounds, and the waits between their reveal attempts (none really waited)."""
    rounds = OpenRounds(store, reveals, shipped_only, FakeClock(NOW))
    waits: list[float] = []

    async def no_wait(delay: float) -> None:
        waits.append(delay)

    rounds.sleep = no_wait
    return rounds, waits


async def test_an_armed_round_is_known_by_id_and_channel_until_it_is_closed():
    store, reveals = FakeStore(), Reveals()
    rounds, _waits = open_rounds(store, reveals)
    trivia_round = new_round()
    await rounds.arm(trivia_round)
    assert dict(rounds) == {1: trivia_round}
    assert rounds.in_channel(10) is trivia_round
    assert rounds.open_channels == {10}
    await rounds.arm(trivia_round, 99)  # again, once posted: the message id is stored
    assert store.messages == {1: 99}
    assert len(rounds) == 1

    assert await rounds.close(1) is trivia_round
    assert trivia_round.closed
    assert reveals.attempts == [(1, {})]
    assert store.closed == [1]
    # The round reported its end: the channel is free.
    assert dict(rounds) == {}
    assert rounds.in_channel(10) is None
    assert await rounds.close(1) is None  # not open any more


async def test_a_round_never_posted_is_closed_without_a_reveal():
    store, reveals = FakeStore(), Reveals()
    rounds, _waits = open_rounds(store, reveals)
    await rounds.arm(new_round())
    await rounds.close(1)
    assert reveals.attempts == []
    assert store.closed == [1]


async def test_a_round_whose_time_is_up_closes_itself():
    store, reveals = FakeStore(), Reveals()
    rounds, _waits = open_rounds(store, reveals)
    await rounds.arm(new_round(seconds=0), 99)
    async with asyncio.timeout(5):
        await store.a_round_closed.wait()
    assert store.closed == [1]
    assert dict(rounds) == {}
    assert reveals.attempts == [(1, {})]


async def test_closing_twice_at_once_reveals_once():
    store = FakeStore()
    gate = asyncio.Event()

    async def slow_reveal(trivia_round: TriviaRound) -> None:
        await gate.wait()

    rounds = OpenRounds(store, slow_reveal, shipped_only, FakeClock(NOW))
    await rounds.arm(new_round(), 99)
    first = asyncio.create_task(rounds.close(1))
    await asyncio.sleep(0)
    assert rounds.in_channel(10) is not None  # still taken while it is revealed
    assert await rounds.close(1) is None
    gate.set()
    assert await first is not None
    assert store.closed == [1]


async def test_the_reveal_waits_for_the_answers_being_stored():
    store, reveals = FakeStore(), Reveals()
    rounds, _waits = open_rounds(store, reveals)
    trivia_round = new_round()
    await rounds.arm(trivia_round, 99)
    answer: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    rounds.storing(1, answer)
    closing = asyncio.create_task(rounds.close(1))
    await asyncio.sleep(0)
    assert reveals.attempts == []  # the answer is not settled yet
    trivia_round.record(7, 1, "uaena")
    answer.set_result(None)
    await closing
    assert reveals.attempts == [(1, {7: 1})]


async def test_a_passing_failure_is_retried_with_backoff_until_discord_takes_it():
    store = FakeStore()
    reveals = Reveals(http_error(discord.DiscordServerError, 503), TimeoutError(), OSError("reset"))
    rounds, waits = open_rounds(store, reveals)
    await rounds.arm(new_round(), 99)
    await rounds.close(1)
    assert len(reveals.attempts) == 4
    assert waits == [1.0, 2.0, 4.0]
    assert store.closed == [1]


@pytest.mark.parametrize(
    "error",
    [
        http_error(discord.NotFound, 404),
        http_error(discord.Forbidden, 403),
        http_error(discord.HTTPException, 400),
    ],
    ids=["deleted", "forbidden", "refused"],
)
async def test_a_lasting_refusal_closes_the_round_unrevealed_with_a_log_line(
    error: discord.HTTPException, caplog: pytest.LogCaptureFixture
):
    store, reveals = FakeStore(), Reveals(error)
    rounds, waits = open_rounds(store, reveals)
    await rounds.arm(new_round(), 99)
    with caplog.at_level(logging.INFO, logger="cogs.trivia.rounds"):
        await rounds.close(1)
    assert len(reveals.attempts) == 1
    assert waits == []
    assert store.closed == [1]
    assert any("closed unrevealed" in record.getMessage() for record in caplog.records)


async def test_a_failed_close_keeps_the_round_so_it_can_be_closed_again():
    store, reveals = FakeStore(), Reveals()
    failing = [RuntimeError("database is locked")]

    async def close_round(round_id: int) -> None:
        if failing:
            raise failing.pop()
        store.closed.append(round_id)

    store.close_round = close_round  # type: ignore[method-assign]
    rounds, _waits = open_rounds(store, reveals)
    await rounds.arm(new_round(), 99)
    with pytest.raises(RuntimeError):
        await rounds.close(1)
    assert rounds.in_channel(10) is not None  # the channel stays taken: "being revealed"
    await rounds.close(1)
    assert store.closed == [1]
    assert dict(rounds) == {}


async def test_a_restart_arms_posted_rounds_again_with_their_answers_and_closes_the_rest():
    posted, never_posted, question_gone = (
        stored_row(1, 99),
        stored_row(2, None),
        stored_row(3, 98, key="g:5"),
    )
    store = FakeStore([posted, never_posted, question_gone])
    store.answers[1] = [(7, 1, "uaena"), (8, 0, "army")]
    rounds, _waits = open_rounds(store, Reveals())
    await rounds.restore()
    assert list(rounds) == [1]
    restored = rounds[1]
    assert restored.message_id == 99
    assert restored.answers == {7: 1, 8: 0}
    assert restored.names == {7: "uaena", 8: "army"}
    assert store.closed == [2, 3]
    assert store.messages == {}  # its message id was stored already
    rounds.stop()


def test_a_round_from_its_row_keeps_the_dealt_order_and_the_answers():
    row = StoredRound(4, 1, 10, 99, "b:1", ["c", "right", "a", "b"], 1, NOW, closed=True)
    trivia_round = round_from_row(row, Q, [(7, 2, "uaena")])
    assert (trivia_round.round_id, trivia_round.guild_id, trivia_round.channel_id) == (4, 1, 10)
    assert trivia_round.choices == ("c", "right", "a", "b")
    assert trivia_round.correct_index == 1
    assert trivia_round.closes_at == NOW
    assert trivia_round.message_id == 99
    assert trivia_round.closed
    assert trivia_round.answers == {7: 2}
    assert trivia_round.names == {7: "uaena"}


async def test_posting_marks_the_channel_while_the_round_is_dealt():
    rounds, _waits = open_rounds(FakeStore(), Reveals())
    with rounds.posting(10):
        assert rounds.is_posting(10)
        assert not rounds.is_posting(11)
    assert not rounds.is_posting(10)
    with pytest.raises(RuntimeError), rounds.posting(10):
        raise RuntimeError
    assert not rounds.is_posting(10)


async def test_a_restart_restores_only_the_rounds_of_this_process_servers():
    ours, theirs, theirs_never_posted = (
        StoredRound(1, 1, 11, 99, "b:1", ["a", "right", "b", "c"], 1, NOW),
        StoredRound(2, 2, 12, 98, "b:1", ["a", "right", "b", "c"], 1, NOW),
        StoredRound(3, 2, 13, None, "b:1", ["a", "right", "b", "c"], 1, NOW),
    )
    store = FakeStore([ours, theirs, theirs_never_posted])
    rounds = OpenRounds(
        store, Reveals(), shipped_only, FakeClock(NOW), owns_guild=lambda guild_id: guild_id == 1
    )
    await rounds.restore()
    assert list(rounds) == [1]
    # Another process's rounds are its to reveal or close: this one leaves their rows alone.
    assert store.closed == []
    rounds.stop()
