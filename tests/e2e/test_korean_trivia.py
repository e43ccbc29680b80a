"""Trivia in a Korean server, through the real client: the round and its reveal are Korean
for the whole channel, each member's own replies follow their own locale, and answers count
alike whatever language each member read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from discord_emulator import DemoWorld, Emulator, eventually
from tests.support.announcements import schedule

pytestmark = pytest.mark.asyncio

START = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # 17:00 in Seoul


@pytest.fixture
def world(world: DemoWorld) -> DemoWorld:
    """The demo server with Korean as its Discord locale (before the bot connects)."""
    world.guild.preferred_locale = "ko"
    return world


@pytest.fixture
def bot_clock() -> FakeClock:
    return FakeClock(START)


async def short_rounds(bot, world: DemoWorld) -> None:
    await bot.guild_settings.update(int(world.guild.id), 0, trivia_timeout=1)


async def open_round(bot):
    rounds = bot.get_cog("Trivia").rounds
    await eventually(lambda: rounds)
    return next(iter(rounds.values()))


async def test_a_korean_member_plays_in_korean_and_an_english_one_is_counted_alike(
    emu: Emulator, world: DemoWorld, bot
):
    await short_rounds(bot, world)
    started = await emu.slash(world.guild, "trivia", "uaena", "trivia play", locale="ko")
    trivia_round = await open_round(bot)
    question = trivia_round.question
    korean = question.korean
    assert korean is not None
    english = list(question.answers)
    shown = [korean.answers[english.index(choice)] for choice in trivia_round.choices]

    text = started.message.text()
    assert korean.question in text
    assert question.question not in text
    assert all(choice in text for choice in shown)
    assert "Love wins all 퀴즈" in text
    labels = [button["label"] for button in started.message.buttons()]
    assert labels == [f"{letter}. {choice}" for letter, choice in zip("ABCD", shown, strict=True)]

    right = started.message.buttons()[trivia_round.correct_index]["custom_id"]
    in_korean = await emu.click(started.message, right, "uaena", locale="ko")
    assert in_korean.ephemeral
    assert "정답이에요!" in in_korean.content
    assert korean.answers[0] in in_korean.content
    in_english = await emu.click(started.message, right, "army", locale="en-US")
    assert "Correct!" in in_english.content
    assert question.correct in in_english.content

    revealed_message = await started.wait_edit(timeout=5)
    assert [button["label"] for button in revealed_message.buttons()] == labels
    revealed = revealed_message.text()
    assert "시간 종료!" in revealed
    assert f"정답: **{'ABCD'[trivia_round.correct_index]}. {korean.answers[0]}**" in revealed
    if korean.explanation:
        assert "해설" in revealed
        assert question.explanation not in revealed
    assert "UAENA" in revealed
    assert "ARMY" in revealed  # both right, whatever language each read
    assert "선택 현황 (답변 2개)" in revealed

    ko_stats = await emu.slash(world.guild, "trivia", "uaena", "trivia stats", locale="ko")
    ko_text = ko_stats.message.text()
    assert "퀴즈 기록" in ko_text
    assert "정답률" in ko_text
    assert "100%" in ko_text
    category_ko = {"video": "뮤직비디오", "release": "발매", "service": "군 복무", "charts": "차트"}
    assert f"{category_ko[question.category]}: 답변 1개, 정답 1개 (100%)" in ko_text

    en_stats = await emu.slash(world.guild, "trivia", "army", "trivia stats", locale="en-US")
    en_text = en_stats.message.text()
    assert "Trivia figures" in en_text
    assert "Accuracy" in en_text
    assert "100%" in en_text
    assert f"{question.category}: 1 answered, 1 correct (100%)" in en_text
    assert "퀴즈" not in en_text

    board = await emu.slash(world.guild, "trivia", "army", "trivia leaderboard")
    ranked = [line for line in board.message.text().splitlines() if "points" in line]
    assert len(ranked) == 2
    assert all("10 points, 1 correct" in line for line in ranked)


async def test_an_english_member_s_round_stays_korean_and_their_replies_english(
    emu: Emulator, world: DemoWorld, bot
):
    await short_rounds(bot, world)
    started = await emu.slash(world.guild, "trivia", "army", "trivia play", locale="en-US")
    trivia_round = await open_round(bot)
    korean = trivia_round.question.korean
    assert korean is not None
    assert korean.question in started.message.text()
    assert "카테고리:" in started.message.text()

    wrong = started.message.buttons()[(trivia_round.correct_index + 1) % 4]["custom_id"]
    clicked = await emu.click(started.message, wrong, "army", locale="en-US")
    assert "Not quite" in clicked.content
    busy = await emu.slash(world.guild, "trivia", "army", "trivia play", locale="en-US")
    assert "already open in this channel" in busy.content

    revealed = (await started.wait_edit(timeout=5)).text()
    assert "시간 종료!" in revealed
    assert korean.answers[0] in revealed

    stats = await emu.slash(world.guild, "trivia", "army", "trivia stats", locale="en-US")
    text = stats.message.text()
    assert "Trivia figures" in text
    assert "0%" in text
    assert "퀴즈" not in text


async def test_category_autocomplete_and_play_take_the_korean_name(
    emu: Emulator, world: DemoWorld, bot
):
    for typed in ("뮤비", "뮤직"):
        choices = await emu.autocomplete(
            world.guild, "trivia", "uaena", "trivia play", "category", typed, locale="ko"
        )
        assert choices == [{"name": "뮤직비디오", "value": "video"}]
    english = await emu.autocomplete(
        world.guild, "trivia", "army", "trivia play", "category", "vid", locale="en-US"
    )
    assert english == [{"name": "video", "value": "video"}]

    # Typed out in Korean and sent without picking from the list: the same category.
    picked = await emu.slash(
        world.guild, "trivia", "uaena", "trivia play", {"category": "뮤직비디오"}, locale="ko"
    )
    assert not picked.ephemeral
    assert "카테고리: 뮤직비디오" in picked.message.text()
    assert (await open_round(bot)).question.category == "video"


async def test_a_scheduled_round_is_korean_in_a_korean_server(
    emu: Emulator, world: DemoWorld, bot, bot_clock
):
    await schedule(emu, world, world.trivia, kind="trivia")
    bot_clock.advance(timedelta(minutes=5))
    await bot.scheduler.run_due()
    posted = await emu.wait_for_message(world.trivia)
    trivia_round = await open_round(bot)
    korean = trivia_round.question.korean
    assert korean is not None
    assert korean.question in posted.text()
    english = list(trivia_round.question.answers)
    shown = [korean.answers[english.index(choice)] for choice in trivia_round.choices]
    assert [button["label"] for button in posted.buttons()] == [
        f"{letter}. {choice}" for letter, choice in zip("ABCD", shown, strict=True)
    ]
    await eventually(lambda: trivia_round.message_id)  # posted: its reveal edits it
    await bot.get_cog("Trivia").close_round(trivia_round.round_id)
    revealed = emu.message(posted.id)
    assert "시간 종료!" in revealed.text()
    assert korean.answers[0] in revealed.text()
    assert "⏰ #1" in revealed.text()


BILINGUAL_PACK = """
[[questions]]
question = "Which day is our weekly watch party?"
question_ko = "우리 서버의 주간 감상회는 무슨 요일일까요?"
correct = "Friday"
correct_ko = "금요일"
wrong1 = "Monday"
wrong1_ko = "월요일"
wrong2 = "Tuesday"
wrong2_ko = "화요일"
wrong3 = "Sunday"
wrong3_ko = "일요일"
category = "server"
explanation = "Every Friday at 21:00 in #general."
explanation_ko = "매주 금요일 21시에 #general에서 만나요."

[[questions]]
question = "What colour is our server banner?"
correct = "Lilac"
wrong1 = "Red"
wrong2 = "Green"
wrong3 = "Black"
category = "server"
"""


async def test_a_server_s_own_questions_show_their_korean_or_are_shown_as_written(
    emu: Emulator, world: DemoWorld, bot
):
    attachment = emu.add_attachment("ours.toml", BILINGUAL_PACK.encode())
    imported = await emu.slash(
        world.guild, "general", "mod", "trivia-admin import", {"file": attachment}
    )
    assert "stored 2" in imported.content
    seen = {}
    for _ in range(2):
        started = await emu.slash(
            world.guild, "trivia", "uaena", "trivia play", {"category": "server"}, locale="ko"
        )
        trivia_round = await open_round(bot)
        seen[trivia_round.question.question] = started.message
        await eventually(lambda r=trivia_round: r.message_id)  # posted: the reveal edits it
        await bot.get_cog("Trivia").close_round(trivia_round.round_id)
    bilingual = seen["Which day is our weekly watch party?"]
    assert "우리 서버의 주간 감상회는 무슨 요일일까요?" in bilingual.text()
    assert {button["label"][3:] for button in bilingual.buttons()} == {
        "금요일",
        "월요일",
        "화요일",
        "일요일",
    }
    revealed = emu.message(bilingual.id).text()
    assert "정답: **" in revealed
    assert "금요일**" in revealed
    assert "매주 금요일 21시에" in revealed
    english_only = seen["What colour is our server banner?"]
    assert "What colour is our server banner?" in english_only.text()
    assert {button["label"][3:] for button in english_only.buttons()} == {
        "Lilac",
        "Red",
        "Green",
        "Black",
    }


async def test_an_unknown_category_is_refused_with_the_names_in_the_member_s_language(
    emu: Emulator, world: DemoWorld, bot
):
    korean = await emu.slash(
        world.guild, "trivia", "uaena", "trivia play", {"category": "가사"}, locale="ko"
    )
    assert korean.ephemeral
    assert "`가사`(이)라는 퀴즈 카테고리는 없어요" in korean.content
    assert "군 복무, 뮤직비디오, 발매, 차트" in korean.content
    english = await emu.slash(
        world.guild, "trivia", "army", "trivia play", {"category": "lyrics"}, locale="en-US"
    )
    assert "Pick one from the list: charts, release, service, video." in english.content


async def test_a_missing_difficulty_is_named_in_the_member_s_language(
    emu: Emulator, world: DemoWorld, bot
):
    attachment = emu.add_attachment("ours.toml", BILINGUAL_PACK.encode())
    await emu.slash(world.guild, "general", "mod", "trivia-admin import", {"file": attachment})
    options = {"category": "server", "difficulty": "hard"}
    korean = await emu.slash(world.guild, "trivia", "uaena", "trivia play", options, locale="ko")
    assert "`server` 카테고리에는 난이도 `어려움` 문제가 없어요" in korean.content
    english = await emu.slash(world.guild, "trivia", "army", "trivia play", options)
    assert "There are no `hard` questions in `server`" in english.content
