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
from dataclasses import field as attribute
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
    # Not compared: two problems are the same when their English place and message are.
    key: str | None = attribute(default=None, compare=False)
    values: tuple[tuple[str, Any], ...] = attribute(default=(), compare=False)
    # The same for the place (`question 2, field wrong3`), where it has a key.
    place_key: str | None = attribute(default=None, compare=False)
    place_values: tuple[tuple[str, Any], ...] = attribute(default=(), compare=False)

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


@dataclass(frozen=True)
class Place:
    """Where a problem is: the English words and their catalog key."""

    text: str
    key: str | None = None
    values: tuple[tuple[str, Any], ...] = ()


class Wording(str):
    """What a problem is: the English (this string, as `Field.check` returns it) and its
    catalog key, so a check's problem can be shown in the moderator's language."""

    key: str | None
    values: tuple[tuple[str, Any], ...]

    def __new__(
        cls, text: str, key: str | None = None, values: tuple[tuple[str, Any], ...] = ()
    ) -> Wording:
        wording = super().__new__(cls, text)
        wording.key = key
        wording.values = values
        return wording


FILE = Place("file", "trivia_admin.place_file")


def line_place(line: int) -> Place:
    return Place(f"line {line}", "trivia_admin.place_line", (("line", line),))


def entry_place(word: str, number: int, field: str | None = None) -> Place:
    """`question 2` or `question 2, field wrong3` (`entry` for words without a key)."""
    kind = word if word in ("question", "entry") else "entry"
    text = f"{word} {number}"
    if field is None:
        return Place(text, f"trivia_admin.place_{kind}", (("number", number),))
    values = (("number", number), ("field", field))
    return Place(f"{text}, field {field}", f"trivia_admin.place_{kind}_field", values)


def problem(where: Place, message: str, key: str, **values: Any) -> Problem:
    """A `Problem` with both its place and its message in the catalog."""
    return Problem(where.text, message, key, tuple(values.items()), where.key, where.values)


def worded(where: Place, wording: str) -> Problem:
    """A check's problem, with its key when the check gave a `Wording`."""
    if not isinstance(wording, Wording):
        return Problem(where.text, wording, None, (), where.key, where.values)
    return Problem(where.text, str(wording), wording.key, wording.values, where.key, where.values)


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
        message = f"unknown format {fmt!r}: use .toml or .json"
        key = "trivia_admin.problem_unknown_format"
        raise ContentError(source, [problem(FILE, message, key, fmt=repr(fmt))])
    if shape := shape_problem(text, fmt):
        raise ContentError(source, [shape])
    try:
        if fmt == "toml":
            return tomllib.loads(text)
        document = json.loads(text)
    except tomllib.TOMLDecodeError as exc:
        bad = problem(FILE, f"not valid TOML: {exc}", "trivia_admin.problem_not_toml", error=exc)
        raise ContentError(source, [bad]) from exc
    except json.JSONDecodeError as exc:
        where = line_place(exc.lineno)
        message = f"not valid JSON: {exc.msg}"
        bad = problem(where, message, "trivia_admin.problem_not_json", error=exc.msg)
        raise ContentError(source, [bad]) from exc
    except ValueError as exc:
        # int("1" * 5000) is refused by Python's limit on the digits it converts.
        if "digits" not in str(exc):
            bad = problem(FILE, f"not valid: {exc}", "trivia_admin.problem_not_valid", error=exc)
            raise ContentError(source, [bad]) from exc
        key = "trivia_admin.problem_long_number"
        raise ContentError(source, [problem(FILE, "has a number too long to read", key)]) from exc
    except RecursionError as exc:  # shape_problem should have caught it first
        key = "trivia_admin.problem_nested"
        raise ContentError(
            source, [problem(FILE, "is nested too deeply", key, max=NESTING_MAX)]
        ) from exc
    if not isinstance(document, dict):
        message = "the top level must be an object"
        raise ContentError(source, [problem(FILE, message, "trivia_admin.problem_top_level")])
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
                key = "trivia_admin.problem_key_parts"
                return problem(line_place(line + 1), message, key, max=KEY_PARTS_MAX)
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
    return problem(line_place(line + 1), message, "trivia_admin.problem_nested", max=NESTING_MAX)


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
        bad = problem(FILE, "use a .toml or .json file", "trivia_admin.problem_use_format")
        raise ContentError(str(path), [bad])
    return parse_document(path.read_text("utf-8"), fmt, str(path))


@dataclass(frozen=True)
class Field:
    """One field of a record: its name, whether it is required, and its longest length."""

    name: str
    required: bool = True
    max_length: int = 1000
    kind: type = str
    # Returns a problem (a `Wording`, for one a moderator may meet), or None.
    check: Callable[[Any], str | None] | None = None
    multiline: bool = False  # line breaks are kept (see `bot.text.clean_text`)


def one_of(*allowed: str) -> Callable[[Any], Wording | None]:
    """A `Field.check` accepting only these words (any case; the caller lowers them)."""

    def check(value: Any) -> Wording | None:
        if isinstance(value, str) and value.strip().lower() in allowed:
            return None
        words = ", ".join(allowed)
        return Wording(
            f"must be one of: {words}", "trivia_admin.problem_one_of", (("allowed", words),)
        )

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


def _unknown(where: Place, kind: str, name: str, known: Sequence[str]) -> Problem:
    """An unknown `kind` (`table` or `key`) with its did-you-mean, or the known names."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    lead = "unknown" if kind == "table" else f"unknown key `{name}`"
    message = lead + did_you_mean(name, known)
    if close:
        return problem(
            where, message, f"trivia_admin.problem_unknown_{kind}_close", name=name, close=close[0]
        )
    return problem(
        where, message, f"trivia_admin.problem_unknown_{kind}", name=name, known=", ".join(known)
    )


def is_url(value: Any) -> Wording | None:
    """Every address of a `source` (several are separated by " ; ") must be a web address."""
    parts = value.split(" ; ") if isinstance(value, str) else []
    if parts and all(_URL.match(part.strip()) for part in parts):
        return None
    return Wording(
        "must be web addresses (https://...), separated by ' ; '", "trivia_admin.problem_url"
    )


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
            where = Place(f"table `{extra}`", "trivia_admin.place_table", (("table", extra),))
            problems.append(_unknown(where, "table", extra, tables))
    records = document.get(table)
    if not isinstance(records, list):
        message = f"needs a list of [[{table}]] entries"
        key = "trivia_admin.problem_needs_list"
        return [], [*problems, problem(FILE, message, key, table=table)]
    if len(records) < minimum:
        message = f"has no [[{table}]] entries"
        problems.append(problem(FILE, message, "trivia_admin.problem_no_entries", table=table))
    if maximum is not None and len(records) > maximum:
        message = f"has {len(records)} entries; at most {maximum} fit"
        key = "trivia_admin.problem_too_many_entries"
        problems.append(problem(FILE, message, key, count=len(records), max=maximum))
        return [], problems
    known = [field.name for field in fields]
    clean: list[dict[str, Any]] = []
    for number, record in enumerate(records, start=1):
        place = entry_place(entry_word, number)
        if not isinstance(record, dict):
            key = "trivia_admin.problem_not_table"
            problems.append(problem(place, "is not a table of fields", key))
            continue
        for extra in sorted(set(record) - set(known)):
            problems.append(_unknown(place, "key", extra, known))
        entry: dict[str, Any] = {}
        for field in fields:
            value = record.get(field.name)
            where = entry_place(entry_word, number, field.name)
            if isinstance(value, str):
                # Before any check: invisible-only text is empty, and lengths are as shown.
                value = clean_text(value, multiline=field.multiline)
            if value is None or (isinstance(value, str) and not value):
                if field.required:
                    problems.append(problem(where, "is missing", "trivia_admin.problem_missing"))
                continue
            if not isinstance(value, field.kind):
                problems.append(_wrong_kind(where, field.kind))
                continue
            if isinstance(value, str) and len(value) > field.max_length:
                message = f"is {len(value)} characters; at most {field.max_length}"
                key = "trivia_admin.problem_too_long"
                problems.append(
                    problem(where, message, key, length=len(value), max=field.max_length)
                )
                continue
            if field.check is not None and (wording := field.check(value)):
                problems.append(worded(where, wording))
                continue
            entry[field.name] = value
        clean.append(entry)
    return clean, problems


def _wrong_kind(where: Place, kind: type) -> Problem:
    message = f"must be {_kind_name(kind)}"
    name = {str: "text", bool: "bool", int: "int", list: "list"}.get(kind)
    if name is None:
        return problem(where, message, "trivia_admin.problem_kind", kind=kind.__name__)
    return problem(where, message, f"trivia_admin.problem_kind_{name}")


def _kind_name(kind: type) -> str:
    return {str: "text", bool: "true or false", int: "a whole number", list: "a list"}.get(
        kind, kind.__name__
    )
