"""At LOG_LEVEL=DEBUG no interaction or webhook token reaches the log, in or out of process.

discord.py logs whole gateway payloads (INTERACTION_CREATE carries the token) and the
webhook URLs it calls (`/interactions/<id>/<token>/callback`, `/webhooks/<app>/<token>`);
a token lets whoever reads the log post and edit as the bot for 15 minutes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

import pytest

from bot.logs import install_record_redaction
from discord_emulator import DemoWorld, Emulator, demo_world, eventually

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[2]
BOT_TOKEN = "emulator-token-for-the-redaction-test-0123456789"

PACK = """
[[questions]]
question = "Which day is our weekly watch party?"
correct = "Friday"
wrong1 = "Monday"
wrong2 = "Tuesday"
wrong3 = "Sunday"
"""


async def use_the_bot(emu: Emulator, world: DemoWorld) -> None:
    """A slash command, a click on its buttons, and a deferred command with a followup."""
    started = await emu.slash(world.guild, "trivia", "uaena", "trivia play", timeout=15)
    button = started.message.buttons()[0]["custom_id"]
    clicked = await emu.click(started.message, button, "army", timeout=15)
    assert clicked.ephemeral
    pack = emu.add_attachment("pack.toml", PACK.encode())
    checked = await emu.slash(
        world.guild,
        "general",
        "mod",
        "trivia-admin import",
        {"file": pack, "check": True},
        timeout=15,
    )
    assert checked.ephemeral


def issued_tokens(emu: Emulator) -> list[str]:
    tokens = [interaction.token for interaction in emu.world.interactions.values()]
    assert len(tokens) >= 3
    return tokens


@pytest.fixture
def redacted_records():
    """Records redacted as `python -m bot` does, so caplog's own handler sees them too."""
    restore = install_record_redaction([BOT_TOKEN])
    yield
    restore()


async def test_no_token_in_any_log_record_at_debug(
    emu: Emulator, world: DemoWorld, bot, caplog, redacted_records
):
    with caplog.at_level(logging.DEBUG):
        # Every logger at DEBUG, discord.http's chatter included.
        logging.getLogger("discord.http").setLevel(logging.DEBUG)
        try:
            await use_the_bot(emu, world)
            # The bot logs a webhook call once it has read the answer, just after the
            # emulator delivered it.
            await eventually(lambda: "/webhooks/" in caplog.text)
        finally:
            logging.getLogger("discord.http").setLevel(logging.NOTSET)
    text = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    assert "WebSocket Event" in text  # the gateway payloads were logged, not silenced
    assert "/callback" in text  # and so were the callback URLs
    assert "/webhooks/" in text  # and the followups' and edits' webhook URLs
    for token in issued_tokens(emu):
        assert token not in text
    assert "[redacted]" in text


async def test_no_token_on_the_stderr_of_python_m_bot_at_debug(tmp_path: Path):
    async with Emulator(token=BOT_TOKEN) as emu:
        world = demo_world(emu)
        env = {
            **os.environ,
            "DISCORD_TOKEN": BOT_TOKEN,
            "DISCORD_API_BASE": emu.base_url,
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "LOG_LEVEL": "DEBUG",
        }
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await emu.wait_ready(timeout=30)
            await eventually(lambda: emu.world.global_commands, timeout=30)
            await use_the_bot(emu, world)
        finally:
            child.terminate()
            _, stderr = await child.communicate()
        tokens = issued_tokens(emu)
    log = stderr.decode()
    assert "WebSocket Event" in log
    assert "INTERACTION_CREATE" in log
    assert "/callback" in log
    assert BOT_TOKEN not in log
    for token in tokens:
        assert token not in log
    assert "[redacted]" in log
