"""The real bot, started against the emulator: what a member or moderator would see."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.client import FanBot
from bot.clock import SystemClock
from bot.config import Settings
from discord_emulator import DemoWorld, Emulator, running_client
from discord_emulator.faults import RequestRecord


def make_bot(emu: Emulator, path: Path, clock=None) -> FanBot:
    settings = Settings(token=emu.token, database_path=path, api_base=emu.base_url)
    return FanBot(settings, clock=clock or SystemClock(), guild_ready_timeout=0.05)


@pytest.fixture
def bot_clock():
    """The bot's clock; a test that needs to move time overrides this with a FakeClock."""
    return SystemClock()


@pytest.fixture
async def bot(emu: Emulator, world: DemoWorld, tmp_path, bot_clock) -> AsyncIterator[FanBot]:
    client = make_bot(emu, tmp_path / "bot.sqlite3", bot_clock)
    async with running_client(client, emu):
        yield client


def bot_messages(emu: Emulator):
    """Every message the bot sent anywhere (ephemeral ones included)."""
    return [m for m in emu.world.messages.values() if m.author.id == emu.bot.id]


# Where the bot sends a message's text: channel messages, interaction callbacks (answers and
# component updates), follow-ups and edits of the original response (the deferred path).
_MESSAGE_PATHS = re.compile(
    r"/channels/\d+/messages(?:/\d+)?|/webhooks/\d+/[^/]+(?:/messages/[^/]+)?"
)
_CALLBACK_PATH = re.compile(r"/interactions/\d+/[^/]+/callback")
_MESSAGE_CALLBACKS = {4, 7}  # CHANNEL_MESSAGE_WITH_SOURCE, UPDATE_MESSAGE


def message_payload(record: RequestRecord) -> dict[str, Any] | None:
    """The message the request sends or edits, or None when it sends none."""
    body = record.json
    if not isinstance(body, dict) or record.method not in ("POST", "PATCH"):
        return None
    if _CALLBACK_PATH.fullmatch(record.path):
        if body.get("type") not in _MESSAGE_CALLBACKS:
            return None
        body = body.get("data") or {}
    elif not _MESSAGE_PATHS.fullmatch(record.path):
        return None
    return body if "content" in body or "embeds" in body else None


def pings_nobody(allowed: Any) -> bool:
    return (
        isinstance(allowed, dict)
        and not allowed.get("parse")
        and not allowed.get("users")
        and not allowed.get("roles")
        and not allowed.get("replied_user")
    )


def unguarded_payloads(emu: Emulator) -> list[str]:
    """Every recorded message payload with text that does not set allowed mentions to none."""
    return [
        f"{record.method} {record.path}: {payload.get('allowed_mentions')!r}"
        for record in emu.request_log
        if (payload := message_payload(record)) is not None
        and not pings_nobody(payload.get("allowed_mentions"))
    ]


@pytest.fixture(autouse=True)
def every_payload_pings_nobody(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each e2e test: nothing the bot sent could ping, whatever text it carried."""
    if "emu" not in request.fixturenames:
        yield
        return
    emu: Emulator = request.getfixturevalue("emu")
    yield
    assert unguarded_payloads(emu) == []
