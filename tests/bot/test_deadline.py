"""The deadline guard's declarations, and the database's busy timeout."""

from __future__ import annotations

import sqlite3

import discord
import pytest
from discord import app_commands

from bot.checks import moderator_group
from bot.database import is_busy
from bot.deadline import AnswerStyle, DeadlineGuard, command_style, ephemeral_answer
from bot.sqlite import SqliteDatabase
from cogs.countdown.cog import PageButton
from cogs.privacy.cog import ForgetButton
from cogs.trivia.views import AnswerButton


async def _noop(interaction: discord.Interaction) -> None:
    return None


def test_commands_answer_publicly_unless_they_or_their_group_say_otherwise():
    public = app_commands.Command(name="play", description="x", callback=_noop)
    assert command_style(public) is AnswerStyle.PUBLIC

    # Above or below the command decorator, the mark is found.
    above = ephemeral_answer(app_commands.Command(name="forget", description="x", callback=_noop))
    assert command_style(above) is AnswerStyle.EPHEMERAL

    async def marked(interaction: discord.Interaction) -> None:
        return None

    below = app_commands.Command(name="forget", description="x", callback=ephemeral_answer(marked))
    assert command_style(below) is AnswerStyle.EPHEMERAL

    # Moderators' commands answer them alone: the whole root says so.
    group = moderator_group("config", app_commands.locale_str("x"))
    show = app_commands.Command(name="show", description="x", callback=_noop, parent=group)
    assert command_style(show) is AnswerStyle.EPHEMERAL
    assert command_style(None) is AnswerStyle.PUBLIC


def test_buttons_that_edit_their_message_defer_as_an_update():
    guard = DeadlineGuard()
    guard.declare_components(AnswerButton, PageButton, ForgetButton)
    assert guard.component_style("trivia:12:3") is AnswerStyle.EPHEMERAL
    assert guard.component_style("countdown:page:1:en") is AnswerStyle.UPDATE
    assert guard.component_style("privacy:forget:confirm:1:2") is AnswerStyle.UPDATE
    assert guard.component_style("something:else") is AnswerStyle.EPHEMERAL


@pytest.mark.asyncio
async def test_a_lock_held_elsewhere_fails_after_the_busy_timeout(tmp_path):
    path = tmp_path / "busy.sqlite3"
    db = await SqliteDatabase.open(path, busy_timeout=0.2)
    try:
        row = await db.fetchone("PRAGMA busy_timeout")
        assert row is not None
        assert row[0] == 200
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(sqlite3.OperationalError) as raised:
                await db.execute("INSERT INTO bot_state (key, value) VALUES ('k', 'v')")
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert is_busy(raised.value)
        # The lock gone, the same write goes through: the connection was left usable.
        await db.execute("INSERT INTO bot_state (key, value) VALUES ('k', 'v')")
    finally:
        await db.close()
    assert not is_busy(sqlite3.OperationalError("no such table: x"))
    assert not is_busy(RuntimeError("database is locked"))
