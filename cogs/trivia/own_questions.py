"""A server's own questions as moderators give them, one typed or a pack's text: read and
checked by the same rules for `/trivia-admin` and the dashboard's questions page.

Nothing here knows Discord's interactions: the refusals are `InvalidInput` (a catalog key
and its values, which the command answers ephemerally and the page lists) or
`ContentError` (every problem of a pack, each with its place), and texts are worded in a
language given by its code ("en", "ko") or a `discord.Locale`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import discord
from discord.ext import commands

from bot.content import Problem, format_of, parse_document
from bot.embeds import clip
from bot.errors import InvalidInput
from bot.i18n import t
from cogs.trivia.schema import Question, load_shipped_packs, parse_questions, split_already_here
from cogs.trivia.store import StoredQuestions, TooManyQuestionsError, TriviaStore

PACK_MAX_BYTES = 256 * 1024
GUILD_MAX_QUESTIONS = 2000
# A pack is known by its file name; stored clipped so an autocomplete value (100) holds it.
PACK_NAME_MAX = 80
# What the server's history calls a question, and a pack, added or removed by command or page.
QUESTION_HISTORY = "question"
PACK_HISTORY = "question_pack"
HISTORY_QUESTION_MAX = 200  # how much of a question the history keeps
# A question given one at a time has the pack's fields but the Korean and the source.
TYPED_FIELDS = (
    "question",
    "correct",
    "wrong1",
    "wrong2",
    "wrong3",
    "category",
    "explanation",
    "difficulty",
)

Language = str | discord.Locale


def problem_text(problem: Problem, language: Language) -> str:
    """`place: what`, in `language` where the problem has catalog keys (the English
    `place` and `message` where it has none)."""
    place = problem.place
    if problem.place_key is not None:
        place = t(problem.place_key, language, **dict(problem.place_values))
    message = problem.message
    if problem.key is not None:
        message = t(problem.key, language, **dict(problem.values))
    return f"{place}: {message}"


def typed_question(fields: Mapping[str, str | None]) -> Question:
    """One question from `/trivia-admin add`'s options (or the page's form, by the same
    names, `TYPED_FIELDS`); a field left out or None is not given.

    Raises `ContentError` with every problem, placed as in a pack of one (`question 1`).
    """
    record = {name: fields[name] for name in TYPED_FIELDS if fields.get(name) is not None}
    [question] = parse_questions(
        {"questions": [record]}, "question", require_source=False, default_category="server"
    )
    return question


def pack_name(filename: str) -> str:
    """The name a pack's questions remember (for `remove-pack`)."""
    return clip(filename, PACK_NAME_MAX)


def resolve_pack_name(wanted: str, names: list[str]) -> str | None:
    """The pack of `names` a moderator means by `wanted`: the exact name, else the one
    name that matches it in any case; None when there is no such pack (or two)."""
    if wanted in names:
        return wanted
    folded = [known for known in names if known.casefold() == wanted.casefold()]
    return folded[0] if len(folded) == 1 else None


def pack_format(filename: str) -> str:
    """ "toml" or "json", from the file's name; `InvalidInput` for anything else."""
    fmt = format_of(filename)
    if fmt is None:
        raise InvalidInput("trivia_admin.bad_format", filename=clip(filename, 80))
    return fmt


def refuse_too_big(size: int) -> None:
    """`InvalidInput` for a pack of more than `PACK_MAX_BYTES`."""
    if size > PACK_MAX_BYTES:
        raise InvalidInput("trivia_admin.too_big", size=size // 1024, limit=PACK_MAX_BYTES // 1024)


def pack_text(data: bytes) -> str:
    """A pack file's text (UTF-8, with or without a byte order mark); `InvalidInput` if not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput("trivia_admin.not_utf8") from error


async def parse_pack(text: str, fmt: str, filename: str) -> list[Question]:
    """Every question of a server's pack, or `ContentError` with every problem and its
    place (the parser's line for a syntax error)."""
    # In a thread: tomllib takes about half a second for a 256 KiB pack, which the event
    # loop would otherwise spend not answering anyone.
    document = await asyncio.to_thread(parse_document, text, fmt, filename)
    return parse_questions(document, filename, require_source=False, default_category="server")


@cache
def _shipped_from_files() -> frozenset[str]:
    return frozenset(question.text_key for question in load_shipped_packs())


def shipped_text_keys(client: discord.Client) -> frozenset[str]:
    """The shipped questions, which every server has already: the trivia cog's, or read
    from `data/` where the client runs no trivia cog (the dashboard as its own process)."""
    trivia = client.get_cog("Trivia") if isinstance(client, commands.Bot) else None
    builtin: list[Question] | None = getattr(trivia, "builtin", None)
    if not builtin:
        return _shipped_from_files()
    return frozenset(question.text_key for question in builtin)


async def add_own_questions(
    store: TriviaStore,
    guild_id: int,
    questions: list[Question],
    created_by: int,
    now: datetime,
    *,
    pack: str | None,
    shipped: frozenset[str],
) -> StoredQuestions:
    """Store what the server doesn't have yet, all or none; past the server's limit of own
    questions, `InvalidInput` saying how many it has and may have."""
    try:
        return await store.add_questions(
            guild_id,
            questions,
            created_by,
            now,
            limit=GUILD_MAX_QUESTIONS,
            pack=pack,
            also_here=shipped,
        )
    except TooManyQuestionsError as error:
        raise InvalidInput(
            "trivia_admin.too_many", have=error.have, adding=error.adding, limit=error.limit
        ) from error


@dataclass(frozen=True)
class PackCheck:
    """What importing a pack would do: store `new`, skip `skipped` (already here)."""

    pack: str
    new: list[Question]
    skipped: list[Question]

    @property
    def categories(self) -> Counter[str]:
        return Counter(question.category for question in self.new)

    def difficulties(self, language: Language) -> Counter[str]:
        """The new questions by difficulty, named in `language`."""
        return Counter(difficulty_name(question.difficulty, language) for question in self.new)


async def check_pack(
    store: TriviaStore,
    guild_id: int,
    pack: str,
    questions: list[Question],
    shipped: frozenset[str],
) -> PackCheck:
    """What an import of `questions` would store here now, storing nothing."""
    have = await store.guild_text_keys(guild_id)
    new, skipped = split_already_here(questions, have | shipped)
    return PackCheck(pack, new, skipped)


def difficulty_name(difficulty: str | None, language: Language) -> str:
    return t(f"trivia.level.{difficulty or 'none'}", language)


# What a check shows: enough to recognise the pack, few enough to fit one message.
COUNTS_SHOWN = 10


def count_summary(counts: Counter[str], language: Language) -> str:
    """`video 5, server 3` (most first), and how many more past `COUNTS_SHOWN`."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = ", ".join(f"{name} {count}" for name, count in ordered[:COUNTS_SHOWN])
    if len(ordered) > COUNTS_SHOWN:
        shown += " " + t("trivia.and_more", language, count=len(ordered) - COUNTS_SHOWN)
    return shown


def question_entry(number: int, question: Question) -> str:
    """A question as the server's history has it: its number and (the start of) its text."""
    return f"#{number} {clip(question.question, HISTORY_QUESTION_MAX)}"


def pack_entry(pack: str, count: int) -> str:
    """A pack as the server's history has it: its name and how many questions it stored."""
    return f"{pack} ({count})"
