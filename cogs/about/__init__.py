"""`/about`: what the release was, its credits, and what the bot can do."""

from cogs.about.cog import setup

__all__ = ["setup"]
