"""The emulator's model of Discord: users, guilds, channels, roles, members, messages.

Everything here is plain data plus the JSON shapes Discord sends (snowflakes as strings).
Changes that the bot would hear about on the gateway are reported through `World.on_event`;
any change at all pokes `World.on_change` so waiting tests can re-check their condition.
"""

from __future__ import annotations

import itertools
import mimetypes
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import permissions as perms

DISCORD_EPOCH_MS = 1420070400000

# Message flags the emulator cares about.
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_IS_COMPONENTS_V2 = 1 << 15

# Message types.
MESSAGE_DEFAULT = 0
MESSAGE_REPLY = 19
MESSAGE_CHAT_INPUT_COMMAND = 20

# Channel types.
CHANNEL_TEXT = 0
CHANNEL_DM = 1
CHANNEL_CATEGORY = 4
CHANNEL_NEWS = 5

# Interaction types.
INTERACTION_PING = 1
INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5


def iso(dt: datetime | None) -> str | None:
    """Discord's timestamp format."""
    return None if dt is None else dt.isoformat()


# Snowflake bits 17-21, the "worker id": 1 for guild ids, 0 for every other id, so the two
# sequences never make the same id.
GUILD_WORKER_BITS = 1 << 17


class SnowflakeFactory:
    """Makes increasing snowflakes whose timestamp part is the real time, as Discord's do.

    Guild ids are a sequence of their own (see `next_is_guild`)."""

    def __init__(self) -> None:
        self._last = 0
        self._last_guild_ms: int | None = None
        self._guild_next = False

    def next(self) -> str:
        now_ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        if self._guild_next:
            self._guild_next = False
            guild_ms = now_ms if self._last_guild_ms is None else self._last_guild_ms + 1
            self._last_guild_ms = guild_ms
            return str((guild_ms << 22) | GUILD_WORKER_BITS)
        # Several ids in one millisecond: bump the increment bits so ids stay unique and ordered.
        value = max(now_ms << 22, self._last + 1)
        self._last = value
        return str(value)

    def next_is_guild(self) -> None:
        """Make the next id a guild's: its timestamp part is the previous guild's plus one.

        Discord routes a guild to shard `(guild_id >> 22) % shard_count`; guilds made in one
        burst would share a millisecond, and so a shard, and guilds made at the machine's
        pace would land on shards by chance. Consecutive milliseconds spread them over the
        shards round-robin, however fast or slow they are made.
        """
        self._guild_next = True


@dataclass(eq=False)
class User:
    """A Discord user (the bot's own user has `bot=True`)."""

    id: str
    name: str
    bot: bool = False
    global_name: str | None = None

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "username": self.name,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass(eq=False)
class Role:
    """A guild role; the @everyone role shares its id with the guild."""

    id: str
    guild: Guild
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    bot_id: str | None = None

    @property
    def mention(self) -> str:
        return "@everyone" if self.id == self.guild.id else f"<@&{self.id}>"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": self.bot_id}
        return data


@dataclass
class Overwrite:
    """A channel permission overwrite for a role (type 0) or a member (type 1)."""

    id: str
    type: int
    allow: int = 0
    deny: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass(eq=False)
class Channel:
    """A guild text channel (or a DM channel when `guild` is None)."""

    id: str
    guild: Guild | None
    name: str
    type: int = CHANNEL_TEXT
    position: int = 0
    topic: str | None = None
    nsfw: bool = False
    parent_id: str | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    recipients: list[User] = field(default_factory=list)
    # Every message ever created here, in order, deleted ones included (see `visible_messages`).
    messages: list[Message] = field(default_factory=list)

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def last_message_id(self) -> str | None:
        return self.messages[-1].id if self.messages else None

    def visible_messages(self) -> list[Message]:
        return [m for m in self.messages if not m.deleted]

    def set_overwrite(self, target: Role | Member | User, *, allow: int = 0, deny: int = 0) -> None:
        """Set (replace) the overwrite for a role or member; tells the bot with CHANNEL_UPDATE."""
        if isinstance(target, Role):
            target_id, kind = target.id, 0
        else:
            target_id, kind = (target.user.id if isinstance(target, Member) else target.id), 1
        self.overwrites = [ow for ow in self.overwrites if ow.id != target_id]
        self.overwrites.append(Overwrite(target_id, kind, allow, deny))
        if self.guild is not None:
            self.guild.world.emit("channel_update", self)

    def to_dict(self, *, with_guild_id: bool = True) -> dict[str, Any]:
        if self.guild is None:
            return {
                "id": self.id,
                "type": self.type,
                "last_message_id": self.last_message_id,
                "recipients": [u.to_dict() for u in self.recipients],
                "flags": 0,
            }
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "parent_id": self.parent_id,
            "topic": self.topic,
            "nsfw": self.nsfw,
            "last_message_id": self.last_message_id,
            "rate_limit_per_user": 0,
            "permission_overwrites": [ow.to_dict() for ow in self.overwrites],
            "flags": 0,
        }
        if with_guild_id:
            data["guild_id"] = self.guild.id
        return data


@dataclass(eq=False)
class Member:
    """A user's membership of a guild."""

    user: User
    guild: Guild
    roles: list[Role] = field(default_factory=list)
    nick: str | None = None
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def id(self) -> str:
        return self.user.id

    @property
    def mention(self) -> str:
        return self.user.mention

    def permissions(self, channel: Channel | None = None) -> int:
        return perms.channel_permissions(self.guild, self, channel)

    def to_dict(self, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [r.id for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.to_dict()
        return data


@dataclass(eq=False)
class Guild:
    """A guild with its channels, roles and members."""

    id: str
    world: World
    name: str
    owner: User
    preferred_locale: str = "en-US"
    channels: dict[str, Channel] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    @property
    def me(self) -> Member:
        """The bot's own member."""
        return self.members[self.world.bot.id]

    def add_text_channel(
        self, name: str, *, topic: str | None = None, overwrites: Iterable[Overwrite] = ()
    ) -> Channel:
        channel = Channel(
            id=self.world.ids.next(),
            guild=self,
            name=name,
            position=len(self.channels),
            topic=topic,
            overwrites=list(overwrites),
        )
        self.channels[channel.id] = channel
        self.world.channels[channel.id] = channel
        self.world.emit("channel_create", channel)
        return channel

    def add_role(
        self,
        name: str,
        permissions: int = 0,
        *,
        color: int = 0,
        mentionable: bool = False,
        hoist: bool = False,
    ) -> Role:
        role = Role(
            id=self.world.ids.next(),
            guild=self,
            name=name,
            permissions=permissions,
            position=len(self.roles),
            color=color,
            mentionable=mentionable,
            hoist=hoist,
        )
        self.roles[role.id] = role
        self.world.emit("role_create", role)
        return role

    def edit_role(
        self, role: Role, *, permissions: int | None = None, name: str | None = None
    ) -> Role:
        """Change a role and tell the bot (GUILD_ROLE_UPDATE)."""
        if permissions is not None:
            role.permissions = permissions
        if name is not None:
            role.name = name
        self.world.emit("role_update", role)
        return role

    def add_member(
        self, user: User, roles: Iterable[Role] = (), *, nick: str | None = None
    ) -> Member:
        member = Member(user=user, guild=self, roles=list(roles), nick=nick)
        self.members[user.id] = member
        self.world.emit("member_add", member)
        return member

    def member(self, user: User | Member | str) -> Member:
        """The member for a user, a user id or a user name; KeyError when not a member."""
        if isinstance(user, Member):
            return user
        if isinstance(user, User):
            return self.members[user.id]
        if user in self.members:
            return self.members[user]
        for member in self.members.values():
            if user in (member.user.name, member.nick):
                return member
        raise KeyError(f"no member {user!r} in guild {self.name!r}")

    def channel(self, name_or_id: str) -> Channel:
        """A channel by id or name (with or without '#')."""
        if name_or_id in self.channels:
            return self.channels[name_or_id]
        name = name_or_id.lstrip("#")
        for channel in self.channels.values():
            if channel.name == name:
                return channel
        raise KeyError(f"no channel {name_or_id!r} in guild {self.name!r}")

    def role(self, name_or_id: str) -> Role:
        if name_or_id in self.roles:
            return self.roles[name_or_id]
        for role in self.roles.values():
            if role.name == name_or_id:
                return role
        raise KeyError(f"no role {name_or_id!r} in guild {self.name!r}")

    def to_dict(self) -> dict[str, Any]:
        """The guild object as GET /guilds/{id} returns it (no channels or members)."""
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": self.owner.id,
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "preferred_locale": self.preferred_locale,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "widget_enabled": False,
            "features": [],
            "roles": [r.to_dict() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "incidents_data": None,
        }

    def set_preferred_locale(self, locale: str) -> None:
        """The server's language (Server Settings > Community > Overview); tells the bot with
        GUILD_UPDATE."""
        self.preferred_locale = locale
        self.world.emit("guild_update", self)

    def gateway_dict(self, *, all_members: bool, unavailable: bool | None) -> dict[str, Any]:
        """The GUILD_CREATE payload. Without the members intent Discord sends only the bot."""
        members = self.members.values() if all_members else [self.me]
        data = self.to_dict()
        data.update(
            {
                "joined_at": iso(self.joined_at),
                "large": False,
                "member_count": len(self.members),
                "members": [m.to_dict() for m in members],
                "channels": [c.to_dict(with_guild_id=False) for c in self.channels.values()],
                "threads": [],
                "presences": [],
                "voice_states": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
                "application_command_counts": {},
                "lazy": True,
            }
        )
        if unavailable is not None:
            data["unavailable"] = unavailable
        return data


@dataclass(eq=False)
class Attachment:
    """A file the emulator serves at /attachments/{id}/{filename}."""

    id: str
    filename: str
    data: bytes
    content_type: str | None
    url: str
    description: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
        }
        if self.content_type:
            data["content_type"] = self.content_type
        if self.description is not None:
            data["description"] = self.description
        return data


@dataclass(frozen=True)
class Pings:
    """Who a message would actually notify, given its content and allowed_mentions."""

    everyone: bool
    users: frozenset[str]
    roles: frozenset[str]

    @property
    def any(self) -> bool:
        return self.everyone or bool(self.users) or bool(self.roles)


_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_EVERYONE = re.compile(r"@(?:everyone|here)")


@dataclass(eq=False)
class Message:
    """A message as the emulator stores it; `to_dict()` is what Discord would send."""

    id: str
    channel: Channel
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    allowed_mentions: dict[str, Any] | None = None
    nonce: str | None = None
    tts: bool = False
    type: int = MESSAGE_DEFAULT
    webhook_id: str | None = None
    application_id: str | None = None
    message_reference: dict[str, Any] | None = None
    poll: dict[str, Any] | None = None
    # The interaction this message answers (original response or followup), if any.
    interaction: Interaction | None = None
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))
    edited_timestamp: datetime | None = None
    deleted: bool = False
    # Bumped on every edit; `history` keeps what the message looked like before each one.
    revision: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    reactions: dict[str, set[str]] = field(default_factory=dict)

    @property
    def guild(self) -> Guild | None:
        return self.channel.guild

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred response still showing "Bot is thinking..."."""
        return bool(self.flags & FLAG_LOADING)

    def iter_components(self) -> Iterator[dict[str, Any]]:
        """Every component, depth first (action rows, sections, containers included)."""
        stack = list(reversed(self.components))
        while stack:
            component = stack.pop()
            yield component
            children: list[dict[str, Any]] = []
            children.extend(component.get("components") or [])
            if component.get("accessory"):
                children.append(component["accessory"])
            if component.get("component"):
                children.append(component["component"])
            stack.extend(reversed(children))

    def component(self, custom_id: str) -> dict[str, Any]:
        """The component with this custom_id; KeyError when there is none."""
        for component in self.iter_components():
            if component.get("custom_id") == custom_id:
                return component
        raise KeyError(f"message {self.id} has no component with custom_id {custom_id!r}")

    def buttons(self) -> list[dict[str, Any]]:
        return [c for c in self.iter_components() if c.get("type") == 2]

    def button(self, label: str) -> dict[str, Any]:
        """The first button whose label is `label`; KeyError otherwise."""
        for button in self.buttons():
            if button.get("label") == label:
                return button
        raise KeyError(f"message {self.id} has no button labelled {label!r}")

    def text(self) -> str:
        """Content plus every embed's visible text, for loose assertions."""
        parts = [self.content]
        for embed in self.embeds:
            parts.extend(str(embed.get(k) or "") for k in ("title", "description"))
            for f in embed.get("fields") or []:
                parts.extend((str(f.get("name", "")), str(f.get("value", ""))))
            parts.append(str((embed.get("footer") or {}).get("text", "")))
            parts.append(str((embed.get("author") or {}).get("name", "")))
        for component in self.iter_components():
            if component.get("type") == 10:  # components v2 text display
                parts.append(str(component.get("content", "")))
        return "\n".join(p for p in parts if p)

    def pings(self) -> Pings:
        """Who would be notified. Mentions are read from the content only (embeds never ping).

        Conservative on purpose: @everyone and role mentions count when allowed_mentions lets
        them through, whatever the author's permissions, so a test of "never pings" is strict.
        """
        users = set(_USER_MENTION.findall(self.content))
        roles = set(_ROLE_MENTION.findall(self.content))
        everyone = bool(_EVERYONE.search(self.content))
        allowed = self.allowed_mentions
        if allowed is None:
            return Pings(everyone, frozenset(users), frozenset(roles))
        parse = set(allowed.get("parse") or [])
        allowed_users = users if "users" in parse else users & set(allowed.get("users") or [])
        allowed_roles = roles if "roles" in parse else roles & set(allowed.get("roles") or [])
        ref = self.message_reference
        if ref and allowed.get("replied_user"):
            replied = self.channel_message(ref.get("message_id"))
            if replied is not None:
                allowed_users.add(replied.author.id)
        return Pings(
            "everyone" in parse and everyone, frozenset(allowed_users), frozenset(allowed_roles)
        )

    def channel_message(self, message_id: str | None) -> Message | None:
        for message in self.channel.messages:
            if message.id == message_id:
                return message
        return None

    def to_dict(self) -> dict[str, Any]:
        guild = self.guild
        mentions = []
        for user_id in dict.fromkeys(_USER_MENTION.findall(self.content)):
            user = guild.members[user_id].user if guild and user_id in guild.members else None
            if user is not None:
                mentions.append(user.to_dict())
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "channel_id": self.channel.id,
            "author": self.author.to_dict(),
            "content": self.content,
            "timestamp": iso(self.timestamp),
            "edited_timestamp": iso(self.edited_timestamp),
            "tts": self.tts,
            "mention_everyone": self.pings().everyone,
            "mentions": mentions,
            "mention_roles": list(dict.fromkeys(_ROLE_MENTION.findall(self.content))),
            "attachments": [a.to_dict() for a in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "flags": self.flags,
        }
        if guild is not None:
            data["guild_id"] = guild.id
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.webhook_id is not None:
            data["webhook_id"] = self.webhook_id
        if self.application_id is not None:
            data["application_id"] = self.application_id
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
        if self.poll is not None:
            data["poll"] = self.poll
        if self.reactions:
            data["reactions"] = [
                {
                    "emoji": {"id": None, "name": emoji},
                    "count": len(users),
                    "me": self.channel_bot_id() in users,
                }
                for emoji, users in self.reactions.items()
                if users
            ]
        if self.interaction is not None:
            data["interaction_metadata"] = self.interaction.metadata(self)
        return data

    def channel_bot_id(self) -> str | None:
        guild = self.guild
        return guild.world.bot.id if guild is not None else None


@dataclass(eq=False)
class Interaction:
    """One interaction the emulator sent to the bot, and everything the bot answered."""

    id: str
    token: str
    type: int
    guild: Guild | None
    channel: Channel
    user: User
    payload: dict[str, Any]
    created_at: float
    name: str = ""
    # For component interactions: the message whose component was used.
    message: Message | None = None
    response_type: int | None = None
    response_data: dict[str, Any] | None = None
    response_at: float | None = None
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    # The original response's revision and JSON once the response was complete (for a defer:
    # after the edit or followup that replaced "thinking"), so later edits can be awaited.
    response_revision: int | None = None
    initial: dict[str, Any] | None = None
    # The bot called back after the 3 s deadline and got 404 Unknown interaction.
    late_callback: bool = False

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        if self.response_type != 8 or self.response_data is None:
            return None
        return list(self.response_data.get("choices") or [])

    def metadata(self, message: Message) -> dict[str, Any]:
        """The `interaction_metadata` of a message answering this interaction."""
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "user": self.user.to_dict(),
            "authorizing_integration_owners": (
                {"0": self.guild.id} if self.guild else {"1": self.user.id}
            ),
        }
        if self.type == INTERACTION_APPLICATION_COMMAND:
            data["name"] = self.name
            data["command_type"] = 1
        if self.original is not None and message is not self.original:
            data["original_response_message_id"] = self.original.id
        if self.message is not None:
            data["interacted_message_id"] = self.message.id
        return data


EventListener = Callable[[str, Any], None]


class World:
    """All state of the emulated Discord, shared by REST, gateway and driver."""

    def __init__(self, *, bot_name: str, application_id: str | None = None) -> None:
        self.ids = SnowflakeFactory()
        self.application_id = application_id or self.ids.next()
        # Discord gives a bot user the application's id.
        self.bot = User(id=self.application_id, name=bot_name, bot=True)
        self.app_owner = User(id=self.ids.next(), name=f"{bot_name} developer")
        self.users: dict[str, User] = {self.bot.id: self.bot, self.app_owner.id: self.app_owner}
        self.guilds: dict[str, Guild] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, Message] = {}
        self.attachments: dict[str, Attachment] = {}
        self.interactions: dict[str, Interaction] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[str, list[dict[str, Any]]] = {}
        self.on_event: EventListener = lambda kind, obj: None
        self.on_change: Callable[[], None] = lambda: None
        self._tokens = itertools.count(1)

    def emit(self, kind: str, obj: Any) -> None:
        self.on_event(kind, obj)
        self.on_change()

    def changed(self) -> None:
        self.on_change()

    # -- users, guilds ----------------------------------------------------------------------

    def add_user(self, name: str, *, bot: bool = False, global_name: str | None = None) -> User:
        user = User(id=self.ids.next(), name=name, bot=bot, global_name=global_name)
        self.users[user.id] = user
        return user

    def user(self, name_or_id: str) -> User:
        if name_or_id in self.users:
            return self.users[name_or_id]
        for user in self.users.values():
            if user.name == name_or_id:
                return user
        raise KeyError(f"no user {name_or_id!r}")

    def add_guild(
        self,
        name: str,
        owner: User,
        *,
        locale: str = "en-US",
        everyone_permissions: int = perms.DEFAULT_EVERYONE,
        bot_permissions: int = perms.DEFAULT_BOT,
    ) -> Guild:
        """A guild the bot is in, with @everyone, the bot's managed role, the owner and the bot."""
        self.ids.next_is_guild()
        guild = Guild(
            id=self.ids.next(), world=self, name=name, owner=owner, preferred_locale=locale
        )
        guild.roles[guild.id] = Role(guild.id, guild, "@everyone", everyone_permissions, position=0)
        bot_role = Role(
            self.ids.next(),
            guild,
            self.bot.name,
            bot_permissions,
            position=1,
            managed=True,
            bot_id=self.bot.id,
        )
        guild.roles[bot_role.id] = bot_role
        guild.members[owner.id] = Member(owner, guild)
        guild.members[self.bot.id] = Member(self.bot, guild, [bot_role])
        self.guilds[guild.id] = guild
        self.emit("guild_create", guild)
        return guild

    def remove_guild(self, guild: Guild) -> None:
        """The bot was removed from the guild (GUILD_DELETE)."""
        del self.guilds[guild.id]
        for channel_id in guild.channels:
            self.channels.pop(channel_id, None)
        self.emit("guild_delete", guild)

    def rejoin_guild(self, guild: Guild) -> None:
        """The bot is invited back to a guild it was removed from (GUILD_CREATE, same id)."""
        if guild.id in self.guilds:
            raise ValueError(f"the bot is already in guild {guild.id}")
        self.guilds[guild.id] = guild
        self.channels.update(guild.channels)
        self.emit("guild_create", guild)

    def dm_channel(self, user: User) -> Channel:
        """The bot's DM channel with a user, created on first use."""
        for channel in self.channels.values():
            if channel.type == CHANNEL_DM and channel.recipients == [user]:
                return channel
        channel = Channel(
            id=self.ids.next(), guild=None, name="", type=CHANNEL_DM, recipients=[user]
        )
        self.channels[channel.id] = channel
        return channel

    # -- messages ---------------------------------------------------------------------------

    def create_message(self, channel: Channel, author: User, **fields: Any) -> Message:
        """Store a new message; ephemeral ones are kept out of the channel's history."""
        message = Message(id=self.ids.next(), channel=channel, author=author, **fields)
        self.messages[message.id] = message
        if not message.ephemeral:
            channel.messages.append(message)
        self.emit("message_create", message)
        return message

    def edit_message(
        self, message: Message, changes: dict[str, Any], *, mark_edited: bool = True
    ) -> Message:
        """Apply changed fields in place, keeping the previous version in `history`."""
        message.history.append(message.to_dict())
        for name, value in changes.items():
            setattr(message, name, value)
        message.revision += 1
        if mark_edited:
            message.edited_timestamp = datetime.now(UTC)
        self.emit("message_update", message)
        return message

    def delete_message(self, message: Message) -> None:
        message.deleted = True
        self.emit("message_delete", message)

    # -- attachments --------------------------------------------------------------------------

    def add_attachment(
        self,
        base_url: str,
        filename: str,
        data: bytes,
        *,
        content_type: str | None = None,
        description: str | None = None,
    ) -> Attachment:
        attachment_id = self.ids.next()
        content_type = content_type or mimetypes.guess_type(filename)[0]
        attachment = Attachment(
            id=attachment_id,
            filename=filename,
            data=data,
            content_type=content_type,
            url=f"{base_url}/attachments/{attachment_id}/{filename}",
            description=description,
        )
        self.attachments[attachment_id] = attachment
        return attachment

    # -- commands ----------------------------------------------------------------------------

    def commands_for(self, guild_id: str | None) -> list[dict[str, Any]]:
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.setdefault(guild_id, [])

    def set_commands(
        self, guild_id: str | None, payload: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Bulk overwrite, keeping the id of a command whose name and type did not change."""
        old = {(c["name"], c.get("type", 1)): c for c in self.commands_for(guild_id)}
        stored = [self._store_command(guild_id, cmd, old) for cmd in payload]
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        self.changed()
        return stored

    def upsert_command(self, guild_id: str | None, payload: dict[str, Any]) -> dict[str, Any]:
        commands = self.commands_for(guild_id)
        old = {(c["name"], c.get("type", 1)): c for c in commands}
        stored = self._store_command(guild_id, payload, old)
        commands[:] = [c for c in commands if c["id"] != stored["id"]] + [stored]
        self.changed()
        return stored

    def _store_command(
        self,
        guild_id: str | None,
        payload: dict[str, Any],
        old: dict[tuple[str, int], dict[str, Any]],
    ) -> dict[str, Any]:
        kind = payload.get("type", 1)
        previous = old.get((payload["name"], kind))
        perms_value = payload.get("default_member_permissions")
        command: dict[str, Any] = {
            "id": previous["id"] if previous else self.ids.next(),
            "application_id": self.application_id,
            "version": self.ids.next(),
            "type": kind,
            "name": payload["name"],
            "name_localizations": payload.get("name_localizations"),
            "description": payload.get("description", ""),
            "description_localizations": payload.get("description_localizations"),
            "options": payload.get("options") or [],
            "default_member_permissions": None if perms_value is None else str(perms_value),
            "dm_permission": payload.get("dm_permission", True),
            "contexts": payload.get("contexts"),
            "integration_types": payload.get("integration_types", [0]),
            "nsfw": payload.get("nsfw", False),
        }
        if guild_id is not None:
            command["guild_id"] = guild_id
        return command

    # -- interactions ------------------------------------------------------------------------

    def new_interaction_ids(self) -> tuple[str, str]:
        interaction_id = self.ids.next()
        return interaction_id, f"emu-interaction-token-{next(self._tokens)}-{interaction_id}"

    def interaction_by_token(self, token: str) -> Interaction | None:
        for interaction in reversed(self.interactions.values()):
            if interaction.token == token:
                return interaction
        return None
