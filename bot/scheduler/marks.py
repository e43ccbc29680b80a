"""How one run is recognised again: its Discord nonce and the mark in its post's footer."""

from __future__ import annotations

from datetime import datetime

from bot.scheduler.records import OutgoingMessage

NONCE_MAX_LENGTH = 25  # Discord refuses longer nonces.


def run_marker(announcement_id: int) -> str:
    """The mark a scheduled post carries in its embed footer, so it can be found again.

    It also tells moderators which `/schedule` entry posted it.
    """
    return f"⏰ #{announcement_id}"


def with_marker(message: OutgoingMessage, marker: str) -> OutgoingMessage:
    """The message with `marker` added to its embed's footer (messages without one: as is)."""
    if message.embed is None:
        return message
    embed = message.embed.copy()
    footer = embed.footer.text
    embed.set_footer(text=f"{footer} · {marker}" if footer else marker)
    return OutgoingMessage(message.content, embed, message.view, message.after_post)


def run_nonce(announcement_id: int, due_utc: datetime) -> str:
    """The Discord nonce of one run: the same for the same (announcement, due instant).

    At most 22 characters ('a' + base-36 id + '.' + base-36 epoch seconds), within Discord's 25.
    """
    nonce = f"a{_base36(announcement_id)}.{_base36(int(due_utc.timestamp()))}"
    if len(nonce) > NONCE_MAX_LENGTH:  # pragma: no cover - ids and epochs are far below this
        raise ValueError(f"nonce {nonce!r} is longer than {NONCE_MAX_LENGTH}")
    return nonce


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if number < 0:
        raise ValueError("negative numbers have no nonce")
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out
