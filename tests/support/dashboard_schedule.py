"""Reading the dashboard's schedule page as a moderator sees it: its table, its problems."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _SchedulePage(HTMLParser):
    """Collects each announcement row's cells (by their class) and the listed problems."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[int, dict[str, str]] = {}
        self.problems: list[str] = []
        self._row: int | None = None
        self._cell: str | None = None
        self._in_problems = False
        self._problem: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        row_id = found.get("id") or ""
        if tag == "tr" and row_id.startswith("announcement-"):
            self._row = int(row_id.removeprefix("announcement-"))
            self.rows[self._row] = {}
        elif tag == "td" and self._row is not None and found.get("class"):
            self._cell = found["class"]
            self.rows[self._row][self._cell] = ""
        elif tag == "ul" and found.get("class") == "problems":
            self._in_problems = True
        elif tag == "li" and self._in_problems:
            self._problem = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "li" and self._problem is not None:
            self.problems.append("".join(self._problem).strip())
            self._problem = None
        elif tag == "ul":
            self._in_problems = False

    def handle_data(self, data: str) -> None:
        if self._row is not None and self._cell is not None:
            self.rows[self._row][self._cell] += data
        if self._problem is not None:
            self._problem.append(data)


def schedule_rows(html: str) -> dict[int, dict[str, str]]:
    """Each announcement's cells by column (`next`, `failure`, ...), by its number."""
    page = _SchedulePage()
    page.feed(html)
    return {
        number: {k: " ".join(v.split()) for k, v in row.items()}
        for number, row in page.rows.items()
    }


def listed_problems(html: str) -> list[str]:
    """The refusals the page lists, as text."""
    page = _SchedulePage()
    page.feed(html)
    return page.problems


def add_form(channel: Any = "", **fields: Any) -> dict[str, str]:
    """The add form as a moderator fills it in: a daily quote at 17:05 unless told."""
    form = {"kind": "quote", "time": "17:05", "repeat": "daily", "weekday": "", "channel": ""}
    form.update({name: str(value) for name, value in fields.items()})
    form["channel"] = str(getattr(channel, "id", channel))
    return form
