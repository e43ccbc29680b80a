"""A Discord test double for discord.py clients: REST API v10, the gateway and interactions,
served on 127.0.0.1 by one in-process aiohttp server.

A test builds a world (users, guilds, channels, roles, permission overwrites), connects a
real discord.py client to it, and then acts as the members would: runs slash commands,
clicks buttons, picks from selects, submits modals, asks for autocomplete. The emulator
answers the client as Discord does (status codes, error codes, payload limits, the
3-second interaction deadline, the global rate limit, route rate limits on demand) and
records every request. It imports nothing of the bot it tests; it needs discord.py,
aiohttp and yarl.

What it offers (every name in `__all__`):

- `Emulator`: the server and the handle a test drives: `slash`, `click`, `select`,
  `submit_modal`, `autocomplete`, `wait_for_message`, `wait_until`; faults (`fail_next`,
  `hold`, `drop_gateway`, `send_reconnect`, `invalidate_session`, each for one `shard` or
  all); records (`requests`, `request_log`, `unknown_routes`, `internal_errors`).
- Discord's global rate limit: 429 `global: true` past `Emulator.global_rate_limit` (50)
  requests a second per bot token, across every connection (interaction callbacks and
  follow-ups exempt; None turns it off); `requests_per_second`, `peak_requests_per_second`
  and `global_429s` tell what the bot sent, on or off.
- Shards: IDENTIFY's `shard: [id, count]` opens that shard's session, which gets only its
  guilds' events and interactions (`(guild_id >> 22) % count`; DMs on shard 0). Settings
  `max_guilds_per_shard` (4011 past it), `max_concurrency` (in /gateway/bot, with the
  recommended `shards`), `enforce_identify_pacing`; records `identifies` (shard, time),
  `shard_conflicts` (`ShardConflict`: two connections identified as one shard, the older
  closed with 4010, or both kept with `duplicate_shards = "allow"`); `shard_of`,
  `guilds_of_shard`, `wait_ready(shards=...)`.
- OAuth2, for a web app's "Login with Discord" (authorization-code grant): the page
  `{base_url}/oauth2/authorize`, `POST /api/v10/oauth2/token` (and `/api/oauth2/token`,
  `.../token/revoke`), Bearer tokens on `/users/@me` (scope `identify`) and
  `/users/@me/guilds` (`guilds`: each guild with the user's permissions), refused 401 on
  every bot route. The client id is `Emulator.client_id` (the application id), the secret
  `client_secret`; `oauth2_redirect_uris` holds the registered redirect URIs. A test signs
  the browser in with `oauth2_sign_in_as(user)` (authorize then redirects with a code at
  once; nobody signed in: a page of "Authorize as ..." buttons) or makes the user press
  Cancel with `oauth2_deny_next()`; records `oauth2_codes` (`AuthorizationCode`) and
  `oauth2_tokens` (`AccessToken`).
- `running_client` (log a client in, connect it, wait for its guild cache) and
  `eventually` (poll client-side state); `use_api_base` and `reset_api_base` point
  discord.py at the emulator, for a client in another process (`DISCORD_API_BASE`).
- The world's records: `User`, `Guild`, `Member`, `Role`, `Channel`, `Overwrite`,
  `Message`, `Attachment`, `Interaction`, `Pings`; `permissions` holds the bit flags.
- `InteractionResult`: what the client did with one interaction (its answer, followups,
  edits, whether it was ephemeral or deferred, how long it took).
- What a Discord client does before it sends an interaction, for tools that type commands
  (the bot's playground): `CommandPath` (a command found by name, with
  `Emulator.walk_command`), `can_see` and `check_visible` (whether a member is shown a
  command there), `find_member` and `find_role` (a member or role named as a user types
  it; `Emulator.convert_value` converts option values so).
- `demo_world` and `add_fans`: a ready-made guild with members and channels (`DemoWorld`);
  `demo_worlds`: n such guilds sharing their members, spread over the shards.
- Faults and records: `FaultRule`, `Hold`, `RecordedRequest`, `RequestRecord`.
- Errors: `ApiError` (an answer Discord would give), `DriverError` (something a Discord
  client would not let a user do; `UnknownCommand`, `UnknownSubcommand` and
  `CommandIsGroup` say which), `InteractionTimeout` (the client did not answer).

A minimal use, in a pytest-asyncio test:

    import discord
    from discord import app_commands

    from discord_emulator import Emulator, demo_world, running_client


    class Greeter(discord.Client):
        def __init__(self) -> None:
            super().__init__(intents=discord.Intents.default())
            self.tree = app_commands.CommandTree(self)

            @self.tree.command(description="Say hello")
            async def hello(interaction: discord.Interaction) -> None:
                await interaction.response.send_message("Hello!", ephemeral=True)


    async def test_hello() -> None:
        async with Emulator() as emu:
            world = demo_world(emu)
            async with running_client(Greeter(), emu) as client:
                await client.tree.sync()
                result = await emu.slash(world.guild, world.general, world.uaena, "hello")
                assert result.content == "Hello!"
                assert result.ephemeral

A client in another process connects the same way once `use_api_base(emu.base_url)` ran
there and it logs in with `emu.token`; the test then awaits `emu.wait_ready()`.
"""

from __future__ import annotations

from . import permissions
from .demo import DemoWorld, add_fans, demo_world, demo_worlds
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
from .gateway import ShardConflict
from .harness import eventually, running_client
from .oauth2 import AccessToken, AuthorizationCode
from .redirect import reset_api_base, use_api_base
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
    "AccessToken",
    "ApiError",
    "Attachment",
    "AuthorizationCode",
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
    "ShardConflict",
    "UnknownCommand",
    "UnknownSubcommand",
    "User",
    "add_fans",
    "can_see",
    "check_visible",
    "demo_world",
    "demo_worlds",
    "eventually",
    "find_member",
    "find_role",
    "permissions",
    "reset_api_base",
    "running_client",
    "use_api_base",
]
