"""The world a session runs in: the emulator on 127.0.0.1 with the demo server (ids stable
across sessions), the real bot connected to it, and its database file.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.client import FanBot
from bot.config import Settings
from discord_emulator import DemoWorld, Emulator, demo_world, running_client
from discord_emulator.state import DISCORD_EPOCH_MS, SnowflakeFactory

from .parse import PlaygroundError

log = logging.getLogger(__name__)

# The demo server's ids are snowflakes of this instant (the single's release), the same in
# every session, so a `--db` file keeps finding its server, members and channels.
STABLE_IDS_AT = datetime(2024, 1, 24, 9, 0, tzinfo=UTC)


class StableSnowflakes(SnowflakeFactory):
    """Snowflakes of one fixed past instant, counted up: the same ids in every session."""

    def __init__(self, at: datetime) -> None:
        super().__init__()
        self._next = (int(at.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22

    def next(self) -> str:
        self._next += 1
        return str(self._next)


def build_world(emu: Emulator) -> DemoWorld:
    """`demo_world` with stable ids, so data saved with `--db` belongs to the same server
    next time (with the emulator's time-based ids every session would be a new server)."""
    live_ids = emu.world.ids
    emu.world.ids = StableSnowflakes(STABLE_IDS_AT)
    try:
        return demo_world(emu)
    finally:
        # Later ids (messages, interactions) are time-based again, so they sort after these.
        emu.world.ids = live_ids


@contextlib.contextmanager
def database_file(path: Path | None) -> Iterator[Path]:
    """The given file, or one in a temporary folder removed at exit (with SQLite's -wal)."""
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Try it here: a file SQLite can't open fails cleanly now, not inside the bot.
            sqlite3.connect(path).close()
        except (OSError, sqlite3.Error) as exc:
            raise PlaygroundError(f"can't open the database {path}: {exc}") from None
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="fanbot-playground-") as folder:
        yield Path(folder) / "playground.sqlite3"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def dashboard_settings(emu: Emulator, port: int | None) -> dict[str, Any]:
    """The bot's dashboard on 127.0.0.1:`port`, its login through the emulator's Discord
    (whose authorize page lets you pick who you are)."""
    if port is None:
        return {}
    url = f"http://127.0.0.1:{port}"
    emu.oauth2_redirect_uris.add(f"{url}/callback")
    return {
        "dashboard_url": url,
        "dashboard_port": port,
        "client_secret": emu.client_secret,
    }


@contextlib.asynccontextmanager
async def bot_in_emulator(
    database: Path, *, server_locale: str = "en-US", dashboard_port: int | None = None
) -> AsyncIterator[tuple[Emulator, DemoWorld]]:
    """The emulator on 127.0.0.1 with the demo server (its Discord language
    `server_locale`), and the real bot connected to it; with `dashboard_port`, the bot
    serves its dashboard there, logging in through the emulator's OAuth2."""
    emu = Emulator()
    await emu.start(host="127.0.0.1")
    try:
        world = build_world(emu)
        world.guild.preferred_locale = server_locale
        settings = Settings(
            token=emu.token or "emulator-token",
            database_path=database,
            api_base=emu.base_url,
            log_level="WARNING",
            **dashboard_settings(emu, dashboard_port),
        )
        bot = FanBot(settings, guild_ready_timeout=0.1)
        async with running_client(bot, emu, token=settings.token, timeout=30):
            yield emu, world
    finally:
        await emu.stop()
        if emu.internal_errors:
            log.error("the emulator hit errors of its own: %r", emu.internal_errors)
