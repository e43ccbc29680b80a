"""`/privacy forget`: a member removes what the bot stores about them in one server."""

from cogs.privacy.cog import setup

__all__ = ["setup"]
