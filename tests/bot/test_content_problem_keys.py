"""Every problem bot/content.py finds in an uploaded file has catalog keys for its place and
its message, so a moderator reads it in their language (see cogs/trivia/admin.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import (
    Field,
    Problem,
    is_url,
    load_file,
    one_of,
    parse_document,
    validate_records,
)
from tests.support.problems import problems_of, unworded

FIELDS = [
    Field("name", max_length=5),
    Field("flag", required=False, kind=bool),
    Field("count", required=False, kind=int),
    Field("tags", required=False, kind=list),
    Field("ratio", required=False, kind=float),
    Field("mode", required=False, check=one_of("easy", "hard")),
    Field("source", required=False, check=is_url),
]

BAD_FILES = {
    "unknown format": ("a = 1", "yaml"),
    "not TOML": ("a = = 1", "toml"),
    "not JSON": ('{"a": }', "json"),
    "not a table": ("[1, 2]", "json"),
    "nested": ("a = " + "[" * 40 + "]" * 40, "toml"),
    "nested JSON": ("[" * 40 + "]" * 40, "json"),
    "dotted key": ("a.b.c.d.e.f.g.h.i = 1", "toml"),
    "long number": ("a = " + "1" * 5000, "json"),
}

BAD_RECORDS = {
    "unknown tables": {"entries": [{"name": "a"}], "entry": [], "zzzzzz": 1},
    "not a list": {"entries": 5},
    "no entries": {"entries": []},
    "too many": {"entries": [{"name": "a"}] * 7},
    "fields": {
        "entries": [
            "text",
            {"nmae": "a"},
            {"name": "abcdef", "zzzzzz": 1},
            {"name": "a", "flag": "yes", "count": "1", "tags": "a", "ratio": "1"},
            {"name": "a", "mode": "extreme", "source": "ftp://x"},
            {"name": 5},
        ]
    },
}


def record_problems(document: dict[str, object]) -> list[Problem]:
    _, problems = validate_records(
        document, "entries", FIELDS, maximum=6, entry_word="question", other_tables=("extra",)
    )
    return problems


@pytest.mark.parametrize("name", BAD_FILES)
def test_every_problem_of_a_bad_file_has_its_keys(name):
    text, fmt = BAD_FILES[name]
    problems = problems_of(lambda: parse_document(text, fmt, "f"))
    assert problems
    assert [gap for problem in problems for gap in unworded(problem)] == []


@pytest.mark.parametrize("name", BAD_RECORDS)
def test_every_problem_of_bad_records_has_its_keys(name):
    problems = record_problems(BAD_RECORDS[name])
    assert problems
    assert [gap for problem in problems for gap in unworded(problem)] == []


def test_the_bad_records_meet_every_kind_of_problem():
    """The inputs above reach each problem validate_records words (so a new one is seen)."""
    keys = {
        problem.key for document in BAD_RECORDS.values() for problem in record_problems(document)
    }
    assert keys == {
        f"trivia_admin.problem_{name}"
        for name in (
            "unknown_table",
            "unknown_table_close",
            "needs_list",
            "no_entries",
            "too_many_entries",
            "not_table",
            "unknown_key",
            "unknown_key_close",
            "missing",
            "too_long",
            "kind_text",
            "kind_bool",
            "kind_int",
            "kind_list",
            "kind",
            "one_of",
            "url",
        )
    }


def test_an_entry_word_without_its_own_keys_is_placed_as_an_entry():
    _, problems = validate_records({"events": [{}]}, "events", [Field("name")], entry_word="event")
    [problem] = problems
    assert str(problem) == "event 1, field name: is missing"
    assert problem.place_key == "trivia_admin.place_entry_field"
    assert unworded(problem) == []


def test_a_file_of_an_unknown_suffix_has_its_keys(tmp_path: Path):
    path = tmp_path / "pack.yaml"
    path.write_text("a: 1", "utf-8")
    [problem] = problems_of(lambda: load_file(path))
    assert unworded(problem) == []


def test_the_check_sees_a_problem_without_a_key():
    assert unworded(Problem("file", "is odd")) == [
        "file: is odd: no key",
        "file: is odd: no key",
    ]
