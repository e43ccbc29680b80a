"""`python -m bot` runs the bot; `python -m bot playground` tries it without Discord;
`python -m bot dashboard` serves the moderators' dashboard as its own process;
`python -m bot backup FILE` copies its database; `python -m bot migrate-to-postgres SQLITE_FILE
DATABASE_URL` copies an SQLite file's data into PostgreSQL.

The command line is read before any setting, so `--help`, `--version` and a mistyped
command answer without a token.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import discord
from dotenv import load_dotenv

from bot import __version__
from bot.backup import BackupError, backup_database, backup_postgres
from bot.client import FanBot
from bot.config import ConfigError, Settings, find_env_file, format_shard_ids, load_settings
from bot.dashboard.server import DashboardError
from bot.database import DatabaseError, DatabaseFileError, is_postgres_url, redacted
from bot.logs import setup_logging
from bot.metrics import MetricsServerError

PROG = "python -m bot"
VERSION = f"lovewinsall-bot {__version__}"


async def run(settings: Settings) -> None:
    bot = FanBot(settings)
    await bot.open_database()
    try:
        await bot.start_metrics()
    except BaseException:
        # The database is open: close it, or its thread keeps the process from exiting.
        await bot.close()
        raise
    if settings.api_base:
        from discord_emulator.redirect import use_api_base

        use_api_base(settings.api_base)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    runner = asyncio.create_task(bot.start(settings.token))
    stopper = asyncio.create_task(stopping.wait())
    try:
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        # A signal or a failure: close the gateway and the database before leaving.
        await bot.close()
        stopper.cancel()
    if runner.done():
        runner.result()  # re-raise what stopped the bot, for main() to explain


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="The Love wins all fan bot for Discord. Without a command, runs the bot.",
        epilog="Settings come from the environment and from the .env file in the current "
        "folder or the nearest folder above it (see README.md and .env.example). "
        f"`{PROG} playground --help` lists the playground's options.",
    )
    parser.add_argument("--version", action="version", version=VERSION)
    add_shard_options(parser, default=None)
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    run_parser = commands.add_parser(
        "run",
        help="connect to Discord and run the bot (the default)",
        description="Connect to Discord and run the bot until Ctrl-C or SIGTERM.",
    )
    # Not set after `run` leaves what was given before it (`--shard-count 4 run`).
    add_shard_options(run_parser, default=argparse.SUPPRESS)
    backup = commands.add_parser(
        "backup",
        help="copy the database to FILE, also while the bot runs",
        description="Copy the database (DATABASE_PATH) to FILE through SQLite's backup API: "
        "a consistent copy, also while the bot runs and writes. To restore: stop the bot, copy "
        "FILE over DATABASE_PATH, remove the -wal and -shm files beside it, start the bot. "
        "With DATABASE_URL, FILE is pg_dump's (--format=custom); to restore: stop the bots, "
        "`pg_restore --clean --if-exists --no-owner -d DATABASE_URL FILE`, start them.",
    )
    backup.add_argument("file", metavar="FILE", type=Path, help="where to write the copy")
    backup.add_argument(
        "--force", action="store_true", help="overwrite FILE if it exists (default: refuse)"
    )
    migrate = commands.add_parser(
        "migrate-to-postgres",
        help="copy an SQLite file's data into a PostgreSQL database",
        description="Copy every table of the bot's SQLite file into the PostgreSQL database "
        "DATABASE_URL, in one transaction, checked by row counts. Both are first migrated to "
        "this version's schema (the SQLite file too, as a start of the bot would). Stop the "
        "bot first, or copy from a `python -m bot backup` file: rows written meanwhile would "
        "be missing (a write seen during the copy rolls it back). Run twice, it changes "
        "nothing; a database with other rows is refused unless --replace. Then set "
        "DATABASE_URL and start the bot.",
    )
    migrate.add_argument("sqlite_file", metavar="SQLITE_FILE", type=Path, help="the SQLite file")
    migrate.add_argument(
        "database_url", metavar="DATABASE_URL", help="postgresql://user:password@host/database"
    )
    migrate.add_argument(
        "--replace",
        action="store_true",
        help="empty the bot's tables in DATABASE_URL and copy again (default: refuse a "
        "database that holds other rows)",
    )
    commands.add_parser(
        "dashboard",
        help="serve the moderators' dashboard as its own process, on the bot's PostgreSQL",
        description="Serve the moderators' web dashboard (DASHBOARD_URL, DASHBOARD_PORT, "
        "DISCORD_CLIENT_SECRET) as its own process, beside the bot's processes on their "
        "PostgreSQL database (DATABASE_URL), until Ctrl-C or SIGTERM. With the SQLite file, "
        "set DASHBOARD_URL for the bot instead: it then serves the dashboard itself.",
    )
    # The playground reads its own options (its parser lives with it), so none are declared
    # here: everything after the word goes to it, --help included.
    commands.add_parser(
        "playground",
        help="try the bot here against a local Discord emulator; no token needed",
        add_help=False,
    )
    return parser


def add_shard_options(parser: argparse.ArgumentParser, *, default: object) -> None:
    """`--shard-count` and `--shard-ids`: SHARD_COUNT and SHARD_IDS, over the environment's."""
    shards = parser.add_argument_group("shard clusters (instead of SHARD_COUNT and SHARD_IDS)")
    shards.add_argument(
        "--shard-count",
        metavar="N",
        default=default,
        help="how many shards the bot has in all (default: Discord's recommended count)",
    )
    shards.add_argument(
        "--shard-ids",
        metavar="IDS",
        default=default,
        help="the shards this process runs, as 0-3, 0,2,5 or 0-3,8-11 (needs --shard-count; "
        "default: all of them)",
    )


def shard_overrides(args: argparse.Namespace) -> dict[str, str]:
    """The settings the command line gives, by their variable names."""
    given = {"SHARD_COUNT": args.shard_count, "SHARD_IDS": args.shard_ids}
    return {name: value for name, value in given.items() if value is not None}


def main(argv: list[str]) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "playground":
        from bot.playground import main as playground_main

        return playground_main(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "backup":
        return run_backup(args.file, force=args.force)
    if args.command == "dashboard":
        return run_dashboard_process()
    if args.command == "migrate-to-postgres":
        return run_migrate_to_postgres(args.sqlite_file, args.database_url, replace=args.replace)
    return run_bot(shard_overrides(args))


def read_settings(
    *, require_token: bool = True, overrides: Mapping[str, str] | None = None
) -> tuple[Settings, Path | None] | int:
    """The settings and the .env they came from, or the exit status after saying what's wrong.

    `overrides` (the command line's settings, by variable name) win over the environment's.
    """
    env_file = find_env_file()
    try:
        if env_file is not None:
            load_dotenv(env_file)
        settings = load_settings(
            {**os.environ, **overrides} if overrides else None,
            require_token=require_token,
            base_folder=env_file.parent if env_file else None,
        )
    except ConfigError as exc:
        print(f"error: {exc}\n({env_file_note(env_file)})", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: can't read {env_file}: {exc.strerror}", file=sys.stderr)
        return 2
    return settings, env_file


def run_backup(file: Path, *, force: bool) -> int:
    read = read_settings(require_token=False)
    if isinstance(read, int):
        return read
    settings, _ = read
    try:
        made = (
            backup_postgres(settings.database_url, file, force=force)
            if settings.database_url
            else backup_database(settings.database_path, file, force=force)
        )
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"backed up {made.source} to {made.target} ({made.size:,} bytes)")
    return 0


def run_migrate_to_postgres(sqlite_file: Path, url: str, *, replace: bool) -> int:
    """Needs no settings: both databases are on the command line."""
    from bot.migrate_to_postgres import MigrationError, count_table, migrate_to_postgres

    if not is_postgres_url(url):
        print(f"error: {redacted(url)} is not a postgresql:// URL", file=sys.stderr)
        return 2
    print(f"copying {sqlite_file} to {redacted(url)}", flush=True)
    try:
        result = asyncio.run(
            migrate_to_postgres(
                sqlite_file,
                url,
                replace=replace,
                on_table=lambda table, rows: print(f"  copied {table}: {rows:,}", flush=True),
            )
        )
    except MigrationError as exc:
        if exc.tables:
            print(count_table(exc.tables))
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DatabaseFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(count_table(result.tables))
    if result.outcome == "already copied":
        print(f"{result.target} already holds these rows: already copied, nothing changed")
    else:
        print(
            f"copied {result.rows:,} rows in {len(result.tables)} tables to {result.target}; "
            "now set DATABASE_URL to it and start the bot"
        )
    return 0


def run_bot(overrides: Mapping[str, str] | None = None) -> int:
    read = read_settings(overrides=overrides)
    if isinstance(read, int):
        return read
    settings, env_file = read
    setup_logging(settings.log_level_number, secrets=logged_secrets(settings))
    log = logging.getLogger("bot")
    log.info("%s starting (discord.py %s)", VERSION, discord.__version__)
    log.info("settings: %s", env_file_note(env_file))
    log.info("database: %s", redacted(settings.database_url or str(settings.database_path)))
    log.info("shards: %s", shards_note(settings))
    try:
        asyncio.run(run(settings))
    except discord.LoginFailure:
        log.error("Discord refused the token: reset it in the Developer Portal and update .env")
        return 1
    except (MetricsServerError, DashboardError) as exc:
        log.error("%s", exc)
        return 1
    except (aiohttp.ClientConnectionError, OSError) as exc:
        log.error("could not reach Discord (%s); check the network and try again", exc)
        return 1
    except DatabaseFileError as exc:
        # Damaged, foreign or read-only: starting again would not help (systemd waits).
        log.error("%s", exc)
        return 2
    except DatabaseError as exc:
        log.error("%s", exc)
        return 1
    except discord.PrivilegedIntentsRequired:
        log.error("Discord asked for privileged intents, which this bot does not use")
        return 1
    return 0


def run_dashboard_process() -> int:
    from bot.dashboard.standalone import run_dashboard

    read = read_settings()
    if isinstance(read, int):
        return read
    settings, env_file = read
    setup_logging(settings.log_level_number, secrets=logged_secrets(settings))
    log = logging.getLogger("bot")
    log.info("%s dashboard starting", VERSION)
    log.info("settings: %s", env_file_note(env_file))
    if settings.api_base:
        from discord_emulator.redirect import use_api_base

        use_api_base(settings.api_base)
    try:
        asyncio.run(run_dashboard(settings))
    except DashboardError as exc:
        log.error("%s", exc)
        return 2
    except discord.LoginFailure:
        log.error("Discord refused the token: reset it in the Developer Portal and update .env")
        return 1
    except DatabaseError as exc:
        log.error("%s", exc)
        return 1
    except (aiohttp.ClientConnectionError, OSError) as exc:
        log.error("could not reach Discord (%s); check the network and try again", exc)
        return 1
    return 0


def logged_secrets(settings: Settings) -> list[str]:
    """Every secret the settings hold, masked in every log line."""
    more = [settings.client_secret, settings.dashboard_secret]
    return [settings.token, *url_secrets(settings), *(value for value in more if value)]


def url_secrets(settings: Settings) -> list[str]:
    """The database URL's password, masked in every log line like the token."""
    if not settings.database_url:
        return []
    password = urlsplit(settings.database_url).password
    return [password] if password else []


def shards_note(settings: Settings) -> str:
    """Which shards this process runs, for the start-up log."""
    if settings.shard_count is None:
        return "Discord's recommended count, all in this process"
    if settings.shard_ids is None:
        return f"all {settings.shard_count} in this process"
    return f"{format_shard_ids(settings.shard_ids)} of {settings.shard_count}"


def env_file_note(env_file: Path | None) -> str:
    """Where the settings came from, for the start-up log and the settings errors."""
    if env_file is not None:
        return f"read {env_file} and the environment"
    return f"no .env file in {Path.cwd()} or a folder above it; read the environment only"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
