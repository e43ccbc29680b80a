"""Serving the dashboard: on DASHBOARD_HOST:DASHBOARD_PORT, behind the operator's proxy
that answers DASHBOARD_URL (https) for it."""

from __future__ import annotations

import contextlib
import logging
import secrets

from aiohttp import web

from bot.config import Settings
from bot.dashboard.app import DashboardOptions
from bot.dashboard.auth import DISCORD_WEB, OAuthApp

log = logging.getLogger(__name__)


class DashboardError(Exception):
    """The dashboard can't be served; the message says why and what to change."""


def dashboard_options(settings: Settings, application_id: int) -> DashboardOptions:
    """The app's options from the operator's settings; the OAuth2 client is the bot's own
    application unless DISCORD_CLIENT_ID names another."""
    if settings.dashboard_url is None or settings.client_secret is None:
        raise DashboardError("DASHBOARD_URL and DISCORD_CLIENT_SECRET are needed")
    if settings.dashboard_secret:
        secret = settings.dashboard_secret.encode()
    else:
        secret = secrets.token_bytes(32)
        log.info(
            "dashboard: no DASHBOARD_SECRET, so a new key for this run: moderators log in "
            "again after a restart (set it to keep them logged in, and in every dashboard "
            "process of a cluster)"
        )
    oauth = OAuthApp(
        client_id=settings.client_id or application_id,
        client_secret=settings.client_secret,
        redirect_uri=f"{settings.dashboard_url}/callback",
        web_base=settings.api_base or DISCORD_WEB,
    )
    return DashboardOptions(url=settings.dashboard_url, secret=secret, oauth=oauth)


class DashboardServer:
    """Serves one dashboard app on `host`:`port` (0: any free port)."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.app = app
        self._host = host
        self._requested_port = port
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self) -> None:
        """Listen; raises `DashboardError` when the port can't be had."""
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._requested_port)
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise DashboardError(
                f"DASHBOARD_PORT={self._requested_port}: can't listen on {self._host}:"
                f"{self._requested_port} ({exc.strerror or exc}); choose another port"
            ) from exc
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.info("dashboard: serving on http://%s:%d", self._host, self.port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            with contextlib.suppress(Exception):
                await runner.cleanup()
