"""The dashboard's settings form as a browser would send it: the fields as the page shows
them (hidden ones, text and number inputs, the selected options, the ticked boxes), with
the test's changes on top."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from tests.support.dashboard import DashboardClient


class _FormFields(HTMLParser):
    """The fields of the first `<form class="settings">`, as a browser would submit it."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form" and "settings" in a.get("class", "").split():
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind == "checkbox":
                if "checked" in a:
                    self.fields[a["name"]] = a.get("value", "on")
            elif kind != "submit" and "name" in a:
                self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
            self._first_option = None
        elif tag == "option" and self._select is not None:
            if self._first_option is None:
                self._first_option = a.get("value", "")
                self.fields.setdefault(self._select, self._first_option)
            if "selected" in a:
                self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


def settings_fields(html: str) -> dict[str, str]:
    parser = _FormFields()
    parser.feed(html)
    return parser.fields


def settings_path(guild_id: int | str) -> str:
    return f"/servers/{guild_id}/settings"


async def open_settings(client: DashboardClient, guild_id: int | str) -> dict[str, str]:
    """The settings form of the server's page, as it is shown now."""
    status, html = await client.get(settings_path(guild_id))
    assert status == 200, html
    return settings_fields(html)


async def submit_settings(
    client: DashboardClient,
    guild_id: int | str,
    form: dict[str, str],
    *,
    off: tuple[str, ...] = (),
    **changes: Any,
) -> tuple[int, str]:
    """Send `form` (from `open_settings`, perhaps long ago) with `changes` typed in and the
    boxes named in `off` unticked; the answer after the redirect."""
    fields = dict(form)
    for name in off:
        fields.pop(name, None)
    fields.update({name: str(value) for name, value in changes.items()})
    return await client.post_form(settings_path(guild_id), fields)
