"""Calendar windows in a server's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def week_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The instant (UTC) this week began: Monday 00:00 on the server's wall clock."""
    local = now.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).date()
    return datetime(monday.year, monday.month, monday.day, tzinfo=zone).astimezone(UTC)
