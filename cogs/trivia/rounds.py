"""Open trivia rounds, from armed to revealed: each round owns the timer that closes it, waits
for the answers being stored, reveals itself (retrying while Discord refuses for a passing
reason) and reports its end; `OpenRounds` holds them and restores them after a restart.

Nothing here builds a message: the one attempt at a reveal is given (`RevealAttempt`), so the
lifecycle runs in tests without Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, Protocol

import aiohttp
import discord

from bot.clock import Clock
from cogs.trivia.game import TriviaRound
from cogs.trivia.schema import Question
from cogs.trivia.store import StoredRound

log = logging.getLogger(__name__)

# A reveal that failed for a passing reason is tried again after 1, 2, 4, ... s, at most
# every 5 minutes, for as long as the bot runs (and again after a restart).
REVEAL_FIRST_DELAY = 1.0
REVEAL_MAX_DELAY = 300.0

# One attempt at editing the round's message into its reveal; raises what Discord raised.
RevealAttempt = Callable[[TriviaRound], Awaitable[None]]
# A question by server and key (`b:...` shipped, `g:<id>` the server's own); None if removed.
QuestionLookup = Callable[[int, str], Awaitable[Question | None]]
Sleep = Callable[[float], Awaitable[Any]]


def backoff_delays(
    first: float = REVEAL_FIRST_DELAY, cap: float = REVEAL_MAX_DELAY
) -> Iterator[float]:
    """The waits between attempts: `first`, then doubling, never more than `cap`; endless."""
    delay = first
    while True:
        yield min(delay, cap)
        delay *= 2


def is_transient(error: BaseException) -> bool:
    """Whether trying the same request again later may work: Discord's 5xx, a 429 that
    outlasted discord.py's own retries, a connection error or a timeout."""
    if isinstance(error, discord.HTTPException):
        return error.status == 429 or error.status >= 500
    return isinstance(error, aiohttp.ClientError | OSError | TimeoutError)


class RoundStore(Protocol):
    """The rounds' rows (`cogs.trivia.store.TriviaStore`)."""

    async def set_round_message(self, round_id: int, message_id: int) -> None: ...

    async def close_round(self, round_id: int) -> None: ...

    async def open_rounds(self) -> list[StoredRound]: ...

    async def round_answers(self, round_id: int) -> list[tuple[int, int, str]]: ...


def round_from_row(
    stored: StoredRound, question: Question, answers: list[tuple[int, int, str]]
) -> TriviaRound:
    """The round a stored row describes, with its stored answers (user, choice, name)."""
    trivia_round = TriviaRound(
        round_id=stored.round_id,
        guild_id=stored.guild_id,
        channel_id=stored.channel_id,
        question=question,
        choices=tuple(stored.choices),
        correct_index=stored.correct_index,
        closes_at=stored.closes_at,
        message_id=stored.message_id,
        closed=stored.closed,
    )
    for user_id, choice, name in answers:
        trivia_round.record(user_id, choice, name)
    return trivia_round


class OpenRound:
    """One round taking answers until its time is up, then revealed and closed.

    It owns its timer and the answers being stored; once it is closed for good it calls
    `on_end` with itself (a failed close does not: it may be tried again).
    """

    def __init__(
        self,
        trivia_round: TriviaRound,
        *,
        store: RoundStore,
        reveal: RevealAttempt,
        clock: Clock,
        sleep: Sleep,
        on_end: Callable[[OpenRound], None],
    ) -> None:
        self.trivia_round = trivia_round
        self._store = store
        self._reveal = reveal
        self._clock = clock
        self._sleep = sleep
        self._on_end = on_end
        self._timer: asyncio.Task[None] | None = None
        self._storing: set[asyncio.Future[Any]] = set()
        self._closing = False

    @property
    def round_id(self) -> int:
        return self.trivia_round.round_id

    def start_timer(self) -> None:
        """Close the round when its time is up (a no-op while its timer runs)."""
        if self._timer is None:
            self._timer = asyncio.create_task(
                self._close_when_due(), name=f"trivia-round-{self.round_id}"
            )

    def stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def storing(self, answer: asyncio.Future[Any]) -> None:
        """An answer being stored: the reveal waits for it, so it counts what is stored."""
        self._storing.add(answer)
        answer.add_done_callback(self._storing.discard)

    async def close(self) -> bool:
        """Stop taking answers, reveal once the answers being stored are settled, and only
        then mark the round closed in the database. False if it is already being closed.

        The reveal retries a passing failure with backoff meanwhile (`reveal_with_retries`):
        the round stays open in the database, so a restart reveals it.
        """
        if self._closing:
            return False
        self._closing = True
        self.trivia_round.closed = True
        if self._timer is not None and self._timer is not asyncio.current_task():
            self.stop_timer()
        try:
            if self._storing:
                await asyncio.wait(set(self._storing))
            if self.trivia_round.message_id is not None:
                await self.reveal_with_retries()
            await self._store.close_round(self.round_id)
        finally:
            self._closing = False
        self._on_end(self)
        return True

    async def _close_when_due(self) -> None:
        delay = (self.trivia_round.closes_at - self._clock.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            await self.close()
        except Exception:
            log.exception("could not close trivia round %s", self.round_id)
        finally:
            if self._timer is asyncio.current_task():
                self._timer = None

    async def reveal_with_retries(self) -> None:
        """Reveal, trying again until Discord takes it or refuses it for good (the message
        deleted, the edit forbidden, or a request error that would repeat): those close the
        round unrevealed, with a log line."""
        round_id = self.round_id
        delays = backoff_delays()
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._reveal(self.trivia_round)
                return
            except discord.NotFound:
                log.info("trivia round %s: its message was deleted; closed unrevealed", round_id)
                return
            except discord.Forbidden:
                log.warning(
                    "trivia round %s: may not edit its message; closed unrevealed", round_id
                )
                return
            except Exception as error:
                if not is_transient(error):
                    log.error(
                        "trivia round %s: Discord refused the reveal (%r); closed unrevealed",
                        round_id,
                        error,
                    )
                    return
                delay = next(delays)
                log.warning(
                    "trivia round %s: reveal attempt %d failed (%r); trying again in %.0f s",
                    round_id,
                    attempt,
                    error,
                    delay,
                )
                await self._sleep(delay)


class OpenRounds(Mapping[int, TriviaRound]):
    """The rounds open in this process, by id (as a mapping) and by channel, and the channels
    where a round is being posted.

    `sleep` is the wait between reveal attempts (tests replace it); a round takes the one
    set when it is armed. `owns_guild` says which servers are this process's (its shards):
    it restores only their rounds, and leaves the others to the processes that own them.
    """

    def __init__(
        self,
        store: RoundStore,
        reveal: RevealAttempt,
        find_question: QuestionLookup,
        clock: Clock,
        *,
        owns_guild: Callable[[int], bool] = lambda guild_id: True,
    ) -> None:
        self._store = store
        self._reveal = reveal
        self._find_question = find_question
        self._clock = clock
        self._owns_guild = owns_guild
        self.sleep: Sleep = asyncio.sleep
        self._open: dict[int, OpenRound] = {}
        self._in_channel: dict[int, int] = {}  # channel id -> its open round's id
        self._posting: set[int] = set()

    def __getitem__(self, round_id: int) -> TriviaRound:
        return self._open[round_id].trivia_round

    def __iter__(self) -> Iterator[int]:
        return iter(self._open)

    def __len__(self) -> int:
        return len(self._open)

    def in_channel(self, channel_id: int) -> TriviaRound | None:
        """The channel's round open in this process (perhaps closed and being revealed)."""
        round_id = self._in_channel.get(channel_id)
        return None if round_id is None else self[round_id]

    @property
    def open_channels(self) -> frozenset[int]:
        return frozenset(self._in_channel)

    def is_posting(self, channel_id: int) -> bool:
        """Whether a round is being dealt and posted in the channel (not armed yet)."""
        return channel_id in self._posting

    @contextlib.contextmanager
    def posting(self, channel_id: int) -> Iterator[None]:
        """Mark the channel as getting a round while the block deals and posts it."""
        self._posting.add(channel_id)
        try:
            yield
        finally:
            self._posting.discard(channel_id)

    async def arm(self, trivia_round: TriviaRound, message_id: int | None = None) -> None:
        """Take answers for the round and close it when its time is up.

        Called before the message is posted (clicks can arrive before Discord's reply with
        the message id does) and again with the id; calling it again changes nothing else.
        """
        if trivia_round.closed:
            return
        open_round = self._open.get(trivia_round.round_id)
        if open_round is not None:
            trivia_round = open_round.trivia_round  # the one taking answers
        else:
            open_round = OpenRound(
                trivia_round,
                store=self._store,
                reveal=self._reveal,
                clock=self._clock,
                sleep=self.sleep,
                on_end=self._forget,
            )
            self._open[trivia_round.round_id] = open_round
        self._in_channel[trivia_round.channel_id] = trivia_round.round_id
        if message_id is not None and trivia_round.message_id != message_id:
            trivia_round.message_id = message_id
            await self._store.set_round_message(trivia_round.round_id, message_id)
        open_round.start_timer()

    def storing(self, round_id: int, answer: asyncio.Future[Any]) -> None:
        """An answer to the round being stored; its reveal waits for it."""
        open_round = self._open.get(round_id)
        if open_round is not None:
            open_round.storing(answer)

    async def close(self, round_id: int) -> TriviaRound | None:
        """Close the round now (see `OpenRound.close`); None when it is not open in this
        process or is already being revealed."""
        open_round = self._open.get(round_id)
        if open_round is None or not await open_round.close():
            return None
        return open_round.trivia_round

    def _forget(self, open_round: OpenRound) -> None:
        """A round reported its end: the channel is free."""
        trivia_round = open_round.trivia_round
        if self._open.get(trivia_round.round_id) is open_round:
            del self._open[trivia_round.round_id]
        if self._in_channel.get(trivia_round.channel_id) == trivia_round.round_id:
            del self._in_channel[trivia_round.channel_id]

    async def rebuild(self, stored: StoredRound) -> TriviaRound | None:
        """The round as it was before a restart, with its answers; None if its question is gone."""
        question = await self._find_question(stored.guild_id, stored.question_key)
        if question is None:
            return None
        return round_from_row(stored, question, await self._store.round_answers(stored.round_id))

    async def restore(self) -> None:
        """Rounds left open by a restart in this process's servers: take answers again, or
        reveal those past due."""
        for stored in await self._store.open_rounds():
            if not self._owns_guild(stored.guild_id):
                continue  # another shard's: its process restores it
            trivia_round = await self.rebuild(stored)
            if trivia_round is None or stored.message_id is None:
                # Never posted (or its question was removed): nothing to reveal.
                await self._store.close_round(stored.round_id)
                continue
            await self.arm(trivia_round, stored.message_id)

    def stop(self) -> None:
        """Stop every timer (the cog is unloaded); the rounds stay open in the database."""
        for open_round in self._open.values():
            open_round.stop_timer()
