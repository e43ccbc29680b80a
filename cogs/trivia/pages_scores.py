"""The dashboard's trivia scores pages (being built)."""

from __future__ import annotations

from aiohttp import web

from bot.dashboard.app import back_to
from bot.dashboard.sections import Section

routes = web.RouteTableDef()


@routes.get("")
async def placeholder(request: web.Request) -> web.StreamResponse:
    raise back_to(request)


SECTION = Section("scores", title_key="dashboard.trivia.scores.nav", position=35, routes=routes)
