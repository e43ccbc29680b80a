"""Moderators' text made safe to store, compare and show.

`clean_text` is applied to every text a moderator writes (pack imports, `/trivia-admin add`,
`/countdown-admin add`) before it is validated or compared, so text that is empty once its
invisible characters are gone is refused as empty, and two texts that differ only by an
invisible character are the same text. `as_text` is applied where such text is rendered in a
message, so markdown links show as the text they are and addresses as themselves.
"""

from __future__ import annotations

import re
import unicodedata

# Letters and symbols that print as nothing: the Hangul fillers (used for "blank" names on
# Discord), the braille blank, the combining grapheme joiner and Khmer's invisible vowels.
# They are not control or format characters, so they are named one by one.
BLANK_LOOKALIKES = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")
ZWJ = "\u200d"
BLACK_FLAG = "\U0001f3f4"
_TAGS = range(0xE0020, 0xE0080)
_LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x85]")
_BLANK_LINES = re.compile(r"\n{3,}")
# An address as Discord would link it, or one already wrapped in <...> (left alone).
_URL = re.compile(r"<https?://[^\s<>]+>|https?://[^\s<>]*[^\s<>.,:;!?\"')\]]")
_LINK_SYNTAX = re.compile(r"([\\\[\]])")


def _is_emoji(char: str) -> bool:
    """Pictographs, skin tones and the emoji presentation selector: what a ZWJ joins."""
    return unicodedata.category(char) in ("So", "Sk") or char == "\ufe0f"


def _joins_emoji(char: str, before: str, after: str) -> bool:
    if char == ZWJ:
        return _is_emoji(before) and bool(after) and _is_emoji(after)
    return ord(char) in _TAGS and (before == BLACK_FLAG or ord(before) in _TAGS)


def _kept(text: str) -> str:
    """`text` without control, format, surrogate and blank-looking characters.

    Two format characters are kept where they build one emoji: a zero-width joiner between
    two emoji (👩‍💻 would otherwise fall apart into 👩💻, visibly changing the text), and the
    tag characters after a black flag (🏴 + tags is the flag of Scotland). Anywhere else they
    are invisible, and would make equal-looking texts differ.
    """
    out: list[str] = []
    for index, char in enumerate(text):
        if char == "\n":
            out.append(char)
            continue
        if char.isspace():
            out.append(" ")
            continue
        if char in BLANK_LOOKALIKES:
            continue
        category = unicodedata.category(char)
        if category not in ("Cc", "Cf", "Cs"):
            out.append(char)
            continue
        if out and _joins_emoji(char, out[-1], text[index + 1 : index + 2]):
            out.append(char)
    return "".join(out)


def clean_text(text: str, *, multiline: bool = False) -> str:
    """`text` in NFC, without control or invisible characters, its whitespace tidied.

    Single-line: every run of whitespace (line breaks too) becomes one space. Multi-line:
    line breaks are kept (at most one blank line in a row), runs of other whitespace become
    one space. Either way the ends are stripped; the result may be empty.
    """
    text = _LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", text))
    text = _kept(text)
    if not multiline:
        return " ".join(text.split())
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def as_text(text: str) -> str:
    """Moderators' `text` for a message: markdown links shown as written, not as links.

    `[`, `]` and `\\` are escaped, so `[click](http://evil)` reads as itself rather than as
    a link that says "click"; addresses are wrapped in `<...>`, so Discord shows each as
    itself and previews none. Other markdown (bold, italics) still works.
    """
    parts: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        parts.append(_LINK_SYNTAX.sub(r"\\\1", text[position : match.start()]))
        url = match.group()
        parts.append(url if url.startswith("<") else f"<{url}>")
        position = match.end()
    parts.append(_LINK_SYNTAX.sub(r"\\\1", text[position:]))
    return "".join(parts)
