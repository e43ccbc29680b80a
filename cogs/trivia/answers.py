"""Group commit of trivia answers: the clicks of a few milliseconds, stored in one transaction.

A click is acknowledged only once its answer is committed. Writing each answer in its own
transaction caps a burst at a few hundred answers a second; here one writer task takes
whatever accumulated while its previous commit ran (at most `max_batch`) and stores it in
one transaction, then wakes every waiting click. No timer: a lone click is written at once,
and under a burst the batches grow by themselves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from cogs.trivia.store import AnswerToStore, StoredAnswer

log = logging.getLogger(__name__)

MAX_BATCH = 1000


class AnswerNotStoredError(Exception):
    """The transaction that held this answer failed (database locked, disk full, ...)."""


class AnswerSink(Protocol):
    async def record_answers(
        self, answers: Sequence[AnswerToStore]
    ) -> list[StoredAnswer | None]: ...


class AnswerWriter:
    """Stores answers in batches; `submit` returns once the answer is committed.

    `submit` returns what the answer earned, or None when the database already holds the
    member's answer to that round; it raises `AnswerNotStoredError` when the batch's
    transaction failed (then nothing of that batch is stored).
    """

    def __init__(self, sink: AnswerSink, *, max_batch: int = MAX_BATCH) -> None:
        self.sink = sink
        self._max_batch = max_batch
        self._waiting: list[tuple[AnswerToStore, asyncio.Future[StoredAnswer | None]]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.batches = 0  # transactions committed or failed, for tests and benchmarks
        self.largest_batch = 0

    @property
    def waiting(self) -> int:
        """Answers submitted and not yet written (or being written)."""
        return len(self._waiting)

    async def submit(self, answer: AnswerToStore) -> StoredAnswer | None:
        future: asyncio.Future[StoredAnswer | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((answer, future))
        self._wakeup.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._write_forever(), name="trivia-answer-writer")
        return await future

    async def close(self) -> None:
        """Write what is waiting, then stop the writer (a later `submit` starts it again)."""
        task = self._task
        if task is None:
            return
        self._closing = True
        self._wakeup.set()
        try:
            await task
        finally:
            self._closing = False
            self._task = None

    async def _write_forever(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._waiting:
                await self._write_batch()
            if self._closing:
                return

    async def _write_batch(self) -> None:
        batch = self._waiting[: self._max_batch]
        del self._waiting[: self._max_batch]
        self.batches += 1
        self.largest_batch = max(self.largest_batch, len(batch))
        try:
            results = await self.sink.record_answers([answer for answer, _ in batch])
        except Exception as error:
            log.warning("could not store %d trivia answers: %s", len(batch), error)
            for _, future in batch:
                if not future.done():
                    future.set_exception(AnswerNotStoredError(str(error)))
            return
        except BaseException:
            for _, future in batch:
                if not future.done():
                    future.set_exception(AnswerNotStoredError("the writer stopped"))
            raise
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
