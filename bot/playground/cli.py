"""`python -m bot playground`'s command line: its options, starting the session, and what
each way of ending it returns.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sqlite3
import sys
from pathlib import Path

import discord

from bot.database import DatabaseError
from bot.logs import setup_logging

from .parse import PlaygroundError
from .render import Renderer
from .session import DEFAULT_USER, Session
from .terminal import Console, LineSource, TerminalLines, line_source
from .world import bot_in_emulator, database_file, free_port


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The options, paths made absolute from the folder it started in; exits on a wrong one."""
    parser = argparse.ArgumentParser(
        prog="python -m bot playground",
        description="Try the bot in this terminal against a local Discord emulator "
        "(no Discord account or token; nothing leaves 127.0.0.1).",
        epilog="File paths (--db, --script, and files given to commands, as in "
        "/trivia-admin import file:mypack.toml) are read relative to the folder the "
        "playground is started in. Type help in a session for what you can type.",
    )
    parser.add_argument(
        "--db",
        type=Path,
        metavar="FILE",
        help="SQLite file to keep between sessions (default: a temporary one, deleted at exit)",
    )
    parser.add_argument(
        "--script", type=Path, metavar="FILE", help="read commands from FILE instead of typing"
    )
    parser.add_argument(
        "--as",
        dest="user",
        metavar="NAME",
        default=DEFAULT_USER,
        help="act as this member (default: uaena)",
    )
    parser.add_argument(
        "--locale",
        default="en-US",
        help="the Discord language the bot answers you in: en-US (default), ko, ...",
    )
    parser.add_argument(
        "--server-locale",
        default="en-US",
        help="the server's Discord language, which what the bot posts for the whole channel "
        "follows while /config language is auto: en-US (default), ko, ...",
    )
    parser.add_argument(
        "--dashboard",
        nargs="?",
        const=0,
        type=int,
        metavar="PORT",
        help="also serve the moderators' web dashboard on http://127.0.0.1:PORT (default: a "
        "free port, printed at start); open it in your browser and log in on the "
        "emulator's Discord page as mod or owner",
    )
    args = parser.parse_args(argv)
    # Read from the folder the playground started in; absolute, so messages say where.
    args.db = args.db.expanduser().absolute() if args.db is not None else None
    args.script = args.script.expanduser().absolute() if args.script is not None else None
    if args.db is not None and args.db.is_dir():
        parser.error(f"--db {args.db} is a folder; give the path of a file (it is created)")
    for option, value in (("--locale", args.locale), ("--server-locale", args.server_locale)):
        try:
            discord.Locale(value)
        except ValueError:
            parser.error(f"{option} {value!r} is not a Discord locale (try en-US or ko)")
    return args


async def run_playground(args: argparse.Namespace, source: LineSource, console: Console) -> None:
    """The bot in the emulator, the session at the keyboard, until it ends."""
    if args.dashboard == 0:
        args.dashboard = free_port()
    with database_file(args.db) as database:
        async with bot_in_emulator(
            database, server_locale=args.server_locale, dashboard_port=args.dashboard
        ) as (emu, world):
            color = console.interactive and "NO_COLOR" not in os.environ
            renderer = Renderer(world.guild, color=color)
            session = Session(emu, world, console, renderer, locale=args.locale)
            session.member = session.find_member(args.user)
            kept = f"kept in {database}" if args.db else "temporary, deleted at exit"
            console.print(
                f"The bot is running against a local Discord emulator (no token; nothing "
                f"leaves 127.0.0.1; database {kept}).\nServer {world.guild.name!r}: members "
                f"{session.member_names()}; channels {session.channel_names()}. Type help."
            )
            if args.dashboard is not None:
                console.print(
                    f"Dashboard: http://127.0.0.1:{args.dashboard} (log in on the emulator's "
                    "Discord page as mod or owner; what you change there, the bot here does)."
                )
            await session.run(source)


def main(argv: list[str]) -> int:
    """Run a playground session; 0 when it ended with quit or the end of its input."""
    args = parse_args(argv)
    # Korean text and emoji must not stop a session on a terminal that can't show them.
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    setup_logging(logging.WARNING)
    try:
        source = line_source(args.script)
    except OSError as exc:
        print(f"error: can't read the script {args.script}: {exc.strerror}", file=sys.stderr)
        return 2
    interactive = isinstance(source, TerminalLines) and sys.stdout.isatty()
    console = Console(sys.stdout, interactive=interactive)
    try:
        asyncio.run(run_playground(args, source, console))
    except KeyboardInterrupt:
        console.prompt_shown = None
        console.print()
        return 130
    except PlaygroundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (DatabaseError, sqlite3.Error) as exc:
        print(f"error: the database can't be used: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
