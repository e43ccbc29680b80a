"""Discord's global rate limit: requests a second per bot token, across every connection.

Discord lets a bot make 50 requests a second in all, whatever process or connection they
come from; past it every request gets a 429 with `"global": true` until the second is over.
Interaction callbacks and the follow-ups sent with an interaction's token (`/interactions/…`,
`/webhooks/…`) are not bound to it. The emulator counts in fixed one-second windows of its
clock (`floor(clock())`), keyed by the request's Authorization header (one key per token).

On by default: the whole suite stays far below it (19 requests in its busiest second), and
Discord never turns it off, so a bot that goes past it is slowed in tests as it would be.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from .faults import RequestRecord

# Discord's global limit for a bot: requests a second.
DISCORD_GLOBAL_LIMIT = 50

# Paths (after /api/v10) that interaction tokens authorise: exempt from the global limit.
EXEMPT_PREFIXES = ("/interactions/", "/webhooks/")


def counts_toward_global_limit(path: str) -> bool:
    """Whether a bot-token request to `path` counts toward the global limit."""
    return not path.startswith(EXEMPT_PREFIXES)


def global_429_headers(retry_after: float) -> dict[str, str]:
    """Discord's headers on a global 429; discord.py retries only a 429 with a `Via`
    header (without it, it assumes a Cloudflare ban and raises)."""
    return {
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Global": "true",
        "X-RateLimit-Scope": "global",
        "Via": "1.1 google",
    }


def global_429_body(retry_after: float) -> dict[str, object]:
    return {"message": "You are being rate limited.", "retry_after": retry_after, "global": True}


@dataclass
class GlobalRateLimit:
    """Counts requests per token in the current window; `limit` None: counts, refuses none."""

    limit: int | None = DISCORD_GLOBAL_LIMIT
    # token key -> (window, requests let through in it)
    _windows: dict[str, tuple[int, int]] = field(default_factory=dict)

    def admit(self, key: str, now: float) -> float | None:
        """Count one request; None if it may go on, else the seconds until the next window."""
        window = math.floor(now)
        seen, count = self._windows.get(key, (window, 0))
        if seen != window:
            count = 0
        if self.limit is not None and count >= self.limit:
            return round(max(0.001, window + 1 - now), 3)
        self._windows[key] = (window, count + 1)
        return None


def _times(
    records: Iterable[RequestRecord], *, admitted_only: bool, since: float | None
) -> list[float]:
    return [
        r.at
        for r in records
        if r.global_counted
        and r.at is not None
        and (since is None or r.at >= since)
        and not (admitted_only and r.global_limited)
    ]


def per_second(
    records: Iterable[RequestRecord], *, admitted_only: bool = False, since: float | None = None
) -> list[int]:
    """Requests counted toward the global limit in each one-second window of the clock, from
    the first such request's window to the last one's (quiet windows as 0). With
    `admitted_only`, only those not answered with a global 429; with `since`, only those
    at or after that clock time."""
    times = _times(records, admitted_only=admitted_only, since=since)
    if not times:
        return []
    first = math.floor(min(times))
    counts = [0] * (math.floor(max(times)) - first + 1)
    for at in times:
        counts[math.floor(at) - first] += 1
    return counts


def sliding_peak(
    records: Iterable[RequestRecord], *, admitted_only: bool = False, since: float | None = None
) -> int:
    """The most requests counted toward the global limit within any one second."""
    times = sorted(_times(records, admitted_only=admitted_only, since=since))
    peak = 0
    start = 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        peak = max(peak, end - start + 1)
    return peak
