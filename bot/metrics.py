"""Health and Prometheus metrics for operators: off unless `METRICS_PORT` is set.

`BotMetrics` holds one bot's metric objects in a registry of its own (tests run several bots
in one process, and the global registry would mix them). They are always recorded (a few
counters in memory); only with `METRICS_PORT` does `MetricsServer` serve them on 127.0.0.1,
beside `/healthz`, and does `LoopLagMonitor` run.

What other code calls, and nothing more:

- `count_interaction(interaction, outcome)`: one command or component click answered, with
  its `Outcome` (the error handler in `bot/errors.py` and `on_app_command_completion` do it);
- `metrics.answer_stored(latency_s)`: a trivia answer is durable, `latency_s` seconds after
  its click reached the bot;
- `metrics.answers_pending.set(n)` (or `.inc()` / `.dec()`): answers received and not yet
  stored;
- `metrics.scheduler_lag(late_s)`: a scheduled post reached Discord `late_s` seconds after its
  due time (the scheduler calls it with its injected clock); past `LATE_POST_SECONDS` it is
  also counted as late.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import discord
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

if TYPE_CHECKING:
    from bot.client import FanBot

log = logging.getLogger(__name__)

METRICS_HOST = "127.0.0.1"  # never another interface: the figures are for the operator only
LOOP_LAG_INTERVAL = 1.0
LABEL_MAX = 100

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
# A scheduled post sent this long after its due time counts in `fanbot_scheduler_late_posts`.
LATE_POST_SECONDS = 60.0
_SCHEDULER_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)
_LOOP_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Outcome(StrEnum):
    """How an interaction ended, as the `outcome` label says."""

    OK = "ok"
    USER_ERROR = "user_error"  # the member's input was refused with a message they can act on
    ERROR = "error"  # unexpected: apologised for with a reference, traceback in the log
    REFUSED = "refused"  # not run at all: not a moderator, feature off, outside a server


class BotMetrics:
    """One bot's Prometheus metrics, in its own `CollectorRegistry`."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.interactions = Counter(
            "fanbot_interactions",
            "Commands and component clicks answered, by command and outcome.",
            ["command", "outcome"],
            registry=self.registry,
        )
        self.answer_latency = Histogram(
            "fanbot_answer_latency_seconds",
            "From a trivia click reaching the bot to its answer being stored.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.answers_pending = Gauge(
            "fanbot_answers_pending",
            "Trivia answers received and not yet stored.",
            registry=self.registry,
        )
        self._scheduler_lag = Histogram(
            "fanbot_scheduler_lag_seconds",
            "How late each scheduled post reached Discord, after its due time.",
            buckets=_SCHEDULER_BUCKETS,
            registry=self.registry,
        )
        self._late_posts = Counter(
            "fanbot_scheduler_late_posts",
            f"Scheduled posts that reached Discord more than {LATE_POST_SECONDS:g} s late.",
            registry=self.registry,
        )
        self.event_loop_lag = Histogram(
            "fanbot_event_loop_lag_seconds",
            f"How much later than asked a {LOOP_LAG_INTERVAL:g} s sleep of the event loop ends.",
            buckets=_LOOP_BUCKETS,
            registry=self.registry,
        )
        self.gateway_latency = Gauge(
            "fanbot_gateway_latency_seconds",
            "Time between the last gateway heartbeat and its acknowledgement (NaN: none yet).",
            registry=self.registry,
        )

    def count(self, command: str, outcome: Outcome) -> None:
        self.interactions.labels(command=command[:LABEL_MAX], outcome=outcome.value).inc()

    def answer_stored(self, latency_s: float) -> None:
        """A trivia answer is stored, `latency_s` seconds after its click reached the bot."""
        self.answer_latency.observe(max(latency_s, 0.0))

    def scheduler_lag(self, late_s: float) -> None:
        """A scheduled post reached Discord `late_s` seconds after its due time."""
        self._scheduler_lag.observe(max(late_s, 0.0))
        if late_s > LATE_POST_SECONDS:
            self._late_posts.inc()

    def exposition(self) -> bytes:
        """Everything in the Prometheus text format."""
        return generate_latest(self.registry)


# Segments of a component's custom id up to the first that carries an id or a number
# (`trivia:12:3` -> `trivia`), so that labels stay few.
_ID_SEGMENT = re.compile(r"\d")


def interaction_label(interaction: discord.Interaction) -> str:
    """`trivia play` for a command; `component:trivia` for a click on a trivia button."""
    command = interaction.command
    if command is not None:
        return command.qualified_name
    data: Any = interaction.data or {}
    custom_id = str(data.get("custom_id", "")) if isinstance(data, dict) else ""
    words: list[str] = []
    for segment in custom_id.split(":"):
        if not segment or _ID_SEGMENT.search(segment):
            break
        words.append(segment)
    return "component:" + (":".join(words) or "other")


def count_interaction(interaction: discord.Interaction, outcome: Outcome) -> None:
    """Count one answered interaction on its bot's metrics (a bare client has none)."""
    metrics = getattr(interaction.client, "metrics", None)
    if isinstance(metrics, BotMetrics):
        metrics.count(interaction_label(interaction), outcome)


# --- Health ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Health:
    """What `/healthz` reports; `ok` (HTTP 200) only when every part is."""

    ready: bool
    gateway_connected: bool
    gateway_latency_s: float | None
    database_writable: bool
    database_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.ready and self.gateway_connected and self.database_writable

    def as_json(self) -> dict[str, Any]:
        latency = self.gateway_latency_s
        return {
            "ok": self.ok,
            "ready": self.ready,
            "gateway": {
                "connected": self.gateway_connected,
                "latency_ms": round(latency * 1000, 1) if latency is not None else None,
            },
            "database": {"writable": self.database_writable, "error": self.database_error},
        }


def gateway_latency(bot: discord.Client) -> float | None:
    latency = bot.latency
    return latency if math.isfinite(latency) else None


def gateway_connected(bot: discord.Client) -> bool:
    """Whether the bot's gateway websocket is open (False while it reconnects); for a sharded
    bot, whether every shard of this process is connected."""
    if bot.is_closed():
        return False
    if isinstance(bot, discord.AutoShardedClient):
        shards = bot.shards.values()
        return bool(shards) and not any(shard.is_closed() for shard in shards)
    ws = getattr(bot, "ws", None)
    return ws is not None and bool(ws.open)


async def check_health(bot: FanBot) -> Health:
    db = bot.db
    if db is None:
        error: str | None = "the database is not open"
    else:
        error = await db.write_error()
    return Health(
        ready=bot.is_ready(),
        gateway_connected=gateway_connected(bot),
        gateway_latency_s=gateway_latency(bot),
        database_writable=error is None,
        database_error=error,
    )


# --- Event-loop lag -------------------------------------------------------------------------


class LoopLagMonitor:
    """Sleeps `interval` seconds again and again and records how much later each sleep ended:
    the time the event loop was too busy to get back to it.

    `now` and `sleep` are the loop's monotonic clock and `asyncio.sleep` unless a test gives
    its own.
    """

    def __init__(
        self,
        observe: Callable[[float], None],
        *,
        interval: float = LOOP_LAG_INTERVAL,
        now: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._observe = observe
        self._interval = interval
        self._now = now
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="event-loop-lag")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        now = self._now or asyncio.get_running_loop().time
        while True:
            started = now()
            await self._sleep(self._interval)
            self._observe(max(now() - started - self._interval, 0.0))


# --- The server -----------------------------------------------------------------------------


class MetricsServerError(Exception):
    """The metrics port could not be opened; the message says which and why."""


class MetricsServer:
    """Serves `/healthz` and `/metrics` for one bot on 127.0.0.1:`port` (0: any free port)."""

    def __init__(self, bot: FanBot, port: int) -> None:
        self._bot = bot
        self._requested_port = port
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        """The port bound once started (the one asked for, or the one picked for 0)."""

    async def start(self) -> None:
        """Listen; raises `MetricsServerError` when the port can't be had."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, METRICS_HOST, self._requested_port)
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise MetricsServerError(
                f"METRICS_PORT={self._requested_port}: can't listen on "
                f"{METRICS_HOST}:{self._requested_port} ({exc.strerror or exc}); choose "
                "another port, or leave METRICS_PORT unset to turn metrics off"
            ) from exc
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.info("metrics: serving /healthz and /metrics on http://%s:%d", METRICS_HOST, self.port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            with contextlib.suppress(Exception):
                await runner.cleanup()

    async def _healthz(self, request: web.Request) -> web.Response:
        health = await check_health(self._bot)
        return web.Response(
            text=json.dumps(health.as_json()),
            status=200 if health.ok else 503,
            content_type="application/json",
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        bot = self._bot
        latency = gateway_latency(bot)
        bot.metrics.gateway_latency.set(latency if latency is not None else math.nan)
        return web.Response(
            body=bot.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
