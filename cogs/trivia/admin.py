"""`/trivia-admin add|import|remove`: a server's own questions, for moderators."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.checks import moderator_group, moderator_only
from bot.choices import matching_choices
from bot.content import ContentError, format_of, parse_document
from bot.embeds import clip
from bot.errors import InvalidInput, NotFound, send_ephemeral
from bot.i18n import t
from cogs.trivia.schema import (
    ANSWER_MAX,
    CATEGORY_MAX,
    EXPLANATION_MAX,
    QUESTION_MAX,
    Question,
    parse_questions,
)
from cogs.trivia.store import TriviaStore

if TYPE_CHECKING:
    from bot.client import FanBot

PACK_MAX_BYTES = 256 * 1024
GUILD_MAX_QUESTIONS = 2000
PROBLEMS_SHOWN = 15


def describe_problems(error: ContentError, locale: discord.Locale) -> str:
    shown = [f"- {problem}" for problem in error.problems[:PROBLEMS_SHOWN]]
    if len(error.problems) > PROBLEMS_SHOWN:
        shown.append(
            t("trivia_admin.more_problems", locale, count=len(error.problems) - PROBLEMS_SHOWN)
        )
    return "\n".join(shown)


class TriviaAdminCog(commands.Cog, name="TriviaAdmin"):
    admin = moderator_group("trivia-admin", _("Moderators: this server's own trivia questions"))

    def __init__(self, bot: FanBot) -> None:
        self.bot = bot
        self.store = TriviaStore(bot.database)

    async def _store_all(
        self, interaction: discord.Interaction, questions: list[Question]
    ) -> list[int]:
        assert interaction.guild_id is not None
        have = await self.store.count_guild_questions(interaction.guild_id)
        if have + len(questions) > GUILD_MAX_QUESTIONS:
            raise InvalidInput(
                "trivia_admin.too_many", have=have, adding=len(questions), limit=GUILD_MAX_QUESTIONS
            )
        return await self.store.add_questions(
            interaction.guild_id, questions, interaction.user.id, self.bot.clock.now()
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
    )
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
    ) -> None:
        record = {
            "question": question,
            "correct": correct,
            "wrong1": wrong1,
            "wrong2": wrong2,
            "wrong3": wrong3,
            "category": category,
            "explanation": explanation,
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
        [question_id] = await self._store_all(interaction, parsed)
        await send_ephemeral(
            interaction,
            t(
                "trivia_admin.added",
                interaction.locale,
                id=question_id,
                category=parsed[0].category,
                question=clip(parsed[0].question, 200),
            ),
        )

    @admin.command(name="import", description=_("Import a TOML or JSON pack of questions"))
    @app_commands.describe(file=_("A .toml or .json file with [[questions]]"))
    @moderator_only()
    async def import_pack(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        locale = interaction.locale
        fmt = format_of(file.filename)
        if fmt is None:
            raise InvalidInput("trivia_admin.bad_format", filename=clip(file.filename, 80))
        if file.size > PACK_MAX_BYTES:
            raise InvalidInput(
                "trivia_admin.too_big", size=file.size // 1024, limit=PACK_MAX_BYTES // 1024
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InvalidInput("trivia_admin.not_utf8") from error
        try:
            questions = parse_questions(
                parse_document(text, fmt, file.filename),
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
        ids = await self._store_all(interaction, questions)
        categories = sorted({question.category for question in questions})
        await send_ephemeral(
            interaction,
            t(
                "trivia_admin.imported",
                locale,
                count=len(ids),
                first=ids[0],
                last=ids[-1],
                categories=", ".join(categories),
            ),
        )

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
