"""Point discord.py at another Discord API (the local emulator) instead of discord.com.

Only for development and tests: call `use_api_base` when the DISCORD_API_BASE setting is
set, before the client logs in.
"""

from __future__ import annotations

import discord.gateway
import discord.http
import yarl

# The values discord.py shipped with, kept so tests can put them back.
_ORIGINAL_API_BASE: str = discord.http.Route.BASE
_ORIGINAL_GATEWAY: yarl.URL = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY


def use_api_base(base_url: str) -> None:
    """Send REST calls to `{base_url}/api/v10` and connect the gateway to `{base_url}/gateway`.

    Idempotent. REST: every `Route` (webhooks and interaction callbacks included) builds its
    URL from `Route.BASE` when created. Gateway: discord.py 2.7's single-shard `Client`
    connects to `DiscordWebSocket.DEFAULT_GATEWAY` without asking /gateway/bot, then
    resumes at READY's `resume_gateway_url` (which the emulator points at itself), and goes
    back to DEFAULT_GATEWAY after an invalid session. AutoShardedClient asks /gateway/bot,
    which the emulator answers with the same URL.

    Raises ValueError when `base_url` is not an absolute http(s) URL.
    """
    url = yarl.URL(base_url.rstrip("/"))
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"DISCORD_API_BASE must be an http(s) URL, got {base_url!r}")
    base = str(url)
    discord.http.Route.BASE = f"{base}/api/v10"
    ws_scheme = "wss" if url.scheme == "https" else "ws"
    gateway = url.with_scheme(ws_scheme).with_path(url.path.rstrip("/") + "/gateway")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


def reset_api_base() -> None:
    """Undo `use_api_base` (for tests that share a process with unredirected code)."""
    discord.http.Route.BASE = _ORIGINAL_API_BASE
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = _ORIGINAL_GATEWAY
