"""Countdown arithmetic, free of Discord: until/since an event, and yearly occurrences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
SHOW_HOURS_UNDER = timedelta(days=2)


@dataclass(frozen=True)
class CountdownEvent:
    """An instant to count to or from. A yearly one recurs on its month and day."""

    key: str
    name: str
    at: datetime  # aware
    yearly: bool = False
    fact: str | None = None
    source: str | None = None
    occasion: str = "anniversary"  # what a yearly recurrence is called: anniversary, birthday


@dataclass(frozen=True)
class Countdown:
    event: CountdownEvent
    target: datetime  # the instant counted to (the next occurrence, for a yearly event)
    remaining: timedelta  # negative once the target has passed
    days: int  # calendar days from today to the target's day, in the server's zone
    occurrence: int | None  # for a yearly event: 3 for the 3rd anniversary

    @property
    def is_past(self) -> bool:
        return self.remaining < timedelta(0)

    @property
    def show_hours(self) -> bool:
        return abs(self.remaining) < SHOW_HOURS_UNDER

    @property
    def d_label(self) -> str:
        """The countdown style Korean fans use: D-3, D-Day, D+12."""
        if self.days == 0:
            return "D-Day"
        return f"D-{self.days}" if self.days > 0 else f"D+{-self.days}"


def occurrence_in(event: CountdownEvent, year: int) -> datetime:
    """The yearly event's instant in `year`, at its own wall time (Feb 29 -> Feb 28)."""
    local = event.at.astimezone(event.at.tzinfo)
    day = local.day
    if local.month == 2 and day == 29 and not _is_leap(year):
        day = 28
    return datetime.combine(date(year, local.month, day), local.timetz())


def countdown(event: CountdownEvent, now: datetime, zone: ZoneInfo) -> Countdown:
    """How far `event` is from `now`, with calendar days counted in `zone`.

    A yearly event counts to its next occurrence; on the day itself it stays on today's
    occurrence (D-Day) until the day is over, so fans see "today" rather than "in 364 days".
    """
    target = event.at
    occurrence = None
    if event.yearly:
        local_now = now.astimezone(event.at.tzinfo)
        target = occurrence_in(event, local_now.year)
        if target.date() < local_now.date():
            target = occurrence_in(event, local_now.year + 1)
        occurrence = target.year - event.at.year
    days = (target.astimezone(zone).date() - now.astimezone(zone).date()).days
    return Countdown(event, target, target - now, days, occurrence)


def parse_event_date(text: str, zone: ZoneInfo) -> datetime:
    """`YYYY-MM-DD` or `YYYY-MM-DD HH:MM` on the server's wall clock, as an aware datetime.

    Raises `ValueError` for anything else (including impossible dates like 2025-13-40).
    """
    raw = " ".join(text.split())
    parts = raw.split(" ")
    if len(parts) > 2 or not _looks_like_date(parts[0]):
        raise ValueError(raw)
    day = date.fromisoformat(parts[0])
    at = time(0, 0)
    if len(parts) == 2:
        hour, sep, minute = parts[1].partition(":")
        if not (sep and hour.isdigit() and minute.isdigit() and len(minute) == 2):
            raise ValueError(raw)
        at = time(int(hour), int(minute))
    return datetime.combine(day, at, tzinfo=zone)


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st ..."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _looks_like_date(text: str) -> bool:
    pieces = text.split("-")
    return [len(piece) for piece in pieces] == [4, 2, 2] and all(p.isdigit() for p in pieces)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
