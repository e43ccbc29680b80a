"""Posting a run to Discord with its nonce, and finding a post again after a crash."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

import discord

from bot.scheduler.records import OutgoingMessage

# How many of a channel's newest messages are read to find a post made before a crash, and
# how much earlier than the due instant they may be (clocks differ a little).
HISTORY_LOOKUP_LIMIT = 100
HISTORY_SLACK = timedelta(minutes=1)


class PostFailed(Exception):
    """Discord refused the post for good; retrying the same post would fail again.

    The message is shown to the server's moderators in `/schedule list`.
    """


class PostForbidden(PostFailed):
    """The bot may not see or post in the channel (HTTP 403, missing access/permissions)."""


class ChannelGone(PostFailed):
    """The channel no longer exists (HTTP 404, unknown channel)."""


class Poster(Protocol):
    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        """Post `message` with `nonce`; return the new (or, for a repeated nonce, the
        original) message id.

        Raises `PostForbidden` or `ChannelGone` (or another `PostFailed`) when Discord refuses
        for good; any other exception is taken as transient and the post is retried.
        """
        ...

    async def find_posted(self, channel_id: int, marker: str, since: datetime) -> int | None:
        """The id of a message this bot posted in the channel since `since` whose embed
        footer carries `marker`, or None. Any exception means "could not look"."""
        ...


class DiscordPoster:
    """Posts through discord.py without fetching the channel first."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def post(self, channel_id: int, message: OutgoingMessage, nonce: str) -> int:
        """See `Poster.post`. 5xx, 429 and network errors propagate as they are (transient)."""
        channel = self._client.get_partial_messageable(channel_id)
        try:
            sent = await channel.send(
                content=message.content,
                embed=message.embed,  # type: ignore[arg-type]  # None is accepted at runtime
                view=message.view,  # type: ignore[arg-type]
                nonce=nonce,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.Forbidden as exc:
            raise PostForbidden(
                f"the bot may not post in <#{channel_id}> (Discord said: {_discord_text(exc)})"
            ) from exc
        except discord.NotFound as exc:
            raise ChannelGone(
                f"channel {channel_id} no longer exists (Discord said: {_discord_text(exc)})"
            ) from exc
        except discord.HTTPException as exc:
            # Other 4xx (an archived thread, an invalid embed) fail the same way every time.
            if 400 <= exc.status < 500 and exc.status != 429:
                raise PostFailed(
                    f"Discord refused the post ({exc.status}: {_discord_text(exc)})"
                ) from exc
            raise
        return sent.id

    async def find_posted(self, channel_id: int, marker: str, since: datetime) -> int | None:
        """See `Poster.find_posted`: reads the channel's messages since `since` (one request)."""
        me = self._client.user
        channel = self._client.get_partial_messageable(channel_id)
        async for message in channel.history(after=since, limit=HISTORY_LOOKUP_LIMIT):
            if me is not None and message.author.id != me.id:
                continue
            if any(marker in (embed.footer.text or "") for embed in message.embeds):
                return message.id
        return None


def _discord_text(exc: discord.HTTPException) -> str:
    return f"{exc.code} {exc.text}".strip() if exc.text else str(exc.status)
