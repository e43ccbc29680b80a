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

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_URL = re.compile(r"^https?://\S+$")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a content file: where (`entry 3, field correct`) and what."""

    place: str
    message: str

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
    """Parse TOML or JSON text into a table; a syntax error names the line."""
    try:
        if fmt == "toml":
            return tomllib.loads(text)
        if fmt == "json":
            document = json.loads(text)
            if not isinstance(document, dict):
                raise ContentError(source, [Problem("file", "the top level must be an object")])
            return document
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(source, [Problem("file", f"not valid TOML: {exc}")]) from exc
    except json.JSONDecodeError as exc:
        raise ContentError(
            source, [Problem(f"line {exc.lineno}", f"not valid JSON: {exc.msg}")]
        ) from exc
    except (RecursionError, ValueError) as exc:
        # Python's own limits: nesting past its recursion depth, integers past 4,300 digits.
        raise ContentError(
            source, [Problem("file", "nested too deeply, or a number too long, to read")]
        ) from exc
    raise ContentError(source, [Problem("file", f"unknown format {fmt!r}: use .toml or .json")])


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


def one_of(*allowed: str) -> Callable[[Any], str | None]:
    """A `Field.check` accepting only these words (any case; the caller lowers them)."""

    def check(value: Any) -> str | None:
        if isinstance(value, str) and value.strip().lower() in allowed:
            return None
        return f"must be one of: {', '.join(allowed)}"

    return check


def normalised(text: str) -> str:
    """`text` for comparing: Unicode NFKC, case folded, runs of whitespace made one space.

    Punctuation is kept: it can change what a question asks.
    """
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


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
            if value is None or (isinstance(value, str) and not value.strip()):
                if field.required:
                    problems.append(Problem(where, "is missing"))
                continue
            if not isinstance(value, field.kind):
                problems.append(Problem(where, f"must be {_kind_name(field.kind)}"))
                continue
            if isinstance(value, str):
                value = value.strip()
                if _SURROGATE.search(value):
                    # JSON's "\ud800" escape: no UTF-8 can hold it, so neither can the database.
                    problems.append(Problem(where, "holds a broken character (a lone surrogate)"))
                    continue
                if len(value) > field.max_length:
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
