"""`python -m bot dashboard`: the dashboard as its own process, beside the bot's processes on
their PostgreSQL database.

It opens the same stores on the same database and logs in to Discord's REST API with the
bot's token, without a gateway: the bot's view of each server is asked of Discord on each
request. It posts nothing and owns no server: the bot's processes hear of every change
through PostgreSQL's notifications (settings, announcements) and act on it. SQLite is
refused: its one writer is the bot, whose caches would not hear of a change made here.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import datetime

import discord

from bot.client import installed_features
from bot.clock import SystemClock
from bot.config import Settings
from bot.dashboard.app import make_app
from bot.dashboard.server import DashboardError, DashboardServer, dashboard_options
from bot.dashboard.services import Services
from bot.dashboard.view import GuildView
from bot.database import open_database
from bot.guild_settings import GuildSettingsStore
from bot.scheduler import DueRun, OutgoingMessage, Scheduler

log = logging.getLogger(__name__)

NEEDS_POSTGRES = (
    "python -m bot dashboard runs beside the bot on its PostgreSQL database (DATABASE_URL): "
    "with the SQLite file, set DASHBOARD_URL for the bot instead, which then serves the "
    "dashboard itself"
)


class PostsNothing:
    """The dashboard process's scheduler never posts: the bot's processes do."""

    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        raise RuntimeError("the dashboard process posts nothing")

    async def find_posted(self, channel_id: int, marker: str, since: datetime) -> int | None:
        return None


async def renders_nothing(run: DueRun, language: str) -> OutgoingMessage:
    raise RuntimeError("the dashboard process renders nothing")


async def run_dashboard(settings: Settings) -> None:
    """Serve the dashboard until SIGINT or SIGTERM. Raises `DashboardError` when a setting
    it needs is missing or its port can't be had, `discord.LoginFailure` for a bad token."""
    if settings.database_url is None:
        raise DashboardError(NEEDS_POSTGRES)
    if settings.dashboard_url is None or settings.client_secret is None:
        raise DashboardError(
            "python -m bot dashboard needs DASHBOARD_URL (its public address) and "
            "DISCORD_CLIENT_SECRET (see README, Dashboard)"
        )
    clock = SystemClock()
    features = installed_features()
    db = await open_database(settings.database_url, busy_timeout=settings.database_busy_timeout)
    client = discord.Client(
        intents=discord.Intents.none(), allowed_mentions=discord.AllowedMentions.none()
    )
    server: DashboardServer | None = None
    store = GuildSettingsStore(db, clock, features)
    # The bot's processes change settings too: this cache follows them.
    following = await store.follow_changes()
    try:
        await client.login(settings.token)
        assert client.application_id is not None
        scheduler = Scheduler(db, clock, PostsNothing(), owns_guild=lambda guild_id: False)
        for feature in features.all:
            for kind in feature.kinds:
                scheduler.register_kind(kind, renders_nothing, feature=feature.name)
        services = Services(
            db=db,
            clock=clock,
            features=features,
            settings=store,
            scheduler=scheduler,
            view=GuildView(client, cache_is_complete=False),
            client=client,
        )
        app = make_app(services, dashboard_options(settings, client.application_id))
        server = DashboardServer(app, settings.dashboard_host, settings.dashboard_port)
        await server.start()
        log.info("dashboard: %s answers at %s", settings.dashboard_url, settings.dashboard_url)
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
        await stopping.wait()
    finally:
        if server is not None:
            await server.stop()
        await following.close()
        await client.close()
        await db.close()
