"""`/symbol` (the director's explanation of the video's symbols) and `/quote`."""

from cogs.symbols.cog import setup

__all__ = ["setup"]
