"""What trivia looks like in Discord: the question, its answer buttons, the reveal, and the
leaderboard and stats texts.

The buttons carry their round in their custom id (`trivia:<round>:<choice>`), so a click
reaches the round after a restart; the click itself is the cog's (`AnswerHandler`).
"""

from __future__ import annotations

import re
from typing import Any, Protocol, runtime_checkable

import discord

from bot.embeds import NO_MENTIONS, SUCCESS_COLOUR, clip, fan_embed
from bot.errors import answer_error
from bot.i18n import catalog, language_of, t
from bot.interaction_bot import fanbot_of
from bot.metrics import Outcome, count_interaction
from bot.sources import source_links
from bot.text import as_text
from cogs.trivia.categories import category_figures, category_label
from cogs.trivia.game import (
    CHOICE_LABELS,
    RoundClosedError,
    ScoreLine,
    TriviaRound,
    bar_chart,
    competition_ranks,
    medal_for,
    round_wording,
)
from cogs.trivia.store import CategoryLine, LeaderboardRow

# The cog's name, by which a button finds the cog that takes its click.
COG_NAME = "Trivia"
WINNERS_SHOWN = 15


@runtime_checkable
class AnswerHandler(Protocol):
    """What takes a click on an answer button (the trivia cog)."""

    async def handle_answer(
        self, interaction: discord.Interaction, round_id: int, choice: int
    ) -> None: ...


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
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AnswerButton:
        return cls(int(match["round"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = fanbot_of(interaction).get_cog(COG_NAME)
        try:
            if not isinstance(cog, AnswerHandler):
                raise RoundClosedError  # trivia was unloaded: nothing takes answers
            await cog.handle_answer(interaction, self.round_id, self.choice)
        except Exception as error:
            await answer_error(interaction, error)
        else:
            count_interaction(interaction, Outcome.OK)


def round_view(
    trivia_round: TriviaRound, locale: Any = None, *, revealed: bool = False
) -> discord.ui.View:
    """The four answer buttons, labelled in `locale`'s language (see `round_wording`): live
    while the round is open, greyed out with the right one green once it is revealed."""
    view = discord.ui.View(timeout=None)
    choices = round_wording(trivia_round, language_of(locale)).choices
    for index, choice in enumerate(choices):
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


def question_embed(trivia_round: TriviaRound, locale: Any) -> discord.Embed:
    """The question with its four answers (in `locale`'s language where the question has
    it) and when the round closes."""
    wording = round_wording(trivia_round, language_of(locale))
    choices = enumerate(wording.choices)
    lines = [f"**{CHOICE_LABELS[i]}.** {as_text(choice)}" for i, choice in choices]
    # Moderators' text is shown as text (`as_text`): a markdown link reads as written.
    embed = fan_embed(t("trivia.question_title", locale), f"**{as_text(wording.question)}**")
    embed.add_field(name=t("trivia.choices", locale), value="\n".join(lines), inline=False)
    closes = discord.utils.format_dt(trivia_round.closes_at, "R")
    embed.add_field(name=t("trivia.closes", locale), value=closes, inline=False)
    embed.set_footer(text=round_footer(trivia_round, locale))
    return embed


def round_footer(trivia_round: TriviaRound, locale: Any) -> str:
    """Category, difficulty (when the question has one) and round number."""
    question = trivia_round.question
    category = category_label(question.category, locale)
    if question.difficulty:
        level = t(f"trivia.level.{question.difficulty}", locale)
        return t(
            "trivia.footer_level",
            locale,
            category=category,
            level=level,
            id=trivia_round.round_id,
        )
    return t("trivia.footer", locale, category=category, id=trivia_round.round_id)


def added_to_footer(trivia_round: TriviaRound, posted_footer: str | None) -> str:
    """What the posted message's footer carries after the round's own footer (in whichever
    language it was posted): what its poster added, which the reveal keeps.

    The poster's additions are its business (a scheduled post's mark, by which a restart
    finds the post): trivia keeps them without knowing what they are. A footer that does not
    start with the round's own adds nothing.
    """
    if not posted_footer:
        return ""
    for language in catalog().languages:
        own = round_footer(trivia_round, language)
        if posted_footer.startswith(own):
            return posted_footer[len(own) :]
    return ""


def reveal_embed(
    trivia_round: TriviaRound, locale: Any, *, posted_footer: str | None = None
) -> discord.Embed:
    """The answer, why, its source, who was right and how everyone voted; the footer keeps
    what the poster added to the posted one (`added_to_footer`). Worded in `locale`'s
    language where the question has it, as the question was."""
    question = trivia_round.question
    wording = round_wording(trivia_round, language_of(locale))
    right = wording.choices[trivia_round.correct_index]
    embed = fan_embed(
        t("trivia.reveal_title", locale),
        f"**{as_text(wording.question)}**\n\n"
        + t(
            "trivia.answer_was",
            locale,
            letter=CHOICE_LABELS[trivia_round.correct_index],
            answer=as_text(right),
        ),
    )
    embed.colour = SUCCESS_COLOUR
    if wording.explanation:
        # At most 2 x 400 characters once escaped, inside a field's 1,024.
        embed.add_field(
            name=t("trivia.why", locale), value=as_text(wording.explanation), inline=False
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
    footer = round_footer(trivia_round, locale) + added_to_footer(trivia_round, posted_footer)
    embed.set_footer(text=footer)
    return embed


async def edit_into_reveal(
    message: discord.PartialMessage, trivia_round: TriviaRound, locale: Any
) -> None:
    """One attempt at turning the round's message into its reveal (built now: answers stored
    meanwhile belong in it). Raises what Discord raised; `cogs.trivia.rounds` retries.

    The posted message is read first for its footer. A bot that may no longer read the
    channel's history can still edit its own message: then the reveal has its own footer.
    """
    try:
        posted = await message.fetch()
    except discord.Forbidden:
        posted_footer = None
    else:
        posted_footer = posted.embeds[0].footer.text if posted.embeds else None
    await message.edit(
        embed=reveal_embed(trivia_round, locale, posted_footer=posted_footer),
        view=round_view(trivia_round, locale, revealed=True),
        allowed_mentions=NO_MENTIONS,
    )


# --- /trivia leaderboard and /trivia stats ------------------------------------------------


def leaderboard_text(rows: list[LeaderboardRow], locale: Any) -> str:
    """One line per player; ties on points share a rank and medal, no medal for 0 points."""
    if not rows:
        return t("trivia.leaderboard_empty", locale)
    lines = []
    ranks = competition_ranks([row.points for row in rows])
    for rank, row in zip(ranks, rows, strict=True):
        name = discord.utils.escape_markdown(clip(row.label, 40))
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


def stats_embed(
    name: str, score: ScoreLine | None, lines: list[CategoryLine], locale: Any
) -> discord.Embed:
    """A member's figures and their accuracy per category; a line saying so without answers."""
    title = t("trivia.stats_title", locale, name=name)
    if score is None or score.answered == 0:
        return fan_embed(title, t("trivia.stats_none", locale, name=name))
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
    embed.add_field(
        name=t("trivia.by_category", locale), value=category_text(lines, locale), inline=False
    )
    return embed


def category_text(lines: list[CategoryLine], locale: Any) -> str:
    """`video: 7 answered, 5 correct (71%)` per category; past 12, the rest in one line.

    Bounded by design: 13 lines of a 32-character name and figures fit in 1,024.
    """
    text = [
        t(
            "trivia.category_line",
            locale,
            category=figure.label,
            answered=figure.answered,
            correct=figure.correct,
            accuracy=figure.percent,
        )
        for figure in category_figures(lines, locale)
    ]
    return clip("\n".join(text), 1024)
