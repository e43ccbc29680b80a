"""Reading what is typed at the prompt (or in a script) into what to do: a slash command with
its options and whose it is, a button, the option being completed.

Pure: nothing here knows Discord or the emulator, so every rule is tested without them.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any


class PlaygroundError(Exception):
    """Something typed here can't be done; the message says why and what would work."""


@dataclass
class SlashLine:
    """A typed slash command: `/trivia stats member:army as mod`."""

    words: list[str]
    options: dict[str, str] = field(default_factory=dict)
    user: str | None = None


def split_words(text: str) -> list[str]:
    """Words as a shell splits them, so `name:"two words"` is one word.

    An apostrophe in plain text (`search:V's`) is not a quote: when single quotes don't pair
    up, only double quotes count.
    """
    try:
        return shlex.split(text)
    except ValueError:
        lexer = shlex.shlex(text, posix=True)
        lexer.whitespace_split = True
        lexer.commenters = ""
        lexer.quotes = '"'
        try:
            return list(lexer)
        except ValueError:
            raise PlaygroundError('a quote is not closed: write option:"two words"') from None


def take_as_user(words: list[str]) -> tuple[list[str], str | None]:
    """Split a trailing `as NAME` off `words`."""
    if len(words) >= 2 and words[-2].lower() == "as":
        return words[:-2], words[-1]
    return words, None


def parse_slash(text: str) -> SlashLine:
    """`/trivia stats member:army as mod` -> words, options, user.

    The command path is the leading words without a colon; every later word is `name:value`.
    """
    words, user = take_as_user(split_words(text.strip().removeprefix("/")))
    if not words or ":" in words[0]:
        raise PlaygroundError("type a command name after the slash, e.g. /about")
    line = SlashLine(words=[], user=user)
    for word in words:
        name, colon, value = word.partition(":")
        if not colon:
            if line.options:
                raise PlaygroundError(
                    f"{word!r} is not an option: write name:value "
                    f'(quotes keep spaces: name:"two words")'
                )
            line.words.append(word)
            continue
        line.options[name] = value
    return line


def pick_button(buttons: list[dict[str, Any]], wanted: str) -> dict[str, Any]:
    """The button meant by `wanted`: a letter (A), a position (2), or (part of) its label."""
    listing = ", ".join(f"[{b.get('label') or '?'}]" for b in buttons)
    text = wanted.strip().casefold()
    if not text:
        raise PlaygroundError(f"which button? {listing}")
    if text.isdigit():
        index = int(text)
        if 1 <= index <= len(buttons):
            return buttons[index - 1]
        raise PlaygroundError(f"there are {len(buttons)} buttons: {listing}")
    labels = [str(b.get("label") or "").casefold() for b in buttons]
    for tests in (
        lambda label: label == text,
        lambda label: label.startswith(f"{text}.") or label.startswith(f"{text} "),
        lambda label: text in label,
    ):
        found = [b for b, label in zip(buttons, labels, strict=True) if tests(label)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise PlaygroundError(f"{wanted!r} fits several buttons: {listing}")
    raise PlaygroundError(f"no button {wanted!r}; the buttons are {listing}")


def focused_option(
    path: str, definitions: list[dict[str, Any]], typed: dict[str, str]
) -> dict[str, Any]:
    """The option being typed: the last one given, as in Discord's client (or, with none
    given, the first that has suggestions)."""
    if typed:
        name = next(reversed(typed)).lower()
        definition = next((d for d in definitions if d["name"] == name), None)
        if definition is None:
            raise PlaygroundError(f"/{path} has no option {name!r}")
    else:
        definition = next(
            (d for d in definitions if d.get("autocomplete") or d.get("choices")), None
        )
        if definition is None:
            raise PlaygroundError(f"/{path} has no option with suggestions")
    if not (definition.get("autocomplete") or definition.get("choices")):
        raise PlaygroundError(f"/{path} {definition['name']} has no suggestions: type any value")
    return definition


def parse_wait(text: str) -> float:
    """`wait 20` (or `20s`): the seconds to let pass, 0 to 3600."""
    try:
        seconds = float(text.removesuffix("s"))
    except ValueError:
        raise PlaygroundError("wait takes seconds: wait 20") from None
    if not 0 <= seconds <= 3600:
        raise PlaygroundError("wait between 0 and 3600 seconds")
    return seconds
