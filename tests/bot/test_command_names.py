"""The commands as the bot syncs them (translated), against Discord's rules: a name or a
localized name Discord refuses fails the whole sync, and it is only found at start-up."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.client import FanBot, discover_cogs
from bot.config import Settings
from bot.i18n import CommandTranslator

# Discord's rule for CHAT_INPUT command and option names (the API reference, "Application
# Command Naming"); upper-case letters are refused as well.
NAME = re.compile(r"^[-_\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")
CHAT_INPUT, SUB_COMMAND, SUB_COMMAND_GROUP = 1, 1, 2


@pytest.fixture
async def payload(tmp_path: Path) -> list[dict[str, Any]]:
    """What `sync_commands` sends, from a bot with every cog loaded and the translator set."""
    bot = FanBot(Settings(token="unused", database_path=tmp_path / "tree.sqlite3"))
    try:
        await bot.open_database()
        await bot.tree.set_translator(CommandTranslator())
        for extension in discover_cogs():
            await bot.load_extension(extension)
        return await bot.command_payload()
    finally:
        await bot.close()


def walk(node: dict[str, Any], path: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(`/config language`, what it is, its JSON) for a command and each of its subcommands,
    options and choices."""
    yield path, "command" if node.get("type", CHAT_INPUT) in (None, CHAT_INPUT) else "option", node
    for option in node.get("options") or []:
        inner = f"{path} {option['name']}"
        if option["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP):
            yield from walk(option, inner)
        else:
            yield inner, "option", option
            for choice in option.get("choices") or []:
                yield f"{inner}={choice['value']}", "choice", choice


def nodes(payload: list[dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    return [found for command in payload for found in walk(command, "/" + command["name"])]


def broken_rules(payload: list[dict[str, Any]]) -> list[str]:
    found = []
    for path, what, node in nodes(payload):
        names = {"": node["name"], **(node.get("name_localizations") or {})}
        for locale, name in names.items():
            if what == "choice":
                fits = 1 <= len(name) <= 100
            else:
                fits = bool(NAME.fullmatch(name)) and name == name.lower()
            if not fits:
                found.append(f"{path}: name {name!r} ({locale or 'default'})")
        if what != "choice":
            descriptions = {
                "": node["description"],
                **(node.get("description_localizations") or {}),
            }
            for locale, text in descriptions.items():
                if not 1 <= len(text) <= 100:
                    found.append(
                        f"{path}: description of {len(text)} characters ({locale or 'default'})"
                    )
    return found


async def test_every_name_and_localized_name_is_one_discord_accepts(payload):
    assert broken_rules(payload) == []


async def test_the_payload_is_translated_and_names_stay_english(payload):
    """Korean descriptions and choice names; command and option names are one word in every
    locale (English), so help, the README and members' messages name a command one way."""
    found = nodes(payload)
    korean = [
        node
        for _, what, node in found
        if what != "choice" and "ko" in (node.get("description_localizations") or {})
    ]
    assert len(korean) > 20
    assert any(
        "ko" in (node.get("name_localizations") or {})
        for _, what, node in found
        if what == "choice"
    )
    renamed = [
        path for path, what, node in found if what != "choice" and node.get("name_localizations")
    ]
    assert renamed == []


def test_the_rule_refuses_what_discord_refuses():
    refused = [
        {"name": "Trivia", "description": "x"},  # upper case
        {"name": "trivia play", "description": "x"},  # a space
        {"name": "t" * 33, "description": "x"},
        {"name": "ok", "description": "", "name_localizations": {"ko": "퀴즈!"}},
        {"name": "ok", "description": "d" * 101},
    ]
    assert len(broken_rules(refused)) == 6
    assert broken_rules([{"name": "트리비아", "description": "한국어 설명"}]) == []
