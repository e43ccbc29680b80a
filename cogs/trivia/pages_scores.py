"""The dashboard's trivia scores: a server's leaderboards (all time, this week, this month:
the store's `leaderboard`, as `/trivia leaderboard` shows them) and its accuracy per
category with a chart; a member's own figures (`/trivia stats`) from a name on the board.

Only pages to read: every figure is the server's own, by the `guild_id` the core checked,
so a member id in the URL only finds a member's figures in this server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.dashboard.app import render
from bot.dashboard.sections import Section
from bot.dashboard.services import language_of_request, page_of, services_of
from cogs.trivia.categories import CategoryFigure, category_figures
from cogs.trivia.chart import accuracy_chart
from cogs.trivia.game import LeaderboardWindow, competition_ranks
from cogs.trivia.store import LeaderboardRow, TriviaStore

routes = web.RouteTableDef()

SECTION = Section("scores", title_key="dashboard.trivia.scores.nav", position=35, routes=routes)

# The page has room for more than the command's top 10; ranks are the same for those 10.
LEADERBOARD_SIZE = 25
BOARDS = tuple(LeaderboardWindow)
# Discord ids: up to 20 digits (as the core checks a server's).
MAX_ID_DIGITS = 20


@dataclass(frozen=True)
class RankedRow:
    """A leaderboard line as shown: tied points share a rank, as in `/trivia leaderboard`
    (no medals: a page has its columns, and not every browser has an emoji font)."""

    rank: int
    row: LeaderboardRow


def ranked(rows: list[LeaderboardRow]) -> list[RankedRow]:
    ranks = competition_ranks([row.points for row in rows])
    return [RankedRow(rank, row) for rank, row in zip(ranks, rows, strict=True)]


def _chart_context(figures: list[CategoryFigure]) -> dict[str, Any]:
    """The chart's geometry and its words for screen readers (the figures in one line)."""
    return {
        "figures": figures,
        "chart": accuracy_chart(figures) if figures else None,
        "chart_summary": ", ".join(f"{figure.label} {figure.percent}" for figure in figures),
    }


@routes.get("")
async def scores(request: web.Request) -> web.StreamResponse:
    """The leaderboard picked by `?board=` (all time by default) and the server's stats."""
    page = page_of(request)
    store = TriviaStore(services_of(request).db)
    window = LeaderboardWindow.named(request.query.get("board"))
    now = services_of(request).clock.now()
    zone = page.settings.zone
    rows = await store.leaderboard(page.guild_id, window, now, zone, LEADERBOARD_SIZE)
    since = window.start(now, zone)
    lines = await store.category_totals(page.guild_id)
    figures = category_figures(lines, language_of_request(request))
    return await render(
        request,
        "scores/page.html",
        {
            "board": window.value,
            "boards": [board.value for board in BOARDS],
            "rows": ranked(rows),
            "since": since.astimezone(zone).date().isoformat() if since else None,
            "zone": page.settings.timezone,
            **_chart_context(figures),
        },
    )


@routes.get("/members/{user_id}")
async def member_figures(request: web.Request) -> web.StreamResponse:
    """One member's figures in this server (404 for anyone without answers here)."""
    page = page_of(request)
    raw_id = request.match_info["user_id"]
    if not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= MAX_ID_DIGITS):
        raise web.HTTPNotFound()
    user_id = int(raw_id)
    store = TriviaStore(services_of(request).db)
    score = await store.score(page.guild_id, user_id)
    if score is None or score.answered == 0:
        raise web.HTTPNotFound()
    name = await store.stored_name(page.guild_id, user_id) or str(user_id)
    lines = await store.category_lines(page.guild_id, user_id)
    figures = category_figures(lines, language_of_request(request))
    return await render(
        request,
        "scores/member.html",
        {"name": name, "score": score, **_chart_context(figures)},
    )
