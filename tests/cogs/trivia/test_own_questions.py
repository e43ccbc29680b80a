"""What `/trivia-admin` and the dashboard share: a server's own questions listed with their
numbers and packs (on both databases), a pack named as a moderator types it, and the
shipped questions that are "already here" wherever the check runs."""

from __future__ import annotations

from datetime import UTC, datetime

import discord

from cogs.trivia.own_questions import resolve_pack_name, shipped_text_keys
from cogs.trivia.schema import Question, Translation, load_shipped_packs
from cogs.trivia.store import TriviaStore

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def question(text: str, korean: Translation | None = None) -> Question:
    return Question("", text, "A", ("B", "C", "D"), "ours", difficulty="easy", korean=korean)


async def test_own_questions_have_their_numbers_packs_and_korean_and_only_this_servers(db):
    store = TriviaStore(db)
    korean = Translation("문제?", ("가", "나", "다", "라"), None)
    [typed] = (await store.add_questions(1, [question("Typed?")], 7, NOW, limit=10)).ids
    packed = await store.add_questions(
        1, [question("One?", korean), question("Two?")], 7, NOW, limit=10, pack="ours.toml"
    )
    await store.add_questions(2, [question("Theirs?")], 7, NOW, limit=10, pack="theirs.toml")
    listed = await store.own_questions(1)
    assert [(row.id, row.question.question, row.pack) for row in listed] == [
        (typed, "Typed?", None),
        (packed.ids[0], "One?", "ours.toml"),
        (packed.ids[1], "Two?", "ours.toml"),
    ]
    assert listed[1].question.korean == korean
    assert listed[1].question.answers == ("A", "B", "C", "D")
    assert listed[1].question.difficulty == "easy"
    assert [row.question.question for row in await store.own_questions(2)] == ["Theirs?"]
    assert await store.own_questions(3) == []


def test_a_pack_is_found_by_its_exact_name_or_its_one_name_in_any_case():
    names = ["Ours.toml", "ours.TOML", "Theirs.json"]
    assert resolve_pack_name("Ours.toml", names) == "Ours.toml"
    assert resolve_pack_name("theirs.JSON", names) == "Theirs.json"
    assert resolve_pack_name("OURS.toml", names) is None  # two match in any case
    assert resolve_pack_name("other.toml", names) is None


def test_the_shipped_questions_are_here_even_where_no_trivia_cog_runs():
    # The dashboard as its own process: a client without the trivia cog.
    client = discord.Client(intents=discord.Intents.none())
    keys = shipped_text_keys(client)
    assert keys == frozenset(question.text_key for question in load_shipped_packs())
    assert keys
