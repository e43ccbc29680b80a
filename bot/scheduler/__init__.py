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

Cogs render the posts: `register_kind("quote", render, feature="symbols")`; the dispatcher
skips a run whose feature is off in its server and hands the renderer the server's language.
This package never imports a cog. Its modules:

- `records`: what cogs, posters and `/schedule` see (`DueRun`, `OutgoingMessage`, ...);
- `kinds`: which cog renders which kind, and the feature it obeys;
- `marks`: a run's nonce and the mark in its post's footer;
- `poster`: posting to Discord, and finding a post again after a crash;
- `store`: every SQL statement on `announcements`;
- `dispatcher`: the `Scheduler`, its heap and its claim, send and confirm, and the re-reads
  of servers whose schedule another writer changed (`follow_changes`, PostgreSQL only).
"""

from bot.scheduler.dispatcher import (
    ANNOUNCEMENTS_CHANNEL,
    ANNOUNCEMENTS_FEATURE,
    DEFAULT_CATCH_UP,
    DEFAULT_MAX_CONCURRENT_POSTS,
    DEFAULT_MAX_SLEEP,
    DEFAULT_RETRY_DELAYS,
    FeatureCheck,
    Scheduler,
    ServerLanguage,
    ZoneReader,
)
from bot.scheduler.kinds import Kind, UnknownKind
from bot.scheduler.marks import NONCE_MAX_LENGTH, run_marker, run_nonce, with_marker
from bot.scheduler.poster import (
    HISTORY_LOOKUP_LIMIT,
    HISTORY_SLACK,
    ChannelGone,
    DiscordPoster,
    Poster,
    PostFailed,
    PostForbidden,
)
from bot.scheduler.records import (
    Announcement,
    DueRun,
    OutgoingMessage,
    Renderer,
    Rescheduled,
    RunOutcome,
    RunStatus,
)
from bot.scheduler.store import TooManyAnnouncements

__all__ = [
    "ANNOUNCEMENTS_CHANNEL",
    "ANNOUNCEMENTS_FEATURE",
    "DEFAULT_CATCH_UP",
    "DEFAULT_MAX_CONCURRENT_POSTS",
    "DEFAULT_MAX_SLEEP",
    "DEFAULT_RETRY_DELAYS",
    "HISTORY_LOOKUP_LIMIT",
    "HISTORY_SLACK",
    "NONCE_MAX_LENGTH",
    "Announcement",
    "ChannelGone",
    "DiscordPoster",
    "DueRun",
    "FeatureCheck",
    "Kind",
    "OutgoingMessage",
    "PostFailed",
    "PostForbidden",
    "Poster",
    "Renderer",
    "Rescheduled",
    "RunOutcome",
    "RunStatus",
    "Scheduler",
    "ServerLanguage",
    "TooManyAnnouncements",
    "UnknownKind",
    "ZoneReader",
    "run_marker",
    "run_nonce",
    "with_marker",
]
