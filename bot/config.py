"""Settings read from the environment (and `.env`), validated once at start.

Where things are found, one rule for both: `.env` is the one in the folder the bot is started
from or the nearest folder above it, and a relative `DATABASE_PATH` is taken from the folder
that `.env` is in (from the start folder when there is none). Started anywhere inside the
project, the bot reads the same `.env` and opens the same database.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DATABASE_PATH = Path("data/fanbot.sqlite3")
ENV_FILE_NAME = ".env"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_DASHBOARD_HOST = "127.0.0.1"
DEFAULT_DASHBOARD_PORT = 8080
LOOPBACK_PREFIXES = ("http://127.", "http://localhost", "http://[::1]")

TOKEN_HELP = (
    "DISCORD_TOKEN is not set. Create a bot at https://discord.com/developers/applications "
    "(Bot > Reset Token), then put DISCORD_TOKEN=<token> in a .env file in the folder you "
    "start the bot from (see .env.example)."
)


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and what is accepted."""


@dataclass(frozen=True)
class Settings:
    """Everything the operator configures. `token` never appears in repr or logs."""

    token: str = field(repr=False)
    database_path: Path = DEFAULT_DATABASE_PATH
    # PostgreSQL instead of the SQLite file (DATABASE_PATH is then unused); holds the
    # password, so never in repr or logs (`bot.postgres.redacted` shows it without).
    database_url: str | None = field(default=None, repr=False)
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    # Points discord.py at a local emulator; unset in production.
    api_base: str | None = None
    # Serve /healthz and /metrics on 127.0.0.1:metrics_port (0: any free port); None: off.
    metrics_port: int | None = None
    # Seconds a statement waits for another process's lock on the database before the
    # member is told the bot is busy (tests shorten it).
    database_busy_timeout: float = 5.0
    # Shard clusters: how many shards the bot has in all, and which of them this process
    # runs (sorted; None: all of them). Both None: Discord's recommended count, all here.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    # The moderators' web dashboard (bot/dashboard/): its public base URL (None: off), the
    # address it listens on, and Discord's OAuth2 client credentials. The secrets never
    # appear in repr or logs.
    dashboard_url: str | None = None
    dashboard_host: str = DEFAULT_DASHBOARD_HOST
    dashboard_port: int = DEFAULT_DASHBOARD_PORT
    client_id: int | None = None
    client_secret: str | None = field(default=None, repr=False)
    # Signs and encrypts the dashboard's session cookie; None: a new key at every start.
    dashboard_secret: str | None = field(default=None, repr=False)

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]


def find_env_file(start: Path | None = None) -> Path | None:
    """The `.env` file in `start` (default: the current folder) or the nearest folder above
    it, as an absolute path; None when there is none (as python-dotenv's
    `find_dotenv(usecwd=True)` looks)."""
    folder = (start or Path.cwd()).absolute()
    for up in (folder, *folder.parents):
        candidate = up / ENV_FILE_NAME
        if candidate.is_file():
            return candidate
    return None


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    require_token: bool = True,
    base_folder: Path | None = None,
) -> Settings:
    """Build `Settings` from `env` (default: `os.environ`).

    A relative `DATABASE_PATH` (and the default one) is made absolute against `base_folder`:
    the folder of the `.env` that was read (default: the current folder).
    Raises `ConfigError` listing every bad value, so an operator fixes them in one go.
    """
    env = os.environ if env is None else env
    base_folder = (base_folder or Path.cwd()).absolute()
    problems: list[str] = []

    token = env.get("DISCORD_TOKEN", "").strip()
    if not token and require_token:
        problems.append(TOKEN_HELP)
    elif token and (any(ch.isspace() for ch in token) or len(token) < 20):
        problems.append(
            "DISCORD_TOKEN does not look like a bot token (it should be one line of about "
            "70 characters, with no spaces)."
        )

    raw_path = env.get("DATABASE_PATH", "").strip()
    database_path = base_folder / (Path(raw_path) if raw_path else DEFAULT_DATABASE_PATH)
    if database_path.exists() and database_path.is_dir():
        problems.append(
            f"DATABASE_PATH={raw_path} is a folder ({database_path}); give the path of a file."
        )

    database_url = env.get("DATABASE_URL", "").strip() or None
    if database_url and not database_url.startswith(("postgresql://", "postgres://")):
        problems.append(
            "DATABASE_URL must be a PostgreSQL URL (postgresql://user:password@host:5432/name); "
            "leave it unset to use the SQLite file at DATABASE_PATH."
        )

    dev_guild_id: int | None = None
    raw_guild = env.get("DEV_GUILD_ID", "").strip()
    if raw_guild:
        if raw_guild.isdigit() and 15 <= len(raw_guild) <= 20:
            dev_guild_id = int(raw_guild)
        else:
            problems.append(
                f"DEV_GUILD_ID={raw_guild!r} is not a server id: right-click the server with "
                "Developer Mode on and choose Copy Server ID (a number of 17-20 digits), "
                "or leave it unset for global commands."
            )

    log_level = env.get("LOG_LEVEL", "").strip().upper() or "INFO"
    if log_level not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL={log_level!r} is not one of {', '.join(LOG_LEVELS)}.")

    api_base = env.get("DISCORD_API_BASE", "").strip().rstrip("/") or None
    if api_base and not api_base.startswith(LOOPBACK_PREFIXES):
        problems.append(
            "DISCORD_API_BASE only points the bot at a local emulator "
            "(http://127.0.0.1:PORT); leave it unset to talk to Discord."
        )

    metrics_port: int | None = None
    raw_port = env.get("METRICS_PORT", "").strip()
    if raw_port:
        if raw_port.isascii() and raw_port.isdigit() and int(raw_port) <= 65535:
            metrics_port = int(raw_port)
        else:
            problems.append(
                f"METRICS_PORT={raw_port[:20]!r} is not a port: give a number from 1 to 65535 "
                "(the bot serves /healthz and /metrics on 127.0.0.1 there), or leave it unset "
                "to turn metrics off."
            )

    shard_count, shard_ids = read_shards(env, problems)
    dashboard = read_dashboard(env, problems)

    if problems:
        raise ConfigError("\n".join(problems))
    return Settings(
        token=token,
        database_path=database_path,
        database_url=database_url,
        dev_guild_id=dev_guild_id,
        log_level=log_level,
        api_base=api_base,
        metrics_port=metrics_port,
        shard_count=shard_count,
        shard_ids=shard_ids,
        **dashboard,
    )


def read_dashboard(env: Mapping[str, str], problems: list[str]) -> dict[str, Any]:
    """DASHBOARD_URL, DASHBOARD_HOST, DASHBOARD_PORT, DISCORD_CLIENT_ID,
    DISCORD_CLIENT_SECRET and DASHBOARD_SECRET, as `Settings` fields; what is wrong is added
    to `problems`. The client secret is needed only when the dashboard is on."""
    found: dict[str, Any] = {}
    url = env.get("DASHBOARD_URL", "").strip().rstrip("/")
    if url:
        if not (url.startswith("https://") or url.startswith(LOOPBACK_PREFIXES)):
            problems.append(
                f"DASHBOARD_URL={url[:60]!r} must be the dashboard's public https:// address "
                "(or http://127.0.0.1:PORT to try it on this machine): Discord sends "
                "moderators back to it after they log in, with their login in the cookie."
            )
        found["dashboard_url"] = url
    host = env.get("DASHBOARD_HOST", "").strip()
    if host:
        found["dashboard_host"] = host
    raw_port = env.get("DASHBOARD_PORT", "").strip()
    if raw_port:
        if raw_port.isascii() and raw_port.isdigit() and int(raw_port) <= 65535:
            found["dashboard_port"] = int(raw_port)
        else:
            problems.append(
                f"DASHBOARD_PORT={raw_port[:20]!r} is not a port: give a number from 1 to "
                f"65535 (default {DEFAULT_DASHBOARD_PORT})."
            )
    raw_id = env.get("DISCORD_CLIENT_ID", "").strip()
    if raw_id:
        if raw_id.isascii() and raw_id.isdigit() and 15 <= len(raw_id) <= 20:
            found["client_id"] = int(raw_id)
        else:
            problems.append(
                f"DISCORD_CLIENT_ID={raw_id[:30]!r} is not an application id: copy the "
                "Application ID from the developer portal's General Information page, or "
                "leave it unset to use the bot's own."
            )
    secret = env.get("DISCORD_CLIENT_SECRET", "").strip()
    if secret:
        found["client_secret"] = secret
    elif url:
        problems.append(
            "DASHBOARD_URL is set but DISCORD_CLIENT_SECRET is not: copy the Client Secret "
            "from the developer portal (OAuth2 > Client Secret > Reset Secret) into .env, "
            "or leave DASHBOARD_URL unset to turn the dashboard off."
        )
    cookie_secret = env.get("DASHBOARD_SECRET", "").strip()
    if cookie_secret:
        if len(cookie_secret) < 32:
            problems.append(
                "DASHBOARD_SECRET must be at least 32 characters (make one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`), or leave "
                "it unset for a new one at every start (moderators then log in again)."
            )
        found["dashboard_secret"] = cookie_secret
    return found


# More than any bot runs (Discord recommends one shard per 1,000 servers); a bound, so a
# typo like 0-1000000000 is refused instead of filling memory.
MAX_SHARDS = 100_000
SHARD_IDS_FORM = "shard numbers and ranges separated by commas, as 0-3, 0,2,5 or 0-3,8-11"


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """The shard ids `text` lists (`0-3`, `0,2,5`, `0-3,8-11`), sorted.

    Raises ValueError saying what is wrong: an empty part, a part that is not a number or a
    range, a range that runs backwards, or an id listed twice.
    """
    ids: set[int] = set()
    repeated: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        low, dash, high = (side.strip() for side in part.partition("-"))
        if not dash:
            high = low
        if not (low.isascii() and low.isdigit() and high.isascii() and high.isdigit()):
            shown = f"{part[:20]!r}" if part else "an empty part"
            raise ValueError(f"{shown} is not a shard number or a range; give {SHARD_IDS_FORM}")
        first, last = int(low), int(high)
        if last >= MAX_SHARDS:
            raise ValueError(f"{last} is more shards than a bot has (at most {MAX_SHARDS - 1})")
        if first > last:
            raise ValueError(f"the range {part!r} runs backwards; write it as {last}-{first}")
        span = set(range(first, last + 1))
        repeated |= ids & span
        ids |= span
    if repeated:
        listed = ", ".join(str(shard) for shard in sorted(repeated)[:10])
        raise ValueError(f"shard {listed} is listed twice; give each shard once")
    return tuple(sorted(ids))


def format_shard_ids(shard_ids: tuple[int, ...]) -> str:
    """Sorted shard ids as SHARD_IDS writes them, runs as ranges: (0, 1, 2, 5) -> `0-2,5`."""
    runs: list[tuple[int, int]] = []
    for shard in shard_ids:
        if runs and shard == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], shard)
        else:
            runs.append((shard, shard))
    return ",".join(str(first) if first == last else f"{first}-{last}" for first, last in runs)


def read_shards(
    env: Mapping[str, str], problems: list[str]
) -> tuple[int | None, tuple[int, ...] | None]:
    """SHARD_COUNT and SHARD_IDS (also set by `--shard-count` and `--shard-ids`), checked
    together; what is wrong is added to `problems`."""
    shard_count: int | None = None
    raw_count = env.get("SHARD_COUNT", "").strip()
    if raw_count:
        if raw_count.isascii() and raw_count.isdigit() and 1 <= int(raw_count) <= MAX_SHARDS:
            shard_count = int(raw_count)
        else:
            problems.append(
                f"SHARD_COUNT (--shard-count)={raw_count[:20]!r} is not a number of shards: "
                f"give how many shards the bot has in all (1 to {MAX_SHARDS:,}), or leave it "
                "unset for Discord's recommended count."
            )
    shard_ids: tuple[int, ...] | None = None
    raw_ids = env.get("SHARD_IDS", "").strip()
    if raw_ids:
        try:
            shard_ids = parse_shard_ids(raw_ids)
        except ValueError as exc:
            problems.append(f"SHARD_IDS (--shard-ids)={raw_ids[:40]!r}: {exc}.")
        if not raw_count:
            problems.append(
                "SHARD_IDS (--shard-ids) needs SHARD_COUNT (--shard-count): the shard a server "
                "belongs to depends on how many shards there are in all."
            )
    if shard_ids is not None and shard_count is not None:
        beyond = [shard for shard in shard_ids if shard >= shard_count]
        if beyond:
            listed = ", ".join(str(shard) for shard in beyond[:10])
            more = f" and {len(beyond) - 10} more" if len(beyond) > 10 else ""
            problems.append(
                f"SHARD_IDS (--shard-ids) lists shard {listed}{more}, but with "
                f"SHARD_COUNT={shard_count} the shards are 0-{shard_count - 1}."
            )
    return shard_count, shard_ids
