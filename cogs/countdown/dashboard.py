"""What the countdowns add to the dashboard: the server's own events, as `/countdown-admin`
manages them, and the shipped ones, read-only, each counted as `/countdown` counts it.

The add and remove forms go through `cogs.countdown.own_events`, the command's own checks,
so the page stores nothing the command would refuse; a refused form is shown again with
every problem. An event is removed by its name within the page's server (the core checked
the member moderates it), so another server's events can't be reached by editing the form.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.dashboard.app import back_to, notice, render
from bot.dashboard.sections import Section
from bot.dashboard.services import language_of_request, page_of, services_of
from bot.i18n import catalog
from cogs.countdown.cog import describe, when_text
from cogs.countdown.maths import YEARLY_KINDS, Countdown, CountdownEvent, countdown, in_list_order
from cogs.countdown.own_events import (
    DESCRIPTION_MAX,
    GUILD_MAX_EVENTS,
    HISTORY_NAME,
    NAME_MAX,
    EventProblem,
    EventRefused,
    add_own_event,
    remove_own_event,
)
from cogs.countdown.store import CountdownStore, load_builtin_events

routes = web.RouteTableDef()
# How the server's history names a change of its own events.

SECTION = Section("countdown", title_key="dashboard.countdown.nav", position=40, routes=routes)

FIELDS = ("name", "date", "yearly", "kind", "description")


@functools.cache
def shipped_events() -> tuple[CountdownEvent, ...]:
    """The events in data/ (the same file the command's cog loads; it doesn't change)."""
    return tuple(load_builtin_events())


@dataclass(frozen=True)
class ShownEvent:
    """One row of the page: the event and its count now, worded as `/countdown` words it."""

    event: CountdownEvent
    count: str
    when: str


def _shown(items: list[Countdown], zone: str, language: str) -> list[ShownEvent]:
    return [
        ShownEvent(item.event, describe(item, language), when_text(item, zone, language))
        for item in in_list_order(items)
    ]


def _text(posted: Any, field: str) -> str:
    value = posted.get(field, "")
    return value if isinstance(value, str) else ""


async def _page(
    request: web.Request,
    *,
    problems: Sequence[EventProblem] = (),
    form: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    page = page_of(request)
    services = services_of(request)
    language = language_of_request(request)
    now = services.clock.now()
    zone = page.settings.zone
    own = await CountdownStore(services.db).events(page.guild_id)
    messages = catalog()
    return await render(
        request,
        "countdown/page.html",
        {
            "own": _shown([countdown(e, now, zone) for e in own], page.settings.timezone, language),
            "shipped": _shown(
                [countdown(e, now, zone) for e in shipped_events()],
                page.settings.timezone,
                language,
            ),
            "problems": [messages.t(p.key, language, **p.values) for p in problems],
            "form": form or {},
            "kinds": YEARLY_KINDS,
            "zone": page.settings.timezone,
            "name_max": NAME_MAX,
            "description_max": DESCRIPTION_MAX,
            "events_max": GUILD_MAX_EVENTS,
        },
        status=status,
    )


@routes.get("")
async def events_page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


@routes.post("/add")
async def add_event(request: web.Request) -> web.StreamResponse:
    """`/countdown-admin add` from the form: stored, or the form again with every problem."""
    page = page_of(request)
    services = services_of(request)
    posted = await request.post()
    form = {field: _text(posted, field) for field in FIELDS}
    description = form["description"]
    try:
        added = await add_own_event(
            CountdownStore(services.db),
            page.guild_id,
            page.settings,
            shipped_events(),
            name=form["name"],
            date=form["date"],
            # An unticked box says nothing: as with the command, a kind alone makes it yearly.
            yearly=True if form["yearly"] else None,
            description=description if description.strip() else None,
            kind=form["kind"] or None,
            created_by=page.user.user_id,
            now=services.clock.now(),
        )
    except EventRefused as refused:
        return await _page(request, problems=refused.problems, form=form, status=400)
    await services.settings.record(
        page.guild_id, page.changer, HISTORY_NAME, None, added.history_entry
    )
    key = "dashboard.countdown.added_yearly" if added.yearly else "dashboard.countdown.added"
    await notice(request, key, name=added.name, when=added.when, zone=page.settings.timezone)
    raise back_to(request, "/countdown")


@routes.post("/remove")
async def remove_event(request: web.Request) -> web.StreamResponse:
    """`/countdown-admin remove`: the server's own event of the posted name, or a refusal."""
    page = page_of(request)
    services = services_of(request)
    posted = await request.post()
    try:
        removed = await remove_own_event(
            CountdownStore(services.db), page.guild_id, _text(posted, "name")
        )
    except EventRefused as refused:
        return await _page(request, problems=refused.problems, status=400)
    await services.settings.record(page.guild_id, page.changer, HISTORY_NAME, removed, None)
    await notice(request, "dashboard.countdown.removed", name=removed)
    raise back_to(request, "/countdown")
