"""Announcements added as a moderator adds them, with `/schedule add`, through the emulator."""

from __future__ import annotations

from tests.support.clock import T0

# Where the scheduling tests' clock starts: 17:00 in Seoul, so "17:05" is five minutes on.
START = T0


async def schedule(emu, world, channel, kind="quote", time="17:05", repeat="daily"):
    return await emu.slash(
        world.guild,
        "general",
        "mod",
        "schedule add",
        {"kind": kind, "time": time, "repeat": repeat, "channel": channel},
    )
