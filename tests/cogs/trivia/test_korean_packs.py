"""The Korean of trivia packs: checked like the English, each refusal with its file and entry;
a server's own question may have no Korean, or all of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import ContentError
from cogs.trivia.schema import PACKS_DIR, load_shipped_packs, parse_questions

ENGLISH = {
    "question": "Who directed the video?",
    "correct": "Um Tae-hwa",
    "wrong1": "Bong Joon-ho",
    "wrong2": "Park Chan-wook",
    "wrong3": "Na Hong-jin",
    "category": "video",
    "difficulty": "easy",
    "explanation": "He directed Concrete Utopia too.",
    "source": "https://example.com/a",
}
KOREAN = {
    "question_ko": "뮤직비디오를 연출한 감독은 누구일까요?",
    "correct_ko": "엄태화 감독",
    "wrong1_ko": "봉준호 감독",
    "wrong2_ko": "박찬욱 감독",
    "wrong3_ko": "나홍진 감독",
    "explanation_ko": "《콘크리트 유토피아》도 연출했어요.",
}


def shipped_problems(tmp_path: Path, *questions: dict[str, str]) -> tuple[str, list[str]]:
    """The refusal of a shipped pack holding `questions`: its text and its problems."""
    text = ""
    for question in questions:
        text += "[[questions]]\n" + "".join(f'{k} = "{v}"\n' for k, v in question.items())
    (tmp_path / "video.toml").write_text(text, "utf-8")
    with pytest.raises(ContentError) as caught:
        load_shipped_packs(tmp_path)
    return str(caught.value), [str(problem) for problem in caught.value.problems]


def server_problems(*questions: dict[str, str]) -> list[str]:
    with pytest.raises(ContentError) as caught:
        parse_questions({"questions": list(questions)}, "mine.toml", require_source=False)
    return [str(problem) for problem in caught.value.problems]


def test_a_shipped_question_with_all_its_korean_loads_with_it(tmp_path):
    (tmp_path / "video.toml").write_text(
        "[[questions]]\n" + "".join(f'{k} = "{v}"\n' for k, v in (ENGLISH | KOREAN).items()),
        "utf-8",
    )
    [question] = load_shipped_packs(tmp_path)
    assert question.korean is not None
    assert question.korean.question == KOREAN["question_ko"]
    assert question.korean.answers == ("엄태화 감독", "봉준호 감독", "박찬욱 감독", "나홍진 감독")
    assert question.korean.explanation == KOREAN["explanation_ko"]


def test_two_korean_answers_alike_are_refused_naming_the_file_and_question(tmp_path):
    alike = ENGLISH | KOREAN | {"wrong3_ko": " 엄태화  감독"}  # the same once spaces fold
    text, problems = shipped_problems(tmp_path, ENGLISH | KOREAN | {"question": "Other?"}, alike)
    assert problems == ["question 2: two of its Korean answers are the same"]
    assert "video.toml" in text


def test_a_shipped_explanation_needs_its_korean(tmp_path):
    without = {k: v for k, v in (ENGLISH | KOREAN).items() if k != "explanation_ko"}
    text, problems = shipped_problems(tmp_path, without)
    assert problems == ["question 1, field explanation_ko: is missing (it has an explanation)"]
    assert "video.toml" in text


def test_a_shipped_question_without_an_explanation_needs_no_korean_one(tmp_path):
    plain = {
        k: v for k, v in (ENGLISH | KOREAN).items() if k not in ("explanation", "explanation_ko")
    }
    (tmp_path / "video.toml").write_text(
        "[[questions]]\n" + "".join(f'{k} = "{v}"\n' for k, v in plain.items()), "utf-8"
    )
    [question] = load_shipped_packs(tmp_path)
    assert question.korean is not None
    assert question.korean.explanation is None


@pytest.mark.parametrize("field", sorted(KOREAN))
def test_an_empty_korean_field_is_refused_by_name(tmp_path, field):
    _text, problems = shipped_problems(tmp_path, ENGLISH | KOREAN | {field: "  "})
    expected = "is empty" if field == "explanation_ko" else "is missing"
    assert problems == [f"question 1, field {field}: {expected}"]


@pytest.mark.parametrize("field", sorted(KOREAN))
def test_a_server_s_empty_korean_field_is_refused_not_dropped(field):
    problems = server_problems(ENGLISH | KOREAN | {field: ""})
    assert f"question 1, field {field}: is empty" in problems


def test_a_server_s_question_may_be_in_one_language_or_both():
    [english] = parse_questions({"questions": [ENGLISH]}, "mine.toml", require_source=False)
    assert english.korean is None
    [both] = parse_questions({"questions": [ENGLISH | KOREAN]}, "m.toml", require_source=False)
    assert both.korean is not None
    assert both.korean.answers[0] == "엄태화 감독"
    # A server's own explanation may stay English-only next to Korean answers.
    no_ko_why = {k: v for k, v in (ENGLISH | KOREAN).items() if k != "explanation_ko"}
    [mixed] = parse_questions({"questions": [no_ko_why]}, "m.toml", require_source=False)
    assert mixed.korean is not None
    assert mixed.korean.explanation is None


def test_a_server_s_half_given_korean_is_refused_naming_what_is_missing():
    half = ENGLISH | {"question_ko": KOREAN["question_ko"], "correct_ko": "엄태화"}
    assert server_problems(half) == [
        "question 1: has part of its Korean: `wrong1_ko`, `wrong2_ko`, `wrong3_ko` missing;"
        " give all five or none"
    ]


def test_a_korean_explanation_needs_the_korean_question_and_an_explanation():
    only_why = ENGLISH | {"explanation_ko": KOREAN["explanation_ko"]}
    assert server_problems(only_why) == [
        "question 1: has `explanation_ko` without the Korean question"
    ]
    no_english_why = {k: v for k, v in (ENGLISH | KOREAN).items() if k != "explanation"}
    assert server_problems(no_english_why) == [
        "question 1: has `explanation_ko` without `explanation`"
    ]


def test_every_shipped_question_carries_korean_that_differs_from_its_english():
    questions = load_shipped_packs(PACKS_DIR)
    assert questions
    for question in questions:
        korean = question.korean
        assert korean is not None, question.question
        assert korean.question != question.question
        assert (korean.explanation is None) == (question.explanation is None), question.question


def test_each_question_s_korean_is_checked_as_it_was_written(tmp_path):
    # The second question's own fields are read, not the first's nor the last's.
    first = ENGLISH | KOREAN
    second = ENGLISH | KOREAN | {"question": "Other?", "explanation_ko": ""}
    third = ENGLISH | KOREAN | {"question": "Third?"}
    _text, problems = shipped_problems(tmp_path, first, second, third)
    assert problems == ["question 2, field explanation_ko: is empty"]


def test_a_pack_of_too_many_is_refused_for_that_alone():
    many = [ENGLISH | KOREAN | {"question": f"Q{n}?", "explanation_ko": ""} for n in range(501)]
    with pytest.raises(ContentError) as caught:
        parse_questions({"questions": many}, "big.toml", require_source=False)
    assert [str(p) for p in caught.value.problems] == ["file: has 501 entries; at most 500 fit"]


@pytest.mark.parametrize("questions", [3, "x", {"question": "Q?"}, None])
def test_a_pack_whose_questions_are_not_a_list_is_refused_not_crashed(questions):
    with pytest.raises(ContentError, match=r"needs a list of \[\[questions\]\] entries"):
        parse_questions({"questions": questions}, "odd.json", require_source=False)
