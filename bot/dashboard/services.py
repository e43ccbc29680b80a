"""What the dashboard's pages work with: the bot's stores and its view of the servers, and
who is asking, on which server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord
from aiohttp import web

from bot.clock import Clock
from bot.dashboard.view import GuildView
from bot.database import Database
from bot.features import Features
from bot.guild_settings import VIA_DASHBOARD, Changer, GuildSettings, GuildSettingsStore
from bot.scheduler import Scheduler


@dataclass(frozen=True)
class Services:
    """The same stores the commands use: inside the bot its own; in `python -m bot
    dashboard` ones opened on the bot's PostgreSQL database (whose notifications tell the
    bot's processes of every change). `client` is the bot's client (a `FanBot` inside the
    bot, logged in without a gateway otherwise)."""

    db: Database
    clock: Clock
    features: Features
    settings: GuildSettingsStore
    scheduler: Scheduler
    view: GuildView
    client: discord.Client


@dataclass(frozen=True)
class SignedIn:
    """The member a session belongs to, as Discord named them at login."""

    user_id: int
    name: str

    def as_session(self) -> dict[str, Any]:
        return {"id": str(self.user_id), "name": self.name}

    @classmethod
    def from_session(cls, value: Any) -> SignedIn | None:
        if not isinstance(value, dict):
            return None
        user_id, name = value.get("id"), value.get("name")
        if not (isinstance(user_id, str) and user_id.isdigit() and isinstance(name, str)):
            return None
        return cls(int(user_id), name)


@dataclass(frozen=True)
class GuildPage:
    """A request for one server's page, by a member the bot treats as its moderator (the
    core checked it before the page's handler runs)."""

    guild: discord.Guild
    member: discord.Member
    settings: GuildSettings
    user: SignedIn

    @property
    def guild_id(self) -> int:
        return self.guild.id

    @property
    def changer(self) -> Changer:
        """The moderator, as the settings history records a change made here."""
        return Changer(self.user.user_id, self.user.name, VIA_DASHBOARD)


SERVICES = web.AppKey("services", Services)
# The request's checked server (set by the core's middleware on /servers/{guild_id}/...).
GUILD_PAGE = web.RequestKey("guild_page", GuildPage)
LANGUAGE = web.RequestKey("language", str)


def services_of(request: web.Request) -> Services:
    return request.app[SERVICES]


def page_of(request: web.Request) -> GuildPage:
    """The checked server of a request under /servers/{guild_id}/."""
    try:
        return request[GUILD_PAGE]
    except KeyError:
        raise RuntimeError(f"{request.path} is not a server's page") from None


def language_of_request(request: web.Request) -> str:
    language: str = request.get(LANGUAGE, "en")
    return language
