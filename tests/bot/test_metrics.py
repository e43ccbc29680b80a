"""Metrics without Discord: settings, event-loop lag, scheduler lag, the write check."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.config import ConfigError, load_settings
from bot.metrics import BotMetrics, LoopLagMonitor
from bot.schedule_time import Repeat
from bot.scheduler import DueRun, OutgoingMessage, RunStatus, Scheduler
from bot.sqlite import SqliteDatabase, database_write_error
from tests.support.command_line import run_bot
from tests.support.metrics import samples

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"


# --- METRICS_PORT -------------------------------------------------------------------------


def test_metrics_are_off_unless_a_port_is_set():
    assert load_settings({"DISCORD_TOKEN": TOKEN}).metrics_port is None
    assert load_settings({"DISCORD_TOKEN": TOKEN, "METRICS_PORT": " "}).metrics_port is None
    assert load_settings({"DISCORD_TOKEN": TOKEN, "METRICS_PORT": "9108"}).metrics_port == 9108
    # 0: any free port (the log says which).
    assert load_settings({"DISCORD_TOKEN": TOKEN, "METRICS_PORT": "0"}).metrics_port == 0


@pytest.mark.parametrize("value", ["http", "-1", "65536", "91O8", "9108.0", "١٢٣"])
def test_a_bad_metrics_port_is_named(value):
    with pytest.raises(ConfigError, match=r"METRICS_PORT=.* is not a port"):
        load_settings({"DISCORD_TOKEN": TOKEN, "METRICS_PORT": value})


# --- Registries -----------------------------------------------------------------------------


def test_each_bot_has_a_registry_of_its_own():
    first, second = BotMetrics(), BotMetrics()
    first.answer_stored(0.02)
    first.answers_pending.set(7)
    assert samples(first)[("fanbot_answer_latency_seconds_count", ())] == 1
    assert samples(first)[("fanbot_answers_pending", ())] == 7
    assert samples(second)[("fanbot_answer_latency_seconds_count", ())] == 0
    assert samples(second)[("fanbot_answers_pending", ())] == 0


# --- Event-loop lag -------------------------------------------------------------------------


class SteppedTime:
    """A monotonic clock that a fake sleep moves: each sleep ends `late` seconds late."""

    def __init__(self, late: list[float]) -> None:
        self.now = 100.0
        self._late = late
        self.slept = asyncio.Event()

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if not self._late:
            self.slept.set()
            await asyncio.Event().wait()  # no more sleeps to measure: park until cancelled
        self.now += seconds + self._late.pop(0)


async def test_event_loop_lag_is_the_overshoot_of_each_sleep():
    metrics = BotMetrics()
    steps = SteppedTime([0.0, 0.25, 3.0])
    monitor = LoopLagMonitor(
        metrics.event_loop_lag.observe, interval=1.0, now=steps.time, sleep=steps.sleep
    )
    monitor.start()
    await asyncio.wait_for(steps.slept.wait(), 5)
    assert monitor.running
    await monitor.stop()
    assert not monitor.running
    found = samples(metrics)
    assert found[("fanbot_event_loop_lag_seconds_count", ())] == 3
    assert found[("fanbot_event_loop_lag_seconds_sum", ())] == pytest.approx(3.25)
    assert found[("fanbot_event_loop_lag_seconds_bucket", (("le", "0.005"),))] == 1
    assert found[("fanbot_event_loop_lag_seconds_bucket", (("le", "0.25"),))] == 2
    assert found[("fanbot_event_loop_lag_seconds_bucket", (("le", "2.5"),))] == 2


# --- Scheduler lag --------------------------------------------------------------------------


class Poster:
    def __init__(self) -> None:
        self.sent = 0

    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        self.sent += 1
        return 1000 + self.sent

    async def find_posted(self, channel_id: int, marker: str, since: datetime) -> int | None:
        return None


async def render(run: DueRun, language: str) -> OutgoingMessage:
    return OutgoingMessage(content="hello")


async def test_scheduler_lag_is_how_late_each_run_starts_by_the_injected_clock(tmp_path: Path):
    due = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)  # 09:00 in Seoul
    clock = FakeClock(due - timedelta(hours=1))
    metrics = BotMetrics()
    db = await SqliteDatabase.open(tmp_path / "lag.sqlite3")
    try:
        scheduler = Scheduler(db, clock, Poster(), observe_lag=metrics.scheduler_lag)
        scheduler.register_kind("quote", render)
        await scheduler.load()
        await scheduler.add(1, 2, "quote", time(9, 0), Repeat.DAILY, ZoneInfo("Asia/Seoul"), 3)
        clock.set(due + timedelta(seconds=90))
        outcomes = await scheduler.run_due()
        assert [outcome.status for outcome in outcomes] == [RunStatus.POSTED]
        # The next day's run, on time to the second.
        clock.set(due + timedelta(days=1))
        await scheduler.run_due()
        await scheduler.stop(grace=0)
    finally:
        await db.close()
    found = samples(metrics)
    assert found[("fanbot_scheduler_lag_seconds_count", ())] == 2
    assert found[("fanbot_scheduler_lag_seconds_sum", ())] == pytest.approx(90.0)
    assert found[("fanbot_scheduler_lag_seconds_bucket", (("le", "60.0"),))] == 1
    assert found[("fanbot_scheduler_lag_seconds_bucket", (("le", "120.0"),))] == 2


# --- The write check ------------------------------------------------------------------------


async def test_the_write_check_fails_while_another_process_holds_the_write_lock(tmp_path):
    path = tmp_path / "locked.sqlite3"
    db = await SqliteDatabase.open(path)
    try:
        assert database_write_error(str(path)) is None
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            assert database_write_error(str(path), timeout=0.05) == "database is locked"
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert database_write_error(str(path)) is None
        # The check left no lock behind: the bot's own connection still writes at once.
        await db.execute("INSERT INTO bot_state (key, value) VALUES ('after-check', '1')")
    finally:
        await db.close()


def test_the_write_check_fails_on_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_text("my notes, not a database\n" * 100)
    assert "not a database" in (database_write_error(str(path)) or "")


# --- python -m bot --------------------------------------------------------------------------


def test_python_m_bot_with_its_metrics_port_in_use_says_so_before_connecting(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_bot(
            tmp_path,
            DISCORD_TOKEN=TOKEN,
            # Nothing listens there: a bot that got past its metrics would say "could not reach".
            DISCORD_API_BASE="http://127.0.0.1:9",
            DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
            METRICS_PORT=str(port),
        )
    assert done.returncode == 1
    assert f"METRICS_PORT={port}: can't listen on 127.0.0.1:{port}" in done.stderr
    assert "could not reach Discord" not in done.stderr
    assert "Traceback" not in done.stderr
