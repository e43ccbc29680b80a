"""A bot on PostgreSQL posts on time an announcement that another process (the dashboard's)
adds for two minutes from now: the database names the server, and the scheduler FanBot
follows with re-reads it (`Scheduler.follow_changes`), instead of finding it at the next
read of its hour-long window."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.client import FanBot
from bot.clock import FakeClock
from bot.config import Settings
from bot.postgres import PostgresDatabase
from bot.schedule_time import Repeat
from bot.scheduler import RunStatus, Scheduler
from discord_emulator import DemoWorld, Emulator, eventually, running_client
from tests.support.announcements import START
from tests.support.postgres import PostgresServer
from tests.support.scheduler import NoPoster, nothing_to_post

pytestmark = pytest.mark.asyncio

SEOUL = ZoneInfo("Asia/Seoul")


async def test_an_announcement_another_process_adds_is_posted_on_time(
    emu: Emulator, world: DemoWorld, postgres: PostgresServer
):
    url = await postgres.fresh_database()
    clock = FakeClock(START)  # 17:00 in Seoul
    settings = Settings(token=emu.token, database_url=url, api_base=emu.base_url)
    bot = FanBot(settings, clock=clock, guild_ready_timeout=0.05)
    # The dashboard's process: its own pool, a scheduler that only writes rows.
    dashboard_db = await PostgresDatabase.open(url)
    dashboard = Scheduler(dashboard_db, clock, NoPoster())
    dashboard.register_kind("quote", nothing_to_post)
    try:
        async with running_client(bot, emu):
            assert bot.scheduler.armed_count == 0
            added = await dashboard.add(
                int(world.guild.id),
                int(world.announcements.id),
                "quote",
                time(17, 2),
                Repeat.ONCE,
                SEOUL,
                int(world.mod.id),
            )
            await eventually(lambda: bot.scheduler.armed_count == 1, timeout=30)

            clock.advance(timedelta(minutes=2))
            [outcome] = await bot.scheduler.run_due()
            assert outcome.status is RunStatus.POSTED
            posted = await emu.wait_for_message(world.announcements)
            assert f"⏰ #{added.id}" in posted.text()
    finally:
        await dashboard_db.close()
