"""Reading and validating content files (shipped packs in data/, and uploaded ones).

Each feature describes its records with `Field`s; `validate_records` checks every entry and
collects every problem with its place, so a refusal lists all that is wrong in one go.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_URL = re.compile(r"^https?://\S+$")


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


def is_url(value: Any) -> str | None:
    return (
        None
        if isinstance(value, str) and _URL.match(value.split(" ; ")[0])
        else ("must be a web address (https://...)")
    )


def validate_records(
    document: Mapping[str, Any],
    table: str,
    fields: Sequence[Field],
    *,
    minimum: int = 1,
    maximum: int | None = None,
    entry_word: str = "entry",
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Check `document[table]`, a list of records, against `fields`.

    Returns the records (with only known fields) and every problem found; unknown fields are
    problems too, since a typo there would silently drop content.
    """
    problems: list[Problem] = []
    records = document.get(table)
    if not isinstance(records, list):
        return [], [Problem("file", f"needs a list of [[{table}]] entries")]
    if len(records) < minimum:
        problems.append(Problem("file", f"has no [[{table}]] entries"))
    if maximum is not None and len(records) > maximum:
        problems.append(Problem("file", f"has {len(records)} entries; at most {maximum} fit"))
        return [], problems
    known = {field.name for field in fields}
    clean: list[dict[str, Any]] = []
    for number, record in enumerate(records, start=1):
        place = f"{entry_word} {number}"
        if not isinstance(record, dict):
            problems.append(Problem(place, "is not a table of fields"))
            continue
        for extra in sorted(set(record) - known):
            problems.append(
                Problem(f"{place}, field {extra}", f"unknown field (known: {', '.join(known)})")
            )
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
