"""`/trivia play|leaderboard|stats` and the answer buttons' clicks: the commands parse and
check, then call the rounds (`rounds.py`) and the store, and reply with the views (`views.py`)."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.checks import cog_enabled
from bot.clock import Clock, SystemClock
from bot.deadline import defer, reply
from bot.embeds import fan_embed
from bot.errors import Busy, NotFound, send_ephemeral
from bot.i18n import language_of, t
from bot.scheduler import DueRun, OutgoingMessage
from bot.text import as_text
from cogs.trivia.answers import AnswerNotStoredError, AnswerWriter
from cogs.trivia.categories import category_choices, category_label, resolve_category
from cogs.trivia.feature import TRIVIA_TIMEOUT
from cogs.trivia.game import (
    CHOICE_LABELS,
    AlreadyAnsweredError,
    AnswerPendingError,
    LeaderboardWindow,
    RoundClosedError,
    TriviaRound,
    round_wording,
    shuffled_answers,
)
from cogs.trivia.rounds import OpenRounds
from cogs.trivia.schema import DIFFICULTIES, Question, load_shipped_packs
from cogs.trivia.store import (
    AnswerToStore,
    QuestionFilter,
    RoundAlreadyOpenError,
    StoredAnswer,
    TriviaStore,
)
from cogs.trivia.views import (
    COG_NAME,
    AnswerButton,
    edit_into_reveal,
    leaderboard_text,
    question_embed,
    round_view,
    stats_embed,
)

if TYPE_CHECKING:
    from bot.client import FanBot

log = logging.getLogger(__name__)

# How old (s) a click may get while its answer is being committed before it is deferred:
# Discord fails one not answered within 3 s of its creation.
ANSWER_DEFER_AFTER = 2.0


class TriviaCog(commands.Cog, name=COG_NAME):
    trivia = app_commands.Group(
        name="trivia", description=_("Trivia about Love wins all"), guild_only=True
    )

    def __init__(self, bot: FanBot, *, rng: random.Random | None = None) -> None:
        self.bot = bot
        self.store = TriviaStore(bot.database)
        self.rng = rng or random.Random()
        self.builtin: list[Question] = []
        self.by_key: dict[str, Question] = {}
        self.rounds = OpenRounds(
            self.store,
            self._reveal_once,
            self._find_question,
            bot.clock,
            owns_guild=bot.owns_guild,
        )
        self.answers = AnswerWriter(self.store)
        # A click whose answer isn't stored when it is this old is deferred (Discord allows
        # 3 s). Its age is real time, whatever clock the game runs on.
        self.answer_defer_after = ANSWER_DEFER_AFTER
        self.deadline_clock: Clock = SystemClock()

    async def cog_load(self) -> None:
        self.builtin = load_shipped_packs()
        self.by_key = {question.key: question for question in self.builtin}
        self.bot.add_dynamic_items(AnswerButton)
        self.bot.scheduler.register_kind("trivia", self.render_announcement, feature="trivia")
        # Once, after migration 0006: the weekly totals of the answers stored before it.
        if written := await self.store.backfill_week_scores(self.bot.guild_settings.zone_in):
            log.info("trivia: %d weekly score rows filled in from earlier answers", written)
        await self.rounds.restore()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(AnswerButton)
        self.bot.scheduler.unregister_kind("trivia")
        self.rounds.stop()
        await self.answers.close()

    # --- /trivia play --------------------------------------------------------------------

    @trivia.command(name="play", description=_("Ask a trivia question with four answers"))
    @app_commands.describe(
        category=_("Only questions from this category"),
        difficulty=_("Only questions of this difficulty"),
    )
    @app_commands.choices(
        difficulty=[app_commands.Choice(name=_(level), value=level) for level in DIFFICULTIES]
    )
    @cog_enabled("trivia")
    async def play(
        self,
        interaction: discord.Interaction,
        category: str | None = None,
        difficulty: str | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        assert interaction.channel_id is not None
        channel_id = interaction.channel_id
        self._refuse_if_taken(channel_id)
        if category:
            # A shipped category typed by its name in any language (`뮤직비디오`) is itself.
            category = resolve_category(category, {q.category for q in self.builtin})
        with self.rounds.posting(channel_id):
            try:
                trivia_round = await self.start_round(
                    interaction.guild_id,
                    channel_id,
                    category,
                    difficulty,
                    locale=interaction.locale,
                )
            except RoundAlreadyOpenError as taken:
                # Another path (a scheduled post, another process) opened one meanwhile.
                raise self._taken(taken.closes_at) from None
            # Take answers from the moment the buttons can be seen, even before Discord's
            # reply to the callback (which carries the message id) reaches us.
            await self.rounds.arm(trivia_round)
            # Written for the whole channel: in the server's language, not the caller's.
            language = await self.bot.server_language(interaction.guild_id)
            try:
                message_id = await reply(
                    interaction,
                    embed=question_embed(trivia_round, language),
                    view=round_view(trivia_round, language),
                )
            except BaseException:
                await self.rounds.close(trivia_round.round_id)
                raise
            if message_id is None:
                message_id = (await interaction.original_response()).id
            await self.rounds.arm(trivia_round, message_id)

    def _refuse_if_taken(self, channel_id: int) -> None:
        """Raise `Busy` when this process knows of a round in the channel (a quick answer;
        the database has the last word in `TriviaStore.open_round`)."""
        trivia_round = self.rounds.in_channel(channel_id)
        if trivia_round is not None:
            if trivia_round.closed:
                raise Busy("trivia.round_revealing")
            raise self._taken(trivia_round.closes_at)
        if self.rounds.is_posting(channel_id):
            raise Busy("trivia.round_open")

    def _taken(self, closes_at: datetime | None) -> Busy:
        """The refusal for a channel whose round closes (or closed) at `closes_at`."""
        if closes_at is not None and closes_at <= self.bot.clock.now():
            return Busy("trivia.round_revealing")
        return Busy("trivia.round_open")

    @play.autocomplete("category")
    async def category_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = {question.category for question in self.builtin}
        if interaction.guild_id is not None:
            # One indexed query per keystroke, not the server's questions.
            names |= set(await self.store.categories(interaction.guild_id))
        return category_choices(sorted(names), current, interaction.locale)

    async def start_round(
        self,
        guild_id: int,
        channel_id: int,
        category: str | None,
        difficulty: str | None = None,
        *,
        run_nonce: str | None = None,
        locale: Any = None,
    ) -> TriviaRound:
        """Pick an unasked question and store the round (not yet posted); `run_nonce` ties
        it to the scheduled run that deals it; `locale` is the language a refusal names the
        categories and difficulties in.

        Raises `NotFound` when the category, or the difficulty in it, has no questions, and
        `RoundAlreadyOpenError` when the channel has a round that is not closed.
        """
        question, afresh = await self._pick_question(guild_id, category, difficulty, locale)
        settings = await self.bot.guild_settings.get(guild_id)
        now = self.bot.clock.now()
        closes_at = now + timedelta(seconds=settings.value(TRIVIA_TIMEOUT.name))
        choices, correct_index = shuffled_answers(question, self.rng)
        round_id = await self.store.open_round(
            guild_id,
            channel_id,
            question,
            list(choices),
            correct_index,
            now,
            closes_at,
            start_afresh=afresh,
            run_nonce=run_nonce,
        )
        return TriviaRound(
            round_id, guild_id, channel_id, question, choices, correct_index, closes_at
        )

    async def _pick_question(
        self, guild_id: int, category: str | None, difficulty: str | None, locale: Any = None
    ) -> tuple[Question, bool]:
        """A question not asked here yet, drawn evenly from the shipped ones (in memory: few
        and fixed) and the server's own (counted and fetched by index in SQL, never loaded
        all); when every one was asked, any (and the caller starts afresh). Returns it and
        whether it starts afresh.

        Raises `NotFound` when the category, or the difficulty in it, has no questions.
        """
        which = QuestionFilter(category, difficulty)
        wanted = category.strip().casefold() if category else None
        shipped = [
            question
            for question in self.builtin
            if (wanted is None or question.category.casefold() == wanted)
            and (difficulty is None or question.difficulty == difficulty)
        ]
        for _attempt in range(3):
            stored, stored_fresh = await self.store.count_questions(guild_id, which)
            if not shipped and not stored:
                raise await self._nothing_matches(guild_id, category, difficulty, locale)
            asked = await self.store.asked_shipped_keys(guild_id)
            shipped_fresh = [question for question in shipped if question.key not in asked]
            afresh = not shipped_fresh and not stored_fresh
            pool = shipped if afresh else shipped_fresh
            index = self.rng.randrange(len(pool) + (stored if afresh else stored_fresh))
            if index < len(pool):
                return pool[index], afresh
            question = await self.store.nth_question(
                guild_id, which, index - len(pool), unasked=not afresh
            )
            if question is not None:
                return question, afresh
            # Questions were removed between the count and the fetch: count again.
        # Removed faster than they could be fetched, three times over: ask a shipped one.
        if shipped:
            return self.rng.choice(shipped), False
        raise await self._nothing_matches(guild_id, category, difficulty, locale)

    async def _nothing_matches(
        self, guild_id: int, category: str | None, difficulty: str | None, locale: Any = None
    ) -> NotFound:
        """The `NotFound` that says why nothing matched: the category, or the difficulty,
        naming them in `locale`'s language (each name is one `/trivia play` takes)."""
        if category:
            in_category = any(
                q.category.casefold() == category.strip().casefold() for q in self.builtin
            )
            if not in_category:
                stored, _fresh = await self.store.count_questions(
                    guild_id, QuestionFilter(category)
                )
                in_category = stored > 0
            if not in_category:
                known = sorted({category_label(q.category, locale) for q in self.builtin})
                return NotFound("trivia.no_category", category=category, known=", ".join(known))
        return NotFound(
            "trivia.no_difficulty_in" if category else "trivia.no_difficulty",
            level=t(f"trivia.level.{difficulty}", locale) if difficulty else "",
            category=category_label(category, locale) if category else "",
        )

    async def close_round(self, round_id: int) -> TriviaRound | None:
        """Close the round now, before its time is up (see `OpenRounds.close`)."""
        return await self.rounds.close(round_id)

    async def _find_question(self, guild_id: int, key: str) -> Question | None:
        """A shipped question, or one of the server's own; None if it was removed."""
        return self.by_key.get(key) or await self.store.question_by_key(guild_id, key)

    async def _reveal_once(self, trivia_round: TriviaRound) -> None:
        """One attempt at the round's reveal, in the server's language."""
        assert trivia_round.message_id is not None
        channel = self.bot.get_partial_messageable(trivia_round.channel_id)
        language = await self.bot.server_language(trivia_round.guild_id)
        await edit_into_reveal(
            channel.get_partial_message(trivia_round.message_id), trivia_round, language
        )

    # --- answers -------------------------------------------------------------------------

    async def handle_answer(
        self, interaction: discord.Interaction, round_id: int, choice: int
    ) -> None:
        """Store the click's answer, then tell the member whether it was right.

        The result is sent only once the answer is committed (with the others of its batch);
        if that may miss Discord's 3 s deadline, the click is deferred and the result follows.
        A failed write counts nothing and asks the member to click again.
        """
        received = time.perf_counter()
        trivia_round = self.rounds.get(round_id)
        locale = interaction.locale
        if trivia_round is None:
            await send_ephemeral(interaction, t("trivia.round_over", locale))
            return
        user = interaction.user
        now = self.bot.clock.now()
        try:
            trivia_round.check_answer(user.id, choice, now)
        except AlreadyAnsweredError:
            await send_ephemeral(interaction, t("trivia.already_answered", locale))
            return
        except AnswerPendingError:
            await send_ephemeral(interaction, t("trivia.answer_pending", locale))
            return
        except RoundClosedError:
            # Its time is up; the reveal may still be on its way (retried after a failure).
            await send_ephemeral(interaction, t("trivia.times_up", locale))
            return
        trivia_round.pending.add(user.id)
        storing = asyncio.ensure_future(
            self._store_and_count(trivia_round, user.id, user.display_name, choice, now)
        )
        self.rounds.storing(round_id, storing)
        metrics = self.bot.metrics
        metrics.answers_pending.inc()
        try:
            try:
                stored = await asyncio.wait_for(
                    asyncio.shield(storing), timeout=self._time_to_defer(interaction)
                )
            except TimeoutError:
                try:
                    # A no-op if the core's deadline guard deferred it already.
                    await defer(interaction, ephemeral=True)
                except discord.NotFound:
                    # Discord gave up on the click (the event reached us too late); its
                    # answer is still stored, but there is no one to tell.
                    log.warning("trivia round %s: a click expired before its answer", round_id)
                    await storing
                    return
                stored = await storing
        except AnswerNotStoredError:
            await send_ephemeral(interaction, t("trivia.answer_not_saved", locale))
            return
        finally:
            metrics.answers_pending.dec()
            trivia_round.pending.discard(user.id)
        if stored is None:
            # The database already holds this member's answer (another process, a restart).
            await send_ephemeral(interaction, t("trivia.already_answered", locale))
            return
        metrics.answer_stored(time.perf_counter() - received)
        if stored.correct:
            # Named in the clicker's language where the question has it.
            answer = round_wording(trivia_round, language_of(locale)).choices[choice]
            letter = CHOICE_LABELS[choice]
            text = t("trivia.click.correct", locale, letter=letter, answer=as_text(answer))
        else:
            text = t("trivia.not_quite", locale)
        await send_ephemeral(interaction, text)

    def _time_to_defer(self, interaction: discord.Interaction) -> float:
        """Seconds to wait for the commit before deferring the click.

        Discord's 3 s run from the interaction's creation (its snowflake), not from when the
        event reached us, so an event that came late (a busy gateway) leaves less time.
        """
        age = (self.deadline_clock.now() - interaction.created_at).total_seconds()
        return max(0.0, self.answer_defer_after - max(0.0, age))

    async def _store_and_count(
        self, trivia_round: TriviaRound, user_id: int, name: str, choice: int, now: datetime
    ) -> StoredAnswer | None:
        """Store one answer (in the next batch) and, once it is committed, count it."""
        # The server's zone now says which week the answer counts in (cached settings).
        settings = await self.bot.guild_settings.get(trivia_round.guild_id)
        stored = await self.answers.submit(
            AnswerToStore(trivia_round, user_id, name, choice, now, settings.zone)
        )
        if stored is not None:
            trivia_round.record(user_id, choice, name)
        return stored

    # --- scheduled announcements ---------------------------------------------------------

    async def render_announcement(self, run: DueRun, language: str) -> OutgoingMessage | None:
        """A trivia round for a scheduled run; a re-sent run gets the round it dealt before."""
        stored = await self.store.round_for_run(run.nonce)
        if stored is not None:
            trivia_round = self.rounds.get(stored.round_id) or await self.rounds.rebuild(stored)
            if trivia_round is None or trivia_round.closed:
                return None
        elif self.rounds.in_channel(run.channel_id) or self.rounds.is_posting(run.channel_id):
            log.info("scheduled trivia skipped: a round is open in channel %s", run.channel_id)
            return None
        else:
            try:
                trivia_round = await self.start_round(
                    run.guild_id, run.channel_id, None, run_nonce=run.nonce
                )
            except RoundAlreadyOpenError:
                log.info(
                    "scheduled trivia skipped: a round was opened in channel %s meanwhile",
                    run.channel_id,
                )
                return None
        # Armed now, so early clicks count and a post that never happens still closes it.
        await self.rounds.arm(trivia_round)
        dealt = trivia_round

        async def arm(message_id: int) -> None:
            await self.rounds.arm(dealt, message_id)

        return OutgoingMessage(
            embed=question_embed(trivia_round, language),
            view=round_view(trivia_round, language),
            after_post=arm,
        )

    # --- /trivia leaderboard and /trivia stats -------------------------------------------

    @trivia.command(name="leaderboard", description=_("The server's top 10 trivia players"))
    @app_commands.describe(
        period=_("All time, this week (from Monday) or this month, in the server's time")
    )
    @app_commands.choices(
        period=[
            app_commands.Choice(name=_("all time"), value="all"),
            app_commands.Choice(name=_("this week"), value="week"),
            app_commands.Choice(name=_("this month"), value="month"),
        ]
    )
    @cog_enabled("trivia")
    async def leaderboard(self, interaction: discord.Interaction, period: str = "all") -> None:
        assert interaction.guild_id is not None
        locale = interaction.locale
        window = LeaderboardWindow.named(period)
        settings = await self.bot.guild_settings.get(interaction.guild_id)
        rows = await self.store.leaderboard(
            interaction.guild_id, window, self.bot.clock.now(), settings.zone
        )
        title = t(f"trivia.leaderboard_{window.value}", locale)
        embed = fan_embed(title, leaderboard_text(rows, locale))
        await reply(interaction, embed=embed)

    @trivia.command(name="stats", description=_("A member's trivia figures"))
    @app_commands.describe(member=_("Whose figures (default: yours)"))
    @cog_enabled("trivia")
    async def stats(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        assert interaction.guild_id is not None
        target = member or interaction.user
        score = await self.store.score(interaction.guild_id, target.id)
        lines = []
        if score is not None and score.answered:
            lines = await self.store.category_lines(interaction.guild_id, target.id)
        embed = stats_embed(target.display_name, score, lines, interaction.locale)
        await reply(interaction, embed=embed)
