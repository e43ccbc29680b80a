"""Who stores what about members and servers, and the one way to erase it.

The core never imports a cog, so each feature that keeps per-member or per-server rows
registers its erasers here under its name: `/privacy forget` erases one member's rows in one
server, and a server the bot left `DEPARTED_KEEP` ago is erased everywhere. Every eraser runs
inside one transaction that the registry opens, so an erasure lands whole or not at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock, from_db, to_db
from bot.database import Database, Transaction

log = logging.getLogger(__name__)

# How long a server's data is kept after the bot leaves it, in case it is invited back.
DEPARTED_KEEP = timedelta(days=30)
# How often the bot looks for servers whose time is up (and once when it is ready).
DEPARTED_CHECK_SECONDS = 3600.0

MemberEraser = Callable[[Transaction, int, int], Awaitable[int]]
"""`(tx, guild_id, user_id) -> rows removed`: one member's rows in one server."""
GuildEraser = Callable[[Transaction, int], Awaitable[int]]
"""`(tx, guild_id) -> rows removed`: every row of one server."""


@dataclass(frozen=True)
class _Erasers:
    forget_member: MemberEraser | None
    forget_guild: GuildEraser | None


class MemberData:
    """The erasers of every feature that stores rows about members or servers.

    Erasers take the open transaction instead of opening their own: `Database`'s lock is not
    reentrant, and all of them must land together.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._erasers: dict[str, _Erasers] = {}

    def register(
        self,
        name: str,
        *,
        forget_member: MemberEraser | None = None,
        forget_guild: GuildEraser | None = None,
    ) -> None:
        """Let feature `name` erase its rows; registering a name again replaces its erasers."""
        if forget_member is None and forget_guild is None:
            raise ValueError("register at least one eraser")
        self._erasers[name] = _Erasers(forget_member, forget_guild)

    def unregister(self, name: str) -> None:
        self._erasers.pop(name, None)

    @property
    def names(self) -> list[str]:
        return sorted(self._erasers)

    async def forget_member(self, guild_id: int, user_id: int) -> dict[str, int]:
        """Erase the member's rows in this server, in one transaction; rows removed by feature.

        Features with nothing removed are left out. Raises what the database raises; nothing
        is removed then.
        """
        removed: dict[str, int] = {}
        async with self._db.transaction() as tx:
            for name, erasers in sorted(self._erasers.items()):
                if erasers.forget_member is not None:
                    count = await erasers.forget_member(tx, guild_id, user_id)
                    if count:
                        removed[name] = count
        return removed

    async def forget_guild(self, guild_id: int) -> dict[str, int]:
        """Erase every row of the server, and its departure, in one transaction."""
        removed: dict[str, int] = {}
        async with self._db.transaction() as tx:
            for name, erasers in sorted(self._erasers.items()):
                if erasers.forget_guild is not None:
                    count = await erasers.forget_guild(tx, guild_id)
                    if count:
                        removed[name] = count
            await tx.execute("DELETE FROM guild_departures WHERE guild_id = ?", (guild_id,))
        return removed


class GuildDepartures:
    """Servers the bot left: erased once `keep` has passed, unless the bot came back.

    `owns_guild` says which servers this process serves (its shards): only it erases them.
    `in_guild` says whether the bot is in a server now, which covers an invitation back that
    arrived while this process was down.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        member_data: MemberData,
        *,
        owns_guild: Callable[[int], bool] = lambda guild_id: True,
        in_guild: Callable[[int], bool] = lambda guild_id: False,
        keep: timedelta = DEPARTED_KEEP,
    ) -> None:
        self._db = db
        self._clock = clock
        self._member_data = member_data
        self._owns_guild = owns_guild
        self._in_guild = in_guild
        self.keep = keep

    async def left(self, guild_id: int) -> None:
        """Record that the bot left the server now (a second leave keeps the first time)."""
        await self._db.execute(
            "INSERT INTO guild_departures (guild_id, left_at) VALUES (?, ?) "
            "ON CONFLICT (guild_id) DO NOTHING",
            (guild_id, to_db(self._clock.now())),
        )

    async def returned(self, guild_id: int) -> bool:
        """The bot is in the server again: nothing of it will be erased. True if it had left."""
        return (
            await self._db.execute("DELETE FROM guild_departures WHERE guild_id = ?", (guild_id,))
            > 0
        )

    async def erase_expired(self) -> dict[int, dict[str, int]]:
        """Erase each owned server gone longer than `keep`; rows removed by server and feature."""
        rows = await self._db.fetchall("SELECT guild_id, left_at FROM guild_departures")
        cutoff = self._clock.now() - self.keep
        erased: dict[int, dict[str, int]] = {}
        for row in rows:
            guild_id = row["guild_id"]
            if not self._owns_guild(guild_id):
                continue
            if self._in_guild(guild_id):
                await self.returned(guild_id)
                log.info("server %d: the bot is back; its data is kept", guild_id)
                continue
            if from_db(row["left_at"]) > cutoff:
                continue
            removed = await self._member_data.forget_guild(guild_id)
            erased[guild_id] = removed
            log.info(
                "server %d: the bot left it on %s; erased its data: %s",
                guild_id,
                row["left_at"],
                ", ".join(f"{name} {count}" for name, count in removed.items()) or "nothing",
            )
        return erased

    async def erase_forever(self, interval: float = DEPARTED_CHECK_SECONDS) -> None:
        """`erase_expired` now and then every `interval` seconds; a failed pass is logged."""
        while True:
            try:
                await self.erase_expired()
            except Exception:
                log.exception("erasing departed servers failed; trying again later")
            await asyncio.sleep(interval)
