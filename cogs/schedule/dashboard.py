"""The dashboard's schedule page: every announcement at a glance, and what `/schedule add`
and `/schedule remove` do, through the same checks (`cogs.schedule.adding`) and the same
scheduler.

GET  /servers/{guild_id}/schedule          the table and the add form
POST /servers/{guild_id}/schedule/add      kind, time, repeat, weekday, channel
POST /servers/{guild_id}/schedule/remove   id (only one of this server's)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import discord
from aiohttp import web

from bot.dashboard.app import back_to, notice, render
from bot.dashboard.sections import Section
from bot.dashboard.services import language_of_request, page_of, services_of
from bot.errors import InvalidInput
from bot.i18n import t
from bot.schedule_time import Repeat, format_hhmm
from bot.scheduler import Announcement
from cogs.schedule.adding import (
    AnnouncementRefused,
    add_announcement,
    checked_announcement,
    remove_announcement,
)
from cogs.schedule.cog import lag_of

ANNOUNCEMENTS_FEATURE = "announcements"
FORM_FIELDS = ("kind", "time", "repeat", "weekday", "channel")

routes = web.RouteTableDef()


@dataclass(frozen=True)
class ScheduleRow:
    """One announcement as the table shows it, every cell in words."""

    id: int
    kind: str
    time: str
    repeat: str
    channel: str
    next_run: str
    last_posted: str | None
    lag: str | None
    failure: str | None
    failed_at: str | None


def local_moment(when: datetime, zone: str, language: str) -> str:
    """`when` on the server's wall clock: weekday, date, time and the zone's name."""
    local = when.astimezone(ZoneInfo(zone))
    return t(
        "dashboard.schedule.moment",
        language,
        day=t(f"schedule.day.{local.weekday()}", language),
        date=local.strftime("%Y-%m-%d"),
        time=local.strftime("%H:%M"),
        zone=zone,
    )


def repeat_in_words(item: Announcement, language: str) -> str:
    if item.repeat is Repeat.WEEKLY and item.weekday is not None:
        day = t(f"schedule.day.{item.weekday}", language)
        return t("dashboard.schedule.repeat_weekly_on", language, day=day)
    return t(f"dashboard.schedule.repeat.{item.repeat.value}", language)


def row_of(item: Announcement, channel_names: Mapping[int, str], language: str) -> ScheduleRow:
    if item.next_run_utc is not None:
        next_run = local_moment(item.next_run_utc, item.zone, language)
    elif item.pending_due_utc is not None:
        next_run = t("dashboard.schedule.being_posted", language)
    else:
        next_run = t("schedule.finished", language)
    name = channel_names.get(item.channel_id)
    failed_at = item.last_error_at or item.created_at
    return ScheduleRow(
        id=item.id,
        kind=item.kind,
        time=format_hhmm(item.time_local),
        repeat=repeat_in_words(item, language),
        channel=f"#{name}" if name is not None else t("dashboard.schedule.channel_gone", language),
        next_run=next_run,
        last_posted=(
            local_moment(item.last_posted_at, item.zone, language)
            if item.last_posted_at is not None
            else None
        ),
        lag=lag_of(item, language),
        failure=item.last_error or None,
        failed_at=local_moment(failed_at, item.zone, language) if item.last_error else None,
    )


async def schedule_page(
    request: web.Request,
    *,
    problems: list[str] | None = None,
    form: Mapping[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    """The table and the add form; `form` keeps what a refused add had filled in."""
    page, services = page_of(request), services_of(request)
    language = language_of_request(request)
    channels = await services.view.text_channels(page.guild)
    names = {channel.id: channel.name for channel in channels}
    items = await services.scheduler.list(page.guild_id)
    configured = page.settings.announce_channel_id
    filled = dict(form or {})
    filled.setdefault("channel", str(configured) if configured in names else "")
    filled.setdefault("repeat", Repeat.DAILY.value)
    return await render(
        request,
        "schedule/page.html",
        {
            "rows": [row_of(item, names, language) for item in items],
            "kinds": services.features.kinds,
            "repeats": [repeat.value for repeat in Repeat],
            "weekdays": range(7),
            "channels": channels,
            "form": filled,
            "problems": problems or [],
            "zone": page.settings.timezone,
            "announcements_on": page.settings.cog_enabled(ANNOUNCEMENTS_FEATURE),
        },
        status=status,
    )


@routes.get("")
async def show(request: web.Request) -> web.Response:
    return await schedule_page(request)


@routes.post("/add")
async def add(request: web.Request) -> web.Response:
    page, services = page_of(request), services_of(request)
    language = language_of_request(request)
    posted = await request.post()
    form = {name: str(posted.get(name, "")) for name in FORM_FIELDS}
    raw_channel = form["channel"].strip()
    try:
        # A channel id is looked up among this server's channels only, never fetched by id.
        channel: int | None = int(raw_channel) if raw_channel else None
    except ValueError:
        channel = -1  # no channel has it: refused as a channel of no server
    try:
        checked = checked_announcement(
            services.features.kinds,
            kind=form["kind"],
            time_text=form["time"],
            repeat=form["repeat"],
            weekday=form["weekday"],
            channel=channel,
            channels=await services.view.text_channels(page.guild),
            configured_channel_id=page.settings.announce_channel_id,
            locale=language,
            mention=channel_label,
        )
        item = await add_announcement(
            services.scheduler, services.settings, page.guild_id, checked, page.changer
        )
    except InvalidInput as refused:
        problems = refused.problems if isinstance(refused, AnnouncementRefused) else (refused,)
        shown = [problem.render(language) for problem in problems]
        return await schedule_page(request, problems=shown, form=form, status=400)
    next_run = (
        local_moment(item.next_run_utc, item.zone, language)
        if item.next_run_utc is not None
        else t("schedule.finished", language)
    )
    key = (
        "dashboard.schedule.added"
        if page.settings.cog_enabled(ANNOUNCEMENTS_FEATURE)
        else "dashboard.schedule.added_while_off"
    )
    await notice(request, key, id=item.id, kind=item.kind, next=next_run)
    raise back_to(request, "/schedule")


@routes.post("/remove")
async def remove(request: web.Request) -> web.Response:
    page, services = page_of(request), services_of(request)
    raw = str((await request.post()).get("id", "")).strip()
    announcement_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None
    if announcement_id is None or not await remove_announcement(
        services.scheduler, services.settings, page.guild_id, announcement_id, page.changer
    ):
        # Another server's, removed already, or never there: the same answer for each.
        problem = t("dashboard.schedule.no_such", language_of_request(request))
        return await schedule_page(request, problems=[problem], status=400)
    await notice(request, "dashboard.schedule.removed", id=announcement_id)
    raise back_to(request, "/schedule")


def channel_label(channel: discord.TextChannel) -> str:
    """A channel as the page names it (a mention is Discord's markup, not a page's)."""
    return f"#{channel.name}"


SECTION = Section("schedule", title_key="dashboard.schedule.nav", position=40, routes=routes)
