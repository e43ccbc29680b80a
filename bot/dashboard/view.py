"""The bot's own view of a server: who is in it, with which roles, and its channels.

The dashboard asks it on every request, so a moderator whose role was taken away loses the
pages at once, not at their next login. Inside the bot the servers come from the gateway's
cache; a server the cache doesn't hold (another process's shard, or the dashboard running as
its own process) and every member come from Discord's REST API, with the bot's token.
"""

from __future__ import annotations

import discord


class GuildView:
    """Servers, members and channels as the bot sees them, through `client` (logged in).

    `cache_is_complete`: the client's gateway sessions cover every server the bot is in
    (one process with all its shards), so a server missing from the cache is one the bot
    is not in; otherwise a missing one is fetched.
    """

    def __init__(self, client: discord.Client, *, cache_is_complete: bool) -> None:
        self._client = client
        self._cache_is_complete = cache_is_complete

    async def guild(self, guild_id: int) -> discord.Guild | None:
        """The server, or None when the bot is not in it."""
        cached = self._client.get_guild(guild_id)
        if cached is not None or (self._cache_is_complete and self._client.is_ready()):
            return cached
        try:
            return await self._client.fetch_guild(guild_id, with_counts=False)
        except (discord.NotFound, discord.Forbidden):
            return None

    async def member(self, guild: discord.Guild, user_id: int) -> discord.Member | None:
        """The member with their current roles, or None when they are not in the server."""
        try:
            return await guild.fetch_member(user_id)
        except (discord.NotFound, discord.Forbidden):
            return None

    async def text_channels(self, guild: discord.Guild) -> list[discord.TextChannel]:
        """The server's text channels, in Discord's order."""
        if guild.text_channels:
            return list(guild.text_channels)
        channels = await guild.fetch_channels()
        text = [channel for channel in channels if isinstance(channel, discord.TextChannel)]
        return sorted(text, key=lambda channel: (channel.position, channel.id))
