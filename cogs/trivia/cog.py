"""`/trivia play|leaderboard|stats`: rounds with buttons, revealed when time is up."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.checks import cog_enabled
from bot.choices import matching_choices
from bot.clock import Clock, SystemClock
from bot.deadline import defer, reply
from bot.embeds import NO_MENTIONS, SUCCESS_COLOUR, clip, fan_embed
from bot.errors import Busy, NotFound, answer_error, send_ephemeral
from bot.i18n import t
from bot.metrics import Outcome, count_interaction
from bot.scheduler import DueRun, OutgoingMessage, run_marker
from bot.sources import source_links
from bot.text import as_text
from cogs.trivia.answers import AnswerNotStoredError, AnswerWriter
from cogs.trivia.feature import TRIVIA_TIMEOUT
from cogs.trivia.game import (
    CHOICE_LABELS,
    AlreadyAnsweredError,
    AnswerPendingError,
    LeaderboardWindow,
    RoundClosedError,
    TriviaRound,
    bar_chart,
    competition_ranks,
    medal_for,
)
from cogs.trivia.schema import DIFFICULTIES, Question, load_shipped_packs
from cogs.trivia.store import (
    AnswerToStore,
    CategoryLine,
    LeaderboardRow,
    QuestionFilter,
    RoundAlreadyOpenError,
    StoredAnswer,
    StoredRound,
    TriviaStore,
)

if TYPE_CHECKING:
    from bot.client import FanBot

log = logging.getLogger(__name__)

WINNERS_SHOWN = 15
# How old (s) a click may get while its answer is being committed before it is deferred:
# Discord fails one not answered within 3 s of its creation.
ANSWER_DEFER_AFTER = 2.0
# /trivia stats: one line per category, most answered first; the rest are summed up.
CATEGORIES_SHOWN = 12
# A reveal that failed for a passing reason is tried again after 1, 2, 4, ... s, at most
# every 5 minutes, for as long as the bot runs (and again after a restart).
REVEAL_FIRST_DELAY = 1.0
REVEAL_MAX_DELAY = 300.0


def backoff_delays(
    first: float = REVEAL_FIRST_DELAY, cap: float = REVEAL_MAX_DELAY
) -> Iterator[float]:
    """The waits between attempts: `first`, then doubling, never more than `cap`; endless."""
    delay = first
    while True:
        yield min(delay, cap)
        delay *= 2


def is_transient(error: BaseException) -> bool:
    """Whether trying the same request again later may work: Discord's 5xx, a 429 that
    outlasted discord.py's own retries, a connection error or a timeout."""
    if isinstance(error, discord.HTTPException):
        return error.status == 429 or error.status >= 500
    return isinstance(error, aiohttp.ClientError | OSError | TimeoutError)


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"trivia:(?P<round>[0-9]+):(?P<choice>[0-3])",
):
    """One answer button; its custom id carries the round, so clicks work after a restart."""

    def __init__(
        self,
        round_id: int,
        choice: int,
        label: str = "",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or CHOICE_LABELS[choice],
                style=style,
                disabled=disabled,
                custom_id=f"trivia:{round_id}:{choice}",
            )
        )
        self.round_id = round_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Button[Any],
        match: Any,
    ) -> AnswerButton:
        return cls(int(match["round"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog(TriviaCog.__cog_name__)  # type: ignore[union-attr]
        try:
            if not isinstance(cog, TriviaCog):
                raise RoundClosedError
            await cog.handle_answer(interaction, self.round_id, self.choice)
        except Exception as error:
            await answer_error(interaction, error)
        else:
            count_interaction(interaction, Outcome.OK)


def round_view(trivia_round: TriviaRound, *, revealed: bool = False) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for index, choice in enumerate(trivia_round.choices):
        style = discord.ButtonStyle.primary
        if revealed:
            right = index == trivia_round.correct_index
            style = discord.ButtonStyle.success if right else discord.ButtonStyle.secondary
        view.add_item(
            AnswerButton(
                trivia_round.round_id,
                index,
                label=clip(f"{CHOICE_LABELS[index]}. {choice}", 80),
                style=style,
                disabled=revealed,
            )
        )
    return view


class TriviaCog(commands.Cog, name="Trivia"):
    trivia = app_commands.Group(
        name="trivia", description=_("Trivia about Love wins all"), guild_only=True
    )

    def __init__(self, bot: FanBot, *, rng: random.Random | None = None) -> None:
        self.bot = bot
        self.store = TriviaStore(bot.database)
        self.rng = rng or random.Random()
        self.builtin: list[Question] = []
        self.by_key: dict[str, Question] = {}
        self.rounds: dict[int, TriviaRound] = {}  # round id -> open round
        self.open_in_channel: dict[int, int] = {}  # channel id -> open round id
        self._starting: set[int] = set()  # channels where a round is being posted
        self._closers: dict[int, asyncio.Task[None]] = {}
        self._revealing: set[int] = set()  # rounds whose reveal is being edited in
        # Injected so tests retry a failed reveal without waiting.
        self.sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
        self.answers = AnswerWriter(self.store)
        # Round id -> its answers being stored; a round is revealed once they are settled.
        self._storing: dict[int, set[asyncio.Future[StoredAnswer | None]]] = {}
        # A click whose answer isn't stored when it is this old is deferred (Discord allows
        # 3 s). Its age is real time, whatever clock the game runs on.
        self.answer_defer_after = ANSWER_DEFER_AFTER
        self.deadline_clock: Clock = SystemClock()

    async def cog_load(self) -> None:
        self.builtin = load_shipped_packs()
        self.by_key = {question.key: question for question in self.builtin}
        self.bot.add_dynamic_items(AnswerButton)
        self.bot.scheduler.register_kind("trivia", self.render_announcement)
        await self._restore_open_rounds()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(AnswerButton)
        self.bot.scheduler.unregister_kind("trivia")
        for task in self._closers.values():
            task.cancel()
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
        self._starting.add(channel_id)
        try:
            try:
                trivia_round = await self.start_round(
                    interaction.guild_id, channel_id, category, difficulty
                )
            except RoundAlreadyOpenError as taken:
                # Another path (a scheduled post, another process) opened one meanwhile.
                raise self._taken(taken.closes_at) from None
            # Take answers from the moment the buttons can be seen, even before Discord's
            # reply to the callback (which carries the message id) reaches us.
            await self.arm_round(trivia_round)
            try:
                message_id = await reply(
                    interaction,
                    embed=self.question_embed(trivia_round, interaction.locale),
                    view=round_view(trivia_round),
                )
            except BaseException:
                await self.close_round(trivia_round.round_id)
                raise
            if message_id is None:
                message_id = (await interaction.original_response()).id
            await self.arm_round(trivia_round, message_id)
        finally:
            self._starting.discard(channel_id)

    def _refuse_if_taken(self, channel_id: int) -> None:
        """Raise `Busy` when this process knows of a round in the channel (a quick answer;
        the database has the last word in `TriviaStore.open_round`)."""
        round_id = self.open_in_channel.get(channel_id)
        if round_id is not None:
            trivia_round = self.rounds.get(round_id)
            if trivia_round is not None and trivia_round.closed:
                raise Busy("trivia.round_revealing")
            raise self._taken(trivia_round.closes_at if trivia_round else None)
        if channel_id in self._starting:
            raise Busy("trivia.round_open")

    def _taken(self, closes_at: datetime | None) -> Busy:
        """The refusal for a channel whose round closes (or closed) at `closes_at`."""
        if closes_at is not None and closes_at <= self.bot.clock.now():
            return Busy("trivia.round_revealing")
        return Busy("trivia.round_open")

    def _register(self, trivia_round: TriviaRound) -> None:
        self.rounds[trivia_round.round_id] = trivia_round
        self.open_in_channel[trivia_round.channel_id] = trivia_round.round_id

    @play.autocomplete("category")
    async def category_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = {question.category for question in self.builtin}
        if interaction.guild_id is not None:
            # One indexed query per keystroke, not the server's questions.
            names |= set(await self.store.categories(interaction.guild_id))
        return matching_choices(((name, name) for name in sorted(names)), current)

    async def start_round(
        self,
        guild_id: int,
        channel_id: int,
        category: str | None,
        difficulty: str | None = None,
        *,
        run_nonce: str | None = None,
        run_mark: str | None = None,
    ) -> TriviaRound:
        """Pick an unasked question and store the round (not yet posted).

        Raises `NotFound` when the category, or the difficulty in it, has no questions, and
        `RoundAlreadyOpenError` when the channel has a round that is not closed.
        """
        question, afresh = await self._pick_question(guild_id, category, difficulty)
        settings = await self.bot.guild_settings.get(guild_id)
        now = self.bot.clock.now()
        closes_at = now + timedelta(seconds=settings.value(TRIVIA_TIMEOUT.name))
        trivia_round = TriviaRound.deal(0, guild_id, channel_id, question, closes_at, self.rng)
        trivia_round.round_id = await self.store.open_round(
            guild_id,
            channel_id,
            question,
            list(trivia_round.choices),
            trivia_round.correct_index,
            now,
            closes_at,
            start_afresh=afresh,
            run_nonce=run_nonce,
            run_mark=run_mark,
        )
        trivia_round.footer_mark = run_mark
        return trivia_round

    async def _pick_question(
        self, guild_id: int, category: str | None, difficulty: str | None
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
                raise await self._nothing_matches(guild_id, category, difficulty)
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
        raise await self._nothing_matches(guild_id, category, difficulty)

    async def _nothing_matches(
        self, guild_id: int, category: str | None, difficulty: str | None
    ) -> NotFound:
        """The `NotFound` that says why nothing matched: the category, or the difficulty."""
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
                known = sorted({q.category for q in self.builtin})
                return NotFound("trivia.no_category", category=category, known=", ".join(known))
        return NotFound(
            "trivia.no_difficulty_in" if category else "trivia.no_difficulty",
            level=difficulty or "",
            category=category or "",
        )

    async def arm_round(self, trivia_round: TriviaRound, message_id: int | None = None) -> None:
        """Take answers for the round and close it when its time is up.

        Called before the message is posted (clicks can arrive before Discord's reply with
        the message id does) and again with the id; calling it again changes nothing else.
        """
        if trivia_round.closed:
            return
        self._register(trivia_round)
        if message_id is not None and trivia_round.message_id != message_id:
            trivia_round.message_id = message_id
            await self.store.set_round_message(trivia_round.round_id, message_id)
        if trivia_round.round_id not in self._closers:
            self._closers[trivia_round.round_id] = asyncio.create_task(
                self._close_when_due(trivia_round), name=f"trivia-round-{trivia_round.round_id}"
            )

    def question_embed(self, trivia_round: TriviaRound, locale: Any) -> discord.Embed:
        question = trivia_round.question
        lines = [
            f"**{CHOICE_LABELS[i]}.** {as_text(choice)}"
            for i, choice in enumerate(trivia_round.choices)
        ]
        # Moderators' text is shown as text (`as_text`): a markdown link reads as written.
        embed = fan_embed(t("trivia.question_title", locale), f"**{as_text(question.question)}**")
        embed.add_field(name=t("trivia.choices", locale), value="\n".join(lines), inline=False)
        closes = discord.utils.format_dt(trivia_round.closes_at, "R")
        embed.add_field(name=t("trivia.closes", locale), value=closes, inline=False)
        embed.set_footer(text=self._footer(trivia_round, locale))
        return embed

    @staticmethod
    def _footer(trivia_round: TriviaRound, locale: Any) -> str:
        """Category, difficulty (when the question has one) and round number."""
        question = trivia_round.question
        if question.difficulty:
            level = t(f"trivia.level.{question.difficulty}", locale)
            return t(
                "trivia.footer_level",
                locale,
                category=question.category,
                level=level,
                id=trivia_round.round_id,
            )
        return t("trivia.footer", locale, category=question.category, id=trivia_round.round_id)

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
        in_flight = self._storing.setdefault(round_id, set())
        in_flight.add(storing)
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
            in_flight.discard(storing)
            if not in_flight and self._storing.get(round_id) is in_flight:
                del self._storing[round_id]
        if stored is None:
            # The database already holds this member's answer (another process, a restart).
            await send_ephemeral(interaction, t("trivia.already_answered", locale))
            return
        metrics.answer_stored(time.perf_counter() - received)
        key = "trivia.correct" if stored.correct else "trivia.not_quite"
        await send_ephemeral(interaction, t(key, locale, letter=CHOICE_LABELS[choice]))

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
        stored = await self.answers.submit(AnswerToStore(trivia_round, user_id, name, choice, now))
        if stored is not None:
            trivia_round.record(user_id, choice, name)
        return stored

    # --- closing and revealing -----------------------------------------------------------

    async def _close_when_due(self, trivia_round: TriviaRound) -> None:
        delay = (trivia_round.closes_at - self.bot.clock.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            await self.close_round(trivia_round.round_id)
        except Exception:
            log.exception("could not close trivia round %s", trivia_round.round_id)
        finally:
            if self._closers.get(trivia_round.round_id) is asyncio.current_task():
                del self._closers[trivia_round.round_id]

    async def close_round(self, round_id: int) -> TriviaRound | None:
        """Stop taking answers, edit the message to reveal the answer and the results, and
        only then mark the round closed in the database.

        A passing failure of the edit (Discord's 5xx, a 429, the connection) is retried with
        backoff meanwhile: the channel stays taken (`/trivia play` there says a round is
        being revealed) and a restart reveals it. A deleted message, or one the bot may no
        longer edit, closes the round with a log line. Returns None when the round is not
        open in this process or is already being revealed.
        """
        trivia_round = self.rounds.get(round_id)
        if trivia_round is None or round_id in self._revealing:
            return None
        self._revealing.add(round_id)
        trivia_round.closed = True
        task = self._closers.get(round_id)
        if task is not None and task is not asyncio.current_task():
            del self._closers[round_id]
            task.cancel()
        try:
            storing = self._storing.get(round_id)
            if storing:
                # Clicks taken before the close are stored (or refused) before the reveal counts.
                await asyncio.wait(set(storing))
            if trivia_round.message_id is not None:
                await self._reveal(trivia_round)
            await self.store.close_round(round_id)
        finally:
            self._revealing.discard(round_id)
        self.rounds.pop(round_id, None)
        if self.open_in_channel.get(trivia_round.channel_id) == round_id:
            del self.open_in_channel[trivia_round.channel_id]
        return trivia_round

    async def _reveal(self, trivia_round: TriviaRound) -> None:
        """Edit the round's message into its reveal, trying again until Discord takes it or
        refuses it for good (deleted, forbidden, or a request error that would repeat)."""
        round_id = trivia_round.round_id
        assert trivia_round.message_id is not None
        message = self.bot.get_partial_messageable(trivia_round.channel_id).get_partial_message(
            trivia_round.message_id
        )
        delays = backoff_delays()
        attempt = 0
        while True:
            attempt += 1
            # Built per attempt: answers stored meanwhile belong in it.
            guild = self.bot.get_guild(trivia_round.guild_id)
            locale = guild.preferred_locale if guild else None
            try:
                await message.edit(
                    embed=self.reveal_embed(trivia_round, locale),
                    view=round_view(trivia_round, revealed=True),
                    allowed_mentions=NO_MENTIONS,
                )
                return
            except discord.NotFound:
                log.info("trivia round %s: its message was deleted; closed unrevealed", round_id)
                return
            except discord.Forbidden:
                log.warning(
                    "trivia round %s: may not edit its message; closed unrevealed", round_id
                )
                return
            except Exception as error:
                if not is_transient(error):
                    log.error(
                        "trivia round %s: Discord refused the reveal (%r); closed unrevealed",
                        round_id,
                        error,
                    )
                    return
                delay = next(delays)
                log.warning(
                    "trivia round %s: reveal attempt %d failed (%r); trying again in %.0f s",
                    round_id,
                    attempt,
                    error,
                    delay,
                )
                await self.sleep(delay)

    def reveal_embed(self, trivia_round: TriviaRound, locale: Any) -> discord.Embed:
        question = trivia_round.question
        right = trivia_round.choices[trivia_round.correct_index]
        embed = fan_embed(
            t("trivia.reveal_title", locale),
            f"**{as_text(question.question)}**\n\n"
            + t(
                "trivia.answer_was",
                locale,
                letter=CHOICE_LABELS[trivia_round.correct_index],
                answer=as_text(right),
            ),
        )
        embed.colour = SUCCESS_COLOUR
        if question.explanation:
            # At most 2 x 400 characters once escaped, inside a field's 1,024.
            embed.add_field(
                name=t("trivia.why", locale), value=as_text(question.explanation), inline=False
            )
        if question.source:
            embed.add_field(
                name=t("trivia.source", locale), value=source_links(question.source), inline=False
            )
        winners = trivia_round.winners()
        if winners:
            names = [trivia_round.names.get(user, str(user)) for user in winners]
            shown = ", ".join(discord.utils.escape_markdown(n) for n in names[:WINNERS_SHOWN])
            if len(names) > WINNERS_SHOWN:
                shown += " " + t("trivia.and_more", locale, count=len(names) - WINNERS_SHOWN)
            value = clip(shown, 1024)
        else:
            value = t("trivia.nobody", locale)
        embed.add_field(
            name=t("trivia.right_answers", locale, count=len(winners)), value=value, inline=False
        )
        chart = bar_chart(trivia_round.tally(), trivia_round.correct_index)
        embed.add_field(
            name=t("trivia.choices_picked", locale, count=len(trivia_round.answers)),
            value=f"```\n{chart}\n```",
            inline=False,
        )
        footer = self._footer(trivia_round, locale)
        if trivia_round.footer_mark:
            footer += f" · {trivia_round.footer_mark}"
        embed.set_footer(text=footer)
        return embed

    async def _rebuild(self, stored: StoredRound) -> TriviaRound | None:
        """The round as it was before a restart, with its answers; None if its question is gone."""
        question = self.by_key.get(stored.question_key) or await self.store.question_by_key(
            stored.guild_id, stored.question_key
        )
        if question is None:
            return None
        trivia_round = TriviaRound(
            round_id=stored.round_id,
            guild_id=stored.guild_id,
            channel_id=stored.channel_id,
            question=question,
            choices=tuple(stored.choices),
            correct_index=stored.correct_index,
            closes_at=stored.closes_at,
            message_id=stored.message_id,
            closed=stored.closed,
            footer_mark=stored.run_mark,
        )
        for user_id, choice, name in await self.store.round_answers(stored.round_id):
            trivia_round.answers[user_id] = choice
            trivia_round.names[user_id] = name
        return trivia_round

    async def _restore_open_rounds(self) -> None:
        """Rounds left open by a restart: take answers again, or reveal those past due."""
        for stored in await self.store.open_rounds():
            trivia_round = await self._rebuild(stored)
            if trivia_round is None or stored.message_id is None:
                # Never posted (or its question was removed): nothing to reveal.
                await self.store.close_round(stored.round_id)
                continue
            await self.arm_round(trivia_round, stored.message_id)

    # --- scheduled announcements ---------------------------------------------------------

    async def render_announcement(self, run: DueRun) -> OutgoingMessage | None:
        """A trivia round for a scheduled run; a re-sent run gets the round it dealt before."""
        settings = await self.bot.guild_settings.get(run.guild_id)
        if not settings.cog_enabled("trivia"):
            return None
        stored = await self.store.round_for_run(run.nonce)
        if stored is not None:
            trivia_round = self.rounds.get(stored.round_id) or await self._rebuild(stored)
            if trivia_round is None or trivia_round.closed:
                return None
        elif run.channel_id in self.open_in_channel or run.channel_id in self._starting:
            log.info("scheduled trivia skipped: a round is open in channel %s", run.channel_id)
            return None
        else:
            try:
                trivia_round = await self.start_round(
                    run.guild_id,
                    run.channel_id,
                    None,
                    run_nonce=run.nonce,
                    run_mark=run_marker(run.announcement_id),
                )
            except RoundAlreadyOpenError:
                log.info(
                    "scheduled trivia skipped: a round was opened in channel %s meanwhile",
                    run.channel_id,
                )
                return None
        # Armed now, so early clicks count and a post that never happens still closes it.
        await self.arm_round(trivia_round)
        guild = self.bot.get_guild(run.guild_id)
        locale = guild.preferred_locale if guild else None
        dealt = trivia_round

        async def arm(message_id: int) -> None:
            await self.arm_round(dealt, message_id)

        return OutgoingMessage(
            embed=self.question_embed(trivia_round, locale),
            view=round_view(trivia_round),
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
        try:
            window = LeaderboardWindow(period)
        except ValueError:
            window = LeaderboardWindow.ALL
        settings = await self.bot.guild_settings.get(interaction.guild_id)
        since = window.start(self.bot.clock.now(), settings.zone)
        if since is None:
            rows = await self.store.leaderboard_all_time(interaction.guild_id)
        else:
            rows = await self.store.leaderboard_since(interaction.guild_id, since)
        title = t(f"trivia.leaderboard_{window.value}", locale)
        embed = fan_embed(title, self._leaderboard_text(rows, locale))
        await reply(interaction, embed=embed)

    @staticmethod
    def _leaderboard_text(rows: list[LeaderboardRow], locale: Any) -> str:
        """One line per player; ties on points share a rank and medal, no medal for 0 points."""
        if not rows:
            return t("trivia.leaderboard_empty", locale)
        lines = []
        ranks = competition_ranks([row.points for row in rows])
        for rank, row in zip(ranks, rows, strict=True):
            name = discord.utils.escape_markdown(clip(row.name or str(row.user_id), 40))
            lines.append(
                t(
                    "trivia.leaderboard_row",
                    locale,
                    rank=medal_for(rank, row.points) or f"`{rank:>2}`",
                    name=name,
                    points=row.points,
                    correct=row.correct,
                )
            )
        return "\n".join(lines)

    @trivia.command(name="stats", description=_("A member's trivia figures"))
    @app_commands.describe(member=_("Whose figures (default: yours)"))
    @cog_enabled("trivia")
    async def stats(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        assert interaction.guild_id is not None
        locale = interaction.locale
        target = member or interaction.user
        score = await self.store.score(interaction.guild_id, target.id)
        title = t("trivia.stats_title", locale, name=target.display_name)
        if score is None or score.answered == 0:
            embed = fan_embed(title, t("trivia.stats_none", locale, name=target.display_name))
        else:
            embed = fan_embed(title)
            figures = [
                ("Answered", score.answered),
                ("Correct", score.correct),
                ("Accuracy", f"{score.accuracy:.0%}"),
                ("Points", score.points),
                ("Streak", score.streak),
                ("Best streak", score.best_streak),
            ]
            for label, value in figures:
                embed.add_field(name=t(f"trivia.stat.{label}", locale), value=str(value))
            lines = await self.store.category_lines(interaction.guild_id, target.id)
            embed.add_field(
                name=t("trivia.by_category", locale),
                value=self._category_text(lines, locale),
                inline=False,
            )
        await reply(interaction, embed=embed)

    @staticmethod
    def _category_text(lines: list[CategoryLine], locale: Any) -> str:
        """`video: 7 answered, 5 correct (71%)` per category; past 12, the rest in one line.

        Bounded by design: 13 lines of a 32-character name and figures fit in 1,024.
        """

        def line(name: str, answered: int, correct: int) -> str:
            accuracy = f"{correct / answered:.0%}" if answered else "0%"
            return t(
                "trivia.category_line",
                locale,
                category=name,
                answered=answered,
                correct=correct,
                accuracy=accuracy,
            )

        text = [
            line(
                entry.category or t("trivia.category_earlier", locale),
                entry.answered,
                entry.correct,
            )
            for entry in lines[:CATEGORIES_SHOWN]
        ]
        rest = lines[CATEGORIES_SHOWN:]
        if rest:
            text.append(
                line(
                    t("trivia.category_others", locale, count=len(rest)),
                    sum(entry.answered for entry in rest),
                    sum(entry.correct for entry in rest),
                )
            )
        return clip("\n".join(text), 1024)
