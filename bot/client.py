"""The bot client: opens the database, loads every cog in `cogs/`, syncs commands."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any

import aiohttp
import discord
from discord.ext import commands

from bot.clock import Clock, SystemClock
from bot.config import Settings, format_shard_ids
from bot.dashboard.app import make_app
from bot.dashboard.server import DashboardServer, dashboard_options
from bot.dashboard.services import Services
from bot.dashboard.view import GuildView
from bot.database import Database, Subscription, open_database
from bot.deadline import DEFER_AFTER, DeadlineGuard
from bot.errors import FanTree
from bot.features import Features, discover_features
from bot.guild_settings import AUTO_LANGUAGE, GuildSettingsStore
from bot.i18n import CommandTranslator, language_of
from bot.member_data import GuildDepartures, MemberData
from bot.metrics import BotMetrics, LoopLagMonitor, MetricsServer, Outcome, count_interaction
from bot.rate_limit import (
    DISCORD_LIMIT,
    GlobalLimit,
    LocalLimiter,
    RequestLimiter,
    SharedLimiter,
    limit_requests,
)
from bot.resources import cog_packages, package_folder
from bot.scheduler import DiscordPoster, Scheduler
from bot.scheduler.dispatcher import DEFAULT_INSTANCE
from bot.shards import IDENTIFY_WINDOW, IdentifyPacer, Monotonic, Sleep, owns

log = logging.getLogger(__name__)

COGS_DIR = package_folder("cogs")


def discover_cogs(folder: Path = COGS_DIR) -> list[str]:
    """Extension names for every cog package in `cogs/` (see `bot.resources.cog_packages`)."""
    return [f"cogs.{package.name}" for package in cog_packages(folder)]


def installed_features(folder: Path = COGS_DIR) -> Features:
    """What the cogs in `cogs/` declare (their `feature.py`): the features this bot serves."""
    return discover_features(discover_cogs(folder))


class FanBot(commands.AutoShardedBot):
    """The Love wins all bot. Needs no privileged intents.

    Always an AutoShardedBot: with SHARD_COUNT (and SHARD_IDS) it runs those shards; without,
    it asks Discord for the recommended count and runs them all here, as a lone process must
    (1 below 2,500 servers, where it is the unsharded bot; past that a plain `Bot` would be
    refused by Discord).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        guild_ready_timeout: float = 2.0,
        defer_after: float = DEFER_AFTER,
        features: Features | None = None,
        global_limit: GlobalLimit | None = DISCORD_LIMIT,
    ) -> None:
        """`global_limit`: Discord's global rate limit, kept by every REST request sent with
        the bot's token (in memory, or shared through PostgreSQL by every process on its
        database); None turns it off (for tests that show what happens without it)."""
        # Until the database is open (and says whether it is shared), the limit is in memory.
        self.global_limit = global_limit
        self.rate_limiter: RequestLimiter | None = (
            LocalLimiter(global_limit) if global_limit is not None else None
        )
        intents = discord.Intents.none()
        intents.guilds = True  # channels and roles for /config and the scheduler
        super().__init__(
            command_prefix=commands.when_mentioned,  # slash commands only; no message content
            intents=intents,
            tree_cls=FanTree,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            guild_ready_timeout=guild_ready_timeout,
            **shard_options(settings),
            http_trace=limit_requests(lambda: self.rate_limiter),
        )
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        # Known before any cog is loaded: `/config` and `/schedule` build their choices and
        # the per-setting subcommands from it.
        self.features = features if features is not None else installed_features()
        self.db: Database | None = None
        self._guild_settings: GuildSettingsStore | None = None
        self._settings_changes: Subscription | None = None
        self._scheduler: Scheduler | None = None
        self._schedule_changes: Subscription | None = None
        self._member_data: MemberData | None = None
        self._departures: GuildDepartures | None = None
        self._departures_task: asyncio.Task[None] | None = None
        # Always recorded (cheap); served, with the loop-lag task, only with METRICS_PORT.
        self.metrics = BotMetrics()
        self._metrics_server: MetricsServer | None = None
        self._dashboard: DashboardServer | None = None
        self._loop_lag = LoopLagMonitor(self.metrics.event_loop_lag.observe)
        # Every interaction is answered within Discord's 3 s, whatever its handler waits on.
        self.deadlines = DeadlineGuard(defer_after=defer_after)
        self.add_listener(self._watch_interaction, "on_interaction")
        # The pace of this process's IDENTIFYs, made from /gateway/bot's max_concurrency at
        # the first one; tests replace the clock and the wait before the bot logs in.
        self.identify_monotonic: Monotonic = time.monotonic
        self.identify_sleep: Sleep = asyncio.sleep
        self._identify_pacer: IdentifyPacer | None = None
        self._identify_pacer_lock = asyncio.Lock()

    async def _watch_interaction(self, interaction: discord.Interaction) -> None:
        self.deadlines.watch(interaction)

    def add_dynamic_items(self, *items: type[discord.ui.DynamicItem[Any]]) -> None:
        """Register persistent components, and tell the deadline guard how they answer."""
        super().add_dynamic_items(*items)
        self.deadlines.declare_components(*items)

    @property
    def database(self) -> Database:
        if self.db is None:
            raise RuntimeError("the database is opened in setup_hook")
        return self.db

    @property
    def guild_settings(self) -> GuildSettingsStore:
        if self._guild_settings is None:
            raise RuntimeError("settings are available once setup_hook ran")
        return self._guild_settings

    @property
    def scheduler(self) -> Scheduler:
        if self._scheduler is None:
            raise RuntimeError("the scheduler is created in setup_hook")
        return self._scheduler

    @property
    def member_data(self) -> MemberData:
        """Where cogs register their erasers (`/privacy forget`, departed servers)."""
        if self._member_data is None:
            raise RuntimeError("the erasers' registry is created in setup_hook")
        return self._member_data

    @property
    def departures(self) -> GuildDepartures:
        if self._departures is None:
            raise RuntimeError("departures are tracked once setup_hook ran")
        return self._departures

    def owns_guild(self, guild_id: int) -> bool:
        """Whether this process serves `guild_id`: always, unless it runs some of many shards.

        With shard clusters each process runs its SHARD_IDS; the scheduler, the trivia rounds
        and the erasers of departed servers then take only those shards' servers.
        """
        return owns(guild_id, self.shard_count, self.shard_ids)

    @property
    def scheduler_instance(self) -> str:
        """Whose claims on announcements are this process's: its shards. A process of a
        cluster started again on the same shards takes its unconfirmed posts back at once;
        another's it takes over only once their lease has run out."""
        count, ids = self.settings.shard_count, self.settings.shard_ids
        if count is None or ids is None:
            return DEFAULT_INSTANCE
        return f"shards {format_shard_ids(ids)} of {count}"

    @property
    def syncs_commands(self) -> bool:
        """Whether this process syncs the commands: the one running shard 0 (or every
        shard), so that a cluster of processes syncs once."""
        return self.shard_ids is None or 0 in self.shard_ids

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait as Discord's `max_concurrency` asks (see `bot.shards.IdentifyPacer`) instead
        of discord.py's 5 s before every IDENTIFY but the first; on PostgreSQL, also for the
        cluster's other processes identifying a shard of the same bucket."""
        async with self._identify_pacer_lock:
            if self._identify_pacer is None:
                self._identify_pacer = IdentifyPacer(
                    await self._max_concurrency(),
                    monotonic=self.identify_monotonic,
                    sleep=self.identify_sleep,
                )
        await self._identify_pacer.wait(shard_id or 0)
        if self.db is not None:
            # The other processes of a cluster on this database wait for this bucket too.
            bucket = self._identify_pacer.bucket(shard_id or 0)
            # Half a second more than Discord's window: the time this IDENTIFY takes to get
            # there, so that another process's, sent when the lock is free, comes after it.
            await self.db.hold_lock("identify", bucket, IDENTIFY_WINDOW + 0.5)

    async def _max_concurrency(self) -> int:
        """How many shards may IDENTIFY at once, from /gateway/bot; 1 (the pace everyone
        is allowed) when it can't be read."""
        try:
            limits = await self.fetch_session_start_limits()
        except (discord.HTTPException, discord.GatewayNotFound, aiohttp.ClientError) as exc:
            log.warning("could not read max_concurrency (%s); identifying one at a time", exc)
            return 1
        log.info(
            "identifying shards %d at a time; %d of %d session starts left today",
            limits.max_concurrency,
            limits.remaining,
            limits.total,
        )
        return limits.max_concurrency

    async def feature_enabled(self, guild_id: int, feature: str) -> bool:
        """Whether `feature` (a `/config cog` name) is on in the server."""
        settings = await self.guild_settings.get(guild_id)
        return settings.cog_enabled(feature)

    async def server_language(self, guild_id: int) -> str:
        """The language ("en", "ko", ...) the bot writes in where no member's locale applies
        (trivia rounds, scheduled posts): the one `/config language` chose, or with `auto`
        (the default) the server's preferred Discord locale. The one place that decides it."""
        chosen = (await self.guild_settings.get(guild_id)).language
        if chosen != AUTO_LANGUAGE:
            return chosen
        guild = self.get_guild(guild_id)
        return language_of(guild.preferred_locale if guild else None)

    async def open_database(self) -> None:
        """Open and migrate the database (once). `python -m bot` calls it before connecting,
        so a database problem is reported even when Discord can't be reached.

        Raises `DatabaseError` when the file can't be used.
        """
        if self.db is not None:
            return
        self.db = await open_database(
            self.settings.database_url or self.settings.database_path,
            busy_timeout=self.settings.database_busy_timeout,
        )
        if self.global_limit is not None and self.db.dialect == "postgresql":
            # Every process on this database draws on the same 50 requests a second.
            self.rate_limiter = SharedLimiter(self.db, self.global_limit)
        self._guild_settings = GuildSettingsStore(self.db, self.clock, self.features)
        # Other processes and other writers change settings too (PostgreSQL tells us).
        self._settings_changes = await self._guild_settings.follow_changes()
        self._scheduler = Scheduler(
            self.db,
            self.clock,
            DiscordPoster(self),
            owns_guild=self.owns_guild,
            feature_enabled=self.feature_enabled,
            server_language=self.server_language,
            observe_lag=self.metrics.scheduler_lag,
            instance=self.scheduler_instance,
        )
        # So are announcements (the dashboard's process adds some for five minutes from now).
        self._schedule_changes = await self._scheduler.follow_changes()
        self._member_data = MemberData(self.db)
        # The core's own per-server rows; cogs register theirs in their setup().
        self._member_data.register("settings", forget_guild=self._guild_settings.forget_guild)
        self._member_data.register("announcements", forget_guild=self._scheduler.forget_guild)
        self._departures = GuildDepartures(
            self.db,
            self.clock,
            self._member_data,
            owns_guild=self.owns_guild,
            in_guild=lambda guild_id: self.get_guild(guild_id) is not None,
        )

    @property
    def metrics_port(self) -> int | None:
        """The port /healthz and /metrics are served on (None: METRICS_PORT is unset)."""
        return self._metrics_server.port if self._metrics_server is not None else None

    async def start_metrics(self) -> None:
        """With METRICS_PORT, serve /healthz and /metrics and measure event-loop lag (once).

        `python -m bot` calls it before connecting, so a port in use is reported at once.
        Raises `MetricsServerError` when the port can't be opened.
        """
        port = self.settings.metrics_port
        if port is None or self._metrics_server is not None:
            return
        server = MetricsServer(self, port)
        await server.start()
        self._metrics_server = server
        self._loop_lag.start()

    @property
    def dashboard(self) -> DashboardServer | None:
        """The dashboard this process serves (None: DASHBOARD_URL is unset)."""
        return self._dashboard

    async def start_dashboard(self) -> None:
        """With DASHBOARD_URL, serve the moderators' dashboard beside the bot (once), on the
        bot's own stores and its view of the servers. Raises `DashboardError` when its port
        can't be had."""
        if self.settings.dashboard_url is None or self._dashboard is not None:
            return
        assert self.application_id is not None, "the dashboard starts after login"
        services = Services(
            db=self.database,
            clock=self.clock,
            features=self.features,
            settings=self.guild_settings,
            scheduler=self.scheduler,
            # With every shard here, the gateway's cache holds every server the bot is in.
            view=GuildView(self, cache_is_complete=self.settings.shard_ids is None),
            client=self,
        )
        app = make_app(services, dashboard_options(self.settings, self.application_id))
        server = DashboardServer(app, self.settings.dashboard_host, self.settings.dashboard_port)
        await server.start()
        self._dashboard = server

    async def setup_hook(self) -> None:
        await self.open_database()
        await self.start_metrics()
        await self.tree.set_translator(CommandTranslator())
        for extension in discover_cogs():
            await self.load_extension(extension)
        # Cogs registered their announcement kinds while loading: each must be a declared one,
        # and each declared one rendered, or `/schedule add` would offer what nothing posts.
        self.features.check_kinds(self.scheduler.kinds)
        await self.sync_commands()
        await self.scheduler.start()
        await self.start_dashboard()
        self._departures_task = asyncio.create_task(
            self._erase_departed_forever(), name="departed-servers"
        )

    async def _erase_departed_forever(self) -> None:
        # After ready: only then does the guild cache say which servers the bot is back in.
        await self.wait_until_ready()
        await self.departures.erase_forever()

    async def command_payload(self, guild: discord.abc.Snowflake | None = None) -> list[Any]:
        """The commands as `tree.sync` sends them to Discord: translated (names, descriptions
        and choices in every locale the catalogs have) when a translator is set, as
        `setup_hook` does."""
        translator = self.tree.translator
        return [
            await command.get_translated_payload(self.tree, translator)
            if translator is not None
            else command.to_dict(self.tree)
            for command in self.tree.get_commands(guild=guild)
        ]

    async def sync_commands(self) -> None:
        """Sync to DEV_GUILD_ID (instant) or globally, only when the commands changed, and
        only in the process that runs shard 0 (`syncs_commands`)."""
        if not self.syncs_commands:
            log.info(
                "not syncing commands: shards %s of %d leave that to the process with shard 0",
                format_shard_ids(tuple(self.shard_ids or ())),
                self.shard_count,
            )
            return
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = await self.command_payload(guild)
        fingerprint = hashlib.sha256(
            json.dumps([payload, guild and guild.id, self.application_id], sort_keys=True).encode()
        ).hexdigest()
        row = await self.database.fetchone(
            "SELECT value FROM bot_state WHERE key = 'commands_fingerprint'"
        )
        if row and row["value"] == fingerprint:
            log.info("commands unchanged since the last sync; not syncing")
            return
        synced = await self.tree.sync(guild=guild)
        await self.database.execute(
            "INSERT INTO bot_state (key, value) VALUES ('commands_fingerprint', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (fingerprint,),
        )
        where = f"server {guild.id}" if guild else "all servers"
        log.info("synced %d commands to %s: %s", len(synced), where, _names(synced))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        # Kicked or the server was deleted: its settings need not stay in memory, and its
        # data is erased once it has been gone for DEPARTED_KEEP.
        if self._guild_settings is not None:
            self._guild_settings.forget(guild.id)
        if self._departures is not None:
            await self._departures.left(guild.id)
            log.info(
                "left server %d; its data is erased if it is still gone in %d days",
                guild.id,
                self._departures.keep.days,
            )

    async def on_guild_join(self, guild: discord.Guild) -> None:
        if self._departures is not None and await self._departures.returned(guild.id):
            log.info("back in server %d before its data was erased; nothing lost", guild.id)

    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: object
    ) -> None:
        count_interaction(interaction, Outcome.OK)

    async def on_ready(self) -> None:
        log.info("ready as %s in %d server(s)", self.user, len(self.guilds))

    async def close(self) -> None:
        if self._departures_task is not None:
            self._departures_task.cancel()
            await asyncio.gather(self._departures_task, return_exceptions=True)
            self._departures_task = None
        await self._loop_lag.stop()
        if self._dashboard is not None:
            await self._dashboard.stop()
            self._dashboard = None
        if self._metrics_server is not None:
            await self._metrics_server.stop()
            self._metrics_server = None
        # The scheduler first, so posts in flight can finish while the HTTP session is open.
        if self._scheduler is not None:
            await self._scheduler.stop()
        if self._schedule_changes is not None:
            await self._schedule_changes.close()
            self._schedule_changes = None
        if self._ready is discord.utils.MISSING:
            # Closed before it logged in (a database or metrics problem): AutoShardedClient's
            # close needs what login sets up, so set it up as login would, then close.
            await self._async_setup_hook()
        await super().close()
        await self.deadlines.close()
        if self._settings_changes is not None:
            await self._settings_changes.close()
            self._settings_changes = None
        if self.db is not None:
            await self.db.close()
            self.db = None


def shard_options(settings: Settings) -> dict[str, Any]:
    """AutoShardedBot's shard options from the settings: only those set, so that without
    them discord.py asks /gateway/bot for the recommended count."""
    options: dict[str, Any] = {}
    if settings.shard_count is not None:
        options["shard_count"] = settings.shard_count
    if settings.shard_ids is not None:
        options["shard_ids"] = list(settings.shard_ids)
    return options


def _names(commands_: list[discord.app_commands.AppCommand]) -> str:
    return ", ".join(sorted(f"/{command.name}" for command in commands_))
