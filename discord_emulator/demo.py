"""A small ready-made world: the fan server the bot is built for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import permissions as perms
from .state import Channel, Guild, Member, Role, User

if TYPE_CHECKING:
    from .server import Emulator


@dataclass
class DemoWorld:
    """Handles to everything `demo_world` created."""

    guild: Guild
    general: Channel
    trivia: Channel
    announcements: Channel
    mods: Role
    uaena: User
    army: User
    mod: User
    owner: User


def demo_world(emu: Emulator) -> DemoWorld:
    """One guild "Love wins all fans" with #general, #trivia, #announcements, a "Mods" role
    (Manage Server), and users uaena and army (members), mod (Mods) and owner (the owner)."""
    return demo_worlds(emu, 1)[0]


def demo_worlds(emu: Emulator, count: int) -> list[DemoWorld]:
    """`count` guilds like `demo_world`'s, for sharded bots: the same four users are members
    of each; the first is named "Love wins all fans", the others "Love wins all fans 2", ...

    Each guild id has its own millisecond, so the guilds spread over the shards
    round-robin: with `count` a multiple of the shard count, every shard gets as many.
    """
    owner = emu.add_user("owner")
    uaena = emu.add_user("uaena", global_name="UAENA")
    army = emu.add_user("army", global_name="ARMY")
    mod = emu.add_user("mod")
    worlds = []
    for index in range(count):
        name = "Love wins all fans" + ("" if index == 0 else f" {index + 1}")
        guild = emu.add_guild(name, owner)
        general = guild.add_text_channel("general")
        trivia = guild.add_text_channel("trivia")
        announcements = guild.add_text_channel("announcements")
        mods = guild.add_role("Mods", perms.MANAGE_GUILD | perms.MANAGE_MESSAGES, mentionable=True)
        guild.add_member(uaena)
        guild.add_member(army)
        guild.add_member(mod, roles=[mods])
        worlds.append(
            DemoWorld(guild, general, trivia, announcements, mods, uaena, army, mod, owner)
        )
    return worlds


def add_fans(world: DemoWorld, count: int, *, prefix: str = "fan") -> list[Member]:
    """`count` more plain members of the demo guild (`fan0000`, `fan0001`, ...), for bursts.

    Cheap enough for thousands: one user and one member each, nothing else.
    """
    emu_world = world.guild.world
    start = sum(1 for user in emu_world.users.values() if user.name.startswith(prefix))
    return [
        world.guild.add_member(emu_world.add_user(f"{prefix}{index:04d}"))
        for index in range(start, start + count)
    ]
