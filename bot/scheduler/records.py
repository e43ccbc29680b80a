"""The scheduler's records: what cogs, posters and `/schedule` see of an announcement."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time
from enum import Enum

import discord

from bot.schedule_time import Repeat


@dataclass(frozen=True)
class DueRun:
    """One run of an announcement that has fallen due and been claimed.

    `nonce` is the same for every attempt at this run, also across restarts, so a renderer
    with side effects (a trivia round, say) can key them by it: a run may be rendered more
    than once when its first send was interrupted. `resumed`: the claim was found unconfirmed
    at start, so its post may have reached Discord before the process died.
    """

    announcement_id: int
    guild_id: int
    channel_id: int
    kind: str
    due_utc: datetime
    nonce: str
    resumed: bool = False


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


# A cog's renderer gets the run and the server's language ("en", "ko"); the dispatcher has
# already checked that the kind's feature is on there. It may return None to post nothing
# this time. If it raises, that run is given up and the error recorded (not retried).
Renderer = Callable[[DueRun, str], Awaitable[OutgoingMessage | None]]


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
    # How many milliseconds after its due time the last post reached Discord (None: unknown).
    last_lag_ms: int | None = None

    @property
    def finished(self) -> bool:
        """A once-only announcement that has run (or been skipped) and has nothing left."""
        return self.next_run_utc is None and self.pending_due_utc is None


@dataclass(frozen=True)
class Rescheduled:
    """What `Scheduler.reschedule_in` changed: the new runs to arm once it has committed."""

    guild_id: int
    runs: tuple[tuple[datetime, int], ...]
    count: int  # announcements moved to the new zone, finished ones included


class RunStatus(Enum):
    POSTED = "posted"
    SKIPPED = "skipped"  # too late (bot was down), or its previous run was still being sent
    FORBIDDEN = "forbidden"
    CHANNEL_GONE = "channel_gone"
    FAILED = "failed"  # refused, transient errors outlasted the window, or rendering failed
    NOTHING = "nothing"  # its feature is off in the server, or the renderer returned None
    CANCELLED = "cancelled"  # removed while being sent


@dataclass(frozen=True)
class RunOutcome:
    announcement_id: int
    due_utc: datetime
    status: RunStatus
    message_id: int | None = None
    error: str | None = None
