"""The geometry of the dashboard's chart of accuracy per category: one horizontal bar per
category, its length the share of right answers (0 to 100 %, so bars of two servers or two
members compare), the figure as text after it and the category's name before it.

Pure arithmetic on the figures, tested without a page; the template
(`templates/scores/chart.html`) only draws what this computes, as SVG.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.embeds import clip
from cogs.trivia.categories import CategoryFigure

# In SVG user units (the chart scales to the page's width through its viewBox).
LABEL_WIDTH = 190  # the category names, right-aligned against the bars
LABEL_GAP = 8
BAR_AREA = 360  # 100 %
VALUE_WIDTH = 120  # "100% · 9999/9999" after the longest bar
ROW = 28
BAR_HEIGHT = 18
TOP = 6
AXIS = 22  # the tick labels under the bars
# Names longer than this are cut in the chart (the full name is in the bar's <title> and
# in the table beside it): a pack's category may have 32 characters.
LABEL_CHARS = 24
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
    width: int
    height: int
    bars: tuple[ChartBar, ...]
    ticks: tuple[ChartTick, ...]
    grid_top: int
    grid_bottom: int
    tick_y: int


def bar_value(figure: CategoryFigure) -> str:
    """The text after a bar: `71% · 5/7`."""
    return f"{figure.percent} · {figure.correct}/{figure.answered}"


def accuracy_chart(figures: Sequence[CategoryFigure]) -> AccuracyChart:
    """Where each bar, name, figure and gridline of the chart of `figures` goes, in order
    (the first on top). A bar's width is `BAR_AREA` times the category's accuracy,
    rounded to whole units; a category without answers gets none."""
    left = LABEL_WIDTH + LABEL_GAP
    bars = []
    for index, figure in enumerate(figures):
        top = TOP + index * ROW
        width = round(BAR_AREA * min(max(figure.accuracy, 0.0), 1.0))
        bars.append(
            ChartBar(
                label=figure.label,
                short_label=clip(figure.label, LABEL_CHARS),
                value=bar_value(figure),
                x=left,
                y=top + (ROW - BAR_HEIGHT) // 2,
                width=width,
                height=BAR_HEIGHT,
                label_x=LABEL_WIDTH,
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
        height=grid_bottom + AXIS,
        bars=tuple(bars),
        ticks=ticks,
        grid_top=TOP,
        grid_bottom=grid_bottom,
        tick_y=grid_bottom + AXIS // 2 + 2,
    )
