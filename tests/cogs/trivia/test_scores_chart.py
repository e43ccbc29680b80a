"""The geometry of the dashboard's accuracy chart, without a page: bars as long as their
accuracy, one row each, names cut to fit but kept whole for their tooltip."""

from __future__ import annotations

from cogs.trivia.categories import CategoryFigure, category_figures
from cogs.trivia.chart import (
    BAR_AREA,
    LABEL_GAP,
    LABEL_MAX,
    LABEL_MIN,
    ROW,
    accuracy_chart,
    fitted,
    text_width,
)
from cogs.trivia.store import CategoryLine


def test_a_bar_is_as_long_as_its_accuracy_with_the_figure_after_it():
    left = text_width("release") + LABEL_GAP  # the longest name
    chart = accuracy_chart(
        [
            CategoryFigure("video", 4, 4),
            CategoryFigure("release", 4, 2),
            CategoryFigure("charts", 3, 1),
            CategoryFigure("service", 5, 0),
        ]
    )
    assert [bar.width for bar in chart.bars] == [
        BAR_AREA,
        round(BAR_AREA / 2),
        round(BAR_AREA / 3),
        0,
    ]
    assert [bar.value for bar in chart.bars] == ["100% · 4/4", "50% · 2/4", "33% · 1/3", "0% · 0/5"]
    for bar in chart.bars:
        assert bar.x == left
        assert bar.value_x > bar.x + bar.width  # the figure after the bar, even at 0
        assert bar.label_x < bar.x  # the name before it (drawn right-aligned)
        assert bar.y < bar.text_y < bar.y + bar.height  # text centred on its bar
        assert bar.value_x + 100 <= chart.width  # room for the figure after the longest bar


def test_bars_stack_a_row_apart_and_the_chart_grows_with_them():
    one = accuracy_chart([CategoryFigure("video", 1, 1)])
    three = accuracy_chart([CategoryFigure(name, 2, 1) for name in ("a", "b", "c")])
    assert [bar.y for bar in three.bars] == [one.bars[0].y + ROW * i for i in range(3)]
    assert three.height == one.height + 2 * ROW
    assert three.width == one.width
    assert three.grid_bottom == three.bars[-1].y + three.bars[-1].height + (ROW - 18) // 2
    assert three.tick_y > three.grid_bottom  # tick labels under the bars


def test_gridlines_at_each_quarter():
    chart = accuracy_chart([CategoryFigure("video", 1, 1)])
    left = LABEL_MIN + LABEL_GAP  # "video" is narrower than the narrowest column
    assert chart.left == left
    assert [(tick.percent, tick.x, tick.label) for tick in chart.ticks] == [
        (0, left, "0%"),
        (25, left + BAR_AREA // 4, "25%"),
        (50, left + BAR_AREA // 2, "50%"),
        (75, left + 3 * BAR_AREA // 4, "75%"),
        (100, left + BAR_AREA, "100%"),
    ]


def test_the_names_column_fits_the_longest_name_and_a_longer_one_is_cut():
    korean = accuracy_chart([CategoryFigure("뮤직비디오", 2, 1), CategoryFigure("video", 2, 1)])
    assert korean.left == text_width("뮤직비디오") + LABEL_GAP
    assert text_width("뮤직비디오") > text_width("video") * 1.5  # Hangul is full width
    name = "A very long category name of 32c"
    [bar] = accuracy_chart([CategoryFigure(name, 2, 1)]).bars
    assert bar.label == name  # whole, for the bar's <title>
    assert bar.short_label.endswith("…")
    assert name.startswith(bar.short_label[:-1])
    assert text_width(bar.short_label) <= LABEL_MAX < text_width(name)
    assert bar.label_x == text_width(bar.short_label)  # the column as wide as it needs
    assert fitted("video") == "video"
    assert text_width(fitted("가" * 30)) <= LABEL_MAX


def test_figures_name_shipped_categories_in_the_readers_language_and_sum_the_rest():
    lines = [CategoryLine(f"c{i:02d}", 20 - i, 1) for i in range(14)]
    lines[0] = CategoryLine("video", 30, 15)
    lines[1] = CategoryLine(None, 25, 5)
    figures = category_figures(lines, "ko", shown=12)
    assert figures[0] == CategoryFigure("뮤직비디오", 30, 15)
    assert figures[1].label == "이전 답변"
    assert figures[2].label == "c02"  # a server's own category, as written
    assert len(figures) == 13
    assert figures[-1] == CategoryFigure("그 밖의 카테고리 2개", 8 + 7, 2)
    assert category_figures(lines, "en", shown=14)[-1].label == "c13"
