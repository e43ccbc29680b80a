"""Trivia pack validation: each kind of mistake is named with its place."""

from __future__ import annotations

import pytest

from bot.content import ContentError, parse_document
from cogs.trivia.schema import load_shipped_packs, parse_questions, split_already_here
from tests.support.paths import ROOT

GOOD = {
    "question": "Who directed the video?",
    "correct": "Um Tae-hwa",
    "wrong1": "Bong Joon-ho",
    "wrong2": "Park Chan-wook",
    "wrong3": "Na Hong-jin",
    "category": "video",
    "explanation": "He directed Concrete Utopia too.",
    "source": "https://example.com/a",
}
KOREAN = {
    "question_ko": "뮤직비디오를 연출한 감독은 누구일까요?",
    "correct_ko": "엄태화",
    "wrong1_ko": "봉준호",
    "wrong2_ko": "박찬욱",
    "wrong3_ko": "나홍진",
    "explanation_ko": "《콘크리트 유토피아》도 연출했어요.",
}


def problems_of(questions, *, require_source=True) -> list[str]:
    with pytest.raises(ContentError) as caught:
        parse_questions({"questions": questions}, "pack.toml", require_source=require_source)
    return [str(problem) for problem in caught.value.problems]


def test_a_good_pack_loads():
    [question] = parse_questions({"questions": [GOOD]}, "pack.toml", require_source=True)
    assert question.correct == "Um Tae-hwa"
    assert question.category == "video"


def test_missing_field_is_named_with_its_question():
    broken = {**GOOD, "question": "Who stars in it?"}
    del broken["wrong2"]
    assert problems_of([GOOD, broken]) == ["question 2, field wrong2: is missing"]


def test_too_long_answer_is_refused_with_the_limit():
    [problem] = problems_of([{**GOOD, "correct": "x" * 81}])
    assert problem.startswith("question 1, field correct: is 81 characters; at most 80")


def test_wrong_type_and_unknown_field():
    found = problems_of([{**GOOD, "wrong3": 4, "answer": "typo"}])
    assert "question 1, field wrong3: must be text" in found
    assert any(p.startswith("question 1: unknown key `answer`") for p in found)


def test_unknown_key_is_named_with_a_suggestion():
    typo = {k: v for k, v in GOOD.items() if k != "correct"} | {"corect": "Um Tae-hwa"}
    found = problems_of([GOOD, GOOD | {"question": "Two?"}, typo | {"question": "Three?"}])
    assert "question 3: unknown key `corect`; did you mean `correct`?" in found
    assert "question 3, field correct: is missing" in found


def test_unknown_top_level_table_is_refused_with_a_suggestion():
    with pytest.raises(ContentError) as caught:
        parse_questions({"question": [GOOD]}, "pack.toml", require_source=False)
    found = [str(problem) for problem in caught.value.problems]
    assert "table `question`: unknown; did you mean `questions`?" in found
    # Beside a right table too: a mistyped one would drop its questions silently.
    with pytest.raises(ContentError) as caught:
        parse_questions({"questions": [GOOD], "title": "x"}, "p", require_source=False)
    assert [str(p) for p in caught.value.problems] == ["table `title`: unknown (known: questions)"]


def test_difficulty_is_optional_for_servers_and_one_of_three():
    [question] = parse_questions(
        {"questions": [GOOD | {"difficulty": "Hard"}]}, "p", require_source=False
    )
    assert question.difficulty == "hard"
    [plain] = parse_questions({"questions": [GOOD]}, "p", require_source=False)
    assert plain.difficulty is None
    assert problems_of([GOOD | {"difficulty": "tricky"}]) == [
        "question 1, field difficulty: must be one of: easy, medium, hard"
    ]


def test_shipped_packs_need_a_difficulty(tmp_path):
    (tmp_path / "pack.toml").write_text(
        "[[questions]]\n"
        + "".join(f"{key} = {value!r}\n" for key, value in (GOOD | KOREAN).items()).replace(
            "'", '"'
        ),
        "utf-8",
    )
    with pytest.raises(ContentError) as caught:
        load_shipped_packs(tmp_path)
    assert [str(p) for p in caught.value.problems] == ["question 1, field difficulty: is missing"]
    (tmp_path / "pack.toml").write_text(
        (tmp_path / "pack.toml").read_text("utf-8") + 'difficulty = "easy"\nsorce = "x"\n'
    )
    with pytest.raises(ContentError, match="unknown key `sorce`; did you mean `source`"):
        load_shipped_packs(tmp_path)


def test_shipped_packs_need_the_korean_and_a_server_s_own_may_leave_it_out(tmp_path):
    text = "".join(f"{key} = {value!r}\n" for key, value in GOOD.items()).replace("'", '"')
    (tmp_path / "pack.toml").write_text(f'[[questions]]\n{text}difficulty = "easy"\n', "utf-8")
    with pytest.raises(ContentError) as caught:
        load_shipped_packs(tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        f"question 1, field {name}: is missing" for name in KOREAN if name != "explanation_ko"
    ] + ["question 1, field explanation_ko: is missing (it has an explanation)"]
    [own] = parse_questions({"questions": [GOOD]}, "own.toml", require_source=False)
    assert own.korean is None
    [both] = parse_questions({"questions": [GOOD | KOREAN]}, "own.toml", require_source=False)
    assert both.korean is not None
    assert both.korean.answers == ("엄태화", "봉준호", "박찬욱", "나홍진")


def test_already_here_compares_case_and_whitespace_only():
    [question] = parse_questions({"questions": [GOOD]}, "p", require_source=False)
    have = {"who  directed the VIDEO?"}
    new, here = split_already_here([question], {" ".join(t.casefold().split()) for t in have})
    assert (new, here) == ([], [question])
    new, here = split_already_here([question], {"who directed the video"})  # no "?"
    assert (new, here) == ([question], [])


def test_repeats_within_a_pack_ignore_case_and_spacing():
    found = problems_of([GOOD, GOOD | {"question": "  WHO directed   the video? "}])
    assert found == ["question 2: repeats question 1 word for word"]


def test_duplicate_answers_and_repeated_questions():
    found = problems_of([{**GOOD, "question": "Other?", "wrong1": "um tae-hwa"}, GOOD, GOOD])
    assert "question 1: two of its answers are the same" in found
    assert "question 3: repeats question 2 word for word" in found


def test_shipped_packs_need_sources_but_server_packs_do_not():
    no_source = {k: v for k, v in GOOD.items() if k != "source"}
    assert problems_of([no_source]) == ["question 1, field source: is missing"]
    assert parse_questions({"questions": [no_source]}, "p", require_source=False)


def test_source_must_be_a_web_address():
    refused = ["question 1, field source: must be web addresses (https://...), separated by ' ; '"]
    assert problems_of([{**GOOD, "source": "my memory"}]) == refused
    # Every address counts, not only the first.
    assert problems_of([{**GOOD, "source": "https://example.org/a ; my memory"}]) == refused
    both = {**GOOD, "source": "https://example.org/a ; https://example.org/b"}
    assert parse_questions({"questions": [both]}, "pack.toml", require_source=True)


def test_empty_pack_and_wrong_shape():
    assert problems_of([]) == ["file: has no [[questions]] entries"]
    with pytest.raises(ContentError, match="needs a list"):
        parse_questions({"questions": "all of them"}, "p", require_source=False)


def test_parser_errors_name_the_line():
    with pytest.raises(ContentError) as caught:
        parse_document('{"questions": [\n  {"question": "x",}\n]}', "json", "pack.json")
    assert str(caught.value.problems[0]).startswith("line 2: not valid JSON")
    with pytest.raises(ContentError, match="line 2"):
        parse_document('[[questions]]\nquestion = "unterminated\n', "toml", "pack.toml")


def test_the_readme_example_pack_is_a_valid_pack():
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Trivia packs", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    [question] = parse_questions(
        parse_document(example, "toml", "README"), "README", require_source=False
    )
    assert question.difficulty == "easy"


def test_difficulty_is_optional_and_one_of_three():
    [question] = parse_questions(
        {"questions": [{**GOOD, "difficulty": "hard"}]}, "p", require_source=True
    )
    assert question.correct == "Um Tae-hwa"
    assert problems_of([{**GOOD, "difficulty": "expert"}]) == [
        "question 1, field difficulty: must be one of: easy, medium, hard"
    ]


def test_a_pack_holds_at_most_500_questions():
    def many(count: int) -> list[dict]:
        return [{**GOOD, "question": f"Question number {n}?"} for n in range(count)]

    assert len(parse_questions({"questions": many(500)}, "p", require_source=True)) == 500
    [problem] = problems_of(many(501))
    assert "500" in problem
