"""The Korean catalogs' wording from review (issue 11): honorifics for the member's own
actions, numbered ids read as Korean counts, Discord's own Korean permission name."""

from __future__ import annotations

import re

import pytest

from bot.i18n import catalog, t


@pytest.mark.parametrize(
    ("key", "values", "wording"),
    [
        ("trivia.already_answered", {}, "이미 답하셨어요"),
        ("trivia.stats_none", {"name": "아미"}, "답하신 적이 없어요"),
        ("trivia.click.correct", {"letter": "A", "answer": "엄태화"}, "정답이에요!"),
        ("trivia_admin.no_such_question", {"id": 3}, "#3번 문제"),
        ("trivia_admin.removed", {"id": 3}, "#3번 문제"),
        ("schedule.no_such", {"id": 3}, "#3번 예약 공지"),
        ("schedule.removed", {"id": 3}, "#3번 공지"),
        ("errors.not_moderator", {}, "'서버 관리하기'"),
        ("config.modrole_cleared", {}, "'서버 관리하기'"),
        ("errors.unexpected", {"reference": "x"}, "문제가 계속되면"),
        ("about.feature.trivia", {}, "사지선다"),
        ("commands.Ask a trivia question with four answers", {}, "사지선다"),
    ],
)
def test_the_reviewed_wording(key, values, wording):
    assert catalog().has(key, "ko"), key
    assert wording in t(key, "ko", **values)


def test_no_korean_message_names_a_permission_in_english_or_an_id_without_its_count():
    for key in catalog().keys("ko"):
        korean = catalog().template(key, "ko") or ""
        assert "Manage Server" not in korean, key
        # "#{id}번", or "**#{id}**" where a list shows the number as a label.
        bare = re.findall(r"#\{\w+\}(?!번|\*\*)", korean)
        assert bare == [], key
