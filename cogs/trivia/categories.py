"""Trivia categories as members read and type them: a shipped category's name in each
language (catalog keys `trivia.category.<name>`), the autocomplete that matches either, and
what a typed name stands for.

A server's own categories have no translations: they are shown and matched as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from discord import app_commands

from bot.choices import MAX_CHOICES, NAME_MAX
from bot.embeds import clip
from bot.i18n import catalog, t

if TYPE_CHECKING:
    from cogs.trivia.store import CategoryLine

KEY = "trivia.category.{}"
# Per-category figures (/trivia stats, the dashboard): the most answered ones one by one,
# the rest summed up in one line.
CATEGORIES_SHOWN = 12


def category_label(category: str, locale: Any) -> str:
    """The category's name in `locale`'s language; as written when the catalogs don't name it."""
    key = KEY.format(category)
    return t(key, locale) if catalog().has(key) else category


def category_names(category: str) -> list[str]:
    """Every name the category goes by: itself and its name in each language."""
    return [category, *(category_label(category, language) for language in catalog().languages)]


def _in_order(typed: str, name: str) -> bool:
    """Whether the typed letters appear in `name` in order (`뮤비` in `뮤직비디오`)."""
    rest = iter(name)
    return all(letter in rest for letter in typed)


def category_choices(
    categories: Iterable[str], typed: str, locale: Any
) -> list[app_commands.Choice[str]]:
    """The autocomplete for `category`: labelled in the member's language, matched in any
    (a name containing what was typed first, then one holding its letters in order), and
    answering with the value the command takes."""
    wanted = "".join(typed.split()).casefold()
    contains: list[app_commands.Choice[str]] = []
    in_order: list[app_commands.Choice[str]] = []
    for category in categories:
        names = ["".join(name.split()).casefold() for name in category_names(category)]
        choice = app_commands.Choice(
            name=clip(category_label(category, locale), NAME_MAX), value=category
        )
        if any(wanted in name for name in names):
            contains.append(choice)
        elif wanted and any(_in_order(wanted, name) for name in names):
            in_order.append(choice)
    return (contains + in_order)[:MAX_CHOICES]


def resolve_category(typed: str, categories: Iterable[str]) -> str:
    """The category a typed name stands for: a shipped one's name in any language finds it
    (`뮤직비디오` -> `video`); anything else is returned as typed."""
    wanted = "".join(typed.split()).casefold()
    for category in categories:
        if any("".join(name.split()).casefold() == wanted for name in category_names(category)):
            return category
    return typed


@dataclass(frozen=True)
class CategoryFigure:
    """One line of per-category figures as a reader sees it: the category's name in their
    language ("earlier answers", "3 other categories" for the lines without one)."""

    label: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0

    @property
    def percent(self) -> str:
        """The accuracy as shown: `71%`."""
        return f"{self.accuracy:.0%}"


def category_figures(
    lines: Sequence[CategoryLine], locale: Any, shown: int = CATEGORIES_SHOWN
) -> list[CategoryFigure]:
    """`lines` (most answered first) as read in `locale`: the first `shown` by name, the
    rest summed up in one more line."""
    figures = [
        CategoryFigure(
            category_label(line.category, locale)
            if line.category
            else t("trivia.category_earlier", locale),
            line.answered,
            line.correct,
        )
        for line in lines[:shown]
    ]
    rest = lines[shown:]
    if rest:
        figures.append(
            CategoryFigure(
                t("trivia.category_others", locale, count=len(rest)),
                sum(line.answered for line in rest),
                sum(line.correct for line in rest),
            )
        )
    return figures
