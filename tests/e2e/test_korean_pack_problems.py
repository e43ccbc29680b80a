"""A pack's problems in the moderator's language: Korean for a ko moderator, with the places
as Korean fans read them and the field names as the file writes them; English as before."""

from __future__ import annotations

import json

import pytest

from discord_emulator import DemoWorld, Emulator

pytestmark = pytest.mark.asyncio


def question(number: int, **changes: str | None) -> dict[str, str]:
    record = {
        "question": f"Question {number}?",
        "correct": "A",
        "wrong1": "B",
        "wrong2": "C",
        "wrong3": "D",
    }
    record |= {key: value for key, value in changes.items() if value is not None}
    return {key: value for key, value in record.items() if changes.get(key, "") is not None}


KOREAN = {
    "question_ko": "문제?",
    "correct_ko": "가",
    "wrong1_ko": "나",
    "wrong2_ko": "가",
    "wrong3_ko": "라",
}

# Several mistakes, one or two a question.
BROKEN = {
    "questions": [
        question(1, wrong1="a"),  # two answers the same (compared as questions are)
        question(2, wrong3=None),  # missing
        {**question(3), "corect": "A"},  # unknown key, close to a known one
        question(4, **KOREAN),  # two Korean answers the same
        question(5, explanation_ko="설명이에요"),  # Korean explanation alone
        question(6, category="a!b", difficulty="extreme"),  # two checks
        question(7, correct="x" * 81),  # too long
        question(8, question="Question 1?"),  # repeats question 1
        question(9, question_ko="문제?"),  # part of its Korean
        {**question(10), "zzz": "?"},  # unknown key, nothing close
        question(11, explanation="Why.", explanation_ko="설명이에요"),  # no Korean question
    ]
}

ENGLISH = [
    "- question 2, field wrong3: is missing",
    "- question 3: unknown key `corect`; did you mean `correct`?",
    "- question 6, field category: use letters, digits, spaces or '-' only",
    "- question 6, field difficulty: must be one of: easy, medium, hard",
    "- question 7, field correct: is 81 characters; at most 80",
    "- question 10: unknown key `zzz` (known: question, question_ko, correct, correct_ko, "
    "wrong1, wrong1_ko, wrong2, wrong2_ko, wrong3, wrong3_ko, category, difficulty, "
    "explanation, explanation_ko, source)",
    "- question 1: two of its answers are the same",
    "- question 4: two of its Korean answers are the same",
    "- question 5: has `explanation_ko` without `explanation`",
    "- question 8: repeats question 1 word for word",
    "- question 9: has part of its Korean: `correct_ko`, `wrong1_ko`, `wrong2_ko`, "
    "`wrong3_ko` missing; give all five or none",
    "- question 11: has `explanation_ko` without the Korean question",
]

KOREAN_LINES = [
    "- 2번 문제, wrong3 항목: 빠져 있어요",
    "- 3번 문제: 알 수 없는 키 `corect`이에요. `correct`을(를) 쓰려던 건가요?",
    "- 6번 문제, category 항목: 글자, 숫자, 띄어쓰기, '-'만 쓸 수 있어요",
    "- 6번 문제, difficulty 항목: 다음 중 하나여야 해요: easy, medium, hard",
    "- 7번 문제, correct 항목: 81자예요. 최대 80자까지 쓸 수 있어요",
    "- 10번 문제: 알 수 없는 키 `zzz`이에요 (쓸 수 있는 것: question, question_ko, correct, "
    "correct_ko, wrong1, wrong1_ko, wrong2, wrong2_ko, wrong3, wrong3_ko, category, "
    "difficulty, explanation, explanation_ko, source)",
    "- 1번 문제: 답 중 두 개가 같아요",
    "- 4번 문제: 한국어 답 중 두 개가 같아요",
    "- 5번 문제: `explanation` 없이 `explanation_ko`만 있어요",
    "- 8번 문제: 1번 문제와 글자 그대로 같아요",
    "- 9번 문제: 한국어가 일부만 있어요: `correct_ko`, `wrong1_ko`, `wrong2_ko`, `wrong3_ko`이(가) "
    "빠졌어요. 다섯 개를 모두 쓰거나 모두 빼 주세요",
    "- 11번 문제: 한국어 문제 없이 `explanation_ko`만 있어요",
]


async def import_pack(
    emu: Emulator, world: DemoWorld, name: str, data: str, locale: str
) -> list[str]:
    attachment = emu.add_attachment(name, data.encode())
    result = await emu.slash(
        world.guild, "general", "mod", "trivia-admin import", {"file": attachment}, locale=locale
    )
    assert result.ephemeral
    return result.message.text().splitlines()


async def test_a_korean_moderator_reads_each_problem_in_korean(emu, world: DemoWorld, bot):
    lines = await import_pack(emu, world, "broken.json", json.dumps(BROKEN), "ko")
    assert lines[0].startswith("아무것도 가져오지 않았어요: `broken.json`에 문제점이 12개 있어요.")
    assert lines[1:] == KOREAN_LINES


async def test_an_english_moderator_reads_the_same_problems_as_before(emu, world: DemoWorld, bot):
    lines = await import_pack(emu, world, "broken.json", json.dumps(BROKEN), "en-US")
    assert lines[0].startswith("Nothing was imported: `broken.json` has 12 problem(s).")
    assert lines[1:] == ENGLISH


async def test_the_file_level_problems_are_framed_in_korean(emu, world: DemoWorld, bot):
    typo = json.dumps({"question": BROKEN["questions"][:1]})
    assert await import_pack(emu, world, "typo.json", typo, "ko") == [
        "아무것도 가져오지 않았어요: `typo.json`에 문제점이 2개 있어요. 각 문제에는 question, "
        "correct, wrong1, wrong2, wrong3가 필요해요 (category, difficulty, explanation, "
        "source는 선택 사항이에요).",
        "- `question` 표: 알 수 없는 표예요. `questions`을(를) 쓰려던 건가요?",
        "- 파일: [[questions]] 항목의 목록이 필요해요",
    ]
    # The parser's own line stays as it words it, inside the Korean frame.
    toml = await import_pack(emu, world, "bad.toml", "[[questions]]\nquestion = = 1\n", "ko")
    assert toml[1].startswith("- 파일: 올바른 TOML이 아니에요: Invalid value (at line 2")
    json_lines = await import_pack(emu, world, "bad.json", '{"questions": [\n,]}', "ko")
    assert json_lines[1] == "- 2번째 줄: 올바른 JSON이 아니에요: Expecting value"
    wrong = json.dumps({"questions": [question(1, correct=5), "just text"]})  # type: ignore[arg-type]
    assert (await import_pack(emu, world, "wrong.json", wrong, "ko"))[1:] == [
        "- 1번 문제, correct 항목: 글자여야 해요",
        "- 2번 문제: 필드로 이루어진 표가 아니에요",
    ]


async def test_add_refuses_in_the_moderators_language(emu, world: DemoWorld, bot):
    record = question(1, category="a!b") | {"wrong1": "a"}
    refused = await emu.slash(
        world.guild, "general", "mod", "trivia-admin add", record, locale="ko"
    )
    assert refused.ephemeral
    assert refused.content.splitlines() == [
        "이 문제는 추가할 수 없어요:",
        "- 1번 문제, category 항목: 글자, 숫자, 띄어쓰기, '-'만 쓸 수 있어요",
        "- 1번 문제: 답 중 두 개가 같아요",
    ]
