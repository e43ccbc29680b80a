"""Every Korean message has exactly the placeholders of its English one, in every catalog
(`bot/locales` and each feature's `locales/`, as `bot.i18n` merges them): a Korean template
missing `{name}` drops what the English shows, and one with an extra `{name}` fails to format
(`KeyError`) only when a Korean member first sees it."""

from __future__ import annotations

from string import Formatter

from bot.i18n import catalog

COMMANDS = "commands."


def placeholders(template: str) -> set[str]:
    """The names in `{name}` fields (not `{{` escapes) of a `str.format` template."""
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}


def english_of(key: str) -> str | None:
    """The English template of a Korean key; a command string's English is its key."""
    cat = catalog()
    english = cat.template(key, "en")
    if english is None and key.startswith(COMMANDS):
        return key.removeprefix(COMMANDS)
    return english


def mismatches() -> list[str]:
    cat = catalog()
    found = []
    for key in sorted(cat.keys("ko")):
        korean = cat.template(key, "ko")
        english = english_of(key)
        assert korean is not None
        if english is None:
            found.append(f"{key}: Korean only, no English message")
        elif placeholders(korean) != placeholders(english):
            found.append(
                f"{key}: Korean {sorted(placeholders(korean))}, "
                f"English {sorted(placeholders(english))}"
            )
    return found


def test_every_korean_template_has_the_placeholders_of_its_english_one():
    assert mismatches() == []


def test_the_check_sees_a_missing_and_an_extra_placeholder():
    assert placeholders("{a} and {b}, {{not}} {a}") == {"a", "b"}
    assert placeholders("{count:,} 개") == {"count"}
    assert placeholders("no fields") == set()


def test_every_english_message_has_a_korean_one():
    cat = catalog()
    missing = sorted(cat.keys("en") - cat.keys("ko"))
    assert missing == []
