"""`/trivia-admin add|import|remove|remove-pack`: a server's own questions, for moderators."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.checks import changer_of, moderator_group, moderator_only
from bot.choices import matching_choices
from bot.content import ContentError
from bot.deadline import defer
from bot.embeds import clip
from bot.errors import InvalidInput, NotFound, send_ephemeral
from bot.i18n import t
from bot.text import as_text
from cogs.trivia.own_questions import (
    PACK_HISTORY,
    PACK_NAME_MAX,
    QUESTION_HISTORY,
    Language,
    add_own_questions,
    check_pack,
    count_summary,
    difficulty_name,
    pack_entry,
    pack_format,
    pack_name,
    pack_text,
    parse_pack,
    problem_text,
    question_entry,
    refuse_too_big,
    resolve_pack_name,
    shipped_text_keys,
    typed_question,
)
from cogs.trivia.schema import (
    ANSWER_MAX,
    CATEGORY_MAX,
    DIFFICULTIES,
    EXPLANATION_MAX,
    QUESTION_MAX,
    Question,
)
from cogs.trivia.store import StoredQuestions, TriviaStore

if TYPE_CHECKING:
    from bot.client import FanBot

PROBLEMS_SHOWN = 15
# What a check shows: enough to recognise the pack, few enough to fit one message.
QUESTIONS_SHOWN = 5
QUESTION_SHOWN_MAX = 120

DIFFICULTY_CHOICES = [app_commands.Choice(name=_(level), value=level) for level in DIFFICULTIES]


def describe_problems(error: ContentError, locale: Language) -> str:
    shown = [f"- {problem_text(problem, locale)}" for problem in error.problems[:PROBLEMS_SHOWN]]
    if len(error.problems) > PROBLEMS_SHOWN:
        shown.append(
            t("trivia_admin.more_problems", locale, count=len(error.problems) - PROBLEMS_SHOWN)
        )
    return "\n".join(shown)


def check_report(pack: str, new: list[Question], skipped: list[Question], locale: Language) -> str:
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

    async def _store_new(
        self, interaction: discord.Interaction, questions: list[Question], pack: str | None
    ) -> StoredQuestions:
        assert interaction.guild_id is not None
        return await add_own_questions(
            self.store,
            interaction.guild_id,
            questions,
            interaction.user.id,
            self.bot.clock.now(),
            pack=pack,
            shipped=shipped_text_keys(self.bot),
        )

    async def _record(
        self, interaction: discord.Interaction, what: str, old: str | None, new: str | None
    ) -> None:
        """Say in the server's history that `interaction`'s member changed `what`."""
        assert interaction.guild_id is not None
        await self.bot.guild_settings.record(
            interaction.guild_id, changer_of(interaction), what, old, new
        )

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
        options = {
            "question": question,
            "correct": correct,
            "wrong1": wrong1,
            "wrong2": wrong2,
            "wrong3": wrong3,
            "category": category,
            "explanation": explanation,
            "difficulty": difficulty,
        }
        try:
            parsed = [typed_question(options)]
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
        await self._record(
            interaction, QUESTION_HISTORY, None, question_entry(question_id, parsed[0])
        )
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
        pack = pack_name(file.filename)
        fmt = pack_format(file.filename)
        refuse_too_big(file.size)
        await defer(interaction, ephemeral=True)
        text = pack_text(await file.read())
        try:
            questions = await parse_pack(text, fmt, file.filename)
        except ContentError as error:
            raise InvalidInput(
                "trivia_admin.bad_pack",
                filename=clip(file.filename, 80),
                count=len(error.problems),
                problems=describe_problems(error, locale),
            ) from error
        if check:
            found = await check_pack(
                self.store, interaction.guild_id, pack, questions, shipped_text_keys(self.bot)
            )
            report = check_report(pack, found.new, found.skipped, locale)
            await send_ephemeral(interaction, report)
            return
        stored = await self._store_new(interaction, questions, pack)
        if not stored.ids:
            await send_ephemeral(
                interaction,
                t("trivia_admin.imported_none", locale, pack=pack, skipped=len(stored.skipped)),
            )
            return
        await self._record(interaction, PACK_HISTORY, None, pack_entry(pack, len(stored.ids)))
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
        name = resolve_pack_name(wanted, names)
        removed = await self.store.remove_pack(interaction.guild_id, name) if name else 0
        if name is None or not removed:
            raise NotFound("trivia_admin.no_such_pack", pack=clip(wanted, PACK_NAME_MAX))
        await self._record(interaction, PACK_HISTORY, pack_entry(name, removed), None)
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
        await self._record(interaction, QUESTION_HISTORY, f"#{id}", None)
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
