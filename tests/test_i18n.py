"""The catalogs stay in step: every English message has a Korean one with the same blanks."""

from __future__ import annotations

import re
import string
from pathlib import Path

import discord
import pytest

from bot.i18n import Catalog, CommandTranslator, catalog, language_of

ROOT = Path(__file__).resolve().parent.parent
LOCALE_STR = re.compile(r'_\("([^"]+)"\)')


def blanks(template: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(template) if name)


def test_every_english_message_has_korean_with_the_same_blanks():
    cat = catalog()
    english = cat.keys("en")
    korean = {key for key in cat.keys("ko") if not key.startswith("commands.")}
    assert english - korean == set(), "messages missing in ko.toml"
    assert korean - english == set(), "ko.toml has messages English lacks"
    for key in english:
        assert blanks(raw(cat, key, "en")) == blanks(raw(cat, key, "ko")), key


def raw(cat: Catalog, key: str, language: str) -> str:
    return cat.template(key, language) or ""


def test_every_command_description_has_a_korean_translation():
    strings = set()
    for path in list((ROOT / "cogs").rglob("*.py")) + list((ROOT / "bot").rglob("*.py")):
        strings |= set(LOCALE_STR.findall(path.read_text("utf-8")))
    missing = [s for s in strings if not catalog().has(f"commands.{s}", "ko")]
    assert missing == []
    too_long = [s for s in strings if len(catalog().t(f"commands.{s}", "ko")) > 100]
    assert too_long == []


def test_reply_language_follows_the_locale_with_english_fallback():
    assert language_of(discord.Locale.korean) == "ko"
    assert language_of("en-GB") == "en"
    assert catalog().t("trivia.stat.Accuracy", discord.Locale.french) == "Accuracy"
    assert catalog().t("countdown.until", "ko", amount="3일", d="D-3") == "3일 후 (D-3)"


@pytest.mark.asyncio
async def test_command_translator_localises_descriptions_for_korean_only():
    translator = CommandTranslator()
    text = discord.app_commands.locale_str("this week")
    assert await translator.translate(text, discord.Locale.korean, None) == "이번 주"
    assert await translator.translate(text, discord.Locale.american_english, None) is None
