"""Settings parsing as mutation testing found it under-tested (see README, "Test it")."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from bot.config import TOKEN_HELP, ConfigError, Settings, load_settings

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"


def refusal(env: dict[str, str], **kwargs) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(env, **kwargs)
    return str(caught.value)


def test_every_value_read_reaches_the_settings(tmp_path):
    env = {
        "DISCORD_TOKEN": f"  {TOKEN} ",
        "DATABASE_PATH": " db/bot.sqlite3 ",
        "DEV_GUILD_ID": " 123456789012345678 ",
        "LOG_LEVEL": " debug ",
        "DISCORD_API_BASE": " http://127.0.0.1:5000/ ",
        "METRICS_PORT": " 9108 ",
    }
    assert load_settings(env, base_folder=tmp_path) == Settings(
        token=TOKEN,
        database_path=tmp_path / "db" / "bot.sqlite3",
        dev_guild_id=123456789012345678,
        log_level="DEBUG",
        api_base="http://127.0.0.1:5000",
        metrics_port=9108,
    )
    assert load_settings(env, base_folder=tmp_path).log_level_number == logging.DEBUG


def test_without_env_the_process_environment_is_read(monkeypatch, tmp_path):
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("METRICS_PORT", "9200")
    assert os.environ["METRICS_PORT"] == "9200"
    assert load_settings(base_folder=tmp_path).metrics_port == 9200


def test_a_token_is_optional_only_when_not_required(tmp_path):
    assert load_settings({}, require_token=False, base_folder=tmp_path).token == ""
    assert refusal({}) == TOKEN_HELP


@pytest.mark.parametrize(("token", "taken"), [("x" * 20, True), ("x" * 19, False)])
def test_a_token_needs_20_characters(token, taken, tmp_path):
    if taken:
        assert load_settings({"DISCORD_TOKEN": token}, base_folder=tmp_path).token == token
    else:
        assert refusal({"DISCORD_TOKEN": token}) == (
            "DISCORD_TOKEN does not look like a bot token (it should be one line of about "
            "70 characters, with no spaces)."
        )


def test_a_database_path_that_is_a_folder_is_refused_and_a_new_file_is_not(tmp_path):
    (tmp_path / "db").mkdir()
    assert refusal({"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": "db"}, base_folder=tmp_path) == (
        f"DATABASE_PATH=db is a folder ({tmp_path / 'db'}); give the path of a file."
    )
    settings = load_settings(
        {"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": "new.sqlite3"}, base_folder=tmp_path
    )
    assert settings.database_path == tmp_path / "new.sqlite3"


@pytest.mark.parametrize(("digits", "taken"), [(14, False), (15, True), (20, True), (21, False)])
def test_a_dev_guild_id_has_15_to_20_digits(digits, taken, tmp_path):
    raw = "1" * digits
    env = {"DISCORD_TOKEN": TOKEN, "DEV_GUILD_ID": raw}
    if taken:
        assert load_settings(env, base_folder=tmp_path).dev_guild_id == int(raw)
    else:
        assert refusal(env, base_folder=tmp_path) == (
            f"DEV_GUILD_ID={raw!r} is not a server id: right-click the server with "
            "Developer Mode on and choose Copy Server ID (a number of 17-20 digits), "
            "or leave it unset for global commands."
        )


def test_a_log_level_outside_the_list_is_named_with_the_list(tmp_path):
    assert refusal({"DISCORD_TOKEN": TOKEN, "LOG_LEVEL": "loud"}, base_folder=tmp_path) == (
        "LOG_LEVEL='LOUD' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL."
    )


@pytest.mark.parametrize(
    "base", ["http://127.0.0.1:5000", "http://localhost:5000", "http://[::1]:5000"]
)
def test_the_api_base_may_point_at_this_machine(base, tmp_path):
    env = {"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": base}
    assert load_settings(env, base_folder=tmp_path).api_base == base


def test_the_api_base_may_not_point_elsewhere(tmp_path):
    env = {"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": "HTTP://LOCALHOST:5000"}
    assert refusal(env, base_folder=tmp_path) == (
        "DISCORD_API_BASE only points the bot at a local emulator "
        "(http://127.0.0.1:PORT); leave it unset to talk to Discord."
    )


@pytest.mark.parametrize(("raw", "port"), [("0", 0), ("65535", 65535)])
def test_a_metrics_port_is_0_to_65535(raw, port, tmp_path):
    env = {"DISCORD_TOKEN": TOKEN, "METRICS_PORT": raw}
    assert load_settings(env, base_folder=tmp_path).metrics_port == port


@pytest.mark.parametrize("raw", ["65536", "port", "٣٠٠٠", "-1", "9" * 30])
def test_any_other_metrics_port_is_refused_showing_at_most_20_characters(raw, tmp_path):
    env = {"DISCORD_TOKEN": TOKEN, "METRICS_PORT": raw}
    assert refusal(env, base_folder=tmp_path) == (
        f"METRICS_PORT={raw[:20]!r} is not a port: give a number from 1 to 65535 "
        "(the bot serves /healthz and /metrics on 127.0.0.1 there), or leave it unset "
        "to turn metrics off."
    )


def test_without_a_metrics_port_metrics_are_off(tmp_path):
    assert load_settings({"DISCORD_TOKEN": TOKEN}, base_folder=tmp_path).metrics_port is None


def test_problems_are_listed_one_a_line(tmp_path):
    message = refusal({"LOG_LEVEL": "LOUD", "METRICS_PORT": "x"}, base_folder=tmp_path)
    lines = message.split("\n")
    assert lines[0] == TOKEN_HELP
    assert lines[1].startswith("LOG_LEVEL=")
    assert lines[2].startswith("METRICS_PORT=")
    assert len(lines) == 3


def test_the_default_database_is_under_the_base_folder(tmp_path):
    settings = load_settings({"DISCORD_TOKEN": TOKEN}, base_folder=tmp_path)
    assert settings.database_path == tmp_path / Path("data/fanbot.sqlite3")
