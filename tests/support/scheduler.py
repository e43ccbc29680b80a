"""Discords for the scheduler's tests: one that outlives the process, so a test can kill one
that posts (a subprocess importing this module) and count what arrived; one that notes the
fake instant of each post; one that must get nothing."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.clock import FakeClock
from bot.scheduler import OutgoingMessage


@dataclass
class FileDiscord:
    """A Discord that outlives the process: one JSON line per message created."""

    path: Path

    def load(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line]

    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        for post in self.load():
            if post["nonce"] == nonce:
                return int(post["message_id"])
        message_id = 9000 + len(self.load())
        with self.path.open("a") as file:
            file.write(
                json.dumps({"channel_id": channel_id, "nonce": nonce, "message_id": message_id})
            )
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        return message_id


@dataclass
class ClockedPoster:
    """Discord as the scheduler sees it, noting the (fake) instant each post was made:
    (channel, instant, nonce)."""

    clock: FakeClock
    posts: list[tuple[int, datetime, str]] = field(default_factory=list)

    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        self.posts.append((channel_id, self.clock.now(), nonce))
        return 5000 + len(self.posts)

    async def find_posted(self, channel_id: int, marker: str, since: datetime) -> int | None:
        return None


async def nothing_to_post(run: object, language: str) -> OutgoingMessage | None:
    """A renderer for rows that must never come due in the test."""
    return None


class NoPoster:
    """A poster for schedulers that must post nothing."""

    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        raise AssertionError("nothing is posted here")

    async def find_posted(self, channel_id: int, marker: str, since: datetime) -> int | None:
        return None
