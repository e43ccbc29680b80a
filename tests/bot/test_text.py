"""The normaliser for moderators' text, and how that text is shown (bot/text.py)."""

from __future__ import annotations

import re

import pytest

from bot.text import as_text, clean_text

# A masked link that Discord would render: `[label](address)` with an unescaped `[`.
LIVE_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\u200b\u200b\u200b", ""),  # zero-width spaces only: empty
        ("\u3164\u3164", ""),  # Hangul fillers, the "blank name" of Discord
        ("\u2800 \ufeff", ""),
        ("Fri\u200bday", "Friday"),
        ("Fri\u00adday", "Friday"),  # soft hyphen
        ("a\x00b\x1b[31mc", "ab[31mc"),  # NUL and ESC gone, the rest kept
        ("\u202eevil\u202c", "evil"),  # right-to-left override
        ("\u2066x\u2069 \u200ey\u200f", "x y"),
        ("x\ud800y", "xy"),  # a lone surrogate (JSON lets one through)
        ("e\u0301", "\u00e9"),  # NFC
        ("  a \t b\u3000c\u00a0d  ", "a b c d"),
        ("one\ntwo\r\nthree", "one two three"),
    ],
)
def test_clean_text_single_line(raw: str, clean: str):
    assert clean_text(raw) == clean


def test_clean_text_keeps_line_breaks_where_allowed():
    raw = " first  line \r\n\n\n\nsecond\u2028third\x00 "
    assert clean_text(raw, multiline=True) == "first line\n\nsecond\nthird"


@pytest.mark.parametrize(
    "emoji",
    [
        "\U0001f469\u200d\U0001f4bb",  # woman technologist
        "\u2764\ufe0f\u200d\U0001f525",  # heart on fire (ZWJ after a variation selector)
        "\U0001f44d\U0001f3fd",  # skin tone
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # Scotland
    ],
)
def test_emoji_sequences_stay_whole(emoji: str):
    assert clean_text(f"go {emoji}!") == f"go {emoji}!"


def test_joiners_and_tags_outside_emoji_are_dropped():
    assert clean_text("a\u200db") == "ab"
    assert clean_text("\u200d\U0001f4bb") == "\U0001f4bb"
    assert clean_text("x\U000e0067") == "x"


def test_invisible_differences_vanish():
    assert clean_text("Lilac\u200b") == clean_text("Lilac") == clean_text("\u2060Lilac\ufeff")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("[click](http://evil)", "\\[click\\](<http://evil>)"),
        ("[click](<http://evil>)", "\\[click\\](<http://evil>)"),
        ("see https://example.org/a_b.", "see <https://example.org/a_b>."),
        ("<https://example.org>", "<https://example.org>"),
        ("a \\[b](c)", "a \\\\\\[b\\](c)"),  # a moderator's own backslash can't undo ours
        ("**bold** stays", "**bold** stays"),
        ("plain", "plain"),
    ],
)
def test_as_text(raw: str, shown: str):
    assert as_text(raw) == shown
    assert not LIVE_LINK.search(as_text(raw))


def test_as_text_at_most_doubles():
    for raw in ("[" * 400, "\\" * 400, "http://a " * 40):
        assert len(as_text(raw)) <= 2 * len(raw)
