"""When a scheduled announcement runs: wall-clock times in a server's zone, turned into UTC.

Pure arithmetic, no Discord and no clock: callers pass the instant to count from.

Daylight saving follows the zone's rules (zoneinfo), with two choices made here:

- A wall time that does not exist that day (the spring-forward gap) runs at the instant the
  *pre-transition* offset gives, so it is shifted forward by the size of the gap: 02:30 on
  New York's spring-forward day (2024-03-10, EST -05:00) is 07:30 UTC, shown as 03:30 EDT;
  in Berlin (2024-03-31, CET +01:00) it is 01:30 UTC, shown as 03:30 CEST. This is what
  `datetime(..., fold=0)` means in zoneinfo (PEP 495).
- A wall time that occurs twice that day (the fall-back overlap) runs once, at its first
  occurrence (`fold=0`, still on summer time); the second occurrence is never a run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

HHMM_FORM = "HH:MM on a 24-hour clock, e.g. 09:00 or 21:30"
_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


class Repeat(Enum):
    ONCE = "once"
    DAILY = "daily"
    WEEKLY = "weekly"


class InvalidTimeOfDay(ValueError):
    """The text is not a time of day in the accepted form; the message says which form."""

    def __init__(self, text: str) -> None:
        super().__init__(f"{text!r} is not a time of day: use {HHMM_FORM}.")
        self.text = text


def parse_hhmm(text: str) -> time:
    """`"9:05"` or `"09:05"` -> `time(9, 5)`.

    Raises `InvalidTimeOfDay` for anything else (seconds, 12-hour "am/pm", 24:00, 7:5 ...).
    """
    match = _HHMM.match(text)
    if not match:
        raise InvalidTimeOfDay(text)
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise InvalidTimeOfDay(text)
    return time(hour, minute)


def format_hhmm(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def wall_time_to_utc(day: date, time_local: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of `time_local` on `day` in `zone`, by the rules in the module docstring."""
    # fold=0 gives both rules at once: the earlier occurrence in an overlap, and the
    # pre-transition offset (so a shift forward) in a gap.
    local = datetime.combine(day, time_local.replace(tzinfo=None, fold=0), tzinfo=zone)
    return local.astimezone(UTC)


def next_occurrence(after_utc: datetime, time_local: time, zone: ZoneInfo) -> tuple[datetime, date]:
    """The first run of a daily `time_local` strictly after `after_utc`, and its local date.

    The local date is the calendar day whose wall clock reads `time_local` (in a gap the
    instant may show a later wall time, but it belongs to that day); a weekly announcement
    takes its weekday from it. Raises `ValueError` if `after_utc` is naive.
    """
    return next(_runs_after(after_utc, time_local, zone))


def first_run(
    after_utc: datetime,
    time_local: time,
    repeat: Repeat,
    weekday: int | None,
    zone: ZoneInfo,
) -> tuple[datetime, int | None]:
    """A new announcement's first run strictly after `after_utc`, and the weekday it keeps.

    WEEKLY with a `weekday` (0 = Monday): the next `time_local` on that day. WEEKLY without
    one: the next `time_local` on any day, and the weekday is that day's. DAILY and ONCE keep
    no weekday. Raises `ValueError` if `after_utc` is naive, if `weekday` is not in 0..6, or
    if a weekday is given for DAILY or ONCE (which would silently ignore it).
    """
    if weekday is not None and repeat is not Repeat.WEEKLY:
        raise ValueError(f"a weekday only applies to weekly announcements, not {repeat.value}")
    if repeat is Repeat.WEEKLY and weekday is None:
        run, day = next_occurrence(after_utc, time_local, zone)
        return run, day.weekday()
    return next_run_after(after_utc, time_local, repeat, weekday, zone), weekday


def next_run_after(
    after_utc: datetime,
    time_local: time,
    repeat: Repeat,
    weekday: int | None,
    zone: ZoneInfo,
) -> datetime:
    """The first run strictly after `after_utc`, in UTC.

    DAILY and ONCE: the next day whose `time_local` lies after `after_utc` (for ONCE this is
    its single run; that a once-only announcement has no run after that is the caller's
    business, since the row, not the arithmetic, knows whether it has run). WEEKLY: the same,
    on `weekday` only (0 = Monday, in the zone's calendar).

    Raises `ValueError` if `after_utc` is naive, or if WEEKLY has no weekday in 0..6.
    """
    if repeat is Repeat.WEEKLY and (weekday is None or not 0 <= weekday <= 6):
        raise ValueError(f"a weekly announcement needs a weekday 0..6, not {weekday!r}")
    for run_utc, day in _runs_after(after_utc, time_local, zone):
        if repeat is not Repeat.WEEKLY or day.weekday() == weekday:
            return run_utc
    raise AssertionError("unreachable: a week always holds the weekday")  # pragma: no cover


def _runs_after(
    after_utc: datetime, time_local: time, zone: ZoneInfo
) -> Iterator[tuple[datetime, date]]:
    """Every daily run strictly after `after_utc`, in order, with its local date (8 days)."""
    if after_utc.tzinfo is None:
        raise ValueError("after_utc must be timezone-aware")
    start = after_utc.astimezone(zone).date()
    # Start a day early: a run shifted forward by a gap just after midnight can belong to the
    # previous local date yet still lie after `after_utc`. Candidates rise with the date
    # (a day is never shorter than a gap), so the first one that qualifies is the earliest.
    for offset in range(-1, 9):
        day = start + timedelta(days=offset)
        run_utc = wall_time_to_utc(day, time_local, zone)
        if run_utc > after_utc:
            yield run_utc, day
