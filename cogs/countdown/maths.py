"""Countdown arithmetic, free of Discord: until/since an event, yearly occurrences, and
finding the events a member typed.

Counting rule: an event with a time is an instant; its calendar days are counted in the
server's zone (and its time is shown there). A date-only event is a date in its own zone
(Asia/Seoul for the shipped ones, the server's zone when it was added for a server's own):
its days are counted from today's date in that zone, it is D-Day for that whole day there,
and it never shows hours, since it has no time to count them to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
SHOW_HOURS_UNDER = timedelta(days=2)
# The years a server's event may fall in: any fan date, past or planned. Year 1 or 9999
# would leave datetime's range when shown in another zone, breaking /countdown for everyone.
EVENT_YEARS = range(1900, 2200)
# What a yearly event celebrates; "other" says only that it comes back every year.
YEARLY_KINDS = ("birthday", "anniversary", "debut", "other")


@dataclass(frozen=True)
class CountdownEvent:
    """An instant (or, `date_only`, a date) to count to or from. A yearly one recurs on its
    month and day; `kind` (one of YEARLY_KINDS) says what it celebrates."""

    key: str
    name: str
    at: datetime  # aware; for a date-only event, 00:00 of its date in its own zone
    yearly: bool = False
    fact: str | None = None
    source: str | None = None
    kind: str = "other"
    date_only: bool = False
    aliases: tuple[str, ...] = ()  # other words members type for it ("discharge", "전역")
    # The Korean of `name` and `fact` (every shipped event has them; a server's own may not).
    name_ko: str | None = None
    fact_ko: str | None = None

    def name_in(self, language: str) -> str:
        """The name members of `language` read: the Korean where there is one."""
        return self.name_ko if language == "ko" and self.name_ko else self.name

    def fact_in(self, language: str) -> str | None:
        return self.fact_ko if language == "ko" and self.fact_ko else self.fact


@dataclass(frozen=True)
class Countdown:
    event: CountdownEvent
    target: datetime  # the instant counted to (the next occurrence, for a yearly event)
    remaining: timedelta  # negative once the target has passed
    days: int  # calendar days from today to the target's day (see the counting rule above)
    occurrence: int | None  # for a yearly event: 3 for the 3rd anniversary

    @property
    def is_past(self) -> bool:
        if self.event.date_only:
            return self.days < 0  # its whole day is "today", not "since"
        return self.remaining < timedelta(0)

    @property
    def is_today(self) -> bool:
        """A date-only event on its day: neither until nor since."""
        return self.event.date_only and self.days == 0

    @property
    def show_hours(self) -> bool:
        return not self.event.date_only and abs(self.remaining) < SHOW_HOURS_UNDER

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
    """How far `event` is from `now`, with calendar days counted in `zone` (a date-only
    event: in its own zone, see the counting rule above).

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
        # A yearly event that has not begun yet (a first date in a later year) counts to
        # that first date, not to an occurrence before it.
        target = max(target, event.at)
        occurrence = target.year - event.at.year
    count_in = event.at.tzinfo if event.date_only else zone
    days = (target.astimezone(count_in).date() - now.astimezone(count_in).date()).days
    return Countdown(event, target, target - now, days, occurrence)


def in_list_order(items: Iterable[Countdown]) -> list[Countdown]:
    """The order `/countdown` lists events in: the upcoming soonest first, then the past,
    the most recent first."""
    listed = list(items)
    upcoming = sorted((i for i in listed if not i.is_past), key=lambda i: i.remaining)
    past = sorted((i for i in listed if i.is_past), key=lambda i: i.remaining, reverse=True)
    return upcoming + past


def local_date(event: CountdownEvent, target: datetime) -> date:
    """The calendar date of a date-only event's `target`, in its own zone."""
    return target.astimezone(event.at.tzinfo).date()


def find_events(events: Iterable[CountdownEvent], typed: str) -> list[CountdownEvent]:
    """The events whose name (English or Korean), key or an alias matches `typed` (any
    case), best first.

    Best is an exact name or key, then an exact alias, then a name or alias that starts with
    `typed`, then one that contains it; ties keep the events' order. Empty text matches all.
    Both the autocomplete and `/countdown event:` use this, so what one offers the other takes.
    """
    wanted = " ".join(typed.split()).casefold()
    ranked: list[tuple[int, int, CountdownEvent]] = []
    for position, event in enumerate(events):
        rank = _match_rank(event, wanted)
        if rank is not None:
            ranked.append((rank, position, event))
    ranked.sort(key=lambda entry: entry[:2])
    return [event for _, _, event in ranked]


def best_matches(events: Iterable[CountdownEvent], typed: str) -> list[CountdownEvent]:
    """The events tied for the best match of `typed`: one when it is clear, several when
    the member must choose, none when nothing matches."""
    wanted = " ".join(typed.split()).casefold()
    ranked = [(rank, e) for e in events if (rank := _match_rank(e, wanted)) is not None]
    if not ranked:
        return []
    best = min(rank for rank, _ in ranked)
    return [event for rank, event in ranked if rank == best]


def _match_rank(event: CountdownEvent, wanted: str) -> int | None:
    names = [event.name.casefold()]
    if event.name_ko:
        names.append(" ".join(event.name_ko.split()).casefold())
    aliases = [alias.casefold() for alias in event.aliases]
    if wanted in (*names, event.key.casefold()):
        return 0
    if wanted in aliases:
        return 1
    words = [*names, *aliases]
    if any(word.startswith(wanted) for word in words):
        return 2
    if any(wanted in word for word in words):
        return 3
    return None


PageT = TypeVar("PageT")


def pages_of(items: Sequence[PageT], per_page: int) -> list[Sequence[PageT]]:
    """`items` cut into pages of `per_page` (at least one page, maybe empty)."""
    return [items[i : i + per_page] for i in range(0, len(items), per_page)] or [items[:0]]


def parse_event_date(text: str, zone: ZoneInfo) -> datetime:
    """`YYYY-MM-DD` or `YYYY-MM-DD HH:MM` on the server's wall clock, as an aware datetime
    (00:00 for a date alone; `has_time` tells the two apart).

    Raises `ValueError` for anything else (including impossible dates like 2025-13-40);
    `EventYearOutOfRange` (a `ValueError`) for a year outside `EVENT_YEARS`.
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
    if day.year not in EVENT_YEARS:
        raise EventYearOutOfRange(raw)
    return datetime.combine(day, at, tzinfo=zone)


class EventYearOutOfRange(ValueError):
    """A real date, but of a year outside `EVENT_YEARS`."""


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


def has_time(text: str) -> bool:
    """Whether an event date accepted by `parse_event_date` gave a time of day."""
    return len(text.split()) == 2
