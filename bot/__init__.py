"""The Love wins all fan bot: core services (settings, database, scheduler, client)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lovewinsall-bot")
except PackageNotFoundError:
    __version__ = "0+unknown"
