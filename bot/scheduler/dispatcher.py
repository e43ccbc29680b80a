"""The dispatch loop: a heap of next runs, then claim, send and confirm each due run.

See the package's docstring for the three durable steps and what a restart does.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import heapq
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock, from_db, to_db
from bot.database import Database, Subscription, Transaction
from bot.i18n import FALLBACK
from bot.schedule_time import Repeat, first_run, next_run_after, parse_hhmm
from bot.scheduler.kinds import KindRegistry
from bot.scheduler.marks import run_marker, run_nonce, with_marker
from bot.scheduler.poster import HISTORY_SLACK, ChannelGone, Poster, PostFailed, PostForbidden
from bot.scheduler.records import (
    Announcement,
    DueRun,
    Renderer,
    Rescheduled,
    RunOutcome,
    RunStatus,
)
from bot.scheduler.store import AnnouncementStore, ArmedRow, ClaimRow

log = logging.getLogger("bot.scheduler")

DEFAULT_CATCH_UP = timedelta(hours=1)
DEFAULT_MAX_SLEEP = timedelta(minutes=1)
# Only the runs due by now + this are held in memory (the window); the loop reads the next
# window from the table (an indexed range query) when it reaches the end of this one. An hour
# keeps memory to the runs of one hour (a million daily runs spread over the day: about
# 42,000; all 100,000 servers at 09:00: 100,000) for 24 small reads a day, and the window is
# never shorter than `max_sleep`, so the loop wakes no more often than without it.
ARM_WINDOW = timedelta(hours=1)
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (2.0, 10.0, 30.0, 60.0)
DEFAULT_MAX_CONCURRENT_POSTS = 8
# How long an unconfirmed claim stays its instance's without a renewal. Each pass renews the
# claims being sent, and passes come at least every `max_sleep`, so this outlasts a pause
# between passes by far; it is also how long a claim left by a dead process waits for another.
DEFAULT_CLAIM_LEASE = timedelta(minutes=3)
# The instance name of a bot run as one process: its restart takes its claims back at once.
DEFAULT_INSTANCE = "solo"
# The `/config cog` switch every scheduled post obeys, whatever its kind.
ANNOUNCEMENTS_FEATURE = "announcements"
# After a pass fails (the database, say), wait this long before the next one.
_ERROR_PAUSE_SECONDS = 5.0
# The channel on which the database announces that a server's schedule was changed by a
# writer other than the scheduler's own steps (bot/migrations/postgresql/
# 0008_announcements_notify.sql); its payload is the server's id, or ALL_GUILDS (a TRUNCATE).
ANNOUNCEMENTS_CHANNEL = "fanbot_announcements"
ALL_GUILDS = "*"

# Reads a zone inside the caller's transaction (see `Scheduler.add`).
ZoneReader = Callable[[Transaction], Awaitable[ZoneInfo]]
# (next run as epoch seconds, announcement id): an entry of the dispatcher's heap.
HeapEntry = tuple[int, int]
# Whether a feature (`/config cog`) is on in a server.
FeatureCheck = Callable[[int, str], Awaitable[bool]]
# The language a server's scheduled posts are written in ("en", "ko").
ServerLanguage = Callable[[int], Awaitable[str]]


async def _every_feature_on(guild_id: int, feature: str) -> bool:
    return True


async def _fallback_language(guild_id: int) -> str:
    return FALLBACK


class Scheduler:
    """Posts every scheduled announcement of the servers this process owns, exactly once.

    `owns_guild` says which servers belong to this process (its shards); only their rows are
    loaded and posted. Only the runs due within `arm_window` (at least `max_sleep`) are held in
    memory; the loop wakes at the window's end at the latest and reads the next one from the
    table, so a big table costs neither start-up time nor memory.

    `catch_up`: a run found due later than this (the bot was down) is
    skipped, logged and recorded as the row's last error instead of posted; a repeating one
    posts only its latest run if that one is within `catch_up`, then moves on to its next
    future run (never a burst of the missed ones).

    Before a run is rendered, `feature_enabled` is asked whether announcements and the kind's
    feature are on in its server (a run whose feature is off posts nothing), and
    `server_language` which language to render it in; the renderer gets that language.

    A claim found unconfirmed at start is first looked for in its channel (scheduled posts
    carry `run_marker` in their embed footer): Discord remembers a nonce for only a few
    minutes, and a restart may come later than that. Only if it is not there is it sent
    again, with its nonce.

    Several processes may share the database and even believe they own the same server (a
    wrong shard range, a rolling restart): each run is still claimed by one of them (the
    claim is a conditional UPDATE, see `AnnouncementStore.claim`). A claim is `instance`'s
    for `claim_lease`, renewed on every pass while its post is being sent; another process
    sends it again (looking for the post first, as after a restart) only once the lease has
    run out, which each pass checks for. So give each process sharing a database its own
    `instance` name; a process restarted under the same name takes its claims back at once.

    Rows written by another process (the dashboard's, adding a run for five minutes from
    now) are armed when the window that reaches them is read, or at once with
    `follow_changes` on PostgreSQL. A scheduler that is never loaded only writes rows
    (`add`, `remove`, `reschedule_in`): it holds and starts nothing.
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
        feature_enabled: FeatureCheck = _every_feature_on,
        server_language: ServerLanguage = _fallback_language,
        observe_lag: Callable[[float], None] | None = None,
        arm_window: timedelta = ARM_WINDOW,
        instance: str = DEFAULT_INSTANCE,
        claim_lease: timedelta = DEFAULT_CLAIM_LEASE,
    ) -> None:
        self._store = AnnouncementStore(db)
        self._db = db
        self._clock = clock
        self._poster = poster
        self._owns_guild = owns_guild
        self._catch_up = catch_up
        self._max_sleep = max_sleep.total_seconds()
        self._arm_window = max(arm_window, max_sleep)
        self._retry_delays = tuple(retry_delays)
        self._kinds = KindRegistry()
        self._feature_enabled = feature_enabled
        self._server_language = server_language
        # Told how many seconds after its due time each run starts (the lag metric).
        self._observe_lag = observe_lag
        self._instance = instance
        self._claim_lease = claim_lease
        # The claims this instance is sending now (announcement id: nonce): their leases are
        # renewed on every pass, and the sweep for expired claims leaves them alone.
        self._in_flight: dict[int, str] = {}
        # (next run as epoch seconds, announcement id), smallest first. An entry is only a
        # hint: the claim re-reads the row, so entries left behind by a remove or a
        # reschedule are dropped when they surface instead of being searched for.
        self._heap: list[tuple[int, int]] = []
        # The heap holds the runs due up to this (whole seconds); later ones stay in the table
        # until the window that reaches them is read. None: not loaded, so nothing is armed
        # (a process that never starts the loop, the dashboard's, only writes rows).
        self._window_end: datetime | None = None
        # Servers whose schedule another writer changed, and whether everything may have
        # changed (a reconnect, a TRUNCATE): re-read by one task, `_refresh_task`, so a burst
        # of notifications costs one read per server at a time (see `follow_changes`).
        self._changed_guilds: set[int] = set()
        self._reread_all = False
        self._refresh_task: asyncio.Task[None] | None = None
        self._stopped = False
        # Claims found in the table at load: sent again (same nonce) on the next pass.
        self._resume: list[DueRun] = []
        self._wake = asyncio.Event()
        self._send_slots = asyncio.Semaphore(max_concurrent_posts)
        # Confirms and give-ups are bounded too: thousands of runs due at once (10,000 servers
        # at 09:00) must not all queue for a PostgreSQL pool's few connections at once, where
        # those still waiting past its acquire timeout would fail their confirm.
        self._write_slots = asyncio.Semaphore(max_concurrent_posts)
        self._sends: set[asyncio.Task[RunOutcome]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._loaded = False
        self.armed_for: datetime | None = None
        """When the dispatch loop next wakes on its own (None: not sleeping); for diagnostics."""

    # --- Kinds --------------------------------------------------------------------------

    def register_kind(self, kind: str, render: Renderer, *, feature: str | None = None) -> None:
        """Let a cog render announcements of `kind`; registering again replaces the renderer.

        With `feature`, runs of this kind post nothing in a server where that feature is off.
        """
        self._kinds.register(kind, render, feature=feature)

    def unregister_kind(self, kind: str) -> None:
        """Forget `kind` (its cog was unloaded); its runs then fail with a recorded error."""
        self._kinds.unregister(kind)

    @property
    def kinds(self) -> list[str]:
        return self._kinds.names

    # --- Announcements ------------------------------------------------------------------

    async def add(
        self,
        guild_id: int,
        channel_id: int,
        kind: str,
        time_local: time,
        repeat: Repeat,
        zone: ZoneInfo | ZoneReader,
        created_by: int,
        weekday: int | None = None,
        *,
        limit: int | None = None,
    ) -> Announcement:
        """Schedule an announcement; its first run is the next `time_local` in `zone`.

        `zone` may be a function that reads it inside the inserting transaction (the
        server's stored zone), so a time zone change committed meanwhile can't leave this
        one in the old zone. A weekly one runs on `weekday` (0 = Monday), or without one on
        the weekday of its first run. Wakes the loop if this run is sooner than everything
        armed. Raises `UnknownKind` if no cog renders `kind`, `ValueError` for a zone with no
        IANA key or a weekday that is not 0..6 or not for a weekly one (see `first_run`), and
        `TooManyAnnouncements` when the server already has `limit` unfinished ones (counted
        in the inserting transaction, so concurrent adds can't pass it).
        """
        self._kinds.require(kind)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            if not isinstance(zone, ZoneInfo):
                zone = await zone(tx)
            if zone.key is None:
                raise ValueError("the zone needs an IANA name (ZoneInfo(key))")
            first, weekday = first_run(now, time_local, repeat, weekday, zone)
            announcement = await self._store.insert(
                tx,
                guild_id=guild_id,
                channel_id=channel_id,
                kind=kind,
                time_local=time_local,
                weekday=weekday,
                repeat=repeat,
                zone=zone.key,
                first_run=first,
                created_by=created_by,
                created_at=now,
                limit=limit,
            )
        self._arm(guild_id, announcement.id, first)
        return announcement

    async def list(self, guild_id: int) -> list[Announcement]:
        """The server's announcements (not removed ones), soonest first, finished ones last."""
        return await self._store.of_guild(guild_id)

    async def get(self, guild_id: int, announcement_id: int) -> Announcement | None:
        """One of the server's announcements, or None (another server's, removed, unknown)."""
        return await self._store.get(guild_id, announcement_id)

    async def remove(self, guild_id: int, announcement_id: int) -> bool:
        """Remove one of the server's announcements; False if it has none with that id.

        A post already being sent is not recalled; it just is not retried or confirmed.
        """
        # Its heap entry stays and is dropped when it surfaces (the row no longer matches).
        return await self._store.remove(guild_id, announcement_id)

    async def reschedule_guild(self, guild_id: int, zone: ZoneInfo) -> int:
        """Recompute the server's next runs in `zone` (it changed time zone); returns how many.

        `reschedule_in` and `arm_rescheduled` in a transaction of their own; see there.
        """
        async with self._db.transaction() as tx:
            moved = await self.reschedule_in(tx, guild_id, zone)
        self.arm_rescheduled(moved)
        return moved.count

    async def reschedule_in(self, tx: Transaction, guild_id: int, zone: ZoneInfo) -> Rescheduled:
        """Recompute the server's next runs in `zone`, inside the caller's transaction (the
        one that stores the server's new zone), and return the runs to arm.

        Nothing is armed: once the transaction has committed, pass the result to
        `arm_rescheduled` (a rolled-back one is just dropped). The wall times and weekdays
        stay; a finished once-only one stays finished. A run being sent right now is not
        affected. Raises `ValueError` for a zone with no IANA key.
        """
        if zone.key is None:
            raise ValueError("the zone needs an IANA name (ZoneInfo(key))")
        now = self._clock.now()
        runs: list[tuple[datetime, int]] = []
        timings = await self._store.timings(tx, guild_id)
        for timing in timings:
            if timing.finished:
                await self._store.move_to_zone(tx, timing.id, zone.key, None)
                continue
            run = next_run_after(now, timing.time_local, timing.repeat, timing.weekday, zone)
            await self._store.move_to_zone(tx, timing.id, zone.key, run)
            runs.append((run, timing.id))
        return Rescheduled(guild_id, tuple(runs), len(timings))

    def arm_rescheduled(self, moved: Rescheduled) -> None:
        """Arm the runs `reschedule_in` computed, after its transaction committed.

        Entries for the runs they replace stay in the heap and are dropped when they surface
        (the row no longer matches), so arming the results of two reschedules in either
        order leaves the runs the table holds armed.
        """
        for run, announcement_id in moved.runs:
            self._arm(moved.guild_id, announcement_id, run)

    async def forget_guild(self, tx: Transaction, guild_id: int) -> int:
        """Erase every announcement of the server, removed ones too (a `MemberData` guild
        eraser). Heap entries left behind are dropped when they surface, as after a remove.
        """
        return await self._store.forget_guild(tx, guild_id)

    # --- Running ------------------------------------------------------------------------

    async def load(self) -> int:
        """Arm the owned rows' runs due within the window (`arm_window` from now, overdue ones
        included) and read every unconfirmed claim; returns how many runs are armed.

        Replaces whatever was armed, so it is for before the loop runs: `start()` calls it;
        tests that drive `run_due` by hand call it instead. Raises `RuntimeError` once started.
        """
        if self._loop_task is not None:
            raise RuntimeError("load() replaces the armed runs; call it before start()")
        owns = self._owns_guild
        resume = [
            _resumed(row)
            for row in await self._store.unconfirmed_claims()
            if row.pending_nonce is not None
            and row.pending_due_utc is not None
            and owns(row.guild_id)
        ]
        # Set before reading, so that an add() committing meanwhile arms its run itself, into
        # the emptied heap that is then merged with what was read.
        self._window_end = self._window_end_after(self._clock.now())
        self._heap = []
        heap = await self._read_window(None, self._window_end)
        heap.extend(self._heap)
        heapq.heapify(heap)
        self._heap = heap
        self._resume = resume
        self._loaded = True
        self._wake.set()
        # Changes heard while the window was being read may have come after its rows.
        self._refresh_soon()
        if resume:
            log.info(
                "%d announcement posts were claimed but not confirmed; re-sending", len(resume)
            )
        return len(heap)

    # --- Changes by other writers -------------------------------------------------------

    async def follow_changes(self) -> Subscription:
        """Re-read a server's runs whenever the database says another writer changed its
        schedule (the dashboard's process, another process of a shard cluster, an operator's
        SQL): an announcement added elsewhere for a few minutes from now is armed at once, a
        removed one is dropped, a new zone's runs are armed. Only servers this process owns
        are read, and only once loaded (before, `load` reads everything); a reconnect
        re-reads the whole window, since notifications sent meanwhile are lost. Close the
        subscription to stop. On SQLite nothing is heard: this process is its only writer.
        """
        return await self._db.listen(
            ANNOUNCEMENTS_CHANNEL, self._changed_elsewhere, connected=self._reread_everything
        )

    def _changed_elsewhere(self, payload: str) -> None:
        if payload == ALL_GUILDS:
            self._reread_everything()
        elif not payload.isdigit():
            log.warning("ignored an announcements notification that names no server: %r", payload)
        elif self._window_end is not None and self._owns_guild(int(payload)):
            self._changed_guilds.add(int(payload))
            self._refresh_soon()

    def _reread_everything(self) -> None:
        if self._window_end is not None:
            self._reread_all = True
            self._refresh_soon()

    def _refresh_soon(self) -> None:
        """Start the re-reading task unless it runs (it takes what is asked meanwhile too)."""
        if self._stopped or not (self._reread_all or self._changed_guilds):
            return
        if self._refresh_task is None or self._refresh_task.done():
            self._refresh_task = asyncio.create_task(
                self._refresh_changed(), name="scheduler-refresh"
            )

    async def _refresh_changed(self) -> None:
        # Entries are hints (a claim re-reads its row and follows it), so a re-read racing
        # a claim pass at worst leaves an entry that is dropped or followed when it surfaces.
        # One racing this process's own add or zone change is followed by that write's own
        # notification (the trigger names every writer but the scheduler's steps).
        while self._reread_all or self._changed_guilds:
            if not self._loaded:
                return  # still loading: load() starts this again once it has read the window
            try:
                if self._reread_all:
                    self._reread_all = False
                    self._changed_guilds.clear()
                    await self._reread_window()
                else:
                    guilds, self._changed_guilds = self._changed_guilds, set()
                    await self._reread_guilds(guilds)
            except Exception:
                log.exception(
                    "re-reading changed announcements failed; reading the whole window in %.0fs",
                    _ERROR_PAUSE_SECONDS,
                )
                self._reread_all = True
                await asyncio.sleep(_ERROR_PAUSE_SECONDS)

    async def _reread_guilds(self, guilds: set[int]) -> None:
        """Drop the servers' entries and arm their rows' runs within the window anew."""
        runs = await self._store.runs_of_guilds(guilds)
        # From here on nothing awaits: the heap is replaced in one step.
        dropped = {run.id for run in runs}
        entries: list[HeapEntry] = []
        for run in runs:
            if not run.active or run.next_run_utc is None:
                continue  # removed, or finished
            if self._in_window(epoch := _epoch(run.next_run_utc)):
                entries.append((epoch, run.id))
        self._replace_heap([entry for entry in self._heap if entry[1] not in dropped], entries)

    async def _reread_window(self) -> None:
        """Arm the whole window anew, as `load` does (the unconfirmed claims are the sweep's)."""
        end = self._window_end
        assert end is not None
        entries = await self._read_window(None, end)
        # Entries beyond `end` were armed by the read of a later window meanwhile: kept.
        later = [entry for entry in self._heap if entry[0] > _epoch(end)]
        self._replace_heap(later, entries)

    def _replace_heap(self, kept: builtins.list[HeapEntry], read: builtins.list[HeapEntry]) -> None:
        """The heap becomes `kept` and `read`; the loop is woken if its earliest run is sooner."""
        earliest = self._heap[0][0] if self._heap else None
        heap = kept + read
        heapq.heapify(heap)
        self._heap = heap
        if heap and (earliest is None or heap[0][0] < earliest):
            self._wake.set()

    def _window_end_after(self, now: datetime) -> datetime:
        # Whole seconds, as heap entries are: a run whose epoch is not above it is armed.
        return datetime.fromtimestamp(_epoch(now + self._arm_window), UTC)

    async def _read_window(self, start: datetime | None, end: datetime) -> builtins.list[HeapEntry]:
        """The owned rows' runs due after `start` (None: any time) and by `end`, as entries."""
        entries: list[HeapEntry] = []
        start_text, end_text = ("" if start is None else to_db(start)), to_db(end)
        owns = self._owns_guild
        after: tuple[str, int] | None = None
        while rows := await self._store.window_page(start_text, end_text, after):
            after = (rows[-1].next_run_utc, rows[-1].id)
            entries.extend(
                (_epoch(from_db(row.next_run_utc)), row.id) for row in rows if owns(row.guild_id)
            )
        return entries

    async def _arm_next_window(self, now: datetime) -> None:
        """The window's end was reached: arm the runs after it, up to `arm_window` from now."""
        start = self._window_end
        assert start is not None
        end = self._window_end_after(now)
        # Moved before reading, as in load(); moved back if the read fails, so the next pass
        # reads the same runs again (an add() armed meanwhile is then held twice: harmless,
        # the claim pass drops an entry that no longer matches its row).
        self._window_end = end
        try:
            entries = await self._read_window(start, end)
        except BaseException:
            self._window_end = start
            raise
        for entry in entries:
            heapq.heappush(self._heap, entry)

    def _in_window(self, epoch: int) -> bool:
        return self._window_end is None or epoch <= _epoch(self._window_end)

    async def start(self) -> None:
        """Load (if not yet loaded) and start the dispatch loop. Raises if already started."""
        if self._loop_task is not None:
            raise RuntimeError("the scheduler is already running")
        if not self._loaded:
            await self.load()
        self._stopped = False
        self._loop_task = asyncio.create_task(self._dispatch_forever(), name="scheduler")

    async def stop(self, grace: float = 10.0) -> None:
        """Stop the loop and wait up to `grace` seconds for posts being sent.

        Posts still unfinished then are cancelled; their claims stay in the table and the next
        start re-sends them with the same nonce.
        """
        self._stopped = True
        for task in (self._loop_task, self._refresh_task):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._loop_task = self._refresh_task = None
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
        """Runs held in memory: those of the window (including entries left behind by
        removes, until they surface)."""
        return len(self._heap)

    async def run_due(self, *, wait: bool = True) -> builtins.list[RunOutcome]:
        """Claim and send everything due at `clock.now()`, and re-send unconfirmed claims.

        Once the clock has reached the window's end, the next window is read first (the runs
        after it, up to `arm_window` from now), so runs beyond the first window post too.

        With `wait`, returns every outcome once all sends have finished; without (the loop),
        the sends continue as tasks and only the runs settled at once (skipped) are returned.
        Raises what the database raises while claiming; nothing is claimed then, and the next
        pass tries again.
        """
        now = self._clock.now()
        if self._window_end is not None and now >= self._window_end:
            await self._arm_next_window(now)
        if self._in_flight:
            await self._store.renew(
                self._instance, builtins.list(self._in_flight), now + self._claim_lease
            )
        await self._sweep_expired_claims(now)
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
            # A next run beyond the window is armed by the read of the window that reaches it.
            if self._in_window(entry[0]):
                heapq.heappush(self._heap, entry)
        sends = [self._spawn_send(claim) for claim in claims]
        if wait and sends:
            outcomes.extend(await asyncio.gather(*sends))
        return outcomes

    # --- Claiming -----------------------------------------------------------------------

    async def _sweep_expired_claims(self, now: datetime) -> None:
        """Queue for re-sending the owned claims whose lease ran out: their process died (or
        this one's send ended without settling them). The claim pass takes each over only if
        it is still free, so of several processes sweeping, one sends it."""
        queued = {(claim.announcement_id, claim.nonce) for claim in self._resume}
        for row in await self._store.expired_claims(now):
            if row.pending_nonce is None or row.pending_due_utc is None:
                continue
            if not self._owns_guild(row.guild_id) or row.id in self._in_flight:
                continue
            if (row.id, row.pending_nonce) in queued:
                continue
            self._resume.append(_resumed(row))

    def _arm(self, guild_id: int, announcement_id: int, run: datetime) -> None:
        if self._window_end is None or not self._owns_guild(guild_id):
            return  # not loaded: load() reads it from the table; or another process's
        entry = (_epoch(run), announcement_id)
        if not self._in_window(entry[0]):
            return  # armed by the read of the window that reaches it
        sooner = not self._heap or entry[0] < self._heap[0][0]
        heapq.heappush(self._heap, entry)
        if sooner:
            self._wake.set()

    def _pop_due(self, now: datetime) -> builtins.list[HeapEntry]:
        now_epoch = now.timestamp()
        due: list[tuple[int, int]] = []
        while self._heap and self._heap[0][0] <= now_epoch:
            due.append(heapq.heappop(self._heap))
        return due

    async def _claim(
        self, now: datetime, due: Sequence[HeapEntry], resumed: Sequence[DueRun]
    ) -> tuple[builtins.list[RunOutcome], builtins.list[DueRun], builtins.list[HeapEntry]]:
        """One transaction: settle resumed claims, then claim or skip each due run."""
        outcomes: list[RunOutcome] = []
        claims: list[DueRun] = []
        rearm: list[tuple[int, int]] = []
        ids = {announcement_id for _, announcement_id in due}
        ids.update(claim.announcement_id for claim in resumed)
        async with self._db.transaction() as tx:
            rows = await self._store.rows_to_claim(tx, ids)

            lease_until = now + self._claim_lease
            for claim in resumed:
                found = rows.get(claim.announcement_id)
                if found is None or not found.active or found.pending_nonce != claim.nonce:
                    continue
                if claim.announcement_id in self._in_flight or any(
                    taken.announcement_id == claim.announcement_id for taken in claims
                ):
                    continue  # this process is sending it already
                late = now - claim.due_utc
                if late < self._catch_up:
                    # Refused while another live process holds it (its lease has not run
                    # out): that one is sending it; the sweep looks again later.
                    if await self._store.take_over(tx, claim, self._instance, now, lease_until):
                        claims.append(claim)
                    continue
                error = (
                    f"the post due {_shown(claim.due_utc)} was not confirmed before a restart "
                    f"{_minutes(late)} later; not sent again"
                )
                if not await self._store.drop_claim(tx, claim, error, self._instance, now):
                    continue
                log.warning("announcement %d: %s", claim.announcement_id, error)
                found.pending_nonce = None
                outcomes.append(
                    RunOutcome(claim.announcement_id, claim.due_utc, RunStatus.SKIPPED, error=error)
                )

            # Every entry this pass holds or arms: an id is followed by one entry per run.
            known = set(due)

            def follow(announcement_id: int, current: datetime | None) -> None:
                """Arm the row's run as the table has it now: after a reschedule, or a run
                another process claimed, this one still posts the runs after it (the other
                may be the process of a rolling restart that is leaving)."""
                if (
                    current is not None
                    and (entry := (_epoch(current), announcement_id)) not in known
                ):
                    known.add(entry)
                    rearm.append(entry)

            for due_epoch, announcement_id in due:
                row = rows.get(announcement_id)
                if row is None or not row.active or row.next_run_utc is None:
                    continue  # removed, or a once-only one already claimed
                due_utc, stored = row.next_run_utc, row.stored_next_run or ""
                if _epoch(due_utc) != due_epoch:
                    follow(announcement_id, due_utc)  # rescheduled, or claimed elsewhere
                    continue
                try:
                    written = await self._claim_one(tx, row, due_utc, stored, now)
                except Exception as exc:
                    # A broken row (an unknown zone, say) must not hold up the others.
                    log.exception("announcement %d could not be claimed", announcement_id)
                    row.move_to(None)
                    await self._store.mark_unclaimable(
                        tx,
                        announcement_id,
                        stored,
                        f"could not compute its next run: {exc!r}",
                        now,
                    )
                    continue
                if written is None:
                    # Another process claimed (or moved) it since `rows` was read.
                    row.move_to(await self._store.next_run(tx, announcement_id))
                    follow(announcement_id, row.next_run_utc)
                    continue
                outcome, claimed, following = written
                if outcome is not None:
                    outcomes.append(outcome)
                if claimed is not None:
                    claims.append(claimed)
                # Keep the row as written, in case the heap held this id twice.
                row.move_to(following)
                follow(announcement_id, following)
        return outcomes, claims, rearm

    async def _claim_one(
        self, tx: Transaction, row: ClaimRow, due_utc: datetime, expected: str, now: datetime
    ) -> tuple[RunOutcome | None, DueRun | None, datetime | None] | None:
        """Claim or skip the row's due run, if its next run is still `expected` (as stored);
        None when another process got to it first."""
        announcement_id = row.id
        repeat = Repeat(row.repeat)
        following: datetime | None = None
        if repeat is not Repeat.ONCE:
            wall, weekday, zone = parse_hhmm(row.time_local), row.weekday, ZoneInfo(row.zone)
            if now - due_utc >= self._catch_up:
                # Down for longer than a repeat: the stored run is long gone, but the latest
                # one may still be recent enough to post. The runs in between are dropped.
                recent = next_run_after(now - self._catch_up, wall, repeat, weekday, zone)
                if recent <= now:
                    log.warning(
                        "announcement %d (guild %d): runs from %s to before %s were missed while "
                        "the bot was offline; posting the latest only",
                        announcement_id,
                        row.guild_id,
                        _shown(due_utc),
                        _shown(recent),
                    )
                    due_utc = recent
            # From now, not from due_utc: a late run is followed by the next *future* run,
            # never by a burst of the ones missed.
            following = next_run_after(now, wall, repeat, weekday, zone)
        late = now - due_utc
        skip_reason: str | None = None
        if late >= self._catch_up:
            skip_reason = (
                f"the post due {_shown(due_utc)} was {_minutes(late)} late (the bot was "
                "offline); skipped"
            )
        elif row.pending_nonce is not None:
            skip_reason = (
                f"the post due {_shown(due_utc)} was skipped: the previous one was still being sent"
            )
        if skip_reason is not None:
            if not await self._store.skip(
                tx,
                announcement_id,
                expected=expected,
                following=following,
                reason=skip_reason,
                now=now,
            ):
                return None
            log.warning(
                "announcement %d (guild %d): %s", announcement_id, row.guild_id, skip_reason
            )
            outcome = RunOutcome(announcement_id, due_utc, RunStatus.SKIPPED, error=skip_reason)
            return outcome, None, following

        claim = DueRun(
            announcement_id,
            row.guild_id,
            row.channel_id,
            row.kind,
            due_utc,
            run_nonce(announcement_id, due_utc),
        )
        if not await self._store.claim(
            tx,
            claim,
            expected=expected,
            following=following,
            instance=self._instance,
            lease_until=now + self._claim_lease,
        ):
            return None
        row.pending_nonce = claim.nonce
        return None, claim, following

    # --- Sending ------------------------------------------------------------------------

    def _spawn_send(self, claim: DueRun) -> asyncio.Task[RunOutcome]:
        self._in_flight[claim.announcement_id] = claim.nonce
        task = asyncio.create_task(self._send(claim), name=f"announcement-{claim.nonce}")
        self._sends.add(task)
        task.add_done_callback(self._send_finished)
        return task

    def _send_finished(self, task: asyncio.Task[RunOutcome]) -> None:
        self._sends.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Only a BaseException gets here (`_send` catches the rest); say so, once.
            log.error("announcement send ended abruptly", exc_info=task.exception())

    async def _send(self, claim: DueRun) -> RunOutcome:
        try:
            return await self._deliver(claim)
        except Exception as exc:
            # The claim stays; once its lease runs out it is re-sent with the same nonce (by
            # this process's sweep, another's, or the next start).
            log.exception("announcement %d: sending failed unexpectedly", claim.announcement_id)
            return RunOutcome(
                claim.announcement_id, claim.due_utc, RunStatus.FAILED, error=repr(exc)
            )
        finally:
            if self._in_flight.get(claim.announcement_id) == claim.nonce:
                del self._in_flight[claim.announcement_id]

    async def _already_posted(self, claim: DueRun) -> int | None:
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

    async def _may_post(self, run: DueRun, feature: str | None) -> bool:
        """Whether announcements, and the kind's feature, are on in the run's server."""
        if not await self._feature_enabled(run.guild_id, ANNOUNCEMENTS_FEATURE):
            return False
        return feature is None or await self._feature_enabled(run.guild_id, feature)

    async def _deliver(self, claim: DueRun) -> RunOutcome:
        if claim.resumed and (found := await self._already_posted(claim)) is not None:
            log.info(
                "announcement %d: its post %d reached Discord before the restart; confirmed",
                claim.announcement_id,
                found,
            )
            await self._confirm(claim, found)
            return RunOutcome(claim.announcement_id, claim.due_utc, RunStatus.POSTED, found)
        kind = self._kinds.get(claim.kind)
        if kind is None:
            return await self._give_up(
                claim,
                RunStatus.FAILED,
                f"nothing renders announcements of kind {claim.kind!r} (is its cog loaded?)",
            )
        try:
            if not await self._may_post(claim, kind.feature):
                await self._confirm(claim, None)
                return RunOutcome(claim.announcement_id, claim.due_utc, RunStatus.NOTHING)
            language = await self._server_language(claim.guild_id)
            async with self._send_slots:
                message = await kind.render(claim, language)
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
                if not await self._store.still_claimed(claim):
                    return RunOutcome(claim.announcement_id, claim.due_utc, RunStatus.CANCELLED)

        if message.after_post is not None:
            try:
                await message.after_post(message_id)
            except Exception:
                log.exception("announcement %d: after_post failed", claim.announcement_id)
        # Sent at minus due at: posts due together leave one after another under the global
        # rate limit (`bot.rate_limit`), so this is the wait behind the others too.
        lag = self._clock.now() - claim.due_utc
        if self._observe_lag is not None:
            self._observe_lag(lag.total_seconds())
        lag_ms = max(0, round(lag.total_seconds() * 1000))
        await self._confirm(claim, message_id, lag_ms)
        return RunOutcome(claim.announcement_id, claim.due_utc, RunStatus.POSTED, message_id)

    async def _confirm(
        self, claim: DueRun, message_id: int | None, lag_ms: int | None = None
    ) -> None:
        """Step 3: the run is done. `message_id` None: there was nothing to post."""
        async with self._write_slots:
            await self._store.confirm(claim, message_id, self._clock.now(), lag_ms)

    async def _give_up(self, claim: DueRun, status: RunStatus, error: str) -> RunOutcome:
        log.warning(
            "announcement %d (guild %d, channel %d) not posted: %s",
            claim.announcement_id,
            claim.guild_id,
            claim.channel_id,
            error,
        )
        async with self._write_slots:
            await self._store.give_up(claim, error, self._clock.now())
        return RunOutcome(claim.announcement_id, claim.due_utc, status, error=error)

    # --- The loop -----------------------------------------------------------------------

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
        # Never past the window's end either: the pass there reads the next window.
        if self._resume:
            return 0.0
        wake_at: list[float] = [self._heap[0][0]] if self._heap else []
        if self._window_end is not None:
            wake_at.append(self._window_end.timestamp())
        if not wake_at:
            return self._max_sleep
        delay = min(wake_at) - self._clock.now().timestamp()
        return min(max(delay, 0.0), self._max_sleep)


def _epoch(when: datetime) -> int:
    return int(when.timestamp())


def _shown(when: datetime) -> str:
    """An instant as a recorded error shows it to moderators: UTC, to the second."""
    return when.astimezone(UTC).replace(microsecond=0).isoformat()


def _minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _resumed(row: ArmedRow) -> DueRun:
    """The unconfirmed claim `row` (its nonce and due time set) as a run to send again."""
    assert row.pending_nonce is not None
    assert row.pending_due_utc is not None
    return DueRun(
        row.id,
        row.guild_id,
        row.channel_id,
        row.kind,
        row.pending_due_utc,
        row.pending_nonce,
        resumed=True,
    )
