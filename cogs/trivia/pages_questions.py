"""The dashboard's trivia questions pages (being built)."""

from __future__ import annotations

from aiohttp import web

from bot.dashboard.sections import Section

routes = web.RouteTableDef()

SECTION = Section(
    "questions", title_key="dashboard.trivia.questions.nav", position=30, routes=routes
)
