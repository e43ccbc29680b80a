"""The test-facing side: play a Discord user (slash commands, autocomplete, clicks, modals)
and await what the bot answers.

Every wait polls the emulator's state, woken by `ChangeFeed` whenever anything changes, so
there are no sleeps and no races between "the bot answered" and "the test started waiting".
"""

# Waits take a `timeout` argument on purpose: a timeout is part of what a test asserts
# and ends in a message saying what the bot failed to do.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from . import permissions as perms
from .errors import DriverError, InteractionTimeout
from .state import (
    CHANNEL_DM,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    Attachment,
    Channel,
    Guild,
    Interaction,
    Member,
    Message,
    Role,
    User,
    World,
)

if TYPE_CHECKING:
    from .gateway import Gateway

T = TypeVar("T")

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

# Application command option types.
OPT_SUB_COMMAND = 1
OPT_SUB_COMMAND_GROUP = 2
OPT_STRING = 3
OPT_INTEGER = 4
OPT_BOOLEAN = 5
OPT_USER = 6
OPT_CHANNEL = 7
OPT_ROLE = 8
OPT_MENTIONABLE = 9
OPT_NUMBER = 10
OPT_ATTACHMENT = 11
SUBCOMMAND_TYPES = (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP)
# What a member may type for a boolean option.
TRUE_WORDS = {"true", "yes", "on", "1", "y"}
FALSE_WORDS = {"false", "no", "off", "0", "n"}


@dataclass(frozen=True)
class CommandPath:
    """A synced command and the subcommand group and subcommand nodes below it that a
    command's name ("trivia play") leads to."""

    root: dict[str, Any]
    nodes: list[dict[str, Any]]

    @property
    def node(self) -> dict[str, Any]:
        """The last node named: the command itself, a group or a subcommand."""
        return self.nodes[-1] if self.nodes else self.root

    @property
    def names(self) -> list[str]:
        return [self.root["name"], *(node["name"] for node in self.nodes)]

    @property
    def name(self) -> str:
        """The full name by spaces, as `slash` takes it: "trivia play"."""
        return " ".join(self.names)

    @property
    def subcommands(self) -> list[dict[str, Any]]:
        """The node's subcommands or groups (none for a command that takes options)."""
        return [o for o in self.node.get("options") or [] if o["type"] in SUBCOMMAND_TYPES]

    @property
    def options(self) -> list[dict[str, Any]]:
        """The node's option definitions (of a command or subcommand, not of a group)."""
        return list(self.node.get("options") or [])


class UnknownCommand(DriverError):
    """No command of this name was synced, to the guild or globally."""

    def __init__(self, name: str, synced: list[str]) -> None:
        super().__init__(
            f"no synced command {name!r}; synced: {synced or 'none (did the bot sync?)'}"
        )
        self.name = name
        self.synced = synced


class UnknownSubcommand(DriverError):
    """`word` names nothing below `found`, the part of `command` that does exist."""

    def __init__(self, command: str, found: CommandPath, word: str) -> None:
        names = [o["name"] for o in found.subcommands]
        super().__init__(f"/{command}: no subcommand {word!r} (has {names})")
        self.found = found
        self.word = word


class CommandIsGroup(DriverError):
    """The command named is a group: a member must pick one of its subcommands."""

    def __init__(self, command: str, found: CommandPath) -> None:
        names = [o["name"] for o in found.options]
        super().__init__(f"/{command} is a group; pick a subcommand from {names}")
        self.found = found


def can_see(
    command: Mapping[str, Any],
    member: Member | None,
    channel: Channel,
    *,
    permissions: int | None = None,
) -> bool:
    """Whether Discord lists the synced root `command` for `member` in `channel`: its
    `default_member_permissions` are all granted (or Administrator). `permissions` replaces
    the member's own; outside a guild (no member) every command is listed."""
    required = command.get("default_member_permissions")
    if required is None or member is None:
        return True
    have = permissions if permissions is not None else member.permissions(channel)
    needed = int(required)
    return bool(have & perms.ADMINISTRATOR) or bool(needed and have & needed == needed)


def check_visible(
    command: Mapping[str, Any],
    member: Member | None,
    channel: Channel,
    *,
    permissions: int | None = None,
    typed: str | None = None,
) -> None:
    """DriverError when Discord would not offer `command` to `member` (see `can_see`), as
    its client would not let them send it; `typed` is the name to say (`trivia-admin add`)."""
    if not can_see(command, member, channel, permissions=permissions):
        assert member is not None  # every command is visible outside a guild
        raise DriverError(
            f"{member.user.name!r} cannot see /{typed or command['name']} "
            f"(default_member_permissions={int(command['default_member_permissions'])}); "
            "pass ignore_default_permissions=True to simulate a server override"
        )


class ChangeFeed:
    """Wakes every waiter whenever the emulator's state changes."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float) -> T:
        """The first truthy value of `predicate()`; TimeoutError after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while True:
                # Take the event before checking so a change in between still wakes us.
                event = self._event
                value = predicate()
                if value:
                    return value
                await event.wait()


@dataclass(eq=False)
class InteractionResult:
    """What the bot did with one interaction.

    `message` is the live original response (for a button answered with an update or a
    deferred update: the clicked message); `initial` is its JSON as the user first saw it.
    """

    driver: Driver
    interaction: Interaction
    _seen_revision: int = 0
    _seen_followups: int = 0

    def __post_init__(self) -> None:
        revision = self.interaction.response_revision
        # Not complete yet (a defer not waited for): its "thinking" message is revision 0.
        self._seen_revision = 0 if revision is None else revision

    @property
    def type(self) -> int | None:
        """The callback type: 4 message, 5 deferred message, 6 deferred update, 7 update,
        8 autocomplete result, 9 modal."""
        return self.interaction.response_type

    @property
    def deferred(self) -> bool:
        return self.type in (5, 6)

    @property
    def response_delay(self) -> float | None:
        """Seconds from the interaction to the bot's callback (None: no callback yet)."""
        answered = self.interaction.response_at
        return None if answered is None else answered - self.interaction.created_at

    @property
    def answer(self) -> Message | None:
        """The message the user reads as the answer: the original response, unless the bot
        deleted it (say, a public "thinking" replaced by an ephemeral error), then the first
        followup since."""
        original = self.interaction.original
        if original is not None and not original.deleted and not original.loading:
            return original
        followups = [m for m in self.interaction.followups if not m.deleted]
        return followups[0] if followups else None

    @property
    def message(self) -> Message | None:
        return self.interaction.original

    @property
    def initial(self) -> dict[str, Any] | None:
        return self.interaction.initial

    @property
    def content(self) -> str | None:
        return None if self.message is None else self.message.content

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return [] if self.message is None else self.message.embeds

    @property
    def embed(self) -> dict[str, Any] | None:
        """The first embed, if any."""
        return self.embeds[0] if self.embeds else None

    @property
    def components(self) -> list[dict[str, Any]]:
        return [] if self.message is None else self.message.components

    @property
    def flags(self) -> int:
        return 0 if self.message is None else self.message.flags

    @property
    def ephemeral(self) -> bool:
        return self.message is not None and self.message.ephemeral

    @property
    def followups(self) -> list[Message]:
        return list(self.interaction.followups)

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        return self.interaction.choices

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot opened (custom_id, title, components), for `submit_modal`."""
        return self.interaction.response_data if self.type == 9 else None

    def text(self) -> str:
        """Content plus embed text of the original response ("" when there is none)."""
        return "" if self.message is None else self.message.text()

    async def wait_edit(self, timeout: float = 5.0) -> Message:
        """The message after its next edit (an edit that already happened counts)."""

        def edited() -> Message | None:
            message = self.interaction.original
            if message is not None and message.revision > self._seen_revision:
                return message
            return None

        try:
            message = await self.driver._feed.wait_for(edited, timeout)
        except TimeoutError:
            raise InteractionTimeout(
                f"the bot did not edit the response to {self.interaction.name!r} within {timeout}s"
            ) from None
        self._seen_revision = message.revision
        return message

    async def wait_followup(self, timeout: float = 5.0) -> Message:
        """The next followup not yet returned by this method (queue semantics)."""
        index = self._seen_followups

        def arrived() -> Message | None:
            followups = self.interaction.followups
            return followups[index] if len(followups) > index else None

        try:
            message = await self.driver._feed.wait_for(arrived, timeout)
        except TimeoutError:
            raise InteractionTimeout(
                f"the bot sent no followup to {self.interaction.name!r} within {timeout}s"
            ) from None
        self._seen_followups = index + 1
        return message

    def __repr__(self) -> str:
        return (
            f"<InteractionResult {self.interaction.name!r} type={self.type} "
            f"ephemeral={self.ephemeral} content={self.content!r}>"
        )


@dataclass
class _Resolved:
    """The `resolved` block of an interaction, filled while options are converted."""

    # Whose view the resolved channel permissions are computed for (not sent).
    invoker: Member | None = None
    users: dict[str, Any] = field(default_factory=dict)
    members: dict[str, Any] = field(default_factory=dict)
    roles: dict[str, Any] = field(default_factory=dict)
    channels: dict[str, Any] = field(default_factory=dict)
    attachments: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v and k != "invoker"}


UserLike = User | Member | str
ChannelLike = Channel | str


class Driver:
    """Mixin giving the Emulator its test-driving methods."""

    world: World
    gateway: Gateway
    _feed: ChangeFeed
    clock: Callable[[], float]
    interaction_deadline: float
    _read_cursors: dict[str, int]

    def _shard_of(self, interaction: Interaction) -> int:
        guild_id = _guild_id(interaction)
        return 0 if guild_id is None else self.gateway.shard_of(guild_id)

    # -- resolving test arguments -------------------------------------------------------------

    def _context(
        self, guild: Guild | None, channel: ChannelLike, user: UserLike
    ) -> tuple[Channel, User, Member | None]:
        if guild is None:
            if isinstance(channel, Channel):
                resolved_channel = channel
                guild = channel.guild
            else:
                raise DriverError("give a Channel object when guild is None")
        else:
            resolved_channel = channel if isinstance(channel, Channel) else guild.channel(channel)
        if guild is None:
            resolved_user = (
                user.user
                if isinstance(user, Member)
                else (user if isinstance(user, User) else self.world.user(user))
            )
            return resolved_channel, resolved_user, None
        if resolved_channel.guild is not guild:
            raise DriverError(f"channel {resolved_channel.name!r} is not in guild {guild.name!r}")
        try:
            member = guild.member(user)
        except KeyError as exc:
            raise DriverError(str(exc)) from None
        return resolved_channel, member.user, member

    # -- interactions ---------------------------------------------------------------------------

    def _new_interaction(
        self,
        kind: int,
        channel: Channel,
        user: User,
        member: Member | None,
        data: dict[str, Any],
        *,
        name: str,
        permissions: int | None,
        locale: str,
        message: Message | None = None,
    ) -> Interaction:
        world = self.world
        interaction_id, token = world.new_interaction_ids()
        guild = channel.guild
        payload: dict[str, Any] = {
            "id": interaction_id,
            "application_id": world.application_id,
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        channel_data = channel.to_dict()
        if guild is not None and member is not None:
            member_perms = permissions if permissions is not None else member.permissions(channel)
            channel_data["permissions"] = str(member_perms)
            member_data = member.to_dict()
            member_data["permissions"] = str(member_perms)
            payload.update(
                {
                    "guild_id": guild.id,
                    "guild": {"id": guild.id, "locale": guild.preferred_locale, "features": []},
                    "guild_locale": guild.preferred_locale,
                    "member": member_data,
                    "app_permissions": str(guild.me.permissions(channel)),
                    "authorizing_integration_owners": {"0": guild.id},
                    "context": 0,
                }
            )
        else:
            payload.update(
                {
                    "user": user.to_dict(),
                    "app_permissions": str(perms.ALL),
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                }
            )
        payload["channel_id"] = channel.id
        payload["channel"] = channel_data
        if message is not None:
            payload["message"] = message.to_dict()
        interaction = Interaction(
            id=interaction_id,
            token=token,
            type=kind,
            guild=guild,
            channel=channel,
            user=user,
            payload=payload,
            created_at=self.clock(),
            name=name,
            message=message,
        )
        world.interactions[interaction_id] = interaction
        return interaction

    async def _send_and_wait(
        self, interaction: Interaction, timeout: float, wait_deferred: bool
    ) -> InteractionResult:
        if not self.gateway.dispatch(
            "INTERACTION_CREATE", interaction.payload, guild_id=_guild_id(interaction)
        ):
            raise DriverError(_NO_SESSION.format(shard=self._shard_of(interaction)))

        def answered() -> bool:
            return interaction.response_type is not None or interaction.late_callback

        try:
            await self._feed.wait_for(answered, timeout)
        except TimeoutError:
            session = self.gateway.sessions.get(self._shard_of(interaction))
            offline = session is None or session.connection is None
            raise InteractionTimeout(
                f"the bot did not answer {interaction.name!r} within {timeout}s "
                "(Discord would show 'This interaction failed')"
                + (" - the bot was not connected to the gateway" if offline else "")
            ) from None
        if interaction.response_type is None:
            raise InteractionTimeout(
                f"the bot answered {interaction.name!r} after the "
                f"{self.interaction_deadline}s deadline and got 404 Unknown interaction"
            )
        if interaction.response_type == 5 and wait_deferred:

            def completed() -> bool:
                original = interaction.original
                if original is None:
                    return False
                # The bot may remove "thinking" and answer with a followup instead.
                return not original.loading or (original.deleted and bool(interaction.followups))

            try:
                await self._feed.wait_for(completed, timeout)
            except TimeoutError:
                raise InteractionTimeout(
                    f"the bot deferred {interaction.name!r} but did not complete it "
                    f"within {timeout}s (the user sees 'thinking...' forever)"
                ) from None
        return InteractionResult(self, interaction)

    def _find_command(self, guild: Guild | None, name: str, kind: int = 1) -> dict[str, Any]:
        scopes = ([guild.id] if guild is not None else []) + [None]
        for scope in scopes:
            for command in self.world.commands_for(scope):
                if command["name"] == name and command.get("type", 1) == kind:
                    return command
        known = sorted(
            {
                c["name"]
                for s in scopes
                for c in self.world.commands_for(s)
                if c.get("type", 1) == kind
            }
        )
        raise UnknownCommand(name, known)

    def walk_command(
        self, guild: Guild | None, command: str, *, group: bool = False
    ) -> CommandPath:
        """The synced command `command` names ("trivia play": by spaces), looked up in
        `guild` first and then globally, with the subcommand nodes leading to it.

        A group ("trivia") is refused with `CommandIsGroup` unless `group` is true (to list
        its subcommands, say). Raises `UnknownCommand` or `UnknownSubcommand` for a name
        nothing synced has; both are DriverErrors carrying what was found.
        """
        parts = command.split()
        if not parts:
            raise DriverError("empty command name")
        found = CommandPath(self._find_command(guild, parts[0]), [])
        for part in parts[1:]:
            node = next((o for o in found.subcommands if o["name"] == part), None)
            if node is None:
                raise UnknownSubcommand(command, found, part)
            found = CommandPath(found.root, [*found.nodes, node])
        if found.subcommands and not group:
            raise CommandIsGroup(command, found)
        return found

    @staticmethod
    def _nest(path: list[dict[str, Any]], options: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for node in reversed(path):
            options = [{"name": node["name"], "type": node["type"], "options": options}]
        return options

    async def slash(
        self,
        guild: Guild | None,
        channel: ChannelLike,
        user: UserLike,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        permissions: int | None = None,
        locale: str = "en-US",
        timeout: float = 5.0,
        wait_deferred: bool = True,
        ignore_default_permissions: bool = False,
    ) -> InteractionResult:
        """Run a synced slash command as `user` and wait for the bot's answer.

        `command` is the path by spaces ("trivia play"); options are converted with the synced
        definitions (User/Member/Role/Channel objects or names, attachment dicts). A type 5
        defer is awaited until the bot edits the original response or sends a followup.
        Raises DriverError for what a Discord client would not let the user do, and
        InteractionTimeout when the bot does not answer in time.
        """
        resolved_channel, resolved_user, member = self._context(guild, channel, user)
        found = self.walk_command(resolved_channel.guild, command)
        root = found.root
        if not ignore_default_permissions:
            check_visible(root, member, resolved_channel, permissions=permissions, typed=command)
        resolved = _Resolved(invoker=member)
        values = self._convert_options(
            command, found.options, dict(options or {}), resolved_channel, resolved
        )
        data: dict[str, Any] = {
            "id": root["id"],
            "name": root["name"],
            "type": 1,
            "options": self._nest(found.nodes, values),
        }
        if resolved.to_dict():
            data["resolved"] = resolved.to_dict()
        if root.get("guild_id"):
            data["guild_id"] = root["guild_id"]
        interaction = self._new_interaction(
            INTERACTION_APPLICATION_COMMAND,
            resolved_channel,
            resolved_user,
            member,
            data,
            name=command,
            permissions=permissions,
            locale=locale,
        )
        return await self._send_and_wait(interaction, timeout, wait_deferred)

    async def autocomplete(
        self,
        guild: Guild | None,
        channel: ChannelLike,
        user: UserLike,
        command: str,
        focused: str,
        value: str,
        options: Mapping[str, Any] | None = None,
        *,
        locale: str = "en-US",
        timeout: float = 5.0,
    ) -> list[dict[str, Any]]:
        """Type `value` into option `focused` and return the bot's choices ([{name, value}])."""
        resolved_channel, resolved_user, member = self._context(guild, channel, user)
        found = self.walk_command(resolved_channel.guild, command)
        root, definitions = found.root, found.options
        definition = next((d for d in definitions if d["name"] == focused), None)
        if definition is None:
            raise DriverError(f"/{command} has no option {focused!r}")
        if not definition.get("autocomplete"):
            raise DriverError(f"/{command} option {focused!r} has no autocomplete")
        given = {k: v for k, v in (options or {}).items() if k != focused}
        values = self._convert_options(
            command, definitions, given, resolved_channel, _Resolved(invoker=member), partial=True
        )
        values = [v for v in values if v["name"] != focused]
        values.append(
            {"name": focused, "type": definition["type"], "value": value, "focused": True}
        )
        data: dict[str, Any] = {
            "id": root["id"],
            "name": root["name"],
            "type": 1,
            "options": self._nest(found.nodes, values),
        }
        if root.get("guild_id"):
            data["guild_id"] = root["guild_id"]
        interaction = self._new_interaction(
            INTERACTION_AUTOCOMPLETE,
            resolved_channel,
            resolved_user,
            member,
            data,
            name=f"{command} [{focused}]",
            permissions=None,
            locale=locale,
        )
        result = await self._send_and_wait(interaction, timeout, wait_deferred=False)
        return result.choices or []

    def _convert_options(
        self,
        command: str,
        definitions: list[dict[str, Any]],
        given: dict[str, Any],
        channel: Channel,
        resolved: _Resolved,
        *,
        partial: bool = False,
    ) -> list[dict[str, Any]]:
        by_name = {d["name"]: d for d in definitions}
        unknown = set(given) - set(by_name)
        if unknown:
            names = ", ".join(repr(name) for name in sorted(unknown))
            known = ", ".join(by_name) or "no options"
            raise DriverError(f"/{command} has no option {names}; it takes {known}")
        result = []
        for definition in definitions:
            name = definition["name"]
            value = given.get(name)
            if value is None:
                if definition.get("required") and not partial:
                    raise DriverError(f"/{command} needs option {name!r}")
                continue
            result.append(
                {
                    "name": name,
                    "type": definition["type"],
                    "value": self.convert_value(command, definition, value, channel, resolved),
                }
            )
        return result

    def convert_value(
        self,
        command: str,
        definition: dict[str, Any],
        value: Any,
        channel: Channel,
        resolved: _Resolved | None = None,
    ) -> Any:
        """`value` for the synced option `definition` as the interaction carries it: checked
        against its type, length, range, choices and channel types, and a user, role,
        channel or attachment as its id (added to `resolved`).

        `value` is what a test passes (an int, a `Member`, an attachment dict) or the text a
        member types into Discord's client: `"5"` for a number, `yes` for a boolean, a
        choice by its shown name, a member by name, global name or nickname. Raises
        DriverError for what the client would not send.
        """
        resolved = resolved if resolved is not None else _Resolved()
        kind = definition["type"]
        name = definition["name"]
        where = f"/{command} option {name!r}"
        guild = channel.guild
        if kind == OPT_STRING:
            value = str(value)
            if (
                not definition.get("min_length", 0)
                <= len(value)
                <= definition.get("max_length", 6000)
            ):
                raise DriverError(f"{where}: length {len(value)} is outside the allowed range")
        elif kind == OPT_INTEGER:
            if isinstance(value, str):
                value = _typed_number(where, value, int)
            if isinstance(value, bool) or not isinstance(value, int):
                raise DriverError(f"{where} takes an integer, got {value!r}")
        elif kind == OPT_NUMBER:
            if isinstance(value, str):
                value = _typed_number(where, value, float)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise DriverError(f"{where} takes a number, got {value!r}")
            value = float(value)
        elif kind == OPT_BOOLEAN:
            if isinstance(value, str):
                value = _typed_bool(where, value)
            if not isinstance(value, bool):
                raise DriverError(f"{where} takes a bool, got {value!r}")
        elif kind == OPT_USER:
            return self._resolve_user(where, value, channel, resolved)
        elif kind == OPT_ROLE:
            return self._resolve_role(where, value, guild, resolved)
        elif kind == OPT_MENTIONABLE:
            if isinstance(value, Role) or (
                isinstance(value, str) and guild and find_role(guild, value) is not None
            ):
                return self._resolve_role(where, value, guild, resolved)
            return self._resolve_user(where, value, channel, resolved)
        elif kind == OPT_CHANNEL:
            return self._resolve_channel(where, definition, value, channel, resolved)
        elif kind == OPT_ATTACHMENT:
            data = value.to_dict() if isinstance(value, Attachment) else value
            if not isinstance(data, dict) or "id" not in data:
                raise DriverError(f"{where} takes an attachment from emu.add_attachment()")
            resolved.attachments[data["id"]] = data
            return data["id"]
        if kind in (OPT_INTEGER, OPT_NUMBER):
            low, high = definition.get("min_value"), definition.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise DriverError(f"{where}: {value} is outside [{low}, {high}]")
        choices = definition.get("choices")
        if choices:
            value = _pick_choice(where, choices, value)
        return value

    def _resolve_user(self, where: str, value: Any, channel: Channel, resolved: _Resolved) -> str:
        guild = channel.guild
        member: Member | None = None
        if isinstance(value, Member):
            member, user = value, value.user
        elif isinstance(value, User):
            user = value
        else:
            member = find_member(guild, str(value)) if guild is not None else None
            try:
                user = member.user if member is not None else self.world.user(str(value))
            except KeyError:
                here = f" here; members: {_member_names(guild)}" if guild is not None else ""
                raise DriverError(f"{where}: no member {value!r}{here}") from None
        if guild is not None and member is None:
            member = guild.members.get(user.id)
        resolved.users[user.id] = user.to_dict()
        if member is not None:
            member_data = member.to_dict(with_user=False)
            member_data["permissions"] = str(member.permissions(channel))
            resolved.members[user.id] = member_data
        return user.id

    def _resolve_role(
        self, where: str, value: Any, guild: Guild | None, resolved: _Resolved
    ) -> str:
        if guild is None:
            raise DriverError(f"{where}: roles need a guild")
        role = value if isinstance(value, Role) else find_role(guild, str(value))
        if role is None:
            raise DriverError(f"{where}: no role {value!r} in guild {guild.name!r}")
        resolved.roles[role.id] = role.to_dict()
        return role.id

    def _resolve_channel(
        self,
        where: str,
        definition: dict[str, Any],
        value: Any,
        channel: Channel,
        resolved: _Resolved,
    ) -> str:
        guild = channel.guild
        if isinstance(value, Channel):
            target = value
        elif guild is not None:
            try:
                target = guild.channel(str(value))
            except KeyError as exc:
                raise DriverError(f"{where}: {exc}") from None
        else:
            raise DriverError(f"{where}: give a Channel object")
        allowed = definition.get("channel_types")
        if allowed and target.type not in allowed:
            raise DriverError(f"{where}: channel type {target.type} is not one of {allowed}")
        data = target.to_dict()
        # Discord sends the invoking member's permissions in the resolved channel.
        invoker = resolved.invoker
        data["permissions"] = str(invoker.permissions(target) if invoker else perms.ALL)
        resolved.channels[target.id] = data
        return target.id

    # -- components and modals ---------------------------------------------------------------

    async def click(
        self,
        message: Message,
        custom_id: str,
        user: UserLike,
        *,
        permissions: int | None = None,
        locale: str = "en-US",
        timeout: float = 5.0,
        wait_deferred: bool = True,
    ) -> InteractionResult:
        """Click a button on a message as `user`. A disabled button or a link can't be clicked."""
        component = self._usable_component(message, custom_id)
        if component.get("type") != 2:
            raise DriverError(f"{custom_id!r} is not a button (type {component.get('type')})")
        if component.get("style") in (5, 6):
            raise DriverError(
                f"{custom_id!r} is a link/premium button; clicking sends no interaction"
            )
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2}
        if "id" in component:
            data["id"] = component["id"]
        return await self._component_interaction(
            message, data, user, permissions, locale, timeout, wait_deferred, f"click {custom_id}"
        )

    async def select(
        self,
        message: Message,
        custom_id: str,
        user: UserLike,
        values: list[Any],
        *,
        permissions: int | None = None,
        locale: str = "en-US",
        timeout: float = 5.0,
        wait_deferred: bool = True,
    ) -> InteractionResult:
        """Pick `values` in a select menu (option values, or users/roles/channels)."""
        component = self._usable_component(message, custom_id)
        kind = component.get("type")
        if kind not in (3, 5, 6, 7, 8):
            raise DriverError(f"{custom_id!r} is not a select menu (type {kind})")
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        if not low <= len(values) <= high:
            raise DriverError(f"{custom_id!r} takes {low}..{high} values, got {len(values)}")
        channel = message.channel
        resolved = _Resolved()
        if channel.guild is not None:
            with contextlib.suppress(KeyError):
                resolved.invoker = channel.guild.member(user)
        if kind == 3:
            offered = [o["value"] for o in component.get("options") or []]
            wrong = [v for v in values if v not in offered]
            if wrong:
                raise DriverError(f"{custom_id!r} has no option(s) {wrong}; offers {offered}")
            raw = [str(v) for v in values]
        else:
            where = f"select {custom_id!r}"
            fake = {"name": custom_id, "channel_types": component.get("channel_types")}
            raw = []
            for v in values:
                if kind == 5 or (kind == 7 and not isinstance(v, Role)):
                    raw.append(self._resolve_user(where, v, channel, resolved))
                elif kind in (6, 7):
                    raw.append(self._resolve_role(where, v, channel.guild, resolved))
                else:
                    raw.append(self._resolve_channel(where, fake, v, channel, resolved))
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": kind, "values": raw}
        if resolved.to_dict():
            data["resolved"] = resolved.to_dict()
        return await self._component_interaction(
            message, data, user, permissions, locale, timeout, wait_deferred, f"select {custom_id}"
        )

    def dispatch_click(
        self, message: Message, custom_id: str, user: UserLike, *, locale: str = "en-US"
    ) -> Interaction:
        """Click a button without waiting: the returned record fills in as the bot answers
        (`response_type`, `response_at`, `late_callback`, `original`).

        For bursts of thousands of clicks, where one `click` call each would wake every
        waiter on every change of the emulator.
        """
        component = self._usable_component(message, custom_id)
        if component.get("type") != 2 or component.get("style") in (5, 6):
            raise DriverError(f"{custom_id!r} is not a button that sends an interaction")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2}
        if "id" in component:
            data["id"] = component["id"]
        channel, resolved_user, member = self._context(message.guild, message.channel, user)
        interaction = self._new_interaction(
            INTERACTION_COMPONENT,
            channel,
            resolved_user,
            member,
            data,
            name=f"click {custom_id}",
            permissions=None,
            locale=locale,
            message=message,
        )
        if not self.gateway.dispatch(
            "INTERACTION_CREATE", interaction.payload, guild_id=_guild_id(interaction)
        ):
            raise DriverError(_NO_SESSION.format(shard=self._shard_of(interaction)))
        return interaction

    def _usable_component(self, message: Message, custom_id: str) -> dict[str, Any]:
        if message.deleted:
            raise DriverError(f"message {message.id} was deleted")
        try:
            component = message.component(custom_id)
        except KeyError as exc:
            ids = [c.get("custom_id") for c in message.iter_components() if c.get("custom_id")]
            raise DriverError(f"{exc.args[0]}; it has {ids}") from None
        if component.get("disabled"):
            raise DriverError(f"component {custom_id!r} is disabled")
        return component

    async def _component_interaction(
        self,
        message: Message,
        data: dict[str, Any],
        user: UserLike,
        permissions: int | None,
        locale: str,
        timeout: float,
        wait_deferred: bool,
        name: str,
    ) -> InteractionResult:
        channel, resolved_user, member = self._context(message.guild, message.channel, user)
        interaction = self._new_interaction(
            INTERACTION_COMPONENT,
            channel,
            resolved_user,
            member,
            data,
            name=name,
            permissions=permissions,
            locale=locale,
            message=message,
        )
        return await self._send_and_wait(interaction, timeout, wait_deferred)

    async def submit_modal(
        self,
        result: InteractionResult,
        values: Mapping[str, str | list[str]],
        *,
        user: UserLike | None = None,
        locale: str = "en-US",
        timeout: float = 5.0,
        wait_deferred: bool = True,
    ) -> InteractionResult:
        """Fill in and submit the modal the bot opened in `result` (values by custom_id)."""
        modal = result.modal
        if modal is None:
            raise DriverError(f"the bot answered {result.interaction.name!r} without a modal")
        source = result.interaction
        remaining = dict(values)

        def answer(component: dict[str, Any]) -> dict[str, Any] | None:
            custom_id = component.get("custom_id")
            if custom_id is None:
                return None
            kind = component.get("type")
            given = remaining.pop(custom_id, None)
            if given is None and component.get("required", True) and kind == 4:
                raise DriverError(f"modal field {custom_id!r} is required")
            out: dict[str, Any] = {"type": kind, "custom_id": custom_id}
            if "id" in component:
                out["id"] = component["id"]
            if kind == 4:
                out["value"] = "" if given is None else str(given)
            else:
                out["values"] = [] if given is None else list(given)
            return out

        submitted: list[dict[str, Any]] = []
        for top in modal.get("components") or []:
            if top.get("type") == 1:
                inner = [a for c in top.get("components") or [] if (a := answer(c))]
                submitted.append({"type": 1, "components": inner})
            elif top.get("type") == 18 and top.get("component"):
                inner_answer = answer(top["component"])
                if inner_answer is not None:
                    entry: dict[str, Any] = {"type": 18, "component": inner_answer}
                    if "id" in top:
                        entry["id"] = top["id"]
                    submitted.append(entry)
        if remaining:
            raise DriverError(f"the modal has no field(s) {sorted(remaining)}")
        who = user if user is not None else source.user
        channel, resolved_user, member = self._context(source.guild, source.channel, who)
        data = {"custom_id": modal["custom_id"], "components": submitted}
        interaction = self._new_interaction(
            INTERACTION_MODAL_SUBMIT,
            channel,
            resolved_user,
            member,
            data,
            name=f"modal {modal['custom_id']}",
            permissions=None,
            locale=locale,
            message=source.message,
        )
        return await self._send_and_wait(interaction, timeout, wait_deferred)

    # -- channel messages -------------------------------------------------------------------

    def channel_messages(self, channel: Channel) -> list[Message]:
        """Messages visible in the channel (not ephemeral, not deleted), oldest first."""
        return channel.visible_messages()

    async def wait_for_message(
        self,
        channel: Channel,
        check: Callable[[Message], bool] | None = None,
        *,
        timeout: float = 5.0,
        include_users: bool = False,
    ) -> Message:
        """The next message the bot posted in `channel` that this method has not returned yet.

        Messages are consumed in order (a per-channel cursor), so a message posted before the
        call is still found. `check` filters; `include_users` also counts non-bot authors.
        """
        start = self._read_cursors.get(channel.id, 0)
        bot = self.world.bot

        def find() -> tuple[int, Message] | None:
            for index in range(start, len(channel.messages)):
                message = channel.messages[index]
                if not include_users and message.author is not bot:
                    continue
                if check is None or check(message):
                    return index, message
            return None

        try:
            index, message = await self._feed.wait_for(find, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no matching message in #{channel.name} within {timeout}s"
            ) from None
        self._read_cursors[channel.id] = index + 1
        return message

    def user_message(
        self, channel: Channel, user: UserLike, content: str, **fields: Any
    ) -> Message:
        """A user posts a message (the bot gets MESSAGE_CREATE, content per its intents)."""
        if isinstance(user, Member):
            author = user.user
        elif isinstance(user, User):
            author = user
        else:
            author = self.world.user(user)
        if channel.type == CHANNEL_DM and author not in channel.recipients:
            raise DriverError(f"{author.name!r} is not in this DM")
        return self.world.create_message(channel, author, content=content, **fields)

    async def wait_until(self, predicate: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Await any condition on the emulator's state (re-checked on every change)."""
        return await self._feed.wait_for(predicate, timeout)


def find_member(guild: Guild, text: str) -> Member | None:
    """The member `text` names as a person would: an id, or a user name, global name or
    nickname in any case, with or without a leading `@`."""
    if text in guild.members:
        return guild.members[text]
    wanted = text.strip().lstrip("@").casefold()
    for member in guild.members.values():
        names = (member.user.name, member.user.global_name, member.nick)
        if wanted in {n.casefold() for n in names if n}:
            return member
    return None


_NO_SESSION = (
    "the bot has no gateway session for shard {shard}: start it and await emu.wait_ready()"
)


def _guild_id(interaction: Interaction) -> str | None:
    return None if interaction.guild is None else interaction.guild.id


def find_role(guild: Guild, text: str) -> Role | None:
    """The role `text` names: an id, or its name in any case, with or without `@`."""
    if text in guild.roles:
        return guild.roles[text]
    wanted = text.strip().lstrip("@").casefold()
    return next((r for r in guild.roles.values() if r.name.casefold() == wanted), None)


def _typed_number(where: str, text: str, kind: type[int] | type[float]) -> int | float:
    try:
        return kind(text)
    except ValueError:
        wanted = "a whole number" if kind is int else "a number"
        raise DriverError(f"{where} takes {wanted}, not {text!r}") from None


def _typed_bool(where: str, text: str) -> bool:
    word = text.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise DriverError(f"{where} takes true or false, not {text!r}")


def _pick_choice(where: str, choices: list[dict[str, Any]], value: Any) -> Any:
    """A fixed choice by its value, or by the name Discord shows (`period:"this week"`)."""
    for choice in choices:
        if value == choice["value"]:
            return value
    for choice in choices:
        if isinstance(value, str) and value.casefold() == str(choice["name"]).casefold():
            return choice["value"]
    offered = ", ".join(str(choice["value"]) for choice in choices)
    raise DriverError(f"{where} is one of {offered}, not {value!r}")


def _member_names(guild: Guild) -> str:
    return ", ".join(sorted(member.user.name for member in guild.members.values()))
