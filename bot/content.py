"""Reading and validating content files (shipped packs in data/, and uploaded ones).

Each feature describes its records with `Field`s; `validate_records` checks every entry and
collects every problem with its place, so a refusal lists all that is wrong in one go.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.resources import package_folder
from bot.text import clean_text

# The shipped content: data/ in the repository, installed as the package `bot.data`.
DATA_DIR = package_folder("bot.data")
_URL = re.compile(r"^https?://\S+$")
# How deep a file's arrays and tables may nest, and how many parts a dotted key may have.
# Packs need 2 levels and plain keys; the caps keep the parsers inside Python's recursion
# limit, and tomllib's cost for a key of n parts grows as n squared (a 256 KiB file of one
# dotted key takes minutes and gigabytes).
NESTING_MAX = 16
KEY_PARTS_MAX = 8
# JSON's strings (which may hold brackets), brackets and line ends; the rest is skipped.
_JSON_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*"?|[\[\]{}\n]')


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a content file: where (`entry 3, field correct`) and what."""

    place: str
    message: str
    # A catalog key (and its values) for the problems of a moderator's file that no parser
    # words for us; `message` stays the English, for logs and shipped content.
    key: str | None = None
    values: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class ContentError(Exception):
    """A content file can't be used; `problems` says every reason and where."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{source} has {len(self.problems)} problem(s):\n{listed}")


def parse_document(text: str, fmt: str, source: str) -> dict[str, Any]:
    """Parse TOML or JSON text into a table; a syntax error names the line.

    Refused with a `ContentError`, never a parser's crash: nesting deeper than
    `NESTING_MAX`, a dotted key of more than `KEY_PARTS_MAX` parts, and numbers too long to
    read (Python's 4,300-digit limit for integers).
    """
    if fmt not in ("toml", "json"):
        raise ContentError(source, [Problem("file", f"unknown format {fmt!r}: use .toml or .json")])
    if shape := shape_problem(text, fmt):
        raise ContentError(source, [shape])
    try:
        if fmt == "toml":
            return tomllib.loads(text)
        document = json.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(source, [Problem("file", f"not valid TOML: {exc}")]) from exc
    except json.JSONDecodeError as exc:
        raise ContentError(
            source, [Problem(f"line {exc.lineno}", f"not valid JSON: {exc.msg}")]
        ) from exc
    except ValueError as exc:
        # int("1" * 5000) is refused by Python's limit on the digits it converts.
        if "digits" not in str(exc):
            raise ContentError(source, [Problem("file", f"not valid: {exc}")]) from exc
        key = "trivia_admin.problem_long_number"
        raise ContentError(source, [Problem("file", "has a number too long to read", key)]) from exc
    except RecursionError as exc:  # shape_problem should have caught it first
        values = (("max", NESTING_MAX),)
        problem = Problem("file", "is nested too deeply", "trivia_admin.problem_nested", values)
        raise ContentError(source, [problem]) from exc
    if not isinstance(document, dict):
        raise ContentError(source, [Problem("file", "the top level must be an object")])
    return document


def shape_problem(text: str, fmt: str) -> Problem | None:
    """Nesting or a dotted key that the parsers would choke on, found without parsing.

    Scans outside strings and comments: `[` and `{` open a level, `]` and `}` close one,
    and the dots between two separators (`=`, `,`, brackets, line ends) are a dotted key's
    (a number or a time has one at most). A malformed file passes here for the parser to
    refuse with its line.
    """
    if fmt == "json":
        return _json_shape_problem(text)
    depth = dots = line = 0
    position, size = 0, len(text)
    quotes = ('"""', "'''", '"', "'") if fmt == "toml" else ('"',)
    while position < size:
        char = text[position]
        if char == "\n":
            line += 1
            dots = 0
        elif char == "#" and fmt == "toml":
            end = text.find("\n", position)
            position = size if end < 0 else end
            continue
        elif char in "\"'":
            quote = next((q for q in quotes if text.startswith(q, position)), None)
            if quote is not None:
                end = _string_end(text, position + len(quote), quote)
                line += text.count("\n", position, end)
                position = end
                continue
        elif char in "[{":
            depth += 1
            dots = 0
            if depth > NESTING_MAX:
                return _too_deep(line)
        elif char in "]}":
            depth = max(depth - 1, 0)
            dots = 0
        elif char in "=,":
            dots = 0
        elif char == "." and fmt == "toml":
            dots += 1
            if dots >= KEY_PARTS_MAX:
                message = f"has a key of more than {KEY_PARTS_MAX} parts"
                values = (("max", KEY_PARTS_MAX),)
                key = "trivia_admin.problem_key_parts"
                return Problem(f"line {line + 1}", message, key, values)
        position += 1
    return None


def _json_shape_problem(text: str) -> Problem | None:
    """`shape_problem` for JSON: only nesting, by tokens, as the C parser is fast."""
    depth = line = 0
    for token in _JSON_TOKENS.finditer(text):
        char = token.group()[0]
        if char == "\n":
            line += 1
        elif char in "[{":
            depth += 1
            if depth > NESTING_MAX:
                return _too_deep(line)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return None


def _too_deep(line: int) -> Problem:
    message = f"nests more than {NESTING_MAX} levels deep"
    values = (("max", NESTING_MAX),)
    return Problem(f"line {line + 1}", message, "trivia_admin.problem_nested", values)


def _string_end(text: str, start: int, quote: str) -> int:
    """The position just past the string that began before `start` with `quote`.

    A one-line string ends at its line's end at the latest, as the parsers see it.
    """
    position = start
    escapes = quote[0] == '"'
    limit = len(text)
    if len(quote) == 1 and (newline := text.find("\n", start)) >= 0:
        limit = newline
    while True:
        end = text.find(quote, position, limit)
        if end < 0:
            return limit
        if escapes:
            backslashes = 0
            while end - backslashes - 1 >= position and text[end - backslashes - 1] == "\\":
                backslashes += 1
            if backslashes % 2:
                position = end + 1
                continue
        if len(quote) == 3:
            # A multi-line string may end with up to two more quotes of its own: """a"""".
            while text.startswith(quote[0], end + 3) and end + 3 < len(text):
                end += 1
            return end + 3
        return end + 1


def format_of(filename: str) -> str | None:
    suffix = Path(filename).suffix.lower()
    return {".toml": "toml", ".json": "json"}.get(suffix)


def load_file(path: Path) -> dict[str, Any]:
    fmt = format_of(path.name)
    if fmt is None:
        raise ContentError(str(path), [Problem("file", "use a .toml or .json file")])
    return parse_document(path.read_text("utf-8"), fmt, str(path))


@dataclass(frozen=True)
class Field:
    """One field of a record: its name, whether it is required, and its longest length."""

    name: str
    required: bool = True
    max_length: int = 1000
    kind: type = str
    check: Callable[[Any], str | None] | None = None  # returns a problem, or None
    multiline: bool = False  # line breaks are kept (see `bot.text.clean_text`)


def one_of(*allowed: str) -> Callable[[Any], str | None]:
    """A `Field.check` accepting only these words (any case; the caller lowers them)."""

    def check(value: Any) -> str | None:
        if isinstance(value, str) and value.strip().lower() in allowed:
            return None
        return f"must be one of: {', '.join(allowed)}"

    return check


def normalised(text: str) -> str:
    """`text` for comparing: cleaned (`bot.text.clean_text`: no invisible characters),
    Unicode NFKC, case folded, runs of whitespace made one space.

    Punctuation is kept: it can change what a question asks.
    """
    return " ".join(unicodedata.normalize("NFKC", clean_text(text)).casefold().split())


def did_you_mean(name: str, known: Sequence[str]) -> str:
    """`; did you mean `x`?` for a close known name, or the list of known names."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean `{close[0]}`?"
    return f" (known: {', '.join(known)})"


def is_url(value: Any) -> str | None:
    """Every address of a `source` (several are separated by " ; ") must be a web address."""
    parts = value.split(" ; ") if isinstance(value, str) else []
    if parts and all(_URL.match(part.strip()) for part in parts):
        return None
    return "must be web addresses (https://...), separated by ' ; '"


def validate_records(
    document: Mapping[str, Any],
    table: str,
    fields: Sequence[Field],
    *,
    minimum: int = 1,
    maximum: int | None = None,
    entry_word: str = "entry",
    other_tables: Sequence[str] | None = None,
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Check `document[table]`, a list of records, against `fields`.

    Returns the records (with only known fields) and every problem found. Unknown fields are
    problems too, since a typo there (`corect`) would silently drop content; so are unknown
    top-level tables (`[[question]]`) when `other_tables` lists the rest the file may hold.
    """
    problems: list[Problem] = []
    if other_tables is not None:
        tables = [table, *other_tables]
        for extra in sorted(set(document) - set(tables)):
            problems.append(Problem(f"table `{extra}`", "unknown" + did_you_mean(extra, tables)))
    records = document.get(table)
    if not isinstance(records, list):
        return [], [*problems, Problem("file", f"needs a list of [[{table}]] entries")]
    if len(records) < minimum:
        problems.append(Problem("file", f"has no [[{table}]] entries"))
    if maximum is not None and len(records) > maximum:
        problems.append(Problem("file", f"has {len(records)} entries; at most {maximum} fit"))
        return [], problems
    known = [field.name for field in fields]
    clean: list[dict[str, Any]] = []
    for number, record in enumerate(records, start=1):
        place = f"{entry_word} {number}"
        if not isinstance(record, dict):
            problems.append(Problem(place, "is not a table of fields"))
            continue
        for extra in sorted(set(record) - set(known)):
            problems.append(Problem(place, f"unknown key `{extra}`" + did_you_mean(extra, known)))
        entry: dict[str, Any] = {}
        for field in fields:
            value = record.get(field.name)
            where = f"{place}, field {field.name}"
            if isinstance(value, str):
                # Before any check: invisible-only text is empty, and lengths are as shown.
                value = clean_text(value, multiline=field.multiline)
            if value is None or (isinstance(value, str) and not value):
                if field.required:
                    problems.append(Problem(where, "is missing"))
                continue
            if not isinstance(value, field.kind):
                problems.append(Problem(where, f"must be {_kind_name(field.kind)}"))
                continue
            if isinstance(value, str) and len(value) > field.max_length:
                problems.append(
                    Problem(where, f"is {len(value)} characters; at most {field.max_length}")
                )
                continue
            if field.check is not None and (message := field.check(value)):
                problems.append(Problem(where, message))
                continue
            entry[field.name] = value
        clean.append(entry)
    return clean, problems


def _kind_name(kind: type) -> str:
    return {str: "text", bool: "true or false", int: "a whole number", list: "a list"}.get(
        kind, kind.__name__
    )
