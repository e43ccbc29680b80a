"""The dashboard's trivia scores pages (being built)."""

from __future__ import annotations

from aiohttp import web

from bot.dashboard.sections import Section

routes = web.RouteTableDef()

SECTION = Section("scores", title_key="dashboard.trivia.scores.nav", position=35, routes=routes)
