"""Guild ids spread over the shards round-robin, however slowly a test makes its guilds."""

from __future__ import annotations

import itertools

import pytest

from discord_emulator import state


@pytest.fixture
def slow_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read of the wall clock is 3 ms after the last: a loaded machine's pace."""
    ticks = itertools.count()
    start = 1_780_000_000.0
    monkeypatch.setattr(state.time, "time", lambda: start + 0.003 * next(ticks))


@pytest.mark.usefixtures("slow_machine")
def test_guilds_made_slowly_still_take_the_shards_in_turn() -> None:
    world = state.World(bot_name="bot")
    owner = world.add_user("owner")
    guilds = []
    for index in range(12):
        guilds.append(world.add_guild(f"server {index}", owner))
        guilds[-1].add_text_channel("general")  # other ids in between
    for count in (2, 3, 4):
        shards = [(int(g.id) >> 22) % count for g in guilds]
        assert shards == [(shards[0] + n) % count for n in range(12)], count


@pytest.mark.usefixtures("slow_machine")
def test_guild_ids_and_other_ids_never_collide() -> None:
    world = state.World(bot_name="bot")
    owner = world.add_user("owner")
    ids = [owner.id]
    for index in range(50):
        guild = world.add_guild(f"server {index}", owner)
        # @everyone's id is the guild's, as on Discord; the bot's role has its own.
        roles = [role_id for role_id in guild.roles if role_id != guild.id]
        ids += [guild.id, *roles, guild.add_text_channel("general").id]
        ids.append(world.add_user(f"user {index}").id)
    assert len(ids) == len(set(ids))
