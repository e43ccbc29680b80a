"""A round in each language: Korean words where the question has them, in the order the round
was dealt, so a choice's index is the same answer whoever reads it."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from cogs.trivia.game import TriviaRound, round_wording, shuffled_answers
from cogs.trivia.schema import Question, Translation
from cogs.trivia.views import question_embed, reveal_embed, round_footer, round_view

KOREAN = Translation(
    "뮤직비디오를 연출한 감독은 누구일까요?",
    ("엄태화 감독", "봉준호 감독", "박찬욱 감독", "연상호 감독"),
    "《콘크리트 유토피아》를 연출한 엄태화 감독이에요.",
)
SHIPPED = Question(
    "b:1",
    "Who directed the video?",
    "Um Tae-hwa",
    ("Bong Joon-ho", "Park Chan-wook", "Yeon Sang-ho"),
    "video",
    "He directed Concrete Utopia.",
    "https://example.com/a",
    "easy",
    KOREAN,
)
OWN = Question("g:7", "Our watch party day?", "Friday", ("Monday", "Tuesday", "Sunday"), "server")


def dealt(question: Question, seed: int = 3) -> TriviaRound:
    choices, correct = shuffled_answers(question, random.Random(seed))
    return TriviaRound(7, 1, 2, question, choices, correct, datetime(2026, 1, 1, tzinfo=UTC))


def test_a_korean_round_shows_the_korean_choices_in_the_dealt_order():
    for seed in range(6):
        trivia_round = dealt(SHIPPED, seed)
        wording = round_wording(trivia_round, "ko")
        assert wording.question == KOREAN.question
        english = list(SHIPPED.answers)
        assert wording.choices == tuple(
            KOREAN.answers[english.index(choice)] for choice in trivia_round.choices
        )
        assert wording.choices[trivia_round.correct_index] == "엄태화 감독"
        assert wording.explanation == KOREAN.explanation


def test_english_and_a_question_without_korean_are_shown_as_written():
    trivia_round = dealt(SHIPPED)
    english = round_wording(trivia_round, "en")
    assert (english.question, english.choices) == (SHIPPED.question, trivia_round.choices)
    assert english.explanation == SHIPPED.explanation
    own = dealt(OWN)
    assert round_wording(own, "ko").choices == own.choices
    assert round_wording(own, "ko").question == OWN.question


def test_a_round_dealt_from_other_words_is_shown_as_dealt():
    # The shipped question was reworded since its round was stored: the stored choices are
    # not its answers any more, so no Korean can be matched to them.
    trivia_round = dealt(SHIPPED)
    trivia_round.choices = ("Um", "Bong", "Park", "Yeon")
    assert round_wording(trivia_round, "ko").choices == ("Um", "Bong", "Park", "Yeon")


def button_labels(view) -> list[str]:
    return [item.item.label for item in view.children]


def test_korean_buttons_embed_and_reveal():
    trivia_round = dealt(SHIPPED)
    labels = button_labels(round_view(trivia_round, "ko"))
    korean = round_wording(trivia_round, "ko").choices
    assert labels == [f"{letter}. {choice}" for letter, choice in zip("ABCD", korean, strict=True)]
    embed = question_embed(trivia_round, "ko")
    assert KOREAN.question in (embed.description or "")
    assert all(choice in embed.fields[0].value for choice in korean)
    assert "Um Tae-hwa" not in embed.fields[0].value
    assert "카테고리: 뮤직비디오" in (embed.footer.text or "")
    revealed = reveal_embed(trivia_round, "ko")
    assert "엄태화 감독" in (revealed.description or "")
    assert revealed.fields[0].value == KOREAN.explanation
    revealed_view = round_view(trivia_round, "ko", revealed=True)
    assert button_labels(revealed_view) == labels
    english = button_labels(round_view(trivia_round, "en"))
    assert english == [f"{x}. {c}" for x, c in zip("ABCD", trivia_round.choices, strict=True)]


def test_the_footer_names_the_category_in_each_language():
    trivia_round = dealt(SHIPPED)
    assert "Category: video" in round_footer(trivia_round, "en")
    assert "카테고리: 뮤직비디오" in round_footer(trivia_round, "ko")
    assert "카테고리: server" in round_footer(dealt(OWN), "ko")  # a server's own: as written


def test_korean_without_its_own_explanation_keeps_the_english_one():
    # A server's bilingual question may leave the explanation English only.
    question = Question(
        "g:8",
        SHIPPED.question,
        SHIPPED.correct,
        SHIPPED.wrong,
        "server",
        "Only in English.",
        korean=Translation(KOREAN.question, KOREAN.answers),
    )
    wording = round_wording(dealt(question), "ko")
    assert wording.question == KOREAN.question
    assert wording.explanation == "Only in English."
