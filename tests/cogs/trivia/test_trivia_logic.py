"""Scoring, streaks, rounds and question picking: pure trivia rules."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cogs.trivia.game import (
    AlreadyAnsweredError,
    LeaderboardWindow,
    RoundClosedError,
    ScoreLine,
    TriviaRound,
    bar_chart,
    competition_ranks,
    medal_for,
    month_start,
    points_for,
    shuffled_answers,
)
from cogs.trivia.schema import Question

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def make_question(n: int, category: str = "video") -> Question:
    return Question(f"k{n}", f"Question {n}?", "right", ("w1", "w2", "w3"), category)


def test_points_grow_with_the_streak_up_to_a_cap():
    assert points_for(False, 5) == 0
    assert points_for(True, 0) == 10
    assert points_for(True, 1) == 12
    assert points_for(True, 5) == 20
    assert points_for(True, 50) == 20


def test_streak_and_best_streak():
    line = ScoreLine()
    for correct in (True, True, True, False, True):
        line, _ = line.after(correct)
    assert line.answered == 5
    assert line.correct == 4
    assert line.streak == 1
    assert line.best_streak == 3
    assert line.points == 10 + 12 + 14 + 0 + 10
    assert line.accuracy == pytest.approx(0.8)


def test_round_takes_one_answer_per_member_until_it_closes():
    r = TriviaRound.deal(1, 1, 1, make_question(1), NOW + timedelta(seconds=20), random.Random(3))
    assert sorted(r.choices) == sorted(["right", "w1", "w2", "w3"])
    assert r.choices[r.correct_index] == "right"
    assert r.answer(100, r.correct_index, "a", NOW) is True
    with pytest.raises(AlreadyAnsweredError):
        r.answer(100, (r.correct_index + 1) % 4, "a", NOW)
    assert r.answer(101, (r.correct_index + 1) % 4, "b", NOW) is False
    with pytest.raises(RoundClosedError):
        r.answer(102, 0, "c", NOW + timedelta(seconds=20))
    assert r.winners() == [100]
    assert sum(r.tally()) == 2


def test_the_answers_are_shuffled_before_the_round_exists_as_a_deal_shuffles_them():
    # The cog draws the order first, stores the round, then builds it with its real id.
    question = make_question(1)
    for seed in range(10):
        choices, correct_index = shuffled_answers(question, random.Random(seed))
        dealt = TriviaRound.deal(5, 1, 1, question, NOW, random.Random(seed))
        assert (choices, correct_index) == (dealt.choices, dealt.correct_index)
        assert isinstance(choices, tuple)
        assert sorted(choices) == sorted(question.answers)
        assert choices[correct_index] == "right"


def test_shuffle_moves_the_right_answer():
    positions = {
        TriviaRound.deal(1, 1, 1, make_question(1), NOW, random.Random(seed)).correct_index
        for seed in range(40)
    }
    assert positions == {0, 1, 2, 3}


def test_bar_chart_marks_the_right_answer():
    # The right answer is C, not the first line: a tick stuck on A must fail.
    chart = bar_chart([3, 1, 0, 0], correct_index=2, width=4)
    assert chart.splitlines() == [
        "A ███░ 3",
        "B █░░░ 1",
        "C ░░░░ 0 ✓",
        "D ░░░░ 0",
    ]


def seed_with_right_answer_at(index: int) -> int:
    return next(
        seed
        for seed in range(100)
        if TriviaRound.deal(1, 1, 1, make_question(1), NOW, random.Random(seed)).correct_index
        == index
    )


@pytest.mark.parametrize("right_at", [0, 1, 3])
def test_choice_a_is_an_answer_like_any_other(right_at):
    closes = NOW + timedelta(seconds=20)
    r = TriviaRound.deal(
        1, 1, 1, make_question(1), closes, random.Random(seed_with_right_answer_at(right_at))
    )
    assert r.correct_index == right_at
    assert r.answer(100, 0, "a", NOW) is (right_at == 0)
    assert r.answer(101, 3, "b", NOW) is (right_at == 3)
    assert r.tally() == [1, 0, 0, 1]
    assert r.winners() == [user for user, choice in ((100, 0), (101, 3)) if choice == right_at]


def test_tally_sums_the_members_who_picked_each_choice():
    r = TriviaRound.deal(1, 1, 1, make_question(1), NOW + timedelta(seconds=20), random.Random(3))
    for user, choice in enumerate([0, 2, 2, 2, 0, 3], start=100):
        r.answer(user, choice, f"m{user}", NOW)
    assert r.tally() == [2, 0, 3, 1]


def test_ties_share_a_rank_in_competition_ranking():
    assert competition_ranks([30, 20, 20, 10]) == [1, 2, 2, 4]
    assert competition_ranks([10, 10, 5]) == [1, 1, 3]
    assert competition_ranks([0, 0]) == [1, 1]
    assert competition_ranks([]) == []


def test_medals_go_to_the_top_three_ranks_with_points_only():
    assert [medal_for(rank, 10) for rank in (1, 1, 3, 4)] == ["🥇", "🥇", "🥉", None]
    assert medal_for(1, 0) is None


def test_month_starts_on_the_first_at_midnight_in_the_server_zone():
    new_york = ZoneInfo("America/New_York")
    # 04:00 UTC on 1 December is still 30 November (23:00) in New York.
    late = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    assert month_start(late, new_york) == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # EDT
    assert month_start(late, ZoneInfo("Asia/Seoul")) == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    assert LeaderboardWindow.MONTH.start(late + timedelta(hours=1), new_york) == datetime(
        2026, 12, 1, 5, 0, tzinfo=UTC
    )
    assert LeaderboardWindow.ALL.start(late, new_york) is None


def test_the_largest_check_report_and_category_list_fit_discord():
    import discord

    from cogs.trivia.admin import check_report
    from cogs.trivia.store import CategoryLine
    from cogs.trivia.views import category_text

    questions = [
        Question(f"k{n}", "Q" * 240, "a" * 80, ("b" * 80,) * 3, f"{n:03d}" + "c" * 29, None)
        for n in range(500)
    ]
    for locale in (discord.Locale.american_english, discord.Locale.korean):
        report = check_report("p" * 80 + ".toml", questions, questions, locale)
        assert len(report) <= 2000
        lines = [CategoryLine(f"{n:03d}" + "c" * 29, 10**6, 10**6 - 1) for n in range(500)]
        assert len(category_text(lines, locale)) <= 1024
        assert "…" not in category_text(lines, locale)  # fits by design, not cut
