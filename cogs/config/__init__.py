"""`/config`: moderators choose features, channel, time zone, trivia timeout, moderator role."""

from cogs.config.cog import setup

__all__ = ["setup"]
