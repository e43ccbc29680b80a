"""Scheduled announcements: one table, one dispatch task, posted exactly once.

The shape is RoboDanny's timer service (`cogs/reminder.py`): one task sleeps until the earliest
run and an `asyncio.Event` wakes it when a sooner one is added. Unlike it, a run is never
deleted before it is sent. Each run goes through three steps, each durable on its own:

1. **claim** (one transaction): the row gets `pending_nonce` (derived from the announcement id
   and the due instant) and `pending_due_utc`, and `next_run_utc` moves on to the following
   run (NULL for a once-only one);
2. **send** with `nonce=` that nonce (discord.py also sets `enforce_nonce`, so Discord answers
   a repeat of a recent nonce with the message it already created instead of a second one);
3. **confirm** (a second transaction): the claim is cleared, `last_posted_at` and
   `last_message_id` are set, `last_error` is cleared.

A process killed between 1 and 3 leaves the claim in the table. The next start first looks
for the post in its channel (each scheduled post carries its announcement's mark in the embed
footer), since Discord remembers a nonce for only a few minutes; if it is not there, it sends
it again with the same nonce, so it appears once. A process killed before 1 committed left
the row due, so it is claimed then.

Cogs render the posts: `register_kind("quote", render)`; this module never imports a cog.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import Enum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import discord

from bot.clock import Clock
from bot.database import Database, Transaction
from bot.schedule_time import (
    Repeat,
    first_run,
    format_hhmm,
    next_run_after,
    parse_hhmm,
)

log = logging.getLogger(__name__)

NONCE_MAX_LENGTH = 25  # Discord refuses longer nonces.
DEFAULT_CATCH_UP = timedelta(hours=1)
DEFAULT_MAX_SLEEP = timedelta(minutes=1)
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (2.0, 10.0, 30.0, 60.0)
DEFAULT_MAX_CONCURRENT_POSTS = 8
# After a pass fails (the database, say), wait this long before the next one.
_ERROR_PAUSE_SECONDS = 5.0
# Rows read per query when loading, and ids per `IN (...)`, to keep memory and SQL small.
_LOAD_PAGE = 10_000
_ID_CHUNK = 500

_COLUMNS = (
    "id, guild_id, channel_id, kind, time_local, weekday, repeat, zone, next_run_utc, "
    "created_by, created_at, pending_nonce, pending_due_utc, last_posted_at, "
    "last_message_id, last_error, last_error_at, active"
)


# --- Failures a Poster reports ------------------------------------------------------------


class PostFailed(Exception):
    """Discord refused the post for good; retrying the same post would fail again.

    The message is shown to the server's moderators in `/schedule list`.
    """


class PostForbidden(PostFailed):
    """The bot may not see or post in the channel (HTTP 403, missing access/permissions)."""


class ChannelGone(PostFailed):
    """The channel no longer exists (HTTP 404, unknown channel)."""


class UnknownKind(ValueError):
    """No cog has registered a renderer for this kind of announcement."""

    def __init__(self, kind: str, known: Iterable[str]) -> None:
        choices = ", ".join(sorted(known)) or "none"
        super().__init__(f"unknown announcement kind {kind!r} (known: {choices})")
        self.kind = kind


# --- What cogs and posters see ----------------------------------------------------------


@dataclass(frozen=True)
class DueRun:
    """One run of an announcement that has fallen due and been claimed.

    `nonce` is the same for every attempt at this run, also across restarts, so a renderer
    with side effects (a trivia round, say) can key them by it: a run may be rendered more
    than once when its first send was interrupted.
    """

    announcement_id: int
    guild_id: int
    channel_id: int
    kind: str
    due_utc: datetime
    nonce: str


@dataclass
class OutgoingMessage:
    """What a renderer wants posted. `after_post` gets the message id once it is posted.

    `after_post` runs after Discord accepted the message and before the run is confirmed in
    the database, so after a crash it may run again with the same message id: make it
    idempotent. Its exceptions are logged and do not undo the post.
    """

    content: str | None = None
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None
    after_post: Callable[[int], Awaitable[None]] | None = None


# A renderer may return None to post nothing this time (the cog is off in that server, say).
# If it raises, that run is given up and the error recorded on the row (not retried).
Renderer = Callable[[DueRun], Awaitable[OutgoingMessage | None]]


class Poster(Protocol):
    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        """Post `message` with `nonce`; return the new (or, for a repeated nonce, the
        original) message id.

        Raises `PostForbidden` or `ChannelGone` (or another `PostFailed`) when Discord refuses
        for good; any other exception is taken as transient and the post is retried.
        """
        ...

    async def find_posted(self, channel_id: int, marker: str, since: datetime) -> int | None:
        """The id of a message this bot posted in the channel since `since` whose embed
        footer carries `marker`, or None. Any exception means "could not look"."""
        ...


# How many of a channel's newest messages are read to find a post made before a crash, and
# how much earlier than the due instant they may be (clocks differ a little).
HISTORY_LOOKUP_LIMIT = 100
HISTORY_SLACK = timedelta(minutes=1)


class DiscordPoster:
    """Posts through discord.py without fetching the channel first."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        """See `Poster.post`. 5xx, 429 and network errors propagate as they are (transient)."""
        channel = self._client.get_partial_messageable(channel_id)
        try:
            sent = await channel.send(
                content=message.content,
                embed=message.embed,
                view=message.view,
                nonce=nonce,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.Forbidden as exc:
            raise PostForbidden(
                f"the bot may not post in <#{channel_id}> (Discord said: {_discord_text(exc)})"
            ) from exc
        except discord.NotFound as exc:
            raise ChannelGone(
                f"channel {channel_id} no longer exists (Discord said: {_discord_text(exc)})"
            ) from exc
        except discord.HTTPException as exc:
            # Other 4xx (an archived thread, an invalid embed) fail the same way every time.
            if 400 <= exc.status < 500 and exc.status != 429:
                raise PostFailed(
                    f"Discord refused the post ({exc.status}: {_discord_text(exc)})"
                ) from exc
            raise
        return sent.id

    async def find_posted(self, channel_id: int, marker: str, since: datetime) -> int | None:
        """See `Poster.find_posted`: reads the channel's messages since `since` (one request)."""
        me = self._client.user
        channel = self._client.get_partial_messageable(channel_id)
        async for message in channel.history(after=since, limit=HISTORY_LOOKUP_LIMIT):
            if me is not None and message.author.id != me.id:
                continue
            if any(marker in (embed.footer.text or "") for embed in message.embeds):
                return message.id
        return None


def _discord_text(exc: discord.HTTPException) -> str:
    return f"{exc.code} {exc.text}".strip() if exc.text else str(exc.status)


# --- Records ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Announcement:
    """One row of `announcements`, as `/schedule list` shows it."""

    id: int
    guild_id: int
    channel_id: int
    kind: str
    time_local: time
    repeat: Repeat
    weekday: int | None
    zone: str
    next_run_utc: datetime | None
    created_by: int
    created_at: datetime
    pending_due_utc: datetime | None
    last_posted_at: datetime | None
    last_message_id: int | None
    last_error: str | None
    last_error_at: datetime | None

    @property
    def finished(self) -> bool:
        """A once-only announcement that has run (or been skipped) and has nothing left."""
        return self.next_run_utc is None and self.pending_due_utc is None


class RunStatus(Enum):
    POSTED = "posted"
    SKIPPED = "skipped"  # too late (bot was down), or its previous run was still being sent
    FORBIDDEN = "forbidden"
    CHANNEL_GONE = "channel_gone"
    FAILED = "failed"  # refused, transient errors outlasted the window, or rendering failed
    NOTHING = "nothing"  # the renderer returned None
    CANCELLED = "cancelled"  # removed while being sent


@dataclass(frozen=True)
class RunOutcome:
    announcement_id: int
    due_utc: datetime
    status: RunStatus
    message_id: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class _Claim:
    announcement_id: int
    guild_id: int
    channel_id: int
    kind: str
    due_utc: datetime
    nonce: str
    # Found unconfirmed at start: it may have reached Discord before the process died.
    resumed: bool = False


def run_marker(announcement_id: int) -> str:
    """The mark a scheduled post carries in its embed footer, so it can be found again.

    It also tells moderators which `/schedule` entry posted it.
    """
    return f"⏰ #{announcement_id}"


def with_marker(message: OutgoingMessage, marker: str) -> OutgoingMessage:
    """The message with `marker` added to its embed's footer (messages without one: as is)."""
    if message.embed is None:
        return message
    embed = message.embed.copy()
    footer = embed.footer.text
    embed.set_footer(text=f"{footer} · {marker}" if footer else marker)
    return OutgoingMessage(message.content, embed, message.view, message.after_post)


def run_nonce(announcement_id: int, due_utc: datetime) -> str:
    """The Discord nonce of one run: the same for the same (announcement, due instant).

    At most 22 characters ('a' + base-36 id + '.' + base-36 epoch seconds), within Discord's 25.
    """
    nonce = f"a{_base36(announcement_id)}.{_base36(int(due_utc.timestamp()))}"
    if len(nonce) > NONCE_MAX_LENGTH:  # pragma: no cover - ids and epochs are far below this
        raise ValueError(f"nonce {nonce!r} is longer than {NONCE_MAX_LENGTH}")
    return nonce


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if number < 0:
        raise ValueError("negative numbers have no nonce")
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


# --- The scheduler ------------------------------------------------------------------------


class Scheduler:
    """Posts every scheduled announcement of the servers this process owns, exactly once.

    `owns_guild` says which servers belong to this process (its shards); only their rows are
    loaded and posted. `catch_up`: a run found due later than this (the bot was down) is
    skipped, logged and recorded as the row's last error instead of posted; a repeating one
    posts only its latest run if that one is within `catch_up`, then moves on to its next
    future run (never a burst of the missed ones).

    A claim found unconfirmed at start is first looked for in its channel (scheduled posts
    carry `run_marker` in their embed footer): Discord remembers a nonce for only a few
    minutes, and a restart may come later than that. Only if it is not there is it sent
    again, with its nonce.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        poster: Poster,
        *,
        owns_guild: Callable[[int], bool] = lambda guild_id: True,
        catch_up: timedelta = DEFAULT_CATCH_UP,
        max_sleep: timedelta = DEFAULT_MAX_SLEEP,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        max_concurrent_posts: int = DEFAULT_MAX_CONCURRENT_POSTS,
        gate: Callable[[DueRun], Awaitable[bool]] | None = None,
        observe_lag: Callable[[float], None] | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._poster = poster
        self._owns_guild = owns_guild
        self._catch_up = catch_up
        self._max_sleep = max_sleep.total_seconds()
        self._retry_delays = tuple(retry_delays)
        self._kinds: dict[str, Renderer] = {}
        # Asked before rendering: may this run post at all (announcements off in a server)?
        self._gate = gate
        # Told how many seconds after its due time each run starts (the lag metric).
        self._observe_lag = observe_lag
        # (next run as epoch seconds, announcement id), smallest first. An entry is only a
        # hint: the claim re-reads the row, so entries left behind by a remove or a
        # reschedule are dropped when they surface instead of being searched for.
        self._heap: list[tuple[int, int]] = []
        # Claims found in the table at load: sent again (same nonce) on the next pass.
        self._resume: list[_Claim] = []
        self._wake = asyncio.Event()
        self._send_slots = asyncio.Semaphore(max_concurrent_posts)
        self._sends: set[asyncio.Task[RunOutcome]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._loaded = False
        self.armed_for: datetime | None = None
        """When the dispatch loop next wakes on its own (None: not sleeping); for diagnostics."""

    # --- Kinds --------------------------------------------------------------------------

    def register_kind(self, kind: str, render: Renderer) -> None:
        """Let a cog render announcements of `kind`; registering again replaces the renderer."""
        self._kinds[kind] = render

    def unregister_kind(self, kind: str) -> None:
        """Forget `kind` (its cog was unloaded); its runs then fail with a recorded error."""
        self._kinds.pop(kind, None)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._kinds)

    # --- Store --------------------------------------------------------------------------

    async def add(
        self,
        guild_id: int,
        channel_id: int,
        kind: str,
        time_local: time,
        repeat: Repeat,
        zone: ZoneInfo,
        created_by: int,
        weekday: int | None = None,
    ) -> Announcement:
        """Schedule an announcement; its first run is the next `time_local` in `zone`.

        A weekly one runs on `weekday` (0 = Monday), or without one on the weekday of its
        first run. Wakes the loop if this run is sooner than everything armed. Raises
        `UnknownKind` if no cog renders `kind`, and `ValueError` for a zone with no IANA key
        or a weekday that is not 0..6 or not for a weekly one (see `first_run`).
        """
        if kind not in self._kinds:
            raise UnknownKind(kind, self._kinds)
        if zone.key is None:
            raise ValueError("the zone needs an IANA name (ZoneInfo(key))")
        now = self._clock.now()
        first, weekday = first_run(now, time_local, repeat, weekday, zone)
        created_at = _iso(now)
        announcement_id = await self._db.insert(
            "INSERT INTO announcements (guild_id, channel_id, kind, time_local, weekday, repeat, "
            "zone, next_run_utc, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                channel_id,
                kind,
                format_hhmm(time_local),
                weekday,
                repeat.value,
                zone.key,
                _iso(first),
                created_by,
                created_at,
            ),
        )
        self._arm(guild_id, announcement_id, first)
        return Announcement(
            id=announcement_id,
            guild_id=guild_id,
            channel_id=channel_id,
            kind=kind,
            time_local=time_local.replace(second=0, microsecond=0, tzinfo=None),
            repeat=repeat,
            weekday=weekday,
            zone=zone.key,
            next_run_utc=first,
            created_by=created_by,
            created_at=datetime.fromisoformat(created_at),
            pending_due_utc=None,
            last_posted_at=None,
            last_message_id=None,
            last_error=None,
            last_error_at=None,
        )

    async def list(self, guild_id: int) -> list[Announcement]:
        """The server's announcements (not removed ones), soonest first, finished ones last."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM announcements WHERE guild_id = ? AND active = 1 "
            "ORDER BY next_run_utc IS NULL, next_run_utc, id",
            (guild_id,),
        )
        return [_announcement(row) for row in rows]

    async def get(self, guild_id: int, announcement_id: int) -> Announcement | None:
        """One of the server's announcements, or None (another server's, removed, unknown)."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM announcements WHERE id = ? AND guild_id = ? AND active = 1",
            (announcement_id, guild_id),
        )
        return _announcement(row) if row else None

    async def remove(self, guild_id: int, announcement_id: int) -> bool:
        """Remove one of the server's announcements; False if it has none with that id.

        A post already being sent is not recalled; it just is not retried or confirmed.
        """
        # The claim is cleared too, so a restart does not re-send a removed announcement.
        changed = await self._db.execute(
            "UPDATE announcements SET active = 0, next_run_utc = NULL, pending_nonce = NULL, "
            "pending_due_utc = NULL WHERE id = ? AND guild_id = ? AND active = 1",
            (announcement_id, guild_id),
        )
        # Its heap entry stays and is dropped when it surfaces (the row no longer matches).
        return changed > 0

    async def reschedule_guild(self, guild_id: int, zone: ZoneInfo) -> int:
        """Recompute the server's next runs in `zone` (it changed time zone); returns how many.

        The wall times and weekdays stay; a finished once-only one stays finished. A run being
        sent right now is not affected. Raises `ValueError` for a zone with no IANA key.
        """
        if zone.key is None:
            raise ValueError("the zone needs an IANA name (ZoneInfo(key))")
        now = self._clock.now()
        armed: list[tuple[datetime, int]] = []
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                "SELECT id, time_local, weekday, repeat, next_run_utc FROM announcements "
                "WHERE guild_id = ? AND active = 1",
                (guild_id,),
            )
            for row in rows:
                if row["next_run_utc"] is None:
                    await tx.execute(
                        "UPDATE announcements SET zone = ? WHERE id = ?", (zone.key, row["id"])
                    )
                    continue
                run = next_run_after(
                    now, parse_hhmm(row["time_local"]), Repeat(row["repeat"]), row["weekday"], zone
                )
                await tx.execute(
                    "UPDATE announcements SET zone = ?, next_run_utc = ? WHERE id = ?",
                    (zone.key, _iso(run), row["id"]),
                )
                armed.append((run, row["id"]))
        for run, announcement_id in armed:
            self._arm(guild_id, announcement_id, run)
        return len(rows)

    async def forget_guild(self, tx: Transaction, guild_id: int) -> int:
        """Erase every announcement of the server, removed ones too (a `MemberData` guild
        eraser). Heap entries left behind are dropped when they surface, as after a remove.
        """
        return await tx.execute("DELETE FROM announcements WHERE guild_id = ?", (guild_id,))

    # --- Running ------------------------------------------------------------------------

    async def load(self) -> int:
        """Read the owned rows' next runs and unconfirmed claims into memory; returns the count.

        Replaces whatever was armed, so it is for before the loop runs: `start()` calls it;
        tests that drive `run_due` by hand call it instead. Raises `RuntimeError` once started.
        """
        if self._loop_task is not None:
            raise RuntimeError("load() replaces the armed runs; call it before start()")
        heap: list[tuple[int, int]] = []
        resume: list[_Claim] = []
        last_id = 0
        owns = self._owns_guild
        while True:
            # Keyset paging: the whole table is never held as rows at once.
            rows = await self._db.fetchall(
                "SELECT id, guild_id, channel_id, kind, next_run_utc, pending_nonce, "
                "pending_due_utc FROM announcements WHERE id > ? AND active = 1 "
                "AND (next_run_utc IS NOT NULL OR pending_nonce IS NOT NULL) ORDER BY id LIMIT ?",
                (last_id, _LOAD_PAGE),
            )
            if not rows:
                break
            last_id = rows[-1][0]
            for announcement_id, guild_id, channel_id, kind, next_run, nonce, pending_due in rows:
                if not owns(guild_id):
                    continue
                if next_run is not None:
                    heap.append((_epoch(next_run), announcement_id))
                if nonce is not None:
                    resume.append(
                        _Claim(
                            announcement_id,
                            guild_id,
                            channel_id,
                            kind,
                            datetime.fromisoformat(pending_due),
                            nonce,
                            resumed=True,
                        )
                    )
        heapq.heapify(heap)
        self._heap = heap
        self._resume = resume
        self._loaded = True
        self._wake.set()
        if resume:
            log.info(
                "%d announcement posts were claimed but not confirmed; re-sending", len(resume)
            )
        return len(heap)

    async def start(self) -> None:
        """Load (if not yet loaded) and start the dispatch loop. Raises if already started."""
        if self._loop_task is not None:
            raise RuntimeError("the scheduler is already running")
        if not self._loaded:
            await self.load()
        self._loop_task = asyncio.create_task(self._dispatch_forever(), name="scheduler")

    async def stop(self, grace: float = 10.0) -> None:
        """Stop the loop and wait up to `grace` seconds for posts being sent.

        Posts still unfinished then are cancelled; their claims stay in the table and the next
        start re-sends them with the same nonce.
        """
        task, self._loop_task = self._loop_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self.armed_for = None
        sends = set(self._sends)
        if not sends:
            return
        _done, unfinished = await asyncio.wait(sends, timeout=grace)
        for send in unfinished:
            send.cancel()
        await asyncio.gather(*sends, return_exceptions=True)

    def wake(self) -> None:
        """Make the loop look at the clock now (it also wakes by itself, at least every
        `max_sleep`)."""
        self._wake.set()

    @property
    def armed_count(self) -> int:
        """Heap entries held (including ones left behind by removes, until they surface)."""
        return len(self._heap)

    async def run_due(self, *, wait: bool = True) -> list[RunOutcome]:
        """Claim and send everything due at `clock.now()`, and re-send unconfirmed claims.

        With `wait`, returns every outcome once all sends have finished; without (the loop),
        the sends continue as tasks and only the runs settled at once (skipped) are returned.
        Raises what the database raises while claiming; nothing is claimed then, and the next
        pass tries again.
        """
        now = self._clock.now()
        resumed, self._resume = self._resume, []
        due = self._pop_due(now)
        if not due and not resumed:
            return []
        try:
            outcomes, claims, rearm = await self._claim(now, due, resumed)
        except BaseException:
            for entry in due:
                heapq.heappush(self._heap, entry)
            self._resume = resumed + self._resume
            raise
        for entry in rearm:
            heapq.heappush(self._heap, entry)
        sends = [self._spawn_send(claim) for claim in claims]
        if wait and sends:
            outcomes.extend(await asyncio.gather(*sends))
        return outcomes

    # --- Internals ----------------------------------------------------------------------

    def _arm(self, guild_id: int, announcement_id: int, run: datetime) -> None:
        if not self._owns_guild(guild_id):
            return
        entry = (_epoch_of(run), announcement_id)
        sooner = not self._heap or entry[0] < self._heap[0][0]
        heapq.heappush(self._heap, entry)
        if sooner:
            self._wake.set()

    def _pop_due(self, now: datetime) -> list[tuple[int, int]]:
        now_epoch = now.timestamp()
        due: list[tuple[int, int]] = []
        while self._heap and self._heap[0][0] <= now_epoch:
            due.append(heapq.heappop(self._heap))
        return due

    async def _claim(
        self, now: datetime, due: list[tuple[int, int]], resumed: list[_Claim]
    ) -> tuple[list[RunOutcome], list[_Claim], list[tuple[int, int]]]:
        """One transaction: settle resumed claims, then claim or skip each due run."""
        outcomes: list[RunOutcome] = []
        claims: list[_Claim] = []
        rearm: list[tuple[int, int]] = []
        stamp = _iso(now)
        ids = {announcement_id for _, announcement_id in due}
        ids.update(claim.announcement_id for claim in resumed)
        async with self._db.transaction() as tx:
            rows = await _fetch_by_id(tx, ids)

            for claim in resumed:
                row = rows.get(claim.announcement_id)
                if row is None or not row["active"] or row["pending_nonce"] != claim.nonce:
                    continue
                late = now - claim.due_utc
                if late < self._catch_up:
                    claims.append(claim)
                    continue
                error = (
                    f"the post due {_iso(claim.due_utc)} was not confirmed before a restart "
                    f"{_minutes(late)} later; not sent again"
                )
                log.warning("announcement %d: %s", claim.announcement_id, error)
                await tx.execute(
                    "UPDATE announcements SET pending_nonce = NULL, pending_due_utc = NULL, "
                    "last_error = ?, last_error_at = ? WHERE id = ?",
                    (error, stamp, claim.announcement_id),
                )
                row["pending_nonce"] = None
                outcomes.append(
                    RunOutcome(claim.announcement_id, claim.due_utc, RunStatus.SKIPPED, error=error)
                )

            for due_epoch, announcement_id in due:
                row = rows.get(announcement_id)
                if row is None or not row["active"] or row["next_run_utc"] is None:
                    continue  # removed, or a once-only one already claimed
                due_utc = datetime.fromisoformat(row["next_run_utc"])
                if _epoch_of(due_utc) != due_epoch:
                    continue  # an entry left behind by a reschedule; the row has its own
                try:
                    outcome, claim, following = await self._claim_one(tx, row, due_utc, now)
                except Exception as exc:
                    # A broken row (an unknown zone, say) must not hold up the others.
                    log.exception("announcement %d could not be claimed", announcement_id)
                    row["next_run_utc"] = None
                    await tx.execute(
                        "UPDATE announcements SET next_run_utc = NULL, last_error = ?, "
                        "last_error_at = ? WHERE id = ?",
                        (f"could not compute its next run: {exc!r}", stamp, announcement_id),
                    )
                    continue
                if outcome is not None:
                    outcomes.append(outcome)
                if claim is not None:
                    claims.append(claim)
                # Keep the row as written, in case the heap held this id twice.
                row["next_run_utc"] = _iso(following) if following is not None else None
                if following is not None:
                    rearm.append((_epoch_of(following), announcement_id))
        return outcomes, claims, rearm

    async def _claim_one(
        self, tx: Transaction, row: dict[str, Any], due_utc: datetime, now: datetime
    ) -> tuple[RunOutcome | None, _Claim | None, datetime | None]:
        announcement_id = row["id"]
        repeat = Repeat(row["repeat"])
        following: datetime | None = None
        if repeat is not Repeat.ONCE:
            wall, weekday, zone = (
                parse_hhmm(row["time_local"]),
                row["weekday"],
                ZoneInfo(row["zone"]),
            )
            if now - due_utc >= self._catch_up:
                # Down for longer than a repeat: the stored run is long gone, but the latest
                # one may still be recent enough to post. The runs in between are dropped.
                recent = next_run_after(now - self._catch_up, wall, repeat, weekday, zone)
                if recent <= now:
                    log.warning(
                        "announcement %d (guild %d): runs from %s to before %s were missed while "
                        "the bot was offline; posting the latest only",
                        announcement_id,
                        row["guild_id"],
                        _iso(due_utc),
                        _iso(recent),
                    )
                    due_utc = recent
            # From now, not from due_utc: a late run is followed by the next *future* run,
            # never by a burst of the ones missed.
            following = next_run_after(now, wall, repeat, weekday, zone)
        following_text = _iso(following) if following is not None else None
        late = now - due_utc
        skip_reason: str | None = None
        if late >= self._catch_up:
            skip_reason = (
                f"the post due {_iso(due_utc)} was {_minutes(late)} late (the bot was offline); "
                "skipped"
            )
        elif row["pending_nonce"] is not None:
            skip_reason = (
                f"the post due {_iso(due_utc)} was skipped: the previous one was still being sent"
            )
        if skip_reason is not None:
            log.warning(
                "announcement %d (guild %d): %s", announcement_id, row["guild_id"], skip_reason
            )
            await tx.execute(
                "UPDATE announcements SET next_run_utc = ?, last_error = ?, last_error_at = ? "
                "WHERE id = ?",
                (following_text, skip_reason, _iso(now), announcement_id),
            )
            outcome = RunOutcome(announcement_id, due_utc, RunStatus.SKIPPED, error=skip_reason)
            return outcome, None, following

        nonce = run_nonce(announcement_id, due_utc)
        await tx.execute(
            "UPDATE announcements SET pending_nonce = ?, pending_due_utc = ?, next_run_utc = ? "
            "WHERE id = ?",
            (nonce, _iso(due_utc), following_text, announcement_id),
        )
        row["pending_nonce"] = nonce
        claim = _Claim(
            announcement_id, row["guild_id"], row["channel_id"], row["kind"], due_utc, nonce
        )
        return None, claim, following

    def _spawn_send(self, claim: _Claim) -> asyncio.Task[RunOutcome]:
        task = asyncio.create_task(self._send(claim), name=f"announcement-{claim.nonce}")
        self._sends.add(task)
        task.add_done_callback(self._send_finished)
        return task

    def _send_finished(self, task: asyncio.Task[RunOutcome]) -> None:
        self._sends.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Only a BaseException gets here (`_send` catches the rest); say so, once.
            log.error("announcement send ended abruptly", exc_info=task.exception())

    async def _send(self, claim: _Claim) -> RunOutcome:
        try:
            return await self._deliver(claim)
        except Exception as exc:
            # The claim stays; the next start re-sends it with the same nonce.
            log.exception("announcement %d: sending failed unexpectedly", claim.announcement_id)
            return RunOutcome(
                claim.announcement_id, claim.due_utc, RunStatus.FAILED, error=repr(exc)
            )

    async def _already_posted(self, claim: _Claim) -> int | None:
        """For a claim left by a dead process: the post it made, if Discord has it.

        The nonce alone is not enough: Discord forgets it after a few minutes, and a restart
        may come later than that, so the channel is searched for the run's marker first.
        """
        since = claim.due_utc - HISTORY_SLACK
        try:
            return await self._poster.find_posted(
                claim.channel_id, run_marker(claim.announcement_id), since
            )
        except Exception as exc:
            log.info(
                "announcement %d: could not search its channel (%r); re-sending with its nonce",
                claim.announcement_id,
                exc,
            )
            return None

    async def _deliver(self, claim: _Claim) -> RunOutcome:
        if claim.resumed and (found := await self._already_posted(claim)) is not None:
            log.info(
                "announcement %d: its post %d reached Discord before the restart; confirmed",
                claim.announcement_id,
                found,
            )
            await self._confirm(claim, found)
            return RunOutcome(claim.announcement_id, claim.due_utc, RunStatus.POSTED, found)
        if self._observe_lag is not None:
            self._observe_lag((self._clock.now() - claim.due_utc).total_seconds())
        render = self._kinds.get(claim.kind)
        if render is None:
            return await self._give_up(
                claim,
                RunStatus.FAILED,
                f"nothing renders announcements of kind {claim.kind!r} (is its cog loaded?)",
            )
        run = DueRun(
            claim.announcement_id,
            claim.guild_id,
            claim.channel_id,
            claim.kind,
            claim.due_utc,
            claim.nonce,
        )
        try:
            if self._gate is not None and not await self._gate(run):
                await self._confirm(claim, None)
                return RunOutcome(claim.announcement_id, claim.due_utc, RunStatus.NOTHING)
            async with self._send_slots:
                message = await render(run)
        except Exception as exc:
            log.exception("announcement %d: rendering %r failed", claim.announcement_id, claim.kind)
            return await self._give_up(claim, RunStatus.FAILED, f"could not prepare it: {exc!r}")
        if message is None:
            await self._confirm(claim, None)
            return RunOutcome(claim.announcement_id, claim.due_utc, RunStatus.NOTHING)
        message = with_marker(message, run_marker(claim.announcement_id))

        delays = iter(self._retry_delays)
        attempt = 0
        while True:
            attempt += 1
            try:
                # A slot per attempt, not per run: a run waiting to retry holds none.
                async with self._send_slots:
                    message_id = await self._poster.post(claim.channel_id, message, claim.nonce)
                break
            except PostForbidden as exc:
                return await self._give_up(claim, RunStatus.FORBIDDEN, _reason(exc))
            except ChannelGone as exc:
                return await self._give_up(claim, RunStatus.CHANNEL_GONE, _reason(exc))
            except PostFailed as exc:
                return await self._give_up(claim, RunStatus.FAILED, _reason(exc))
            except Exception as exc:
                delay = next(delays, None)
                deadline = claim.due_utc + self._catch_up
                if delay is None or self._clock.now() + timedelta(seconds=delay) >= deadline:
                    return await self._give_up(
                        claim,
                        RunStatus.FAILED,
                        f"could not reach Discord after {attempt} attempts: {exc!r}",
                    )
                log.info(
                    "announcement %d: post attempt %d failed (%r); retrying in %.0fs",
                    claim.announcement_id,
                    attempt,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)
                if not await self._still_claimed(claim):
                    return RunOutcome(claim.announcement_id, claim.due_utc, RunStatus.CANCELLED)

        if message.after_post is not None:
            try:
                await message.after_post(message_id)
            except Exception:
                log.exception("announcement %d: after_post failed", claim.announcement_id)
        await self._confirm(claim, message_id)
        return RunOutcome(claim.announcement_id, claim.due_utc, RunStatus.POSTED, message_id)

    async def _still_claimed(self, claim: _Claim) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM announcements WHERE id = ? AND pending_nonce = ?",
            (claim.announcement_id, claim.nonce),
        )
        return row is not None

    async def _confirm(self, claim: _Claim, message_id: int | None) -> None:
        """Step 3: the run is done. `message_id` None: the renderer had nothing to post."""
        now = _iso(self._clock.now())
        if message_id is None:
            sql = (
                "UPDATE announcements SET pending_nonce = NULL, pending_due_utc = NULL "
                "WHERE id = ? AND pending_nonce = ?"
            )
            params: tuple[Any, ...] = (claim.announcement_id, claim.nonce)
        else:
            sql = (
                "UPDATE announcements SET pending_nonce = NULL, pending_due_utc = NULL, "
                "last_posted_at = ?, last_message_id = ?, last_error = NULL, "
                "last_error_at = NULL WHERE id = ? AND pending_nonce = ?"
            )
            params = (now, message_id, claim.announcement_id, claim.nonce)
        async with self._db.transaction() as tx:
            await tx.execute(sql, params)

    async def _give_up(self, claim: _Claim, status: RunStatus, error: str) -> RunOutcome:
        log.warning(
            "announcement %d (guild %d, channel %d) not posted: %s",
            claim.announcement_id,
            claim.guild_id,
            claim.channel_id,
            error,
        )
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE announcements SET pending_nonce = NULL, pending_due_utc = NULL, "
                "last_error = ?, last_error_at = ? WHERE id = ? AND pending_nonce = ?",
                (error, _iso(self._clock.now()), claim.announcement_id, claim.nonce),
            )
        return RunOutcome(claim.announcement_id, claim.due_utc, status, error=error)

    async def _dispatch_forever(self) -> None:
        """The loop: a pass, then sleep until the earliest run, a wake-up, or `max_sleep`."""
        while True:
            # Cleared before the pass, so an add() during the pass still wakes the wait below.
            self._wake.clear()
            try:
                await self.run_due(wait=False)
                timeout = self._seconds_until_next()
            except Exception:
                log.exception("scheduler pass failed; trying again in %.0fs", _ERROR_PAUSE_SECONDS)
                timeout = _ERROR_PAUSE_SECONDS
            self.armed_for = self._clock.now() + timedelta(seconds=timeout)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    def _seconds_until_next(self) -> float:
        # Capped so that a wall clock that jumps (or drifts from the monotonic clock asyncio
        # sleeps by) delays a post by at most `max_sleep`.
        if self._resume:
            return 0.0
        if not self._heap:
            return self._max_sleep
        delay = self._heap[0][0] - self._clock.now().timestamp()
        return min(max(delay, 0.0), self._max_sleep)


# --- Helpers ------------------------------------------------------------------------------


async def _fetch_by_id(tx: Transaction, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    wanted = sorted(ids)
    rows: dict[int, dict[str, Any]] = {}
    for start in range(0, len(wanted), _ID_CHUNK):
        chunk = wanted[start : start + _ID_CHUNK]
        marks = ", ".join("?" * len(chunk))
        for row in await tx.fetchall(
            f"SELECT {_COLUMNS} FROM announcements WHERE id IN ({marks})", chunk
        ):
            rows[row["id"]] = dict(row)
    return rows


def _announcement(row: Any) -> Announcement:
    return Announcement(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        kind=row["kind"],
        time_local=parse_hhmm(row["time_local"]),
        repeat=Repeat(row["repeat"]),
        weekday=row["weekday"],
        zone=row["zone"],
        next_run_utc=_parse(row["next_run_utc"]),
        created_by=row["created_by"],
        created_at=datetime.fromisoformat(row["created_at"]),
        pending_due_utc=_parse(row["pending_due_utc"]),
        last_posted_at=_parse(row["last_posted_at"]),
        last_message_id=row["last_message_id"],
        last_error=row["last_error"],
        last_error_at=_parse(row["last_error_at"]),
    )


def _iso(when: datetime) -> str:
    """The one stored form: UTC, whole seconds, '+00:00' (so text order is time order)."""
    return when.astimezone(UTC).replace(microsecond=0).isoformat()


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def _epoch_of(when: datetime) -> int:
    return int(when.timestamp())


def _minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
