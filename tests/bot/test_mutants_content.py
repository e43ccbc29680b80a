"""Content file parsing and validation as mutation testing found it under-tested."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import (
    KEY_PARTS_MAX,
    NESTING_MAX,
    ContentError,
    Field,
    Problem,
    _string_end,
    format_of,
    is_url,
    load_file,
    one_of,
    parse_document,
    shape_problem,
    validate_records,
)


def refusal(text: str, fmt: str, source: str = "pack.toml") -> ContentError:
    with pytest.raises(ContentError) as caught:
        parse_document(text, fmt, source)
    assert caught.value.source == source
    return caught.value


def only_problem(error: ContentError) -> Problem:
    assert len(error.problems) == 1
    return error.problems[0]


# parse_document


def test_an_unknown_format_is_refused_with_its_name():
    error = refusal("a = 1", "yaml", "x.yaml")
    assert error.source == "x.yaml"
    assert only_problem(error) == Problem("file", "unknown format 'yaml': use .toml or .json")
    assert str(error) == (
        "x.yaml has 1 problem(s):\n  - file: unknown format 'yaml': use .toml or .json"
    )


def test_toml_and_json_documents_are_parsed():
    assert parse_document('a = 1\nb = "x"\n', "toml", "s") == {"a": 1, "b": "x"}
    assert parse_document('{"a": [1, {"b": 2}]}', "json", "s") == {"a": [1, {"b": 2}]}


def test_invalid_toml_is_refused_for_the_file():
    problem = only_problem(refusal("a = = 1", "toml"))
    assert problem.place == "file"
    assert problem.message.startswith("not valid TOML: ")
    assert problem.key == "trivia_admin.problem_not_toml"


def test_invalid_json_names_its_line():
    problem = only_problem(refusal('{\n"a": 1,\n"b" 2}', "json", "p.json"))
    assert problem.place == "line 3"
    assert problem.message == "not valid JSON: Expecting ':' delimiter"


def test_a_json_top_level_that_is_not_an_object_is_refused():
    problem = only_problem(refusal("[1, 2]", "json"))
    assert problem == Problem("file", "the top level must be an object")


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_a_number_too_long_to_read_is_refused_with_its_key(fmt: str):
    text = "a = " + "1" * 5000 if fmt == "toml" else '{"a": ' + "1" * 5000 + "}"
    problem = only_problem(refusal(text, fmt))
    assert problem == Problem(
        "file", "has a number too long to read", "trivia_admin.problem_long_number"
    )


# shape_problem: nesting


def nested_toml(levels: int) -> str:
    return "a = " + "[" * levels + "]" * levels + "\n"


def nested_json(levels: int) -> str:
    return '{"a": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_nesting_up_to_the_maximum_passes(fmt: str):
    text = nested_toml(NESTING_MAX) if fmt == "toml" else nested_json(NESTING_MAX)
    assert shape_problem(text, fmt) is None
    parse_document(text, fmt, "s")


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_nesting_past_the_maximum_is_refused_with_its_line(fmt: str):
    body = nested_toml(NESTING_MAX + 1) if fmt == "toml" else nested_json(NESTING_MAX + 1)
    text = "\n\n" + body
    expected = Problem(
        "line 3",
        f"nests more than {NESTING_MAX} levels deep",
        "trivia_admin.problem_nested",
        (("max", NESTING_MAX),),
    )
    assert shape_problem(text, fmt) == expected
    assert only_problem(refusal(text, fmt)) == expected


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_closed_levels_do_not_count_toward_the_depth(fmt: str):
    half = NESTING_MAX // 2 + 1
    if fmt == "toml":
        text = "a = [" + ("[" * half + "]" * half + ",") * 3 + "]\n"
    else:
        text = '{"a": [' + ",".join(["[" * half + "]" * half] * 3) + "]}"
    assert shape_problem(text, fmt) is None


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_extra_closing_brackets_never_make_the_depth_negative(fmt: str):
    # Malformed: left for the parser. Closing more than opened must not buy extra depth.
    text = "]" * 5 + "[" * (NESTING_MAX + 1)
    assert shape_problem(text, fmt) is not None


def test_tables_count_as_levels_too():
    text = "a = " + "{b = " * (NESTING_MAX + 1) + "1" + "}" * (NESTING_MAX + 1)
    problem = shape_problem(text, "toml")
    assert problem is not None
    assert problem.place == "line 1"


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_brackets_inside_strings_do_not_count(fmt: str):
    brackets = "[" * (NESTING_MAX + 5)
    text = f'a = "{brackets}"\n' if fmt == "toml" else f'{{"a": "{brackets}"}}'
    assert shape_problem(text, fmt) is None


def test_json_strings_with_escaped_quotes_hide_their_brackets():
    brackets = "[" * (NESTING_MAX + 5)
    assert shape_problem(f'{{"a": "\\" {brackets}"}}', "json") is None
    assert shape_problem(f'{{"a": "\\\\", "b": {brackets}}}', "json") is not None


def test_json_lines_are_counted_outside_strings_only():
    text = '{"a": "x",\n"b":\n' + "[" * (NESTING_MAX + 1)
    assert shape_problem(text, "json").place == "line 3"


def test_toml_comments_hide_their_brackets_and_dots():
    text = "# " + "[" * (NESTING_MAX + 5) + " " + "." * (KEY_PARTS_MAX + 5) + "\na = 1\n"
    assert shape_problem(text, "toml") is None


def test_a_comment_at_the_end_without_a_line_end_is_fine():
    assert shape_problem("a = 1 # [[[[" + "[" * NESTING_MAX, "toml") is None


def test_lines_after_a_comment_are_still_scanned_and_counted():
    text = "# x\n# y\n" + nested_toml(NESTING_MAX + 1)
    assert shape_problem(text, "toml").place == "line 3"


# shape_problem: dotted keys


def dotted(parts: int) -> str:
    return ".".join(f"k{n}" for n in range(parts)) + " = 1\n"


def test_a_dotted_key_of_the_maximum_parts_passes():
    text = dotted(KEY_PARTS_MAX)
    assert shape_problem(text, "toml") is None
    assert parse_document(text, "toml", "s")["k0"]["k1"]


def test_a_dotted_key_of_more_parts_is_refused_with_its_line():
    text = "a = 1\n" + dotted(KEY_PARTS_MAX + 1)
    expected = Problem(
        "line 2",
        f"has a key of more than {KEY_PARTS_MAX} parts",
        "trivia_admin.problem_key_parts",
        (("max", KEY_PARTS_MAX),),
    )
    assert shape_problem(text, "toml") == expected
    assert only_problem(refusal(text, "toml")) == expected


def test_dots_in_a_table_header_count():
    text = "[" + ".".join(["t"] * (KEY_PARTS_MAX + 1)) + "]\n"
    assert shape_problem(text, "toml").message.startswith("has a key of more than")


@pytest.mark.parametrize("separator", ["\n", "=", ",", "[", "]", "{", "}"])
def test_separators_start_a_new_count_of_dots(separator: str):
    half = "." * (KEY_PARTS_MAX - 1)
    assert shape_problem(half + separator + half, "toml") is None


def test_dots_in_json_are_not_keys():
    text = '{"a": 1.5, "b": [' + ", ".join(["1.5"] * (KEY_PARTS_MAX + 2)) + "]}"
    assert shape_problem(text, "json") is None
    assert shape_problem("." * (KEY_PARTS_MAX + 2), "json") is None


def test_dots_inside_quoted_keys_and_values_do_not_count():
    many = "." * (KEY_PARTS_MAX + 2)
    assert shape_problem(f'"{many}" = 1\n', "toml") is None
    assert shape_problem(f"'{many}' = 1\n", "toml") is None
    assert shape_problem(f'a = """\n{many}\n"""\n', "toml") is None
    assert shape_problem(f"a = '''\n{many}\n'''\n", "toml") is None


def test_multiline_strings_count_their_lines():
    text = 'a = """\none\ntwo\n"""\n' + nested_toml(NESTING_MAX + 1)
    assert shape_problem(text, "toml").place == "line 5"
    text = "a = '''\none\ntwo\n'''\n" + dotted(KEY_PARTS_MAX + 1)
    assert shape_problem(text, "toml").place == "line 5"


def test_a_hash_inside_a_string_is_not_a_comment():
    text = 'a = "#"\n' + nested_toml(NESTING_MAX + 1)
    assert shape_problem(text, "toml").place == "line 2"


def test_an_unclosed_one_line_string_ends_at_its_line():
    text = 'a = "open\n' + nested_toml(NESTING_MAX + 1)
    assert shape_problem(text, "toml").place == "line 2"
    text = "a = 'open\n" + dotted(KEY_PARTS_MAX + 1)
    assert shape_problem(text, "toml").place == "line 2"


def test_an_escaped_quote_does_not_end_a_basic_string():
    brackets = "[" * (NESTING_MAX + 1)
    assert shape_problem(f'a = "x\\" {brackets}"\n', "toml") is None
    assert shape_problem(f'a = "x\\\\" {brackets}\n', "toml") is not None


def test_a_literal_string_has_no_escapes():
    brackets = "[" * (NESTING_MAX + 1)
    assert shape_problem(f"a = 'x\\' {brackets}\n", "toml") is not None


def test_a_multiline_string_may_end_with_extra_quotes():
    brackets = "[" * (NESTING_MAX + 1)
    text = f'a = """x""""\nb = {brackets}\n'
    assert shape_problem(text, "toml").place == "line 2"


# _string_end


@pytest.mark.parametrize(
    ("text", "start", "quote", "end"),
    [
        ('"abc" x', 1, '"', 5),
        ('"a\\"c" x', 1, '"', 6),
        ('"a\\\\" x', 1, '"', 5),
        ('"a\\\\\\"b" x', 1, '"', 8),
        ('"\\"" x', 1, '"', 4),
        ('"abc\n"x"', 1, '"', 4),
        ('"abc', 1, '"', 4),
        ("'a\\' x", 1, "'", 4),
        ('"""a\nb""" x', 3, '"""', 9),
        ('"""a\\"""b""" x', 3, '"""', 12),
        ('"""a""""', 3, '"""', 8),
        ('"""a"""""', 3, '"""', 9),
        ('"""a', 3, '"""', 4),
        ("'''a\n'''' x", 3, "'''", 9),
        ('"""a"""', 3, '"""', 7),
    ],
)
def test_string_end(text: str, start: int, quote: str, end: int):
    assert _string_end(text, start, quote) == end


def test_string_end_does_not_count_backslashes_before_the_string():
    # The backslash before the opening quote is not the string's.
    text = '\\"x" y'
    assert _string_end(text, 2, '"') == 4


# load_file and format_of


def test_format_of_reads_the_suffix_in_any_case():
    assert format_of("a.TOML") == "toml"
    assert format_of("a.Json") == "json"
    assert format_of("a.yaml") is None
    assert format_of("toml") is None


def test_load_file_reads_toml_and_json(tmp_path: Path):
    toml = tmp_path / "pack.toml"
    toml.write_text('name = "café"\n', "utf-8")
    assert load_file(toml) == {"name": "café"}
    js = tmp_path / "pack.JSON"
    js.write_text('{"name": "café"}', "utf-8")
    assert load_file(js) == {"name": "café"}


def test_load_file_refuses_other_suffixes_and_names_the_path(tmp_path: Path):
    path = tmp_path / "pack.yaml"
    path.write_text("a: 1", "utf-8")
    with pytest.raises(ContentError) as caught:
        load_file(path)
    assert caught.value.source == str(path)
    assert caught.value.problems == [Problem("file", "use a .toml or .json file")]


def test_load_file_names_the_path_in_a_parse_error(tmp_path: Path):
    path = tmp_path / "pack.toml"
    path.write_text("a = = 1", "utf-8")
    with pytest.raises(ContentError) as caught:
        load_file(path)
    assert caught.value.source == str(path)


# validate_records

FIELDS = [
    Field("question", max_length=10),
    Field("note", required=False),
    Field("level", required=False, kind=int),
    Field("mode", required=False, check=one_of("easy", "hard")),
    Field("body", required=False, multiline=True),
]


def test_valid_records_keep_only_known_fields():
    document = {"item": [{"question": "Q?", "level": 2, "mode": "easy"}, {"question": "R"}]}
    clean, problems = validate_records(document, "item", FIELDS)
    assert problems == []
    assert clean == [{"question": "Q?", "level": 2, "mode": "easy"}, {"question": "R"}]


def test_a_missing_table_is_one_problem_after_the_unknown_tables():
    clean, problems = validate_records({"itme": []}, "item", FIELDS, other_tables=["meta"])
    assert clean == []
    assert problems == [
        Problem("table `itme`", "unknown; did you mean `item`?"),
        Problem("file", "needs a list of [[item]] entries"),
    ]


def test_unknown_tables_are_listed_sorted_with_the_known_names():
    document = {"item": [{"question": "Q"}], "zzz": 1, "aaa": 2, "meta": {}}
    _, problems = validate_records(document, "item", FIELDS, other_tables=["meta"])
    assert problems == [
        Problem("table `aaa`", "unknown (known: item, meta)"),
        Problem("table `zzz`", "unknown (known: item, meta)"),
    ]


def test_unknown_tables_are_not_checked_without_other_tables():
    _, problems = validate_records({"item": [{"question": "Q"}], "x": 1}, "item", FIELDS)
    assert problems == []


def test_a_table_that_is_not_a_list_is_refused():
    assert validate_records({"item": {"question": "Q"}}, "item", FIELDS) == (
        [],
        [Problem("file", "needs a list of [[item]] entries")],
    )


def test_the_minimum_and_maximum_count_of_entries():
    one = {"item": [{"question": "Q"}]}
    assert validate_records(one, "item", FIELDS, minimum=1)[1] == []
    assert validate_records(one, "item", FIELDS, minimum=2)[1] == [
        Problem("file", "has no [[item]] entries")
    ]
    assert validate_records({"item": []}, "item", FIELDS)[1] == [
        Problem("file", "has no [[item]] entries")
    ]
    assert validate_records({"item": []}, "item", FIELDS, minimum=0)[1] == []
    assert validate_records(one, "item", FIELDS, maximum=1) == ([{"question": "Q"}], [])
    two = {"item": [{"question": "Q"}, {"question": "R"}]}
    assert validate_records(two, "item", FIELDS, maximum=1) == (
        [],
        [Problem("file", "has 2 entries; at most 1 fit")],
    )


def test_entries_are_numbered_from_one_with_their_word():
    document = {"item": [{"question": "Q"}, "not a table", {"question": "Q", "corect": 1}]}
    clean, problems = validate_records(document, "item", FIELDS, entry_word="question")
    assert clean == [{"question": "Q"}, {"question": "Q"}]
    assert problems == [
        Problem("question 2", "is not a table of fields"),
        Problem(
            "question 3",
            "unknown key `corect` (known: question, note, level, mode, body)",
        ),
    ]


def test_unknown_keys_are_sorted_and_suggest_a_close_name():
    document = {"item": [{"question": "Q", "zeta": 1, "qestion": 2}]}
    _, problems = validate_records(document, "item", FIELDS)
    assert problems == [
        Problem("entry 1", "unknown key `qestion`; did you mean `question`?"),
        Problem("entry 1", "unknown key `zeta` (known: question, note, level, mode, body)"),
    ]


@pytest.mark.parametrize("value", [None, "", "\u200b", "   "])
def test_a_required_field_that_is_empty_is_missing(value):
    record = {} if value is None else {"question": value}
    clean, problems = validate_records({"item": [record]}, "item", FIELDS)
    assert problems == [Problem("entry 1, field question", "is missing")]
    assert clean == [{}]


def test_an_empty_optional_field_is_left_out_silently():
    clean, problems = validate_records(
        {"item": [{"question": "Q", "note": "", "level": None}]}, "item", FIELDS
    )
    assert (clean, problems) == ([{"question": "Q"}], [])


def test_a_field_of_the_wrong_kind_is_named():
    document = {"item": [{"question": 3, "level": "2"}]}
    clean, problems = validate_records(document, "item", FIELDS)
    assert problems == [
        Problem("entry 1, field question", "must be text"),
        Problem("entry 1, field level", "must be a whole number"),
    ]
    assert clean == [{}]


def test_other_kinds_are_named_too():
    fields = [Field("a", kind=bool), Field("b", kind=list), Field("c", kind=dict)]
    _, problems = validate_records({"item": [{"a": 1, "b": 2, "c": 3}]}, "item", fields)
    assert [problem.message for problem in problems] == [
        "must be true or false",
        "must be a list",
        "must be dict",
    ]


def test_the_longest_length_is_allowed_and_one_more_is_not():
    document = {"item": [{"question": "x" * 10}, {"question": "x" * 11}]}
    clean, problems = validate_records(document, "item", FIELDS)
    assert clean == [{"question": "x" * 10}, {}]
    assert problems == [Problem("entry 2, field question", "is 11 characters; at most 10")]


def test_lengths_are_of_the_cleaned_text():
    clean, problems = validate_records(
        {"item": [{"question": "  " + "x" * 10 + "\u200b  "}]}, "item", FIELDS
    )
    assert (clean, problems) == ([{"question": "x" * 10}], [])


def test_a_failed_check_is_the_fields_problem():
    clean, problems = validate_records(
        {"item": [{"question": "Q", "mode": "medium"}]}, "item", FIELDS
    )
    assert clean == [{"question": "Q"}]
    assert problems == [Problem("entry 1, field mode", "must be one of: easy, hard")]


def test_multiline_fields_keep_their_line_breaks():
    document = {"item": [{"question": "Q\nR", "body": "a\nb"}]}
    clean, _ = validate_records(document, "item", FIELDS)
    assert clean[0]["body"] == "a\nb"
    assert "\n" not in clean[0]["question"]


# Mutation survivors, second round


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        (nested_toml(NESTING_MAX + 1), "toml"),
        (nested_json(NESTING_MAX + 1), "json"),
        ("a = = 1", "toml"),
        ('{"a" 1}', "json"),
        ("[1]", "json"),
        ("a = " + "1" * 5000, "toml"),
        ('{"a": ' + "1" * 5000 + "}", "json"),
    ],
)
def test_every_refusal_names_its_source(text: str, fmt: str):
    refusal(text, fmt, f"uploaded.{fmt}")


def test_multiline_strings_after_other_lines_add_their_lines():
    text = 'x = 1\ny = 2\na = """\none\ntwo\n"""\n' + nested_toml(NESTING_MAX + 1)
    assert shape_problem(text, "toml").place == "line 7"
    text = "x = 1\ny = 2\na = '''\none\n'''\n" + dotted(KEY_PARTS_MAX + 1)
    assert shape_problem(text, "toml").place == "line 6"


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_closing_one_level_takes_off_one_level(fmt: str):
    text = "[" * NESTING_MAX + "]" + "[["
    assert shape_problem(text, fmt) is not None
    assert shape_problem(text, fmt).place == "line 1"


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_closing_every_level_leaves_the_full_depth_for_the_next_value(fmt: str):
    text = "[][]" + "[" * NESTING_MAX + "]" * NESTING_MAX
    assert shape_problem(text, fmt) is None
    text = "a = [[], [], []]\nb = " + "[" * NESTING_MAX + "]" * NESTING_MAX + "\n"
    assert shape_problem(text, "toml") is None


def test_letters_neither_open_close_nor_separate():
    assert shape_problem("X" * (NESTING_MAX + 1) + " = 1\n", "toml") is None
    deep = "a = " + "[" * 8 + "{X = " + "[" * (NESTING_MAX - 8) + "1" + "]" * 8 + "}" + "]" * 8
    assert shape_problem(deep, "toml") is not None
    parts = ["k"] * (KEY_PARTS_MAX // 2) + ["X"] + ["k"] * (KEY_PARTS_MAX // 2)
    assert shape_problem(".".join(parts) + " = 1\n", "toml") is not None


def test_a_one_line_string_ends_at_its_first_closing_quote():
    brackets = "[" * (NESTING_MAX + 1) + "]" * (NESTING_MAX + 1)
    text = f'a = ["x", {brackets}, "y"]\n'
    assert shape_problem(text, "toml") is not None
    text = f"a = ['x', {brackets}, 'y']\n"
    assert shape_problem(text, "toml") is not None


def test_a_refusal_lists_each_problem_on_its_own_line():
    error = ContentError("p.toml", [Problem("file", "one"), Problem("entry 2", "two")])
    assert str(error) == "p.toml has 2 problem(s):\n  - file: one\n  - entry 2: two"


def test_fields_after_a_too_long_or_failed_field_are_still_checked():
    document = {"item": [{"question": "x" * 11, "mode": "medium", "body": "b"}]}
    clean, problems = validate_records(document, "item", FIELDS)
    assert problems == [
        Problem("entry 1, field question", "is 11 characters; at most 10"),
        Problem("entry 1, field mode", "must be one of: easy, hard"),
    ]
    assert clean == [{"body": "b"}]


def test_a_source_that_is_not_text_is_not_web_addresses():
    message = "must be web addresses (https://...), separated by ' ; '"
    assert is_url(5) == message
    assert is_url("https://a.example ; http://b.example") is None
    assert is_url("https://a.example ; ftp://b.example") == message
