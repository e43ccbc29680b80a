"""The geometry of the dashboard's chart of accuracy per category: one horizontal bar per
category, its length the share of right answers (0 to 100 %, so bars of two servers or two
members compare), the figure as text after it and the category's name before it.

Pure arithmetic on the figures, tested without a page; the template
(`templates/scores/chart.html`) only draws what this computes, as SVG.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from cogs.trivia.categories import CategoryFigure

# In SVG user units, drawn one to a CSS pixel (12px text, style.css) unless the page is
# narrower, when the whole chart shrinks with it.
# The names' column is as wide as the longest name drawn needs, within these bounds.
LABEL_MIN = 40
LABEL_MAX = 190
LABEL_GAP = 8
# Roughly how wide a character of 12px text is: Latin letters, and Hangul (full width).
NARROW_CHAR = 7
WIDE_CHAR = 12
BAR_AREA = 260  # 100 %
VALUE_WIDTH = 110  # "100% · 9999/9999" after the longest bar
ROW = 28
BAR_HEIGHT = 18
TOP = 6
AXIS = 22  # the tick labels under the bars
# A name wider than LABEL_MAX is cut to fit, with an ellipsis (the full name is in the
# bar's <title> and in the table beside it): a pack's category may have 32 characters.
ELLIPSIS = "…"
TICKS = (0, 25, 50, 75, 100)


@dataclass(frozen=True)
class ChartBar:
    """One category's bar: its name (`label` whole, `short_label` as drawn), the figure
    written after it, and where everything goes."""

    label: str
    short_label: str
    value: str
    x: int
    y: int
    width: int
    height: int
    label_x: int
    value_x: int
    text_y: int


@dataclass(frozen=True)
class ChartTick:
    """A gridline at `percent` % and its label under the bars."""

    percent: int
    x: int
    label: str


@dataclass(frozen=True)
class AccuracyChart:
    """The whole chart's size, where its bars begin (`left`), its bars and gridlines."""

    width: int
    left: int
    height: int
    bars: tuple[ChartBar, ...]
    ticks: tuple[ChartTick, ...]
    grid_top: int
    grid_bottom: int
    tick_y: int


def bar_value(figure: CategoryFigure) -> str:
    """The text after a bar: `71% · 5/7`."""
    return f"{figure.percent} · {figure.correct}/{figure.answered}"


def text_width(text: str) -> int:
    """About how wide `text` is drawn in 12px type (a full-width character counts double)."""
    return sum(
        WIDE_CHAR if unicodedata.east_asian_width(char) in ("W", "F") else NARROW_CHAR
        for char in text
    )


def fitted(label: str, room: int = LABEL_MAX) -> str:
    """`label`, or as much of it as fits in `room` with an ellipsis after it."""
    if text_width(label) <= room:
        return label
    kept = label
    while kept and text_width(kept + ELLIPSIS) > room:
        kept = kept[:-1]
    return kept.rstrip() + ELLIPSIS


def accuracy_chart(figures: Sequence[CategoryFigure]) -> AccuracyChart:
    """Where each bar, name, figure and gridline of the chart of `figures` goes, in order
    (the first on top). A bar's width is `BAR_AREA` times the category's accuracy,
    rounded to whole units; a category without answers gets none. The names' column is as
    wide as the longest name needs, from `LABEL_MIN` to `LABEL_MAX` (a longer one is cut)."""
    short_labels = [fitted(figure.label) for figure in figures]
    label_width = min(max([LABEL_MIN, *(text_width(label) for label in short_labels)]), LABEL_MAX)
    left = label_width + LABEL_GAP
    bars = []
    for index, (figure, short_label) in enumerate(zip(figures, short_labels, strict=True)):
        top = TOP + index * ROW
        width = round(BAR_AREA * min(max(figure.accuracy, 0.0), 1.0))
        bars.append(
            ChartBar(
                label=figure.label,
                short_label=short_label,
                value=bar_value(figure),
                x=left,
                y=top + (ROW - BAR_HEIGHT) // 2,
                width=width,
                height=BAR_HEIGHT,
                label_x=label_width,
                value_x=left + width + 6,
                text_y=top + ROW // 2,
            )
        )
    grid_bottom = TOP + len(figures) * ROW
    ticks = tuple(
        ChartTick(percent, left + round(BAR_AREA * percent / 100), f"{percent}%")
        for percent in TICKS
    )
    return AccuracyChart(
        width=left + BAR_AREA + VALUE_WIDTH,
        left=left,
        height=grid_bottom + AXIS,
        bars=tuple(bars),
        ticks=ticks,
        grid_top=TOP,
        grid_bottom=grid_bottom,
        tick_y=grid_bottom + AXIS // 2 + 2,
    )
