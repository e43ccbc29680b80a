from __future__ import annotations

import logging
import tomllib
from pathlib import Path

import pytest

import bot
from bot.config import DEFAULT_DATABASE_PATH, ConfigError, find_env_file, load_settings
from bot.logs import RedactSecrets
from tests.support.command_line import TOKEN, UNREACHABLE, run_bot
from tests.support.paths import ROOT


def test_defaults_with_only_a_token():
    settings = load_settings({"DISCORD_TOKEN": TOKEN})
    assert settings.database_path == Path.cwd() / DEFAULT_DATABASE_PATH
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
    assert done.returncode == 2  # a wrong file, like a wrong setting: restarting won't help
    assert "as the database" in done.stderr
    assert "Traceback" not in done.stderr


# -- the command line: read before any setting ---------------------------------------------


@pytest.mark.parametrize("env", [{}, UNREACHABLE], ids=["no-token", "token"])
def test_help_lists_the_commands_without_reading_settings(tmp_path, env):
    done = run_bot(tmp_path, "--help", **env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m bot")
    assert "run" in done.stdout
    assert "playground" in done.stdout
    assert done.stderr == ""


def test_version_is_the_package_version(tmp_path):
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert bot.__version__ == pyproject["project"]["version"]
    done = run_bot(tmp_path, "--version", **UNREACHABLE)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"lovewinsall-bot {bot.__version__}\n"


@pytest.mark.parametrize("args", [["playgrond"], ["run", "--db", "x"], ["--verbose"]])
def test_an_unknown_command_or_option_is_refused_with_usage(tmp_path, args):
    done = run_bot(tmp_path, *args, **UNREACHABLE)
    assert done.returncode == 2
    assert done.stderr.startswith("usage: python -m bot")
    assert args[-1] in done.stderr
    assert "DISCORD_TOKEN" not in done.stderr
    assert "could not reach" not in done.stderr


def test_playground_options_and_help_pass_through(tmp_path):
    done = run_bot(tmp_path, "playground", "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m bot playground")
    for option in ("--db", "--script", "--as", "--locale"):
        assert option in done.stdout
    refused = run_bot(tmp_path, "playground", "--locale", "xx")
    assert refused.returncode == 2
    assert "is not a Discord locale" in refused.stderr


def test_run_is_what_no_command_does(tmp_path):
    done = run_bot(tmp_path, "run", DATABASE_PATH=str(tmp_path / "bot.sqlite3"), **UNREACHABLE)
    assert done.returncode == 1
    assert "could not reach Discord" in done.stderr


# -- where .env and the database are found ---------------------------------------------------


def env_file_above(folder: Path) -> Path | None:
    """A stray .env above the test's folder would be read; such a machine can't run these."""
    return next((up / ".env" for up in folder.parents if (up / ".env").is_file()), None)


def test_env_file_is_found_in_the_folder_or_above(tmp_path):
    if stray := env_file_above(tmp_path):
        pytest.skip(f"{stray} exists")
    deeper = tmp_path / "a" / "b"
    deeper.mkdir(parents=True)
    assert find_env_file(deeper) is None
    (tmp_path / "a" / ".env").write_text("LOG_LEVEL=DEBUG\n")
    assert find_env_file(deeper) == tmp_path / "a" / ".env"
    (deeper / ".env").write_text("LOG_LEVEL=DEBUG\n")
    assert find_env_file(deeper) == deeper / ".env"


def test_a_relative_database_path_is_taken_from_the_base_folder(tmp_path):
    env = {"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": "state/fans.sqlite3"}
    assert load_settings(env, base_folder=tmp_path).database_path == (
        tmp_path / "state" / "fans.sqlite3"
    )
    absolute = {**env, "DATABASE_PATH": str(tmp_path / "elsewhere.sqlite3")}
    assert load_settings(absolute, base_folder=tmp_path / "x").database_path == (
        tmp_path / "elsewhere.sqlite3"
    )
    default = load_settings({"DISCORD_TOKEN": TOKEN}, base_folder=tmp_path)
    assert default.database_path == tmp_path / DEFAULT_DATABASE_PATH
    (tmp_path / "state" / "fans.sqlite3").mkdir(parents=True)
    with pytest.raises(ConfigError, match="is a folder"):
        load_settings(env, base_folder=tmp_path)


def test_started_anywhere_in_the_project_it_reads_its_env_and_its_database(tmp_path):
    project = tmp_path / "fanbot"
    logs = project / "logs"
    logs.mkdir(parents=True)
    settings = {**UNREACHABLE, "DATABASE_PATH": "data/fans.sqlite3", "LOG_LEVEL": "INFO"}
    (project / ".env").write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    database = project / "data" / "fans.sqlite3"

    for folder in (project, logs):
        done = run_bot(tmp_path, cwd=folder)
        assert done.returncode == 1, done.stderr  # it started, and found no Discord
        assert "could not reach Discord" in done.stderr
        assert f"settings: read {project / '.env'}" in done.stderr
        assert f"database: {database}\n" in done.stderr
        assert f"lovewinsall-bot {bot.__version__} starting" in done.stderr
        assert TOKEN not in done.stderr
    assert database.is_file()
    assert not (logs / "data").exists()


def test_without_an_env_file_a_relative_database_is_in_the_start_folder(tmp_path):
    if stray := env_file_above(tmp_path):
        pytest.skip(f"{stray} exists")
    done = run_bot(tmp_path, DATABASE_PATH="fans.sqlite3", **UNREACHABLE)
    assert done.returncode == 1, done.stderr
    assert f"no .env file in {tmp_path} or a folder above it" in done.stderr
    assert f"database: {tmp_path / 'fans.sqlite3'}\n" in done.stderr
    assert (tmp_path / "fans.sqlite3").is_file()

    missing = run_bot(tmp_path)
    assert missing.returncode == 2
    assert f"no .env file in {tmp_path} or a folder above it" in missing.stderr
