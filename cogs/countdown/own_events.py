"""A server's own countdown events: what `/countdown-admin` and the dashboard accept.

Both take the same fields (a name, a date with an optional time in the server's zone, yearly,
a kind, a description) through `add_own_event` and `remove_own_event`, so a page can't store
what the command would refuse, nor word a refusal differently. Every problem is collected:
the command shows the first, the page lists them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.embeds import clip
from bot.guild_settings import GuildSettings
from bot.text import clean_text
from cogs.countdown.maths import (
    EVENT_YEARS,
    YEARLY_KINDS,
    CountdownEvent,
    EventYearOutOfRange,
    has_time,
    parse_event_date,
)
from cogs.countdown.store import CountdownStore, EventNameTaken, TooManyEvents

NAME_MAX = 100  # an embed field name holds 256; autocomplete choices hold 100
DESCRIPTION_MAX = 600
GUILD_MAX_EVENTS = 20  # /countdown pages its list, so this limit is for moderators' sake
SHOWN_DATE_MAX = 40  # how much of a refused date a refusal repeats
# What the server's history calls an event of its own added or removed, by command or page.
HISTORY_NAME = "countdown_event"

# How a refusal quotes what the moderator typed: `bot.text.as_text` in a Discord message,
# unchanged on a page (where the template escapes it).
Quote = Callable[[str], str]


def _unchanged(text: str) -> str:
    return text


@dataclass(frozen=True)
class EventProblem:
    """One reason an event is refused: a `countdown_admin.*` catalog key and its values."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


class EventRefused(Exception):
    """The event is not stored; `problems` says every reason, in the order the fields come."""

    def __init__(self, problems: list[EventProblem]) -> None:
        super().__init__(", ".join(problem.key for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class AddedEvent:
    """An event just stored: its cleaned name, its start and how to show it (`when`)."""

    event_id: int
    name: str
    at: datetime
    yearly: bool
    when: str

    @property
    def history_entry(self) -> str:
        """The event as the server's history has it: its name and when it is."""
        return f"{self.name} ({self.when})"


async def add_own_event(
    store: CountdownStore,
    guild_id: int,
    settings: GuildSettings,
    shipped: Iterable[CountdownEvent],
    *,
    name: str,
    date: str,
    yearly: bool | None,
    description: str | None,
    kind: str | None,
    created_by: int,
    now: datetime,
    quote: Quote = _unchanged,
) -> AddedEvent:
    """Check the fields as `/countdown-admin add` takes them and store the event.

    `yearly` None means "not said": a kind alone then makes the event yearly. Raises
    `EventRefused` with every problem (nothing stored): an empty or too long name or
    description, an unknown kind, a kind on a non-yearly event, a date that isn't
    `YYYY-MM-DD [HH:MM]` or is out of `EVENT_YEARS`, a name a shipped event or one of the
    server's has (in any case), or a server already at `GUILD_MAX_EVENTS`.
    """
    # Cleaned before any check: an invisible-only name is empty, and names that differ only
    # by invisible characters are the same name.
    name = clean_text(name)
    description = clean_text(description) if description is not None else None
    problems: list[EventProblem] = []
    if not name:
        problems.append(EventProblem("countdown_admin.empty_name"))
    elif len(name) > NAME_MAX:
        problems.append(EventProblem("countdown_admin.name_too_long", {"limit": NAME_MAX}))
    if description is not None and len(description) > DESCRIPTION_MAX:
        problems.append(
            EventProblem("countdown_admin.description_too_long", {"limit": DESCRIPTION_MAX})
        )
    if kind is not None and kind not in YEARLY_KINDS:
        problems.append(EventProblem("countdown_admin.bad_kind", {"kind": quote(clip(kind, 30))}))
    elif kind is not None and yearly is False:
        problems.append(EventProblem("countdown_admin.kind_needs_yearly"))
    at: datetime | None = None
    shown_date = quote(clip(date, SHOWN_DATE_MAX))
    try:
        at = parse_event_date(date, settings.zone)
    except EventYearOutOfRange:
        years = {"first": EVENT_YEARS.start, "last": EVENT_YEARS.stop - 1}
        problems.append(EventProblem("countdown_admin.bad_year", {"date": shown_date, **years}))
    except ValueError:
        problems.append(
            EventProblem(
                "countdown_admin.bad_date", {"date": shown_date, "zone": settings.timezone}
            )
        )
    taken = EventProblem("countdown_admin.taken", {"name": quote(name)})
    if name and any(event.name.casefold() == name.casefold() for event in shipped):
        problems.append(taken)
    if problems or at is None:
        raise EventRefused(problems)
    # A birthday or an anniversary comes back every year, so a kind alone makes it yearly.
    is_yearly = bool(yearly) or kind is not None
    try:
        event_id = await store.add(
            guild_id,
            name,
            at,
            is_yearly,
            description or None,
            created_by,
            now,
            kind=kind,
            date_only=not has_time(date),
            limit=GUILD_MAX_EVENTS,
        )
    except TooManyEvents as error:
        too_many = EventProblem("countdown_admin.too_many", {"limit": error.limit})
        raise EventRefused([too_many]) from error
    except EventNameTaken as error:
        raise EventRefused([taken]) from error
    when = at.strftime("%Y-%m-%d %H:%M" if has_time(date) else "%Y-%m-%d")
    return AddedEvent(event_id, name, at, is_yearly, when)


async def remove_own_event(
    store: CountdownStore, guild_id: int, name: str, *, quote: Quote = _unchanged
) -> str:
    """Remove the server's event called `name` (any case); returns the name as cleaned.

    Raises `EventRefused` when this server has none of that name (another server's
    events are never reached: the server is part of the match).
    """
    name = clean_text(name)
    if not await store.remove(guild_id, name):
        missing = {"name": quote(clip(name, NAME_MAX))}
        raise EventRefused([EventProblem("countdown_admin.no_such_event", missing)])
    return name
