"""`help /command`: a synced command described in the words a member would use."""

from __future__ import annotations

from bot.playground.help import command_help, describe_option, example_usage, permission_names
from discord_emulator import CommandPath, permissions

SECONDS = {
    "name": "seconds",
    "type": 4,
    "description": "How long",
    "description_localizations": {"ko": "얼마나 오래"},
    "required": True,
    "min_value": 5,
    "max_value": 120,
}
PERIOD = {
    "name": "period",
    "type": 3,
    "description": "Which",
    "choices": [
        {"name": "all", "value": "all"},
        {"name": "this week", "value": "week", "name_localizations": {"ko": "이번 주"}},
    ],
}
NAME = {"name": "name", "type": 3, "description": "Which symbol", "autocomplete": True}
TIMEOUT = {
    "name": "trivia-timeout",
    "type": 1,
    "description": "How long a question stays open",
    "options": [SECONDS],
}
CONFIG = {
    "name": "config",
    "description": "Settings",
    "options": [TIMEOUT, {"name": "show", "type": 1, "description": "Show them"}],
}


def test_an_option_says_its_type_bounds_choices_and_suggestions() -> None:
    assert describe_option("/config trivia-timeout", SECONDS, "en-US") == (
        "  seconds: whole number from 5 to 120, required — How long"
    )
    assert describe_option("/config trivia-timeout", SECONDS, "ko").endswith("— 얼마나 오래")
    assert describe_option("/trivia leaderboard", PERIOD, "ko") == (
        "  period: text, optional, one of all, week (이번 주) — Which"
    )
    assert describe_option("/symbol", NAME, "en-US") == (
        "  name: text, optional, suggestions: complete /symbol name: — Which symbol"
    )
    capped = {**NAME, "autocomplete": False, "max_length": 80}
    assert describe_option("/symbol", capped, "en-US").startswith(
        "  name: text of at most 80 characters, optional"
    )


def test_a_group_lists_its_subcommands_and_a_leaf_its_usage() -> None:
    group = command_help(CommandPath(CONFIG, []), "en-US", "uaena can't see /config")
    assert group == [
        "/config: Settings",
        "  (uaena can't see /config)",
        "  /config trivia-timeout: How long a question stays open",
        "  /config show: Show them",
        "  help /config trivia-timeout shows its options",
    ]
    leaf = command_help(CommandPath(CONFIG, [TIMEOUT]), "en-US", None)
    assert leaf[:2] == [
        "/config trivia-timeout: How long a question stays open",
        "  usage: /config trivia-timeout seconds:…",
    ]
    symbol = {"name": "symbol", "description": "A symbol", "options": [NAME]}
    assert command_help(CommandPath(symbol, []), "en-US", None)[1] == "  usage: /symbol [name:…]"


def test_examples_and_permissions_in_a_member_s_words() -> None:
    symbol = {"name": "symbol", "description": "A symbol", "options": [NAME]}
    assert example_usage(CommandPath(symbol, [])) == ", e.g. /symbol name:... (it takes name)"
    assert example_usage(CommandPath({"name": "about"}, [])) == " (/about takes none)"
    assert permission_names(permissions.MANAGE_GUILD) == "Manage Server"
    assert permission_names(0) == "Administrator"
    both = permission_names(permissions.MANAGE_GUILD | permissions.MANAGE_MESSAGES)
    assert both == "Manage Server and Manage Messages"
