"""`/trivia-admin add|import|remove|remove-pack`: a server's own questions, for moderators."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.checks import moderator_group, moderator_only
from bot.choices import matching_choices
from bot.content import ContentError, Problem, format_of, parse_document
from bot.deadline import defer
from bot.embeds import clip
from bot.errors import InvalidInput, NotFound, send_ephemeral
from bot.i18n import t
from bot.text import as_text
from cogs.trivia.schema import (
    ANSWER_MAX,
    CATEGORY_MAX,
    DIFFICULTIES,
    EXPLANATION_MAX,
    QUESTION_MAX,
    Question,
    parse_questions,
    split_already_here,
)
from cogs.trivia.store import StoredQuestions, TooManyQuestionsError, TriviaStore

if TYPE_CHECKING:
    from bot.client import FanBot

PACK_MAX_BYTES = 256 * 1024
GUILD_MAX_QUESTIONS = 2000
PROBLEMS_SHOWN = 15
# A pack is known by its file name; stored clipped so an autocomplete value (100) holds it.
PACK_NAME_MAX = 80
# What a check shows: enough to recognise the pack, few enough to fit one message.
COUNTS_SHOWN = 10
QUESTIONS_SHOWN = 5
QUESTION_SHOWN_MAX = 120

DIFFICULTY_CHOICES = [app_commands.Choice(name=_(level), value=level) for level in DIFFICULTIES]


def problem_text(problem: Problem, locale: discord.Locale) -> str:
    """`place: what`, in the member's language where the problem has catalog keys (the
    English `place` and `message` where it has none)."""
    place = problem.place
    if problem.place_key is not None:
        place = t(problem.place_key, locale, **dict(problem.place_values))
    message = problem.message
    if problem.key is not None:
        message = t(problem.key, locale, **dict(problem.values))
    return f"{place}: {message}"


def describe_problems(error: ContentError, locale: discord.Locale) -> str:
    shown = [f"- {problem_text(problem, locale)}" for problem in error.problems[:PROBLEMS_SHOWN]]
    if len(error.problems) > PROBLEMS_SHOWN:
        shown.append(
            t("trivia_admin.more_problems", locale, count=len(error.problems) - PROBLEMS_SHOWN)
        )
    return "\n".join(shown)


def count_summary(counts: Counter[str], locale: discord.Locale) -> str:
    """`video 5, server 3` (most first), and how many more past `COUNTS_SHOWN`."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = ", ".join(f"{name} {count}" for name, count in ordered[:COUNTS_SHOWN])
    if len(ordered) > COUNTS_SHOWN:
        shown += " " + t("trivia.and_more", locale, count=len(ordered) - COUNTS_SHOWN)
    return shown


def difficulty_name(difficulty: str | None, locale: discord.Locale) -> str:
    return t(f"trivia.level.{difficulty or 'none'}", locale)


def check_report(
    pack: str, new: list[Question], skipped: list[Question], locale: discord.Locale
) -> str:
    """What an import would store, by category and difficulty, with its first questions.

    Bounded by design: 10 categories of 32 characters, 4 difficulties, 5 questions of 120.
    """
    lines = [t("trivia_admin.check_head", locale, pack=pack, stored=len(new), skipped=len(skipped))]
    if new:
        categories = Counter(question.category for question in new)
        levels = Counter(difficulty_name(question.difficulty, locale) for question in new)
        lines.append(
            t("trivia_admin.check_categories", locale, counts=count_summary(categories, locale))
        )
        lines.append(
            t("trivia_admin.check_difficulties", locale, counts=count_summary(levels, locale))
        )
        lines.append(t("trivia_admin.check_first", locale))
        for number, question in enumerate(new[:QUESTIONS_SHOWN], start=1):
            text = as_text(clip(question.question, QUESTION_SHOWN_MAX))
            level = difficulty_name(question.difficulty, locale)
            lines.append(f"{number}. {text} ({question.category}, {level})")
    return "\n".join(lines)


class TriviaAdminCog(commands.Cog, name="TriviaAdmin"):
    admin = moderator_group("trivia-admin", _("Moderators: this server's own trivia questions"))

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self.store = TriviaStore(bot.database)

    def _shipped_text_keys(self) -> frozenset[str]:
        """The shipped questions, which every server has already."""
        trivia = self.bot.get_cog("Trivia")
        builtin: list[Question] = getattr(trivia, "builtin", [])
        return frozenset(question.text_key for question in builtin)

    async def _store_new(
        self, interaction: discord.Interaction, questions: list[Question], pack: str | None
    ) -> StoredQuestions:
        assert interaction.guild_id is not None
        try:
            return await self.store.add_questions(
                interaction.guild_id,
                questions,
                interaction.user.id,
                self.bot.clock.now(),
                limit=GUILD_MAX_QUESTIONS,
                pack=pack,
                also_here=self._shipped_text_keys(),
            )
        except TooManyQuestionsError as error:
            raise InvalidInput(
                "trivia_admin.too_many", have=error.have, adding=error.adding, limit=error.limit
            ) from error

    @admin.command(name="add", description=_("Add one question to this server's trivia"))
    @app_commands.describe(
        question=_("The question"),
        correct=_("The right answer"),
        wrong1=_("A wrong answer"),
        wrong2=_("Another wrong answer"),
        wrong3=_("A third wrong answer"),
        category=_("A category name (default: server)"),
        explanation=_("Shown with the answer when the round closes"),
        difficulty=_("How hard it is (optional)"),
    )
    @app_commands.choices(difficulty=DIFFICULTY_CHOICES)
    @moderator_only()
    async def add(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, QUESTION_MAX],
        correct: app_commands.Range[str, 1, ANSWER_MAX],
        wrong1: app_commands.Range[str, 1, ANSWER_MAX],
        wrong2: app_commands.Range[str, 1, ANSWER_MAX],
        wrong3: app_commands.Range[str, 1, ANSWER_MAX],
        category: app_commands.Range[str, 1, CATEGORY_MAX] | None = None,
        explanation: app_commands.Range[str, 1, EXPLANATION_MAX] | None = None,
        difficulty: str | None = None,
    ) -> None:
        record = {
            "question": question,
            "correct": correct,
            "wrong1": wrong1,
            "wrong2": wrong2,
            "wrong3": wrong3,
            "category": category,
            "explanation": explanation,
            "difficulty": difficulty,
        }
        record = {key: value for key, value in record.items() if value is not None}
        try:
            parsed = parse_questions(
                {"questions": [record]}, "question", require_source=False, default_category="server"
            )
        except ContentError as error:
            raise InvalidInput(
                "trivia_admin.bad_question", problems=describe_problems(error, interaction.locale)
            ) from error
        stored = await self._store_new(interaction, parsed, pack=None)
        if not stored.ids:
            raise InvalidInput(
                "trivia_admin.already_here", question=as_text(clip(parsed[0].question, 200))
            )
        [question_id] = stored.ids
        await send_ephemeral(
            interaction,
            t(
                "trivia_admin.added",
                interaction.locale,
                id=question_id,
                category=parsed[0].category,
                question=as_text(clip(parsed[0].question, 200)),
            ),
        )

    @admin.command(name="import", description=_("Import a TOML or JSON pack of questions"))
    @app_commands.describe(
        file=_("A .toml or .json file with [[questions]]"),
        check=_("Only check the pack and show what would be stored (default: no)"),
    )
    @moderator_only()
    async def import_pack(
        self, interaction: discord.Interaction, file: discord.Attachment, check: bool = False
    ) -> None:
        assert interaction.guild_id is not None
        locale = interaction.locale
        pack = clip(file.filename, PACK_NAME_MAX)
        fmt = format_of(file.filename)
        if fmt is None:
            raise InvalidInput("trivia_admin.bad_format", filename=clip(file.filename, 80))
        if file.size > PACK_MAX_BYTES:
            raise InvalidInput(
                "trivia_admin.too_big", size=file.size // 1024, limit=PACK_MAX_BYTES // 1024
            )
        await defer(interaction, ephemeral=True)
        data = await file.read()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InvalidInput("trivia_admin.not_utf8") from error
        try:
            # In a thread: tomllib takes about half a second for a 256 KiB pack, which the
            # event loop would otherwise spend not answering anyone.
            document = await asyncio.to_thread(parse_document, text, fmt, file.filename)
            questions = parse_questions(
                document,
                file.filename,
                require_source=False,
                default_category="server",
            )
        except ContentError as error:
            raise InvalidInput(
                "trivia_admin.bad_pack",
                filename=clip(file.filename, 80),
                count=len(error.problems),
                problems=describe_problems(error, locale),
            ) from error
        if check:
            have = await self.store.guild_text_keys(interaction.guild_id)
            new, skipped = split_already_here(questions, have | self._shipped_text_keys())
            await send_ephemeral(interaction, check_report(pack, new, skipped, locale))
            return
        stored = await self._store_new(interaction, questions, pack)
        if not stored.ids:
            await send_ephemeral(
                interaction,
                t("trivia_admin.imported_none", locale, pack=pack, skipped=len(stored.skipped)),
            )
            return
        skipped_keys = {question.text_key for question in stored.skipped}
        categories = Counter(q.category for q in questions if q.text_key not in skipped_keys)
        await send_ephemeral(
            interaction,
            t(
                "trivia_admin.imported",
                locale,
                pack=pack,
                stored=len(stored.ids),
                skipped=len(stored.skipped),
                first=stored.ids[0],
                last=stored.ids[-1],
                categories=count_summary(categories, locale),
            ),
        )

    @admin.command(
        name="remove-pack", description=_("Remove every question imported from one pack")
    )
    @app_commands.describe(pack=_("The pack's file name, as it was imported"))
    @moderator_only()
    async def remove_pack(self, interaction: discord.Interaction, pack: str) -> None:
        assert interaction.guild_id is not None
        wanted = pack.strip()
        names = [summary.name for summary in await self.store.packs(interaction.guild_id)]
        # The exact name, else the one name that matches it in any case.
        name = wanted if wanted in names else None
        if name is None:
            folded = [known for known in names if known.casefold() == wanted.casefold()]
            name = folded[0] if len(folded) == 1 else None
        removed = await self.store.remove_pack(interaction.guild_id, name) if name else 0
        if not removed:
            raise NotFound("trivia_admin.no_such_pack", pack=clip(wanted, PACK_NAME_MAX))
        await send_ephemeral(
            interaction,
            t("trivia_admin.pack_removed", interaction.locale, pack=name, count=removed),
        )

    @remove_pack.autocomplete("pack")
    async def pack_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        packs = await self.store.packs(interaction.guild_id)
        label = "trivia_admin.pack_choice"
        options = (
            (t(label, interaction.locale, pack=p.name, count=p.questions), p.name) for p in packs
        )
        return matching_choices(options, current)

    @admin.command(name="remove", description=_("Remove one of this server's own questions"))
    @app_commands.describe(id=_("The question's number, as given when it was added"))
    @moderator_only()
    async def remove(self, interaction: discord.Interaction, id: int) -> None:
        assert interaction.guild_id is not None
        if not await self.store.remove_question(interaction.guild_id, id):
            raise NotFound("trivia_admin.no_such_question", id=id)
        await send_ephemeral(interaction, t("trivia_admin.removed", interaction.locale, id=id))

    @remove.autocomplete("id")
    async def id_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        questions = await self.store.guild_questions(interaction.guild_id)
        numbered = ((int(q.key.removeprefix("g:")), q.question) for q in questions)
        options = ((f"#{number} · {text}", number) for number, text in numbered)
        # Past 25, the newest: the one a moderator just added is the likeliest to go.
        return matching_choices(options, current, keep_newest=True)
