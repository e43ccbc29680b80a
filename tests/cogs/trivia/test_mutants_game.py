"""Trivia rules as mutation testing found them under-tested (see README, "Test it")."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cogs.trivia.game import (
    LeaderboardWindow,
    TriviaRound,
    bar_chart,
    medal_for,
    month_start,
)
from cogs.trivia.schema import Question

NOW = datetime(2026, 1, 7, 12, tzinfo=UTC)  # a Wednesday
SEOUL = ZoneInfo("Asia/Seoul")


def make_round() -> TriviaRound:
    question = Question("k1", "Question?", "right", ("w1", "w2", "w3"), "video")
    return TriviaRound.deal(7, 8, 9, question, NOW + timedelta(seconds=20), random.Random(1))


def test_a_dealt_round_keeps_its_ids():
    r = make_round()
    assert (r.round_id, r.guild_id, r.channel_id) == (7, 8, 9)
    assert r.question.key == "k1"


def test_every_choice_from_a_to_d_may_be_picked_and_no_other():
    r = make_round()
    for choice in range(4):
        assert r.check_answer(100 + choice, choice, NOW) is (choice == r.correct_index)
    for choice in (-1, 4):
        with pytest.raises(ValueError, match="no choice"):
            r.check_answer(200, choice, NOW)


def test_an_answer_keeps_the_members_name_and_the_tally_sums_equal_picks():
    r = make_round()
    r.answer(1, 0, "uaena", NOW)
    r.answer(2, 0, "army", NOW)
    r.answer(3, 0, "mod", NOW)
    assert r.names == {1: "uaena", 2: "army", 3: "mod"}
    assert r.tally() == [3, 0, 0, 0]


def test_a_single_point_earns_a_medal():
    assert medal_for(1, 1) == "🥇"
    assert medal_for(3, 1) == "🥉"
    assert medal_for(4, 100) is None
    assert medal_for(1, 0) is None


def test_window_starts_are_utc_instants_of_the_servers_wall_clock():
    week = LeaderboardWindow.WEEK.start(NOW, SEOUL)
    assert week == datetime(2026, 1, 4, 15, tzinfo=UTC)  # Monday 00:00 in Seoul
    assert week.tzinfo is UTC
    month = LeaderboardWindow.MONTH.start(NOW, SEOUL)
    assert month == datetime(2025, 12, 31, 15, tzinfo=UTC)
    assert month.tzinfo is UTC
    assert month_start(NOW, SEOUL).tzinfo is UTC
    assert LeaderboardWindow.ALL.start(NOW, SEOUL) is None


def test_bar_chart_scales_each_bar_to_the_total():
    chart = bar_chart([1, 3, 0, 0], correct_index=1, width=4)
    assert chart.splitlines() == ["A █░░░ 1", "B ███░ 3 ✓", "C ░░░░ 0", "D ░░░░ 0"]
    assert bar_chart([0, 0, 0, 0], correct_index=2, width=4).splitlines()[2] == "C ░░░░ 0 ✓"


def test_bar_chart_bars_are_ten_blocks_wide_by_default():
    assert bar_chart([1, 0, 0, 0], correct_index=0).splitlines()[:2] == [
        "A ██████████ 1 ✓",
        "B ░░░░░░░░░░ 0",
    ]
