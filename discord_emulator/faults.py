"""Request log, injected failures and holds (pausing a request at a chosen instant)."""

# Waits take a `timeout` argument on purpose: a timeout is part of what a test asserts
# and ends in a message saying what the bot failed to do.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from .errors import MISSING_PERMISSIONS, UNKNOWN_CHANNEL, ApiError


class RecordedRequest(NamedTuple):
    """One REST request: path is relative to /api/v10 and has no query string."""

    method: str
    path: str
    json: Any


@dataclass
class RequestRecord:
    """The full story of one REST request, for debugging and finer assertions."""

    method: str
    path: str
    json: Any
    query: dict[str, str]
    files: list[str] = field(default_factory=list)
    status: int | None = None
    injected: bool = False
    # The emulator's clock when the request came in.
    at: float | None = None
    # Sent with a bot token to a route bound by the global limit (not an interaction's).
    global_counted: bool = False
    # Answered 429 `global: true` by the emulator's global rate limit.
    global_limited: bool = False


def _compile(path_regex: str | re.Pattern[str]) -> re.Pattern[str]:
    return path_regex if isinstance(path_regex, re.Pattern) else re.compile(path_regex)


def _method_matches(expected: str | None, method: str) -> bool:
    return expected is None or expected in ("*", method.upper())


_DEFAULT_ERRORS: dict[int, tuple[int, str]] = {
    400: (50035, "Invalid Form Body"),
    401: (0, "401: Unauthorized"),
    403: (MISSING_PERMISSIONS, "Missing Permissions"),
    404: (UNKNOWN_CHANNEL, "Unknown Channel"),
    500: (0, "500: Internal Server Error"),
    502: (0, "502: Bad Gateway"),
    503: (0, "503: Service Unavailable"),
}


@dataclass
class FaultRule:
    """Answer the next `times` matching requests with an error instead of acting on them."""

    method: str | None
    pattern: re.Pattern[str]
    status: int
    times: int = 1
    retry_after: float = 0.05
    code: int | None = None
    message: str | None = None
    is_global: bool = False
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (
            self.hits < self.times
            and _method_matches(self.method, method)
            and self.pattern.search(path) is not None
        )

    def error(self) -> ApiError:
        if self.status == 429:
            # Discord's 429: the body's retry_after is what discord.py sleeps; without a `Via`
            # header discord.py assumes a Cloudflare ban and raises instead of retrying.
            reset_after = f"{self.retry_after:.3f}"
            headers = {
                "Retry-After": str(max(1, math.ceil(self.retry_after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + self.retry_after:.3f}",
                "X-RateLimit-Reset-After": reset_after,
                "X-RateLimit-Bucket": "emulator-injected",
                "X-RateLimit-Scope": "global" if self.is_global else "user",
                "Via": "1.1 google",
            }
            if self.is_global:
                headers["X-RateLimit-Global"] = "true"
            return ApiError(
                429,
                self.code if self.code is not None else 0,
                self.message or "You are being rate limited.",
                headers=headers,
                extra={"retry_after": self.retry_after, "global": self.is_global},
            )
        code, message = _DEFAULT_ERRORS.get(self.status, (0, f"{self.status}: Error"))
        return ApiError(
            self.status,
            self.code if self.code is not None else code,
            self.message or message,
        )


HoldPoint = Literal["before", "after"]


class Hold:
    """Pauses matching requests "before" the emulator acts, or "after" it acted but before replying.

    `await hold.reached()` returns the request once one is paused; `hold.release()` lets it
    (and any later match) go on. A test can stop the bot between the two to simulate a crash.
    """

    def __init__(
        self, method: str | None, path_regex: str | re.Pattern[str], when: HoldPoint, times: int
    ) -> None:
        if when not in ("before", "after"):
            raise ValueError("when must be 'before' or 'after'")
        self.method = method
        self.pattern = _compile(path_regex)
        self.when: HoldPoint = when
        self.times = times
        self.hits = 0
        self.requests: list[RequestRecord] = []
        self._reached = asyncio.Event()
        self._released = asyncio.Event()

    def matches(self, method: str, path: str, when: HoldPoint) -> bool:
        return (
            when == self.when
            and self.hits < self.times
            and _method_matches(self.method, method)
            and self.pattern.search(path) is not None
        )

    @property
    def request(self) -> RequestRecord | None:
        """The first request this hold caught."""
        return self.requests[0] if self.requests else None

    @property
    def released(self) -> bool:
        return self._released.is_set()

    async def reached(self, timeout: float = 5.0) -> RequestRecord:
        """Wait until a matching request is paused here; returns it."""
        async with asyncio.timeout(timeout):
            await self._reached.wait()
        assert self.request is not None
        return self.request

    def release(self) -> None:
        self._released.set()

    async def _pause(self, record: RequestRecord) -> None:
        self.hits += 1
        self.requests.append(record)
        self._reached.set()
        await self._released.wait()

    def __repr__(self) -> str:
        return (
            f"<Hold {self.method or '*'} {self.pattern.pattern!r} {self.when} "
            f"hits={self.hits} released={self.released}>"
        )


class Faults:
    """The registry of fault rules and holds consulted for every REST request."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self.holds: list[Hold] = []

    def fail_next(
        self,
        method: str | None,
        path_regex: str | re.Pattern[str],
        *,
        status: int = 500,
        retry_after: float = 0.05,
        times: int = 1,
        code: int | None = None,
        message: str | None = None,
        is_global: bool = False,
    ) -> FaultRule:
        rule = FaultRule(
            method=method.upper() if method else None,
            pattern=_compile(path_regex),
            status=status,
            times=times,
            retry_after=retry_after,
            code=code,
            message=message,
            is_global=is_global,
        )
        self.rules.append(rule)
        return rule

    def hold(
        self,
        method: str | None,
        path_regex: str | re.Pattern[str],
        when: HoldPoint = "before",
        times: int = 1,
    ) -> Hold:
        hold = Hold(method.upper() if method else None, path_regex, when, times)
        self.holds.append(hold)
        return hold

    def injected_error(self, method: str, path: str) -> ApiError | None:
        for rule in self.rules:
            if rule.matches(method, path):
                rule.hits += 1
                return rule.error()
        return None

    async def pause(self, record: RequestRecord, when: HoldPoint) -> None:
        for hold in self.holds:
            if hold.matches(record.method, record.path, when):
                await hold._pause(record)

    def release_all(self) -> None:
        for hold in self.holds:
            hold.release()
