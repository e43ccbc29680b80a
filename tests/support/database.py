"""Databases as an earlier version of the bot left them."""

from __future__ import annotations

from bot.schema_tracks import CORE, Track, discover_tracks


def tracks_before(migration: str) -> list[Track]:
    """Every shipped track, the core's cut just before its migration named `NNNN_<migration>`:
    what a database that this migration has yet to upgrade holds."""
    tracks = discover_tracks()
    [core] = [track for track in tracks if track.name == CORE]
    [ours] = [m for m in core.migrations if m.name.endswith(f"_{migration}")]
    return [track.until(ours.version - 1) if track is core else track for track in tracks]
