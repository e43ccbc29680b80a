"""`python -m bot dashboard`: the dashboard as its own process, on the bot's PostgreSQL
database, with the bot's view of each server asked of Discord (the emulator) per request."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp

from bot.client import FanBot
from bot.clock import SystemClock
from bot.config import Settings
from bot.guild_settings import DEFAULT_TIMEZONE
from discord_emulator import Emulator, demo_world, eventually, running_client
from tests.support.bot_process import TOKEN, start_bot_process
from tests.support.dashboard import (
    CLIENT_SECRET,
    DASHBOARD_SECRET,
    dashboard_client_at,
    free_port,
)
from tests.support.dashboard_schedule import add_form
from tests.support.dashboard_settings import open_settings, submit_settings
from tests.support.postgres import PostgresServer


def dashboard_env(emu: Emulator, port: int) -> dict[str, str]:
    return {
        "DASHBOARD_URL": f"http://127.0.0.1:{port}",
        "DASHBOARD_PORT": str(port),
        "DISCORD_CLIENT_SECRET": getattr(emu, "client_secret", CLIENT_SECRET),
        "DASHBOARD_SECRET": DASHBOARD_SECRET,
    }


async def wait_serving(port: int, process: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if process.returncode is not None:
                break
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"http://127.0.0.1:{port}/") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.05)
    stderr = await process.stderr.read() if process.stderr else b""
    raise AssertionError(f"the dashboard never answered: {stderr.decode()[-2000:]}")


async def stop(process: asyncio.subprocess.Process) -> str:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), 20)
    return stderr.decode()


async def test_the_dashboard_process_serves_moderators_from_the_bots_view(
    postgres: PostgresServer,
) -> None:
    url = await postgres.fresh_database()
    async with Emulator(token=TOKEN) as emu:
        world = demo_world(emu)
        port = free_port()
        process = await start_bot_process(
            emu, url, "dashboard", env_more=dashboard_env(emu, port), log_level="INFO"
        )
        try:
            await wait_serving(port, process)
            async with dashboard_client_at(f"http://127.0.0.1:{port}") as moderator:
                moderator.sign_in(world.mod.id, "mod", [world.guild.id])
                status, html = await moderator.get(f"/servers/{world.guild.id}")
                assert status == 200, html
                assert world.guild.name in html
            async with dashboard_client_at(f"http://127.0.0.1:{port}") as member:
                member.sign_in(world.uaena.id, "uaena", [world.guild.id])
                status, _ = await member.get(f"/servers/{world.guild.id}")
                assert status == 403
            # The mod role taken away: refused on the next request, without a new login.
            world.guild.member(world.mod).roles.clear()
            async with dashboard_client_at(f"http://127.0.0.1:{port}") as moderator:
                moderator.sign_in(world.mod.id, "mod", [world.guild.id])
                status, _ = await moderator.get(f"/servers/{world.guild.id}")
                assert status == 403
        finally:
            logs = await stop(process)
        assert process.returncode == 0, logs
        for secret in (TOKEN, DASHBOARD_SECRET, dashboard_env(emu, port)["DISCORD_CLIENT_SECRET"]):
            assert secret not in logs


async def test_the_dashboard_process_refuses_the_sqlite_file(tmp_path) -> None:
    async with Emulator(token=TOKEN) as emu:
        port = free_port()
        process = await start_bot_process(
            emu, tmp_path / "bot.sqlite3", "dashboard", env_more=dashboard_env(emu, port)
        )
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert "PostgreSQL" in stderr.decode()
    assert "DASHBOARD_URL for the bot instead" in stderr.decode()


async def test_a_change_on_the_dashboard_process_reaches_the_running_bot_at_once(
    postgres: PostgresServer,
) -> None:
    """The bot in one process, the dashboard in another: the settings the page saves reach
    the bot's cache, and the announcement it adds the bot's timers, by the database's
    notifications (nothing restarted, nothing polled)."""
    url = await postgres.fresh_database()
    async with Emulator(token=TOKEN) as emu:
        world = demo_world(emu)
        guild_id = int(world.guild.id)
        settings = Settings(token=emu.token, database_url=url, api_base=emu.base_url)
        bot = FanBot(settings, clock=SystemClock(), guild_ready_timeout=0.05)
        async with running_client(bot, emu):
            before = (await bot.guild_settings.get(guild_id)).value("trivia_timeout")
            assert before != 45  # cached now: only a notification can change it
            assert bot.scheduler.armed_count == 0
            port = free_port()
            process = await start_bot_process(
                emu, url, "dashboard", env_more=dashboard_env(emu, port)
            )
            try:
                await wait_serving(port, process)
                async with dashboard_client_at(f"http://127.0.0.1:{port}") as moderator:
                    moderator.sign_in(world.mod.id, "mod", [world.guild.id])
                    form = await open_settings(moderator, guild_id)
                    status, html = await submit_settings(
                        moderator, guild_id, form, setting_trivia_timeout=45
                    )
                    assert status == 200, html
                    deadline = time.monotonic() + 30
                    while (await bot.guild_settings.get(guild_id)).value("trivia_timeout") != 45:
                        assert time.monotonic() < deadline, "the bot kept the old timeout"
                        await asyncio.sleep(0.01)

                    # A daily quote two minutes from now: within the window the bot arms.
                    soon = datetime.now(ZoneInfo(DEFAULT_TIMEZONE)) + timedelta(minutes=2)
                    schedule = f"/servers/{guild_id}/schedule"
                    form = add_form(world.announcements, time=f"{soon:%H:%M}")
                    status, html = await moderator.post_form(
                        f"{schedule}/add", form, token_from=schedule
                    )
                    assert status == 200, html
                    await eventually(lambda: bot.scheduler.armed_count == 1, timeout=30)
            finally:
                logs = await stop(process)
            assert process.returncode == 0, logs
            shown = await emu.slash(world.guild, "general", "mod", "config show")
            assert "45" in shown.message.text()
            assert "on the dashboard" in shown.message.text()
