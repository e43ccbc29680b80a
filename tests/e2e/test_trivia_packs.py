"""Servers' trivia packs and difficulty, and what the leaderboard and stats show for them."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from discord_emulator import DemoWorld, Emulator, eventually

pytestmark = pytest.mark.asyncio

PACK = """
[[questions]]
question = "What colour is our server banner?"
correct = "Lilac"
wrong1 = "Red"
wrong2 = "Green"
wrong3 = "Black"
category = "server"
difficulty = "easy"

[[questions]]
question = "Which day is our weekly watch party?"
correct = "Friday"
wrong1 = "Monday"
wrong2 = "Tuesday"
wrong3 = "Sunday"
category = "server"
difficulty = "hard"
"""

OTHER = {
    "questions": [
        {
            "question": "WHAT colour is our  server banner?",  # already here, but for case
            "correct": "Lilac",
            "wrong1": "Red",
            "wrong2": "Green",
            "wrong3": "Black",
        },
        {
            "question": "Who runs our fan art channel?",
            "correct": "Hana",
            "wrong1": "Min",
            "wrong2": "Jun",
            "wrong3": "Seo",
            "category": "people",
        },
    ]
}


async def question_count(bot) -> int:
    row = await bot.database.fetchone("SELECT COUNT(*) FROM trivia_questions")
    return int(row[0])


async def import_pack(emu: Emulator, world: DemoWorld, name: str, data: str, **options):
    attachment = emu.add_attachment(name, data.encode())
    return await emu.slash(
        world.guild, "general", "mod", "trivia-admin import", {"file": attachment, **options}
    )


async def test_importing_a_pack_twice_skips_what_is_already_here(emu, world: DemoWorld, bot):
    first = await import_pack(emu, world, "ours.toml", PACK)
    assert "stored 2, skipped 0 already here" in first.message.text()

    again = await import_pack(emu, world, "ours.toml", PACK)
    assert again.ephemeral
    assert "all 2 question(s) are already here" in again.message.text()
    assert await question_count(bot) == 2

    # The same question in other case and spacing is the same question.
    partly = await import_pack(emu, world, "other.json", json.dumps(OTHER))
    assert "stored 1, skipped 1 already here" in partly.message.text()
    assert await question_count(bot) == 3


async def test_a_shipped_question_counts_as_already_here(emu, world: DemoWorld, bot):
    shipped = bot.get_cog("Trivia").builtin[0]
    record = {"question": shipped.question.upper(), "correct": "a", "wrong1": "b"}
    record |= {"wrong2": "c", "wrong3": "d"}
    result = await import_pack(emu, world, "p.json", json.dumps({"questions": [record]}))
    assert "all 1 question(s) are already here" in result.message.text()
    assert await question_count(bot) == 0


async def test_a_mistyped_table_is_refused_with_its_place(emu, world: DemoWorld, bot):
    result = await import_pack(
        emu, world, "typo.toml", PACK.replace("[[questions]]", "[[question]]")
    )
    text = result.message.text()
    assert "Nothing was imported" in text
    assert "table `question`: unknown; did you mean `questions`?" in text
    assert await question_count(bot) == 0

    # A mistyped table beside good ones would drop its questions silently: refused too.
    mixed = PACK + PACK.replace("[[questions]]", "[[question]]").replace("our", "the")
    refused = await import_pack(emu, world, "mixed.toml", mixed)
    assert "table `question`: unknown; did you mean `questions`?" in refused.message.text()
    assert await question_count(bot) == 0


async def test_an_unknown_key_is_refused_with_its_place(emu, world: DemoWorld, bot):
    broken = PACK.replace('correct = "Friday"', 'corect = "Friday"')
    result = await import_pack(emu, world, "ours.toml", broken)
    text = result.message.text()
    assert "Nothing was imported" in text
    assert "question 2: unknown key `corect`; did you mean `correct`?" in text
    assert await question_count(bot) == 0


async def test_check_shows_what_would_be_stored_and_stores_nothing(emu, world: DemoWorld, bot):
    await import_pack(emu, world, "ours.toml", PACK)
    before = await question_count(bot)
    result = await import_pack(emu, world, "other.json", json.dumps(OTHER), check=True)
    assert result.ephemeral
    text = result.message.text()
    assert "nothing stored" in text
    assert "it would store 1 and skip 1 already here" in text
    assert "By category: people 1" in text
    assert "By difficulty: not set 1" in text
    assert "1. Who runs our fan art channel? (people, not set)" in text
    assert await question_count(bot) == before
    # Had the check stored anything, this would skip both.
    stored = await import_pack(emu, world, "other.json", json.dumps(OTHER))
    assert "stored 1, skipped 1 already here" in stored.message.text()

    refused = await import_pack(emu, world, "typo.toml", "[[question]]\n", check=True)
    assert "did you mean `questions`?" in refused.message.text()


async def test_remove_pack_removes_every_question_of_that_pack(emu, world: DemoWorld, bot):
    await emu.slash(
        world.guild,
        "general",
        "mod",
        "trivia-admin add",
        {"question": "By hand?", "correct": "a", "wrong1": "b", "wrong2": "c", "wrong3": "d"},
    )
    await import_pack(emu, world, "ours.toml", PACK)
    await import_pack(emu, world, "other.json", json.dumps(OTHER))

    choices = await emu.autocomplete(
        world.guild, "general", "mod", "trivia-admin remove-pack", "pack", ""
    )
    assert [(c["name"], c["value"]) for c in choices] == [
        ("other.json · 1 question(s)", "other.json"),
        ("ours.toml · 2 question(s)", "ours.toml"),
    ]
    removed = await emu.slash(
        world.guild, "general", "mod", "trivia-admin remove-pack", {"pack": "OURS.toml"}
    )
    assert removed.ephemeral
    assert "Removed the 2 question(s) imported from `ours.toml`" in removed.content
    rows = await bot.database.fetchall("SELECT question FROM trivia_questions ORDER BY id")
    assert [row[0] for row in rows] == ["By hand?", "Who runs our fan art channel?"]

    again = await emu.slash(
        world.guild, "general", "mod", "trivia-admin remove-pack", {"pack": "ours.toml"}
    )
    assert "no imported pack `ours.toml`" in again.content
    assert await question_count(bot) == 2


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("trivia-admin remove-pack", {"pack": "ours.toml"}),
        ("trivia-admin import", {"check": True}),
        ("trivia-admin add", {"difficulty": "hard"}),
    ],
)
async def test_non_moderators_cannot_use_the_pack_commands(
    emu, world: DemoWorld, bot, command, options
):
    await import_pack(emu, world, "ours.toml", PACK)
    if command == "trivia-admin import":
        options = {**options, "file": emu.add_attachment("other.json", json.dumps(OTHER).encode())}
    if command == "trivia-admin add":
        options = {**options, "question": "Q?", "correct": "a", "wrong1": "b"}
        options |= {"wrong2": "c", "wrong3": "d"}
    result = await emu.slash(
        world.guild, "general", "uaena", command, options, ignore_default_permissions=True
    )
    assert result.ephemeral
    assert "Only moderators" in result.content
    assert await question_count(bot) == 2


async def test_play_with_a_difficulty_asks_only_that_difficulty(emu, world: DemoWorld, bot):
    await import_pack(emu, world, "ours.toml", PACK)
    cog = bot.get_cog("Trivia")
    for _ in range(3):
        played = await emu.slash(
            world.guild,
            "trivia",
            "uaena",
            "trivia play",
            {"category": "server", "difficulty": "hard"},
        )
        text = played.message.text()
        assert "weekly watch party" in text
        assert "Difficulty: hard" in text
        [trivia_round] = await eventually(lambda: list(cog.rounds.values()))
        await cog.close_round(trivia_round.round_id)

    shipped = {q.difficulty for q in cog.builtin}
    for level in sorted(shipped):
        played = await emu.slash(
            world.guild, "trivia", "uaena", "trivia play", {"difficulty": level}
        )
        assert f"Difficulty: {level}" in played.message.text()
        [trivia_round] = await eventually(lambda: list(cog.rounds.values()))
        assert trivia_round.question.difficulty == level
        await cog.close_round(trivia_round.round_id)

    none = await emu.slash(
        world.guild,
        "trivia",
        "uaena",
        "trivia play",
        {"category": "server", "difficulty": "medium"},
    )
    assert none.ephemeral
    assert "no `medium` questions in `server`" in none.content


async def test_add_takes_a_difficulty_and_refuses_a_question_already_here(
    emu, world: DemoWorld, bot
):
    question = {"question": "Our mascot?", "correct": "Nemo", "wrong1": "b", "wrong2": "c"}
    question |= {"wrong3": "d", "category": "server"}
    added = await emu.slash(
        world.guild, "general", "mod", "trivia-admin add", question | {"difficulty": "hard"}
    )
    assert "Added question **#1**" in added.content
    row = await bot.database.fetchone("SELECT difficulty, pack FROM trivia_questions")
    assert tuple(row) == ("hard", None)
    twice = await emu.slash(
        world.guild, "general", "mod", "trivia-admin add", question | {"question": "our MASCOT?"}
    )
    assert twice.ephemeral
    assert "already has that question" in twice.content
    assert await question_count(bot) == 1


async def stored_answers(bot) -> int:
    row = await bot.database.fetchone("SELECT COUNT(*) FROM trivia_answers")
    return int(row[0])


async def answer_round(
    emu: Emulator, world: DemoWorld, bot, answers: dict[str, bool], category: str | None = None
) -> None:
    """Play one round in #trivia where each named member answers right or wrong."""
    cog = bot.get_cog("Trivia")
    before = await stored_answers(bot)
    options = {"category": category} if category else None
    started = await emu.slash(world.guild, "trivia", "uaena", "trivia play", options)
    [trivia_round] = await eventually(lambda: list(cog.rounds.values()))
    buttons = started.message.buttons()
    for user, right in answers.items():
        index = trivia_round.correct_index if right else (trivia_round.correct_index + 1) % 4
        clicked = await emu.click(started.message, buttons[index]["custom_id"], user)
        assert ("Correct" if right else "Not quite") in clicked.content
    # Each click is answered before its answer is stored; wait until all are.
    deadline = asyncio.get_running_loop().time() + 5
    while await stored_answers(bot) < before + len(answers):
        assert asyncio.get_running_loop().time() < deadline, "answers were not stored"
        await asyncio.sleep(0.01)
    await cog.close_round(trivia_round.round_id)


def ranked_lines(result) -> list[str]:
    return [line for line in result.message.text().splitlines() if "points" in line]


async def test_leaderboard_ties_share_a_rank_and_no_points_no_medal(emu, world: DemoWorld, bot):
    await answer_round(emu, world, bot, {"uaena": True, "army": True, "mod": False})
    board = await emu.slash(world.guild, "trivia", "army", "trivia leaderboard")
    lines = ranked_lines(board)
    assert len(lines) == 3
    # uaena and army: 10 points each, tied first; mod third with 0 points: no bronze.
    assert [line.split()[0] for line in lines[:2]] == ["🥇", "🥇"]
    assert "**mod**: 0 points" in lines[2]
    assert lines[2].startswith("` 3`")
    assert "🥈" not in board.message.text()
    assert "🥉" not in board.message.text()


@pytest.fixture
def bot_clock() -> FakeClock:
    # 23:00 on 30 November in New York: already 1 December in UTC.
    return FakeClock(datetime(2026, 12, 1, 4, 0, tzinfo=UTC))


async def test_month_leaderboard_follows_the_servers_calendar(
    emu, world: DemoWorld, bot, bot_clock: FakeClock
):
    await bot.guild_settings.update(int(world.guild.id), 0, timezone="America/New_York")
    await answer_round(emu, world, bot, {"uaena": True})  # November in New York
    bot_clock.advance(timedelta(hours=1, minutes=30))  # 00:30 on 1 December in New York
    await answer_round(emu, world, bot, {"army": True})

    month = await emu.slash(world.guild, "trivia", "mod", "trivia leaderboard", {"period": "month"})
    assert "this month" in month.message.text()
    assert [line.split()[1] for line in ranked_lines(month)] == ["**ARMY**:"]
    everyone = await emu.slash(world.guild, "trivia", "mod", "trivia leaderboard")
    assert len(ranked_lines(everyone)) == 2

    bot_clock.set(datetime(2027, 1, 1, 4, 59, tzinfo=UTC))  # 23:59 on 31 December there
    still = await emu.slash(world.guild, "trivia", "mod", "trivia leaderboard", {"period": "month"})
    assert len(ranked_lines(still)) == 1
    bot_clock.set(datetime(2027, 1, 1, 5, 0, tzinfo=UTC))  # midnight: January
    new_month = await emu.slash(
        world.guild, "trivia", "mod", "trivia leaderboard", {"period": "month"}
    )
    assert "No answers yet" in new_month.message.text()


async def test_stats_show_accuracy_per_category_even_after_a_question_goes(
    emu, world: DemoWorld, bot
):
    await import_pack(emu, world, "ours.toml", PACK)
    # Two server questions (one right, one wrong), then one shipped question, wrong.
    await answer_round(emu, world, bot, {"uaena": True}, category="server")
    await answer_round(emu, world, bot, {"uaena": False}, category="server")
    await answer_round(emu, world, bot, {"uaena": False}, category="video")

    await emu.slash(
        world.guild, "general", "mod", "trivia-admin remove-pack", {"pack": "ours.toml"}
    )
    stats = await emu.slash(world.guild, "trivia", "uaena", "trivia stats")
    text = stats.message.text()
    assert "By category" in text
    assert "server: 2 answered, 1 correct (50%)" in text
    assert "video: 1 answered, 0 correct (0%)" in text


async def test_a_file_over_256_kib_is_refused_and_nothing_stored(emu, world: DemoWorld, bot):
    pack = '[[questions]]\nquestion = "Big?"\ncorrect = "a"\nwrong1 = "b"\nwrong2 = "c"\n'
    pack += 'wrong3 = "d"\n'
    padding = "#" * (256 * 1024 - len(pack) - 1) + "\n"
    assert len((pack + padding).encode()) == 256 * 1024
    stored = await import_pack(emu, world, "fits.toml", pack + padding)
    assert "stored 1" in stored.content, stored.content
    refused = await import_pack(
        emu, world, "big.toml", pack.replace("Big", "Bigger") + padding + "#"
    )
    assert refused.ephemeral
    assert "packs can be at most 256 KiB" in refused.content
    rows = await bot.database.fetchall("SELECT question FROM trivia_questions")
    assert [row["question"] for row in rows] == ["Big?"]
