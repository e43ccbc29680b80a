"""What a feature adds to the dashboard: its pages of a server, declared, never imported by
name.

A cog package declares them in `cogs/<package>/dashboard.py`:

    routes = web.RouteTableDef()

    @routes.get("")            # /servers/{guild_id}/trivia
    async def questions(request): ...

    SECTION = Section("trivia", title_key="dashboard.trivia.nav", position=30, routes=routes)

A package with more than one section declares `SECTIONS = (...)` instead. The paths are
relative to `/servers/{guild_id}/<name>`, so every one of them is behind the core's moderator
check (`bot.dashboard.app`), and every POST behind its CSRF check; templates are
`cogs/<package>/templates/<name>/...`, named `<name>/page.html`.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp import web

from bot.features import FeatureError


@dataclass(frozen=True)
class Section:
    """One feature's pages: `name` is its URL part and template folder, `title_key` the
    catalog key of its link in a server's menu, `position` orders the menu."""

    name: str
    title_key: str
    position: int
    routes: web.RouteTableDef


def discover_sections(packages: Iterable[str]) -> list[Section]:
    """The sections `<package>.dashboard` declares, for each package that has one, in
    menu order. Raises `FeatureError` for a module without a `Section`, or two of a name."""
    found = []
    for package in packages:
        name = f"{package}.dashboard"
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        declared = getattr(module, "SECTIONS", None)
        if declared is None:
            declared = (getattr(module, "SECTION", None),)
        for section in declared:
            if not isinstance(section, Section):
                raise FeatureError(
                    f"{name}: SECTION (or each of SECTIONS) must be a "
                    "bot.dashboard.sections.Section"
                )
            found.append(section)
    names = [section.name for section in found]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise FeatureError(f"two dashboard sections are called {', '.join(repeated)}")
    return sorted(found, key=lambda section: (section.position, section.name))
