"""The driver's public command API, which the playground uses too: finding a synced command
by its name, who may see it, and converting an option's value, also from typed text.

No bot runs: the commands are put in the emulator's world as a sync would store them.
"""

from __future__ import annotations

from typing import Any

import pytest

from discord_emulator import (
    CommandIsGroup,
    DemoWorld,
    DriverError,
    Emulator,
    UnknownCommand,
    UnknownSubcommand,
    can_see,
    check_visible,
    demo_world,
    find_member,
    find_role,
    permissions,
)
from discord_emulator.driver import (
    OPT_BOOLEAN,
    OPT_INTEGER,
    OPT_MENTIONABLE,
    OPT_NUMBER,
    OPT_STRING,
    OPT_SUB_COMMAND,
    OPT_USER,
)

TRIVIA = {
    "name": "trivia",
    "description": "Trivia",
    "options": [
        {"name": "play", "type": OPT_SUB_COMMAND, "description": "Play", "options": []},
        {
            "name": "stats",
            "type": OPT_SUB_COMMAND,
            "description": "Stats",
            "options": [{"name": "member", "type": OPT_USER, "description": "Whose"}],
        },
    ],
}
ADMIN = {
    "name": "admin",
    "description": "Moderators only",
    "default_member_permissions": permissions.MANAGE_GUILD,
}


@pytest.fixture
def synced() -> tuple[Emulator, DemoWorld]:
    emu = Emulator()
    world = demo_world(emu)
    emu.world.set_commands(world.guild.id, [TRIVIA])
    emu.world.set_commands(None, [ADMIN])
    return emu, world


def test_walk_finds_a_subcommand_and_refuses_a_group_unless_asked(
    synced: tuple[Emulator, DemoWorld],
) -> None:
    emu, world = synced
    found = emu.walk_command(world.guild, "trivia stats")
    assert found.name == "trivia stats"
    assert found.names == ["trivia", "stats"]
    assert [o["name"] for o in found.options] == ["member"]
    assert found.subcommands == []
    assert emu.walk_command(world.guild, "admin").root["name"] == "admin"  # global

    with pytest.raises(CommandIsGroup, match="is a group; pick a subcommand") as group:
        emu.walk_command(world.guild, "trivia")
    assert group.value.found.name == "trivia"
    listed = emu.walk_command(world.guild, "trivia", group=True)
    assert [c["name"] for c in listed.subcommands] == ["play", "stats"]


def test_walk_says_what_exists_when_a_name_is_wrong(synced: tuple[Emulator, DemoWorld]) -> None:
    emu, world = synced
    with pytest.raises(UnknownCommand, match="no synced command 'nope'") as unknown:
        emu.walk_command(world.guild, "nope")
    assert unknown.value.synced == ["admin", "trivia"]
    with pytest.raises(UnknownSubcommand, match="no subcommand 'plya'") as wrong:
        emu.walk_command(world.guild, "trivia plya")
    assert (wrong.value.found.name, wrong.value.word) == ("trivia", "plya")
    with pytest.raises(UnknownSubcommand) as below_leaf:
        emu.walk_command(world.guild, "trivia play now")
    assert below_leaf.value.found.name == "trivia play"
    # Outside the guild only the global command exists.
    with pytest.raises(UnknownCommand):
        emu.walk_command(None, "trivia play")


def test_default_member_permissions_decide_who_sees_a_command(
    synced: tuple[Emulator, DemoWorld],
) -> None:
    _, world = synced
    guild, general = world.guild, world.general
    uaena, mod, owner = (guild.member(name) for name in ("uaena", "mod", "owner"))
    assert can_see(TRIVIA, uaena, general)
    assert not can_see(ADMIN, uaena, general)
    assert can_see(ADMIN, mod, general)
    assert can_see(ADMIN, owner, general)  # the owner has every permission
    assert can_see(ADMIN, uaena, general, permissions=permissions.ADMINISTRATOR)
    assert can_see(ADMIN, None, general)  # outside a guild nothing is hidden
    assert not can_see({**ADMIN, "default_member_permissions": "0"}, mod, general)
    with pytest.raises(DriverError, match="'uaena' cannot see /admin sub"):
        check_visible(ADMIN, uaena, general, typed="admin sub")
    check_visible(ADMIN, mod, general)


def option(kind: int, **more: Any) -> dict[str, Any]:
    return {"name": "value", "type": kind, **more}


def test_typed_text_is_converted_as_discord_s_client_would(
    synced: tuple[Emulator, DemoWorld],
) -> None:
    emu, world = synced
    general = world.general

    def convert(definition: dict[str, Any], value: Any) -> Any:
        return emu.convert_value("cmd", definition, value, general)

    assert convert(option(OPT_INTEGER), "12") == 12
    assert convert(option(OPT_INTEGER), 12) == 12
    assert convert(option(OPT_NUMBER), "1.5") == 1.5
    assert convert(option(OPT_BOOLEAN), "Yes") is True
    assert convert(option(OPT_BOOLEAN), "off") is False
    period = option(OPT_STRING, choices=[{"name": "this week", "value": "week"}])
    assert convert(period, "This Week") == "week"
    assert convert(period, "week") == "week"
    assert convert(option(OPT_USER), "ARMY") == world.army.id  # a global name, any case
    assert convert(option(OPT_USER), "@uaena") == world.uaena.id
    assert convert(option(OPT_MENTIONABLE), "@mods") == world.mods.id
    assert convert(option(OPT_MENTIONABLE), "army") == world.army.id

    with pytest.raises(DriverError, match="'value' takes a whole number, not 'twelve'"):
        convert(option(OPT_INTEGER), "twelve")
    with pytest.raises(DriverError, match="takes a number, not 'x'"):
        convert(option(OPT_NUMBER), "x")
    with pytest.raises(DriverError, match="takes true or false, not 'maybe'"):
        convert(option(OPT_BOOLEAN), "maybe")
    with pytest.raises(DriverError, match=r"is one of week, not 'month'"):
        convert(period, "month")
    with pytest.raises(DriverError, match=r"13 is outside \[1, 12\]"):
        convert(option(OPT_INTEGER, min_value=1, max_value=12), "13")
    with pytest.raises(DriverError, match="no member 'nobody' here; members: "):
        convert(option(OPT_USER), "nobody")
    # A test's own values are still held to their types.
    with pytest.raises(DriverError, match="takes an integer, got True"):
        convert(option(OPT_INTEGER), True)


def test_members_and_roles_by_the_names_a_person_sees(synced: tuple[Emulator, DemoWorld]) -> None:
    _, world = synced
    guild = world.guild
    mod = guild.member("mod")
    mod.nick = "Moderator Kim"
    assert find_member(guild, "moderator kim") is mod
    assert find_member(guild, world.mod.id) is mod
    assert find_member(guild, " @Mod ") is mod
    assert find_member(guild, "nobody") is None
    assert find_role(guild, "MODS") is world.mods
    assert find_role(guild, world.mods.id) is world.mods
    assert find_role(guild, "admins") is None
