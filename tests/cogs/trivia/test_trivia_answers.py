"""The group commit of answers: batches, one answer per member, failures that store nothing."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from cogs.trivia.answers import AnswerNotStoredError, AnswerWriter
from cogs.trivia.game import AlreadyAnsweredError, TriviaRound
from cogs.trivia.schema import Question
from cogs.trivia.store import AnswerToStore, StoredAnswer, TriviaStore
from tests.support.database import fail_inserts

pytestmark = pytest.mark.asyncio

Q = Question("k1", "Q?", "right", ("a", "b", "c"), "video")
NOW = datetime(2026, 11, 26, tzinfo=UTC)


_channels = itertools.count(10)


async def new_round(store: TriviaStore, guild: int = 1) -> TriviaRound:
    # Each round in its own channel: a channel has one open round at a time.
    channel = next(_channels)
    r = TriviaRound.deal(0, guild, channel, Q, NOW + timedelta(seconds=20), random.Random(0))
    r.round_id = await store.open_round(
        guild, channel, Q, list(r.choices), r.correct_index, NOW, r.closes_at, start_afresh=False
    )
    return r


class GatedSink:
    """Records each batch; a batch waits for `release` and may be told to fail."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.fail_next = False

    async def record_answers(self, answers: Sequence[AnswerToStore]) -> list[StoredAnswer | None]:
        self.batches.append([a.user_id for a in answers])
        self.entered.set()
        await self.release.wait()
        if self.fail_next:
            self.fail_next = False
            raise OSError("disk full")
        return [StoredAnswer(True, None, 10) for _ in answers]  # type: ignore[arg-type]


def answer(r: TriviaRound, user: int, choice: int = 0) -> AnswerToStore:
    return AnswerToStore(r, user, f"m{user}", choice, NOW)


async def test_clicks_during_a_commit_go_together_in_the_next_one(db):
    r = await new_round(TriviaStore(db))
    sink = GatedSink()
    writer = AnswerWriter(sink, max_batch=3)
    first = asyncio.ensure_future(writer.submit(answer(r, 1)))
    await sink.entered.wait()  # the writer was free: the lone click is written at once
    rest = [asyncio.ensure_future(writer.submit(answer(r, user))) for user in range(2, 7)]
    await asyncio.sleep(0)  # let the submissions queue up (no time passes)
    sink.release.set()
    results = await asyncio.gather(first, *rest)
    assert all(result is not None and result.points == 10 for result in results)
    # Batch-full and writer-free are the only triggers: 1, then 3 (the cap), then 2.
    assert sink.batches == [[1], [2, 3, 4], [5, 6]]
    assert writer.largest_batch == 3
    await writer.close()


async def test_a_failed_batch_fails_each_of_its_answers_and_the_next_one_works(db):
    r = await new_round(TriviaStore(db))
    sink = GatedSink()
    sink.fail_next = True
    writer = AnswerWriter(sink)
    doomed = [asyncio.ensure_future(writer.submit(answer(r, user))) for user in (1, 2)]
    await sink.entered.wait()
    sink.release.set()
    for future in doomed:
        with pytest.raises(AnswerNotStoredError, match="disk full"):
            await future
    assert await writer.submit(answer(r, 1)) is not None
    await writer.close()


async def test_close_writes_what_is_waiting(db):
    store = TriviaStore(db)
    r = await new_round(store)
    writer = AnswerWriter(store)
    pending = [asyncio.ensure_future(writer.submit(answer(r, user))) for user in range(1, 5)]
    await asyncio.sleep(0)
    await writer.close()
    assert all(future.done() and future.result() is not None for future in pending)
    row = await db.fetchone("SELECT COUNT(*) FROM trivia_answers WHERE round_id = ?", (r.round_id,))
    assert row[0] == 4


async def test_a_batch_is_one_transaction_with_scores_and_streaks(db):
    store = TriviaStore(db)
    rounds = [await new_round(store) for _ in range(3)]
    # Member 7 answers three rounds in one batch: right, right, wrong; member 8 once.
    batch = [
        answer(rounds[0], 7, rounds[0].correct_index),
        answer(rounds[0], 8, (rounds[0].correct_index + 1) % 4),
        answer(rounds[1], 7, rounds[1].correct_index),
        answer(rounds[2], 7, (rounds[2].correct_index + 1) % 4),
    ]
    results = await store.record_answers(batch)
    assert [(s.correct, s.points) for s in results] == [
        (True, 10),
        (False, 0),
        (True, 12),
        (False, 0),
    ]
    score = await store.score(1, 7)
    assert (score.answered, score.correct, score.points, score.streak, score.best_streak) == (
        3,
        2,
        22,
        0,
        2,
    )
    assert (await store.score(1, 8)).answered == 1


async def test_one_answer_per_member_and_round_is_the_databases_rule(db):
    store = TriviaStore(db)
    r = await new_round(store)
    await store.record_answer(r, 7, "uaena", r.correct_index, NOW)
    # Again (as after a restart), and twice within one batch: only the first counts.
    results = await store.record_answers([answer(r, 7), answer(r, 8), answer(r, 8)])
    assert results[0] is None
    assert results[1] is not None
    assert results[2] is None
    with pytest.raises(AlreadyAnsweredError):
        await store.record_answer(r, 8, "army", 0, NOW)
    assert (await store.score(1, 7)).answered == 1
    assert (await store.score(1, 8)).answered == 1
    # The primary key itself refuses a second row, whatever the code above checks.
    with pytest.raises(Exception, match=r"(?i)unique"):
        await db.execute(
            "INSERT INTO trivia_answers (round_id, guild_id, user_id, choice, correct, points, "
            "answered_at) VALUES (?, 1, 7, 0, 0, 0, 'x')",
            (r.round_id,),
        )


async def test_a_failed_transaction_stores_nothing(db):
    store = TriviaStore(db)
    r = await new_round(store)
    # A row the batch's own check can't see coming: the insert fails and takes all with it.
    other = await new_round(store)
    await fail_inserts(db, "trivia_scores", "disk full")
    with pytest.raises(Exception, match="disk full"):
        await store.record_answers([answer(r, 1), answer(other, 2)])
    row = await db.fetchone("SELECT COUNT(*) FROM trivia_answers")
    assert row[0] == 0
    assert await store.score(1, 1) is None
