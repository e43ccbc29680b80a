"""The instant the tests' fake clocks start at, unless a test needs another."""

from __future__ import annotations

from datetime import UTC, datetime

# A Thursday, 17:00 in Seoul.
T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
