"""The dashboard's questions page, driven as a browser would: its forms (the import form is
multipart, with a file input), and questions stored beside it through the store."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

import aiohttp

from bot.client import FanBot
from cogs.trivia.schema import Question, Translation
from cogs.trivia.store import TriviaStore
from tests.support.dashboard import DashboardClient

STORED_AT = datetime(2026, 12, 1, tzinfo=UTC)
GOOD_PACK = """
[[questions]]
question = "Which colour is our server banner?"
correct = "Lilac"
wrong1 = "Red"
wrong2 = "Green"
wrong3 = "Black"
category = "ours"
difficulty = "easy"

[[questions]]
question = "Which day is our weekly watch party?"
correct = "Friday"
wrong1 = "Monday"
wrong2 = "Tuesday"
wrong3 = "Sunday"
category = "ours"
difficulty = "hard"
"""


# The emulator's ids are strings; the bot's are ints.
Id = int | str


def page_of_questions(guild_id: Id) -> str:
    return f"/servers/{guild_id}/questions"


def question(text: str, category: str = "ours", korean: bool = False) -> Question:
    """A server's question as a store would hold it (answers A to D, A right)."""
    translation = Translation(f"{text} (한국어)", ("가", "나", "다", "라")) if korean else None
    return Question("", text, "A", ("B", "C", "D"), category, korean=translation)


async def store_questions(
    bot: FanBot, guild_id: Id, questions: list[Question], pack: str | None = None
) -> list[int]:
    """Stored as a command would, in `guild_id`; their ids."""
    stored = await TriviaStore(bot.database).add_questions(
        int(guild_id), questions, 1, STORED_AT, limit=10_000, pack=pack
    )
    return stored.ids


async def post_pack(
    client: DashboardClient,
    guild_id: Id,
    *,
    action: str = "import",
    text: str = "",
    name: str = "",
    file: tuple[str, bytes] | None = None,
) -> tuple[int, str]:
    """The import form sent as a browser sends it (multipart; an empty file part when no
    file is chosen), with the page's CSRF token; (status, page) after redirects."""
    path = page_of_questions(guild_id)
    form = aiohttp.FormData()
    form.add_field("csrf_token", await client.csrf(path))
    form.add_field("pack_text", text)
    filename, data = file if file is not None else ("", b"")
    form.add_field("pack_file", data, filename=filename, content_type="application/octet-stream")
    form.add_field("pack_name", name)
    form.add_field("action", action)
    async with client.http.post(f"{path}/import", data=form) as response:
        return response.status, await response.text()


async def count_in(bot: FanBot, guild_id: Id) -> int:
    return await TriviaStore(bot.database).count_guild_questions(int(guild_id))


def problems_on(page: str) -> list[str]:
    """The problems a refused form lists, as text."""
    found = re.search(r'<div class="problems"[^>]*>(.*?)</div>', page, re.S)
    if found is None:
        return []
    return [html.unescape(item).strip() for item in re.findall(r"<li>(.*?)</li>", found[1], re.S)]


def listed_row(page: str, question_id: int) -> str:
    """The list's row of one question, as HTML."""
    found = re.search(rf'<tr id="question-{question_id}">(.*?)</tr>', page, re.S)
    assert found, f"question #{question_id} is not listed"
    return found[1]


def textarea(page: str, name: str) -> str:
    """What the textarea `name` holds, as a browser reads it (unescaped, without the one
    line break an HTML parser drops after the opening tag)."""
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, f"no textarea {name}"
    text = html.unescape(found[1])
    return text.removeprefix("\r\n") if text.startswith("\r\n") else text.removeprefix("\n")


def input_value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    assert found, f"no input {name}"
    return html.unescape(found[1])


def notice_on(page: str) -> str | None:
    found = re.search(r'<p class="notice"[^>]*>(.*?)</p>', page, re.S)
    return html.unescape(found[1]) if found else None


def fields(**changes: Any) -> dict[str, str]:
    """The add form, filled in with a good question."""
    base = {
        "question": "Who made our server's emoji?",
        "correct": "Hana",
        "wrong1": "Min",
        "wrong2": "Jun",
        "wrong3": "Seo",
        "category": "",
        "difficulty": "",
        "explanation": "",
    }
    return {**base, **changes}
