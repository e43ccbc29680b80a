"""Trivia rounds with several members clicking, the reveal, and the scores afterwards."""

from __future__ import annotations

import pytest

from discord_emulator import DemoWorld, Emulator, eventually

pytestmark = pytest.mark.asyncio


async def short_rounds(bot, world: DemoWorld, seconds: int = 1) -> None:
    # Below /config's 5-second floor on purpose: the test only needs the round to close.
    await bot.guild_settings.update(int(world.guild.id), 0, trivia_timeout=seconds)


async def test_a_round_from_question_to_reveal(emu: Emulator, world: DemoWorld, bot):
    await short_rounds(bot, world)
    started = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
    assert not started.ephemeral
    question = started.message
    buttons = question.buttons()
    assert [button["label"][:2] for button in buttons] == ["A.", "B.", "C.", "D."]
    assert "Love wins all trivia" in question.text()

    # The round is armed once Discord has answered the callback with the message id.
    rounds = bot.get_cog("Trivia").rounds
    await eventually(lambda: rounds)
    trivia_round = next(iter(rounds.values()))
    right = buttons[trivia_round.correct_index]
    wrong = buttons[(trivia_round.correct_index + 1) % 4]

    first = await emu.click(question, right["custom_id"], "uaena")
    assert first.ephemeral
    assert "Correct" in first.content
    again = await emu.click(question, wrong["custom_id"], "uaena")
    assert again.ephemeral
    assert "already answered" in again.content
    other = await emu.click(question, wrong["custom_id"], "army")
    assert other.ephemeral
    assert "Not quite" in other.content

    busy = await emu.slash(world.guild, "trivia", "mod", "trivia play")
    assert busy.ephemeral
    assert "already open in this channel" in busy.content

    revealed = await started.wait_edit(timeout=5)
    text = revealed.text()
    assert "Time's up" in text
    assert trivia_round.question.correct in text
    assert "UAENA" in text  # who was right, by display name
    assert "ARMY" not in text.split("Right answers")[1].split("Choices")[0]
    assert "Choices (2 answers)" in text
    # The bar chart: one vote each on the right answer (ticked, wherever it was dealt) and
    # on the wrong one, none elsewhere.
    letters = "ABCD"
    chart = {line[0]: line for line in text.splitlines() if line[:2] in ("A ", "B ", "C ", "D ")}
    right_letter = letters[trivia_round.correct_index]
    wrong_letter = letters[(trivia_round.correct_index + 1) % 4]
    assert chart == {
        letter: (
            f"{letter} █████░░░░░ 1 ✓"
            if letter == right_letter
            else f"{letter} █████░░░░░ 1"
            if letter == wrong_letter
            else f"{letter} ░░░░░░░░░░ 0"
        )
        for letter in letters
    }
    # The source is a link labelled with its site, not a bare address.
    source = text.split("Source")[1]
    # (Some reviewed sources are http:// addresses: whichever question was dealt, a link.)
    assert "](https://" in source or "](http://" in source
    assert not source.lstrip(" :\n").startswith(("https://", "http://"))
    assert all(button.get("disabled") for button in revealed.buttons())

    stats = await emu.slash(world.guild, "trivia", "uaena", "trivia stats")
    text = stats.message.text()
    for label in ("Answered", "Correct", "Accuracy", "Points", "Streak", "Best streak"):
        assert label in text
    assert "100%" in text

    board = await emu.slash(world.guild, "trivia", "army", "trivia leaderboard")
    lines = board.message.text().splitlines()
    ranked = [line for line in lines if "points" in line]
    assert "UAENA" in ranked[0]
    assert "10 points" in ranked[0]
    assert "ARMY" in ranked[1]

    week = await emu.slash(world.guild, "trivia", "army", "trivia leaderboard", {"period": "week"})
    assert "this week" in week.message.text()
    assert "UAENA" in week.message.text()


async def test_stats_of_another_member_and_of_nobody_yet(emu, world: DemoWorld, bot):
    result = await emu.slash(world.guild, "trivia", "uaena", "trivia stats", {"member": "army"})
    assert "hasn't answered" in result.message.text()
    assert "ARMY" in result.message.text()


async def test_category_choice_autocomplete_and_unknown(emu, world: DemoWorld, bot):
    choices = await emu.autocomplete(world.guild, "trivia", "uaena", "trivia play", "category", "")
    assert {"release", "video", "charts", "service"} <= {c["value"] for c in choices}

    unknown = await emu.slash(world.guild, "trivia", "uaena", "trivia play", {"category": "lyrics"})
    assert unknown.ephemeral
    assert "no trivia category `lyrics`" in unknown.content

    picked = await emu.slash(world.guild, "trivia", "uaena", "trivia play", {"category": "service"})
    assert "Category: service" in picked.message.text()


async def test_questions_repeat_only_after_all_were_asked_and_then_start_afresh(
    emu: Emulator, world: DemoWorld, bot
):
    for n in range(3):
        added = await emu.slash(
            world.guild,
            "general",
            "mod",
            "trivia-admin add",
            {
                "question": f"Our question {n}?",
                "correct": "yes",
                "wrong1": "no",
                "wrong2": "maybe",
                "wrong3": "later",
                "category": "ours",
            },
        )
        assert "Added question" in added.content
    cog = bot.get_cog("Trivia")

    async def play() -> str:
        started = await emu.slash(
            world.guild, "trivia", "uaena", "trivia play", {"category": "ours"}
        )
        assert not started.ephemeral, started.content
        await eventually(lambda: cog.rounds)
        [trivia_round] = list(cog.rounds.values())
        await cog.close_round(trivia_round.round_id)
        return trivia_round.question.key

    async def asked() -> set[str]:
        rows = await bot.database.fetchall("SELECT question_key FROM trivia_asked")
        return {row["question_key"] for row in rows}

    first_cycle = [await play() for _ in range(3)]
    assert len(set(first_cycle)) == 3  # no repeat while some were not asked
    assert await asked() == set(first_cycle)
    # All were asked: the next round starts the list afresh, and so the two after it
    # are the other two questions, not repeats.
    second_cycle = [await play()]
    assert await asked() == set(second_cycle)
    second_cycle += [await play() for _ in range(2)]
    assert len(set(second_cycle)) == 3
    assert await asked() == set(second_cycle)


async def test_every_button_a_included_takes_an_answer(emu: Emulator, world: DemoWorld, bot):
    started = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
    cog = bot.get_cog("Trivia")
    await eventually(lambda: cog.rounds)
    [trivia_round] = list(cog.rounds.values())
    members = ["uaena", "army", "mod", "owner"]
    for choice, (member, button) in enumerate(zip(members, started.message.buttons(), strict=True)):
        answered = await emu.click(started.message, button["custom_id"], member)
        assert answered.ephemeral
        right = choice == trivia_round.correct_index
        assert ("Correct" if right else "Not quite") in answered.content, (choice, answered.content)
    rows = await bot.database.fetchall("SELECT choice, correct FROM trivia_answers ORDER BY choice")
    assert [tuple(row) for row in rows] == [
        (choice, int(choice == trivia_round.correct_index)) for choice in range(4)
    ]
