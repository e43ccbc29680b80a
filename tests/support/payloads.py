"""The message payloads the bot sent through the emulator, and whether each could ping."""

from __future__ import annotations

import re
from typing import Any

from discord_emulator import Emulator
from discord_emulator.faults import RequestRecord

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
