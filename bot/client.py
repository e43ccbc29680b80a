"""The bot client: opens the database, loads every cog in `cogs/`, syncs commands."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import discord
from discord.ext import commands

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.database import Database
from bot.errors import FanTree
from bot.guild_settings import GuildSettingsStore
from bot.i18n import CommandTranslator

log = logging.getLogger(__name__)

COGS_DIR = Path(__file__).resolve().parent.parent / "cogs"


def discover_cogs(folder: Path = COGS_DIR) -> list[str]:
    """Extension names for every module or package in `cogs/` (not `_private` ones)."""
    names = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(("_", ".")):
            continue
        if path.suffix == ".py" or (path.is_dir() and (path / "__init__.py").exists()):
            names.append(f"cogs.{path.stem}")
    return names


class FanBot(commands.Bot):
    """The Love wins all bot. Needs no privileged intents."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # channels and roles for /config and the scheduler
        super().__init__(
            command_prefix=commands.when_mentioned,  # slash commands only; no message content
            intents=intents,
            tree_cls=FanTree,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
        )
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.db: Database | None = None
        self._guild_settings: GuildSettingsStore | None = None

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

    async def setup_hook(self) -> None:
        self.db = await Database.open(self.settings.database_path)
        self._guild_settings = GuildSettingsStore(self.db, self.clock)
        await self.tree.set_translator(CommandTranslator())
        for extension in discover_cogs():
            await self.load_extension(extension)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Sync to DEV_GUILD_ID (instant) or globally, only when the commands changed."""
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = [
            await command.get_translated_payload(self.tree, self.tree.translator)
            for command in self.tree.get_commands(guild=guild)
        ]
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

    async def on_ready(self) -> None:
        log.info("ready as %s in %d server(s)", self.user, len(self.guilds))

    async def close(self) -> None:
        await super().close()
        if self.db is not None:
            await self.db.close()
            self.db = None


def _names(commands_: list[discord.app_commands.AppCommand]) -> str:
    return ", ".join(sorted(f"/{command.name}" for command in commands_))
