"""`python -m bot` runs the bot; `python -m bot playground` tries it without Discord."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import aiohttp
import discord
from dotenv import load_dotenv

from bot.client import FanBot
from bot.config import ConfigError, Settings, load_settings
from bot.database import DatabaseError
from bot.logs import setup_logging


async def run(settings: Settings) -> None:
    bot = FanBot(settings)
    await bot.open_database()
    if settings.api_base:
        from bot.devtools.redirect import use_api_base

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


def main(argv: list[str]) -> int:
    load_dotenv()
    if argv[:1] == ["playground"]:
        from bot.devtools.playground import main as playground_main

        return playground_main(argv[1:])
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level_number, secrets=[settings.token])
    log = logging.getLogger("bot")
    try:
        asyncio.run(run(settings))
    except discord.LoginFailure:
        log.error("Discord refused the token: reset it in the Developer Portal and update .env")
        return 1
    except (aiohttp.ClientConnectionError, OSError) as exc:
        log.error("could not reach Discord (%s); check the network and try again", exc)
        return 1
    except DatabaseError as exc:
        log.error("%s", exc)
        return 1
    except discord.PrivilegedIntentsRequired:
        log.error("Discord asked for privileged intents, which this bot does not use")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
