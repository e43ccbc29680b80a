"""`python -m bot playground --dashboard`: the dashboard beside the playground's bot, logged
in to as a person would, on the emulator's own "Authorize as ..." page."""

from __future__ import annotations

import asyncio
import html
import os
import re
import sys
from pathlib import Path

import aiohttp

from tests.support.paths import ROOT

DASHBOARD_LINE = re.compile(r"Dashboard: (http://127\.0\.0\.1:\d+)")
AUTHORIZE_AS = re.compile(r'<form method="post" action="([^"]+)">')


async def test_the_playground_serves_the_dashboard_and_its_login_picks_a_member(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env.update({"PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "playground", "--dashboard",
        cwd=tmp_path, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdin is not None
    try:
        seen = ""
        while (found := DASHBOARD_LINE.search(seen)) is None:
            line = await asyncio.wait_for(process.stdout.readline(), 60)
            assert line, f"the playground ended first: {seen}"
            seen += line.decode()
        base = found.group(1)
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as browser:
            async with browser.get(f"{base}/login") as response:
                # Nobody is signed in to the emulator's Discord: its page asks who you are.
                page = await response.text()
                action = AUTHORIZE_AS.search(page)
                assert action, page
                authorize = str(response.url.origin()) + html.unescape(action.group(1))
            mod_id = re.search(r'name="user_id" value="(\d+)">Authorize as mod<', page)
            assert mod_id, page
            async with browser.post(authorize, data={"user_id": mod_id.group(1)}) as response:
                assert response.url.path == "/servers"
                assert "Love wins all fans" in await response.text()
    finally:
        process.stdin.write(b"quit\n")
        await process.stdin.drain()
        process.stdin.close()
        await asyncio.wait_for(process.wait(), 30)
    assert process.returncode == 0
