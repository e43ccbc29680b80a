"""A local emulator of Discord's REST API v10 and gateway for end-to-end tests of a real
discord.py client.

    async with Emulator() as emu:
        world = demo_world(emu)
        async with running_client(MyBot(), emu) as bot:   # use_api_base + login + connect
            await bot.tree.sync()
            result = await emu.slash(world.guild, "trivia", world.uaena, "trivia play")
            assert result.embed["title"] == ...
            answer = await emu.click(result.message, "trivia:a", world.army)
            assert answer.ephemeral

A bot in another process connects the same way once `use_api_base(emu.base_url)` ran there
(DISCORD_API_BASE) and it logs in with `emu.token`; then `await emu.wait_ready()`.
"""

from __future__ import annotations

from . import permissions
from .demo import DemoWorld, add_fans, demo_world
from .driver import (
    CommandIsGroup,
    CommandPath,
    InteractionResult,
    UnknownCommand,
    UnknownSubcommand,
    can_see,
    check_visible,
    find_member,
    find_role,
)
from .errors import ApiError, DriverError, InteractionTimeout
from .faults import FaultRule, Hold, RecordedRequest, RequestRecord
from .harness import eventually, running_client
from .server import Emulator
from .state import (
    Attachment,
    Channel,
    Guild,
    Interaction,
    Member,
    Message,
    Overwrite,
    Pings,
    Role,
    User,
)

__all__ = [
    "ApiError",
    "Attachment",
    "Channel",
    "CommandIsGroup",
    "CommandPath",
    "DemoWorld",
    "DriverError",
    "Emulator",
    "FaultRule",
    "Guild",
    "Hold",
    "Interaction",
    "InteractionResult",
    "InteractionTimeout",
    "Member",
    "Message",
    "Overwrite",
    "Pings",
    "RecordedRequest",
    "RequestRecord",
    "Role",
    "UnknownCommand",
    "UnknownSubcommand",
    "User",
    "add_fans",
    "can_see",
    "check_visible",
    "demo_world",
    "eventually",
    "find_member",
    "find_role",
    "permissions",
    "running_client",
]
