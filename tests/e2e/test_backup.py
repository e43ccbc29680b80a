"""`python -m bot backup FILE` while the bot runs and writes, and the restore from README."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from discord_emulator import DemoWorld, Emulator, eventually, running_client
from tests.support.bots import make_bot

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[2]


async def backup_command(cwd: Path, database: Path, *args: str) -> tuple[int, str, str]:
    """`python -m bot backup ARGS` in its own process, with DATABASE_PATH and no token."""
    env = {**os.environ, "DATABASE_PATH": str(database), "PYTHONPATH": str(ROOT)}
    env.pop("DISCORD_TOKEN", None)
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "backup",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await child.communicate()
    return child.returncode or 0, stdout.decode(), stderr.decode()


def restore(backup: Path, database: Path) -> Path:
    """The restore as README says: the bot stopped, the copy over DATABASE_PATH, no -wal/-shm."""
    database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(backup, database)
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    return database


def wal_beside(path: Path) -> bool:
    return Path(f"{path}-wal").exists()


async def stored(bot, sql: str, params: tuple) -> None:
    """Until the bot has stored what `sql` finds (a click's answer is written after its ack)."""
    async with asyncio.timeout(10):
        # Polling: the answer path has no event to wait for.
        while True:
            if await bot.database.fetchone(sql, params) is not None:
                return
            await asyncio.sleep(0.01)


async def test_a_backup_taken_while_the_bot_writes_restores_what_was_stored(
    emu: Emulator, world: DemoWorld, tmp_path: Path
):
    guild_id = int(world.guild.id)
    live = tmp_path / "live" / "bot.sqlite3"
    backup = tmp_path / "backups" / "fanbot-2026-12-01.sqlite3"
    backup.parent.mkdir()
    first = make_bot(emu, live)
    async with running_client(first, emu):
        await emu.slash(world.guild, "general", "mod", "config timezone", {"zone": "Europe/Berlin"})
        added = await emu.slash(
            world.guild,
            "general",
            "mod",
            "countdown-admin add",
            {"name": "Watch party", "date": "2030-01-24"},
        )
        assert added.ephemeral
        started = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
        cog = first.get_cog("Trivia")
        await eventually(lambda: cog.rounds)
        right = started.message.buttons()[next(iter(cog.rounds.values())).correct_index]
        assert "Correct" in (await emu.click(started.message, right["custom_id"], "uaena")).content
        await stored(first, "SELECT 1 FROM trivia_scores WHERE guild_id = ?", (guild_id,))
        # The bot is in the middle of a write (its transaction open) while the backup runs,
        # and more commands arrive meanwhile.
        async with first.database.transaction() as tx:
            await tx.execute(
                "INSERT INTO feature_settings (guild_id, name, value) "
                "VALUES (?, 'trivia_timeout', 99)",
                (guild_id,),
            )
            code, stdout, stderr = await backup_command(tmp_path, live, str(backup))
        assert code == 0, stderr
        # The bot still works after the backup, and what it stores now is not in the copy.
        later = await emu.slash(world.guild, "general", "mod", "config timezone", {"zone": "UTC"})
        assert later.ephemeral
    assert f"backed up {live} to {backup} (" in stdout
    assert f"{backup.stat().st_size:,} bytes" in stdout
    assert not wal_beside(backup)  # one file is the whole backup

    restored = restore(backup, tmp_path / "restored" / "bot.sqlite3")
    second = make_bot(emu, restored)
    async with running_client(second, emu):
        settings = await second.guild_settings.get(guild_id)
        assert settings.timezone == "Europe/Berlin"  # stored before the backup
        # The write still open during the backup: not in it.
        assert settings.value("trivia_timeout") == 20
        countdown = await emu.slash(world.guild, "general", "uaena", "countdown")
        assert "Watch party" in countdown.message.text()
        stats = await emu.slash(world.guild, "trivia", "uaena", "trivia stats")
        assert "100%" in stats.message.text()


async def test_a_backup_during_a_burst_of_writes_is_whole(tmp_path: Path, sqlite_db):
    """Writes go on, one transaction each, while the copy is made: it holds a prefix of them."""
    db = sqlite_db
    backup = tmp_path / "copy.sqlite3"
    stop = asyncio.Event()
    written: list[int] = []

    async def write_burst() -> None:
        while not stop.is_set():
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO guild_settings (guild_id) VALUES (?)", (len(written) + 1,)
                )
            written.append(len(written) + 1)

    writer = asyncio.create_task(write_burst())
    try:
        await eventually(lambda: len(written) >= 20)
        code, _, stderr = await backup_command(tmp_path, Path(db.path), str(backup))
        during = len(written)
    finally:
        stop.set()
        await writer
    assert code == 0, stderr
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = [row[0] for row in copy.execute("SELECT guild_id FROM guild_settings ORDER BY 1")]
    finally:
        copy.close()
    # One instant's database: the first k rows, no gaps; the writer went on meanwhile.
    assert len(ids) >= 20
    assert ids == list(range(1, len(ids) + 1))
    assert during > len(ids)
