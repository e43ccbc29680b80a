"""`/schedule add|list|remove`: moderators schedule announcements; the core scheduler posts."""

from cogs.schedule.cog import setup

__all__ = ["setup"]
