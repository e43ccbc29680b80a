"""The dashboard's questions page: everything `/trivia-admin` does, on a page.

`GET /servers/{guild_id}/questions` lists the server's own questions and packs, with the
forms to add one, remove one or a pack, and check or import a pack pasted or chosen as a
file. The forms are read and checked by the command's own code (`cogs.trivia.own_questions`)
and stored through the same store, so the bot plays what the page stores at once. A refusal
shows the page again (HTTP 400) with every problem and what was typed, and stores nothing.

Every id a form sends is looked for among the page's server's own rows only: another
server's question or pack is "not here", never removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.content import ContentError, format_of
from bot.dashboard.app import back_to, notice, render
from bot.dashboard.sections import Section
from bot.dashboard.services import language_of_request, page_of, services_of
from bot.embeds import clip
from bot.errors import InvalidInput
from bot.i18n import t
from cogs.trivia.categories import category_label
from cogs.trivia.own_questions import (
    GUILD_MAX_QUESTIONS,
    PACK_HISTORY,
    PACK_NAME_MAX,
    QUESTION_HISTORY,
    TYPED_FIELDS,
    PackCheck,
    add_own_questions,
    check_pack,
    count_summary,
    difficulty_name,
    pack_entry,
    pack_format,
    pack_name,
    pack_text,
    parse_pack,
    problem_text,
    question_entry,
    refuse_too_big,
    resolve_pack_name,
    shipped_text_keys,
    typed_question,
)
from cogs.trivia.schema import (
    ANSWER_MAX,
    CATEGORY_MAX,
    DIFFICULTIES,
    EXPLANATION_MAX,
    QUESTION_MAX,
    Question,
)
from cogs.trivia.store import OwnQuestion, TriviaStore

routes = web.RouteTableDef()

SECTION = Section(
    "questions", title_key="dashboard.trivia.questions.nav", position=30, routes=routes
)

KEYS = "dashboard.trivia.questions"
# What the notice after a change quotes of a question (the list shows it whole).
QUESTION_QUOTED_MAX = 200
QUESTIONS_SHOWN = 5
PASTED = "pasted"


@dataclass(frozen=True)
class PackForm:
    """The import form as it was sent: shown again with a refusal or a check."""

    text: str = ""
    name: str = ""


@dataclass(frozen=True)
class Refusal:
    """Which form was refused, and every problem, worded in the page's language."""

    form: str  # "add", "import", "remove", "remove_pack"
    problems: Sequence[str]


async def _show(
    request: web.Request,
    *,
    status: int = 200,
    refusal: Refusal | None = None,
    typed: dict[str, str] | None = None,
    pack: PackForm | None = None,
    check: PackCheck | None = None,
) -> web.Response:
    page = page_of(request)
    store = TriviaStore(services_of(request).db)
    lang = language_of_request(request)
    own = await store.own_questions(page.guild_id)
    return await render(
        request,
        "questions/page.html",
        {
            "questions": [_listed(row, lang) for row in own],
            "packs": await store.packs(page.guild_id),
            "limit": GUILD_MAX_QUESTIONS,
            "refusal": refusal,
            "typed": typed or {},
            "pack": pack or PackForm(),
            "check": _check_lines(check, lang) if check is not None else None,
            "difficulties": [(level, difficulty_name(level, lang)) for level in DIFFICULTIES],
            "limits": {
                "question": QUESTION_MAX,
                "answer": ANSWER_MAX,
                "category": CATEGORY_MAX,
                "explanation": EXPLANATION_MAX,
                "pack_name": PACK_NAME_MAX,
            },
        },
        status=status,
    )


def _listed(row: OwnQuestion, lang: str) -> dict[str, Any]:
    """A row of the list: the answers in their stored order, the right one first."""
    question = row.question
    korean = question.korean
    return {
        "id": row.id,
        "text": question.question,
        "answers": question.answers,
        "explanation": question.explanation,
        "korean": korean,
        "category": category_label(question.category, lang),
        "difficulty": difficulty_name(question.difficulty, lang),
        "pack": row.pack,
    }


def _check_lines(check: PackCheck, lang: str) -> dict[str, Any]:
    """A check's report as the command gives it: counts by category and by difficulty,
    and the first questions."""
    return {
        "head": t(
            f"{KEYS}.check_head",
            lang,
            pack=check.pack,
            stored=len(check.new),
            skipped=len(check.skipped),
        ),
        "categories": t(
            "trivia_admin.check_categories", lang, counts=count_summary(check.categories, lang)
        ),
        "difficulties": t(
            "trivia_admin.check_difficulties",
            lang,
            counts=count_summary(check.difficulties(lang), lang),
        ),
        "first": [_first_line(question, lang) for question in check.new[:QUESTIONS_SHOWN]],
        "any": bool(check.new),
    }


def _first_line(question: Question, lang: str) -> str:
    level = difficulty_name(question.difficulty, lang)
    return f"{question.question} ({category_label(question.category, lang)}, {level})"


def _field(posted: Any, name: str) -> str:
    value = posted.get(name, "")
    return value if isinstance(value, str) else ""


@routes.get("")
async def questions(request: web.Request) -> web.StreamResponse:
    return await _show(request)


@routes.post("/add")
async def add(request: web.Request) -> web.StreamResponse:
    """One question, with `/trivia-admin add`'s fields and checks."""
    page = page_of(request)
    services = services_of(request)
    lang = language_of_request(request)
    posted = await request.post()
    typed = {name: _field(posted, name) for name in TYPED_FIELDS}
    # A field left empty is one not given, as an option left out of the command.
    given: dict[str, str | None] = {name: value.strip() or None for name, value in typed.items()}
    try:
        question = typed_question(given)
        stored = await add_own_questions(
            TriviaStore(services.db),
            page.guild_id,
            [question],
            page.user.user_id,
            services.clock.now(),
            pack=None,
            shipped=shipped_text_keys(services.client),
        )
    except ContentError as error:
        problems = [problem_text(problem, lang) for problem in error.problems]
        return await _show(request, status=400, refusal=Refusal("add", problems), typed=typed)
    except InvalidInput as refused:
        refusal = Refusal("add", [refused.render(lang)])
        return await _show(request, status=400, refusal=refusal, typed=typed)
    if not stored.ids:
        text = t("trivia_admin.already_here", lang, question=_quoted(question))
        return await _show(request, status=400, refusal=Refusal("add", [text]), typed=typed)
    await services.settings.record(
        page.guild_id, page.changer, QUESTION_HISTORY, None, question_entry(stored.ids[0], question)
    )
    await notice(
        request,
        f"{KEYS}.added",
        id=stored.ids[0],
        category=category_label(question.category, lang),
        question=_quoted(question),
    )
    raise back_to(request, "/questions")


def _quoted(question: Question) -> str:
    return clip(question.question, QUESTION_QUOTED_MAX)


@routes.post("/import")
async def import_pack(request: web.Request) -> web.StreamResponse:
    """Check (store nothing) or import a pack: pasted, or a chosen file (which then fills
    the text box, so a refused pack can be mended on the page)."""
    page = page_of(request)
    services = services_of(request)
    lang = language_of_request(request)
    posted = await request.post()
    form = PackForm(_field(posted, "pack_text"), _field(posted, "pack_name").strip())
    upload = posted.get("pack_file")
    try:
        if isinstance(upload, web.FileField) and upload.filename:
            filename = upload.filename
            data = upload.file.read()
            refuse_too_big(len(data))
            fmt = pack_format(filename)
            form = PackForm(pack_text(data), filename)
        elif form.text.strip():
            refuse_too_big(len(form.text.encode()))
            fmt = format_of(form.name) or _guessed_format(form.text)
            filename = form.name or f"{PASTED}.{fmt}"
        else:
            raise InvalidInput(f"{KEYS}.nothing_given")
        questions = await parse_pack(form.text, fmt, filename)
        pack = pack_name(filename)
        shipped = shipped_text_keys(services.client)
        store = TriviaStore(services.db)
        if _field(posted, "action") != "import":
            found = await check_pack(store, page.guild_id, pack, questions, shipped)
            return await _show(request, pack=form, check=found)
        stored = await add_own_questions(
            store,
            page.guild_id,
            questions,
            page.user.user_id,
            services.clock.now(),
            pack=pack,
            shipped=shipped,
        )
    except ContentError as error:
        problems = [problem_text(problem, lang) for problem in error.problems]
        return await _show(request, status=400, refusal=Refusal("import", problems), pack=form)
    except InvalidInput as refused:
        refusal = Refusal("import", [refused.render(lang)])
        return await _show(request, status=400, refusal=refusal, pack=form)
    if stored.ids:
        await services.settings.record(
            page.guild_id, page.changer, PACK_HISTORY, None, pack_entry(pack, len(stored.ids))
        )
        await notice(
            request,
            f"{KEYS}.imported",
            pack=pack,
            stored=len(stored.ids),
            skipped=len(stored.skipped),
        )
    else:
        await notice(request, f"{KEYS}.imported_none", pack=pack, skipped=len(stored.skipped))
    raise back_to(request, "/questions")


def _guessed_format(text: str) -> str:
    """A pasted pack without a name: JSON when it opens as an object, else TOML."""
    return "json" if text.lstrip().startswith("{") else "toml"


@routes.post("/remove")
async def remove(request: web.Request) -> web.StreamResponse:
    """One of the server's own questions, by its number; another server's is not here."""
    page = page_of(request)
    services = services_of(request)
    lang = language_of_request(request)
    raw = _field(await request.post(), "id").strip()
    store = TriviaStore(services.db)
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None
    if number is None or not await store.remove_question(page.guild_id, number):
        text = t("trivia_admin.no_such_question", lang, id=clip(raw, 20))
        return await _show(request, status=400, refusal=Refusal("remove", [text]))
    await services.settings.record(
        page.guild_id, page.changer, QUESTION_HISTORY, f"#{number}", None
    )
    await notice(request, "trivia_admin.removed", id=number)
    raise back_to(request, "/questions")


@routes.post("/remove-pack")
async def remove_pack(request: web.Request) -> web.StreamResponse:
    """Every question of one of the server's packs, by its name as `remove-pack` finds it."""
    page = page_of(request)
    services = services_of(request)
    lang = language_of_request(request)
    wanted = _field(await request.post(), "pack").strip()
    store = TriviaStore(services.db)
    names = [summary.name for summary in await store.packs(page.guild_id)]
    name = resolve_pack_name(wanted, names)
    removed = await store.remove_pack(page.guild_id, name) if name else 0
    if name is None or not removed:
        text = t("trivia_admin.no_such_pack", lang, pack=clip(wanted, PACK_NAME_MAX))
        return await _show(request, status=400, refusal=Refusal("remove_pack", [text]))
    await services.settings.record(
        page.guild_id, page.changer, PACK_HISTORY, pack_entry(name, removed), None
    )
    await notice(request, f"{KEYS}.pack_removed", pack=name, count=removed)
    raise back_to(request, "/questions")
