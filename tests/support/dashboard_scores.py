"""For tests of the dashboard's scores pages: answers stored through the trivia store (at a
chosen time, in a chosen category), rounds played through the emulator, and the pages'
tables read back as rows of text."""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from html.parser import HTMLParser

from cogs.trivia.game import TriviaRound
from cogs.trivia.schema import Question
from cogs.trivia.store import TriviaStore
from discord_emulator import DemoWorld, Emulator, eventually

# One open round per channel: each stored round gets a channel of its own.
_channels = itertools.count(9_000_000)


async def stored_answers(
    store: TriviaStore,
    guild_id: int,
    user_id: int,
    name: str,
    at: datetime,
    *,
    right: int = 0,
    wrong: int = 0,
    category: str = "video",
) -> None:
    """`right` right and `wrong` wrong answers by the member, each in a round of its own."""
    question = Question(f"k-{category}", "Q?", "right", ("a", "b", "c"), category)
    for is_right in [True] * right + [False] * wrong:
        channel = next(_channels)
        dealt = TriviaRound.deal(
            0, guild_id, channel, question, at + timedelta(seconds=20), random.Random(0)
        )
        dealt.round_id = await store.open_round(
            guild_id,
            channel,
            question,
            list(dealt.choices),
            dealt.correct_index,
            at,
            dealt.closes_at,
            start_afresh=False,
        )
        choice = dealt.correct_index if is_right else (dealt.correct_index + 1) % 4
        await store.record_answer(dealt, user_id, name, choice, at)
        await store.close_round(dealt.round_id)


async def play_round(emu: Emulator, world: DemoWorld, bot, answers: Mapping[str, bool]) -> None:
    """One `/trivia play` round in #trivia that each of `answers` (a user's name: right or
    not) answers by clicking, waited for until it is revealed."""
    await bot.guild_settings.update(int(world.guild.id), 0, trivia_timeout=1)
    started = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
    rounds = bot.get_cog("Trivia").rounds
    await eventually(lambda: rounds)
    trivia_round = next(iter(rounds.values()))
    buttons = started.message.buttons()
    for user, right in answers.items():
        index = trivia_round.correct_index if right else (trivia_round.correct_index + 1) % 4
        await emu.click(started.message, buttons[index]["custom_id"], user)
    await started.wait_edit(timeout=5)
    await eventually(lambda: not rounds)


class _Rows(HTMLParser):
    """The cells' text of the rows of the first table with `css_class`."""

    def __init__(self, css_class: str) -> None:
        super().__init__()
        self.css_class = css_class
        self.depth = 0  # > 0 inside the table
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and not self.done and (self.depth or self.css_class in classes):
            self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
            self.done = self.depth == 0
        elif self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str, css_class: str) -> list[list[str]]:
    """The body rows (header row left out) of the table of class `css_class`, as text."""
    parser = _Rows(css_class)
    parser.feed(html)
    return parser.rows[1:]
