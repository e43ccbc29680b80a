from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE_PATH, ConfigError, load_settings
from bot.logs import RedactSecrets

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"
ROOT = Path(__file__).resolve().parent.parent


def test_defaults_with_only_a_token():
    settings = load_settings({"DISCORD_TOKEN": TOKEN})
    assert settings.database_path == DEFAULT_DATABASE_PATH
    assert settings.dev_guild_id is None
    assert settings.log_level == "INFO"
    assert settings.api_base is None


def test_token_is_not_in_repr():
    assert TOKEN not in repr(load_settings({"DISCORD_TOKEN": TOKEN}))


def test_missing_token_says_how_to_get_one():
    with pytest.raises(ConfigError, match=r"developers/applications"):
        load_settings({})


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("DEV_GUILD_ID", "my-server", "not a server id"),
        ("DEV_GUILD_ID", "12", "not a server id"),
        ("LOG_LEVEL", "LOUD", "not one of DEBUG"),
        ("DISCORD_TOKEN", "short", "does not look like a bot token"),
        ("DISCORD_API_BASE", "https://example.com", "local emulator"),
    ],
)
def test_bad_values_are_named(name, value, says):
    env = {"DISCORD_TOKEN": TOKEN, name: value}
    with pytest.raises(ConfigError, match=says):
        load_settings(env)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as caught:
        load_settings({"DEV_GUILD_ID": "x", "LOG_LEVEL": "LOUD"})
    message = str(caught.value)
    assert "DISCORD_TOKEN" in message
    assert "DEV_GUILD_ID" in message
    assert "LOG_LEVEL" in message


def test_values_are_read():
    settings = load_settings(
        {
            "DISCORD_TOKEN": TOKEN,
            "DEV_GUILD_ID": "123456789012345678",
            "LOG_LEVEL": "debug",
            "DATABASE_PATH": "/tmp/x.sqlite3",
        }
    )
    assert settings.dev_guild_id == 123456789012345678
    assert settings.log_level == "DEBUG"
    assert str(settings.database_path) == "/tmp/x.sqlite3"


def test_token_is_redacted_from_log_records():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "token is %s", (TOKEN,), None)
    RedactSecrets([TOKEN]).filter(record)
    assert TOKEN not in record.getMessage()
    assert "[redacted]" in record.getMessage()


def run_bot(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot` in an empty folder (no .env) with only `env` set."""
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_python_m_bot_without_token_exits_with_one_clear_line(tmp_path):
    done = run_bot(tmp_path)
    assert done.returncode == 2
    assert "DISCORD_TOKEN is not set" in done.stderr
    assert "Traceback" not in done.stderr


def test_python_m_bot_with_a_token_but_no_discord_says_so_without_a_traceback(tmp_path):
    done = run_bot(
        tmp_path,
        DISCORD_TOKEN=TOKEN,
        # Nothing listens on port 9 of loopback: the connection is refused at once.
        DISCORD_API_BASE="http://127.0.0.1:9",
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
    )
    assert done.returncode == 1
    assert "could not reach Discord" in done.stderr
    assert "Traceback" not in done.stderr
    assert TOKEN not in done.stderr


def test_python_m_bot_with_a_file_that_is_not_a_database_says_so(tmp_path):
    notes = tmp_path / "notes.sqlite3"
    notes.write_text("my notes, not a database\n" * 100)
    done = run_bot(
        tmp_path,
        DISCORD_TOKEN=TOKEN,
        DISCORD_API_BASE="http://127.0.0.1:9",
        DATABASE_PATH=str(notes),
    )
    assert done.returncode == 1
    assert "as the database" in done.stderr
    assert "Traceback" not in done.stderr
