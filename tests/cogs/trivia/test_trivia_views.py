"""The round's footer through the reveal: what the poster added is kept, whatever it is."""

from __future__ import annotations

from datetime import UTC, datetime

import discord

from cogs.trivia.game import TriviaRound
from cogs.trivia.schema import Question
from cogs.trivia.views import added_to_footer, question_embed, reveal_embed, round_footer

NOW = datetime(2026, 11, 26, tzinfo=UTC)
KOREAN = discord.Locale.korean


def a_round(difficulty: str | None = "easy") -> TriviaRound:
    question = Question("b:1", "Q?", "right", ("a", "b", "c"), "video", None, None, difficulty)
    return TriviaRound(42, 1, 10, question, ("a", "right", "b", "c"), 1, NOW)


def test_the_question_and_its_reveal_carry_the_rounds_footer():
    trivia_round = a_round()
    assert question_embed(trivia_round, None).footer.text == round_footer(trivia_round, None)
    assert reveal_embed(trivia_round, None).footer.text == round_footer(trivia_round, None)
    assert "42" in round_footer(trivia_round, None)


def test_what_the_poster_added_to_the_footer_is_kept_in_the_reveal():
    trivia_round = a_round()
    posted = round_footer(trivia_round, None) + " · ⏰ #3"
    assert added_to_footer(trivia_round, posted) == " · ⏰ #3"
    revealed = reveal_embed(trivia_round, None, posted_footer=posted)
    assert revealed.footer.text == posted


def test_the_addition_is_kept_when_the_post_was_in_another_language():
    # Posted for a member whose Discord is in Korean, revealed in the server's English.
    trivia_round = a_round(None)
    posted = round_footer(trivia_round, KOREAN) + " · ⏰ #3"
    assert posted != round_footer(trivia_round, None) + " · ⏰ #3"
    revealed = reveal_embed(trivia_round, None, posted_footer=posted)
    assert revealed.footer.text == round_footer(trivia_round, None) + " · ⏰ #3"


def test_a_footer_that_is_not_the_rounds_own_adds_nothing():
    trivia_round = a_round()
    assert added_to_footer(trivia_round, None) == ""
    assert added_to_footer(trivia_round, "") == ""
    assert added_to_footer(trivia_round, round_footer(trivia_round, KOREAN)) == ""
    assert added_to_footer(trivia_round, "someone else's footer · ⏰ #3") == ""
    other = TriviaRound(43, 1, 10, trivia_round.question, trivia_round.choices, 1, NOW)
    assert added_to_footer(trivia_round, round_footer(other, None) + " · ⏰ #3") == ""
