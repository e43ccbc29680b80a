"""Which cog renders which kind of announcement, and which feature switch it obeys.

Cogs register their kinds (`register_kind("quote", render, feature="symbols")`); the core
never imports a cog, and `/schedule add` and the benchmarks read the kinds from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.scheduler.records import Renderer


class UnknownKind(ValueError):
    """No cog has registered a renderer for this kind of announcement."""

    def __init__(self, kind: str, known: Iterable[str]) -> None:
        choices = ", ".join(sorted(known)) or "none"
        super().__init__(f"unknown announcement kind {kind!r} (known: {choices})")
        self.kind = kind


@dataclass(frozen=True)
class Kind:
    """A registered kind: its renderer, and the feature (`/config cog`) that must be on in a
    server for its runs to post there (None: only the announcements switch applies)."""

    name: str
    render: Renderer
    feature: str | None = None


class KindRegistry:
    """The kinds the loaded cogs render; registering a kind again replaces it."""

    def __init__(self) -> None:
        self._kinds: dict[str, Kind] = {}

    def register(self, name: str, render: Renderer, *, feature: str | None = None) -> None:
        self._kinds[name] = Kind(name, render, feature)

    def unregister(self, name: str) -> None:
        self._kinds.pop(name, None)

    def get(self, name: str) -> Kind | None:
        return self._kinds.get(name)

    def require(self, name: str) -> Kind:
        """The kind `name`. Raises `UnknownKind` if no cog renders it."""
        kind = self._kinds.get(name)
        if kind is None:
            raise UnknownKind(name, self._kinds)
        return kind

    @property
    def names(self) -> list[str]:
        return sorted(self._kinds)
