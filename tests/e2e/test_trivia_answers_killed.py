"""A `python -m bot` killed in the middle of a burst of clicks loses no acknowledged answer."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
from pathlib import Path

import pytest

from discord_emulator import Emulator, add_fans, demo_world, eventually
from tests.support.bot_process import TOKEN, start_bot_process

pytestmark = pytest.mark.asyncio

ACKNOWLEDGED = ("Correct!", "Not quite.")


async def start_bot(emu: Emulator, db_path: Path) -> asyncio.subprocess.Process:
    process = await start_bot_process(emu, db_path)
    await emu.wait_ready(timeout=60)
    return process


def stored_users(db_path: Path, round_id: int) -> set[int]:
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        rows = db.execute("SELECT user_id FROM trivia_answers WHERE round_id = ?", (round_id,))
        return {row[0] for row in rows}


def acknowledged(click) -> bool:
    original = click.original
    return (
        original is not None
        and not original.loading
        and (original.content or "").startswith(ACKNOWLEDGED)
    )


async def test_killed_during_a_burst_every_acknowledged_answer_survives(tmp_path: Path):
    db_path = tmp_path / "bot.sqlite3"
    async with Emulator(token=TOKEN) as emu:
        world = demo_world(emu)
        fans = add_fans(world, 400)
        first = await start_bot(emu, db_path)
        try:
            await eventually(lambda: any(c["name"] == "trivia" for c in emu.commands()), 60)
            await emu.slash(
                world.guild, "general", "mod", "config trivia-timeout", {"seconds": 120}, timeout=30
            )
            started = await emu.slash(world.guild, "trivia", "uaena", "trivia play", timeout=30)
            message = started.message
            round_id = int(message.buttons()[0]["custom_id"].split(":")[1])
            custom_ids = [button["custom_id"] for button in message.buttons()]
            clicks = [
                emu.dispatch_click(message, custom_ids[index % 4], fan)
                for index, fan in enumerate(fans)
            ]
            # Killed as soon as the first acknowledgements have reached the members.
            await eventually(lambda: sum(map(acknowledged, clicks)) >= 10, timeout=60, interval=0)
        finally:
            first.send_signal(signal.SIGKILL)
            await first.wait()
        told = {int(click.user.id) for click in clicks if acknowledged(click)}
        assert len(told) >= 10

        # Everyone who was told "Correct!" or "Not quite" has their answer stored.
        stored = stored_users(db_path, round_id)
        assert told <= stored, f"{len(told - stored)} acknowledged answers were lost"

        second = await start_bot(emu, db_path)
        try:
            # ... and can't answer again after the restart; one who wasn't told can answer.
            for fan in [fan for fan in fans if int(fan.user.id) in told][:5]:
                again = await emu.click(message, custom_ids[0], fan, timeout=20)
                assert "already answered" in again.content
            untold = [fan for fan in fans if int(fan.user.id) not in stored]
            if untold:
                late = await emu.click(message, custom_ids[0], untold[0], timeout=20)
                assert late.content.startswith(ACKNOWLEDGED)
        finally:
            second.send_signal(signal.SIGTERM)
            _, stderr = await second.communicate()
        assert second.returncode == 0, stderr.decode()
        assert "Traceback" not in stderr.decode()
        after = stored_users(db_path, round_id)
        assert told <= after
        assert len(after) <= len(fans)
