"""Property tests of message sizes: every embed, button and autocomplete list the bot builds
from content fits Discord's limits, for content at and past the limits the bot allows.

The limits are the emulator's (`discord_emulator.validation`), so these tests and the
end-to-end ones hold the bot to the same rules.
"""

from __future__ import annotations

import asyncio
import random
import types
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.choices import matching_choices
from bot.client import installed_features
from bot.clock import FakeClock
from bot.content import DATA_DIR, ContentError
from bot.errors import MESSAGE_MAX
from bot.guild_settings import GuildSettingsStore
from bot.schedule_time import Repeat
from bot.scheduler import Announcement
from bot.sqlite import SqliteDatabase
from cogs.about.cog import Credit, Fact, Release, about_embed, check_fits, load_release
from cogs.countdown.cog import CountdownCog
from cogs.countdown.maths import YEARLY_KINDS, CountdownEvent
from cogs.schedule.cog import describe_announcement
from cogs.symbols.cog import Quote, Symbol, SymbolsCog, load_quotes, load_symbols
from cogs.trivia.admin import check_report
from cogs.trivia.game import TriviaRound
from cogs.trivia.schema import (
    ANSWER_MAX,
    CATEGORY_MAX,
    DIFFICULTIES,
    EXPLANATION_MAX,
    QUESTION_MAX,
    Question,
)
from cogs.trivia.store import CategoryLine, LeaderboardRow
from cogs.trivia.views import (
    category_text,
    leaderboard_text,
    question_embed,
    reveal_embed,
    round_footer,
    round_view,
)
from discord_emulator import validation
from discord_emulator.errors import ApiError

LOCALES = st.sampled_from([discord.Locale.american_english, discord.Locale.korean, None])
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
# Korean, emoji (outside the BMP, and joiners), markdown and mention characters.
ALPHABET = st.sampled_from([*"가나다힣 abcXYZ019*_~`|>#@:<\\[]()-", "💜", "\u200d", "❄", "\u200b"])
DISPLAY_NAME_MAX = 32  # Discord's, for a global name and a server nickname


def text_up_to(
    limit: int, *, over: int = 0, alphabet: st.SearchStrategy[str] = ALPHABET
) -> st.SearchStrategy[str]:
    """Text of any length up to `limit` (+ `over`), the limit itself drawn often; long texts
    repeat a drawn piece, which is as hard on the limits and far quicker to generate."""
    sizes = st.integers(max(1, limit - 2), limit + over) | st.integers(1, limit)
    return st.tuples(st.text(alphabet, min_size=1, max_size=12), sizes).map(
        lambda piece_size: (piece_size[0] * piece_size[1])[: piece_size[1]]
    )


def urls(total: int = 500) -> st.SearchStrategy[str]:
    address = r"https://(www\.)?[a-z]{1,30}\.[a-z]{2,3}/[A-Za-z0-9_()%-]{0,200}"
    # Many short addresses make the most links (each label adds to its address).
    short = st.from_regex(r"https://[a-z]\.[a-z]{2}/", fullmatch=True)
    one = st.from_regex(address, fullmatch=True)
    return (
        (st.lists(one, min_size=1, max_size=12) | st.lists(short, min_size=20, max_size=40))
        .map(" ; ".join)
        .map(lambda text: text[:total].rsplit(" ; ", 1)[0] if len(text) > total else text)
    )


def assert_fits(
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    content: str | None = None,
) -> None:
    """What Discord would refuse (400) is refused here too, by the emulator's own checks."""
    payload: dict[str, Any] = {}
    if content is not None:
        payload["content"] = content
    if embed is not None:
        payload["embeds"] = [embed.to_dict()]
    if view is not None:
        payload["components"] = view.to_components()
    try:
        validation.check_message(payload, has_files=False, creating=True)
    except ApiError as error:  # pragma: no cover - the message of a failing example
        raise AssertionError(f"Discord would refuse it: {error}") from None


def assert_choices_fit(choices: list[discord.app_commands.Choice[Any]]) -> None:
    payload = [{"name": choice.name, "value": choice.value} for choice in choices]
    validation.check_choices(payload)
    for choice in choices:
        if isinstance(choice.value, str):
            assert 1 <= len(choice.value) <= 100


# --- trivia -------------------------------------------------------------------------------


@st.composite
def questions(draw: st.DrawFn) -> Question:
    answers = draw(st.lists(text_up_to(ANSWER_MAX), min_size=4, max_size=4, unique_by=str.casefold))
    return Question(
        key="g:1",
        question=draw(text_up_to(QUESTION_MAX)),
        correct=answers[0],
        wrong=(answers[1], answers[2], answers[3]),
        category=draw(text_up_to(CATEGORY_MAX, alphabet=st.sampled_from("abz가힣09 -"))),
        explanation=draw(st.none() | text_up_to(EXPLANATION_MAX)),
        source=draw(st.none() | urls()),
        difficulty=draw(st.none() | st.sampled_from(DIFFICULTIES)),
    )


@st.composite
def rounds(draw: st.DrawFn) -> TriviaRound:
    question = draw(questions())
    trivia_round = TriviaRound(
        round_id=draw(st.integers(1, 10**12)),
        guild_id=1,
        channel_id=2,
        question=question,
        choices=question.answers,
        correct_index=0,
        closes_at=NOW + timedelta(seconds=draw(st.integers(5, 120))),
        message_id=3,
    )
    members = draw(st.integers(0, 3000))
    # Names at Discord's limit, and past it (a name stored by an older client, say).
    names = draw(st.lists(text_up_to(DISPLAY_NAME_MAX, over=68), min_size=1, max_size=40))
    picks = random.Random(draw(st.integers()))
    for user in range(members):
        trivia_round.answers[user] = picks.choice((0, 0, 1, 2, 3))
        trivia_round.names[user] = names[user % len(names)]
    return trivia_round


# What a scheduled post's footer carries after the round's own (the scheduler's mark).
POSTERS_MARKS = st.none() | st.integers(1, 10**9).map(lambda n: f" · ⏰ #{n}")


@settings(max_examples=60)
@given(rounds(), LOCALES, POSTERS_MARKS)
def test_a_trivia_round_and_its_reveal_fit(
    trivia_round: TriviaRound, locale: Any, mark: str | None
) -> None:
    assert_fits(embed=question_embed(trivia_round, locale), view=round_view(trivia_round))
    posted_footer = round_footer(trivia_round, locale) + mark if mark else None
    assert_fits(
        embed=reveal_embed(trivia_round, locale, posted_footer=posted_footer),
        view=round_view(trivia_round, revealed=True),
    )


leaderboard_rows = st.lists(
    st.builds(
        LeaderboardRow,
        user_id=st.integers(1, 2**63 - 1),
        name=text_up_to(200, over=300),
        points=st.integers(0, 10**12),
        correct=st.integers(0, 10**9),
    ),
    max_size=10,
).map(lambda rows: sorted(rows, key=lambda row: -row.points))


@given(leaderboard_rows, LOCALES, st.sampled_from(["all", "week", "month"]))
def test_a_leaderboard_fits(rows: list[LeaderboardRow], locale: Any, window: str) -> None:
    from bot.embeds import fan_embed
    from bot.i18n import t

    text = leaderboard_text(rows, locale)
    assert_fits(embed=fan_embed(t(f"trivia.leaderboard_{window}", locale), text))


@given(
    st.lists(
        st.builds(
            CategoryLine,
            category=st.none() | text_up_to(CATEGORY_MAX),
            answered=st.integers(0, 10**9),
            correct=st.integers(0, 10**9),
        ),
        min_size=1,  # a member with answers has a category line (perhaps "earlier")
        max_size=60,
    ),
    LOCALES,
)
def test_the_stats_by_category_fit_one_field(lines: list[CategoryLine], locale: Any) -> None:
    text = category_text(lines, locale)
    assert 0 < len(text) <= validation.FIELD_VALUE_MAX


@settings(max_examples=60)
@given(
    st.text(ALPHABET, min_size=1, max_size=80),
    st.lists(questions(), max_size=14),
    st.integers(0, 500),
    LOCALES,
)
def test_an_import_check_fits_one_message(
    pack: str, new: list[Question], skipped: int, locale: Any
) -> None:
    report = check_report(pack, new, new[:1] * skipped, locale)
    assert len(report) <= MESSAGE_MAX


# --- symbols and quotes ---------------------------------------------------------------------


def lines_up_to(limit: int) -> st.SearchStrategy[str]:
    """Text with many short lines (a blockquote doubles them), up to `limit`."""
    return st.one_of(
        text_up_to(limit),
        st.integers(1, limit // 2).map(lambda n: ("가\n" * n)[:limit].strip() or "가"),
    )


symbols = st.builds(
    Symbol,
    name=text_up_to(60),
    name_ko=text_up_to(60),
    aliases=st.just(()),
    summary=text_up_to(300),
    summary_ko=text_up_to(300),
    quote=lines_up_to(1500),
    quote_ko=lines_up_to(1000),
    note=st.none() | text_up_to(300),
    note_ko=st.none() | text_up_to(300),
    attribution=text_up_to(300),
    attribution_ko=text_up_to(300),
    source=urls(),
)
quotes = st.builds(
    Quote,
    key=st.just("q:1"),
    text=lines_up_to(1500),
    text_ko=st.none() | lines_up_to(1000),
    translated=st.booleans(),
    speaker=text_up_to(100),
    context=text_up_to(300),
    source=urls(),
    speaker_ko=st.none() | text_up_to(100),
    context_ko=st.none() | text_up_to(300),
)


@given(symbols, LOCALES)
def test_a_symbol_and_its_explanation_as_a_quote_fit(symbol: Symbol, locale: Any) -> None:
    assert_fits(embed=SymbolsCog.symbol_embed(symbol, locale))
    assert_fits(embed=SymbolsCog.quote_embed(symbol.as_quote(), locale))


@given(quotes, LOCALES)
def test_a_quote_fits(quote: Quote, locale: Any) -> None:
    assert_fits(embed=SymbolsCog.quote_embed(quote, locale))


@pytest.mark.parametrize("locale", [discord.Locale.american_english, discord.Locale.korean])
def test_every_shipped_symbol_and_quote_fits(locale: discord.Locale) -> None:
    shipped = load_symbols()
    for symbol in shipped:
        assert_fits(embed=SymbolsCog.symbol_embed(symbol, locale))
    for quote in load_quotes() + [symbol.as_quote() for symbol in shipped]:
        assert_fits(embed=SymbolsCog.quote_embed(quote, locale))


# --- about ----------------------------------------------------------------------------------

releases = st.builds(
    Release,
    title=text_up_to(100),
    artist=text_up_to(100),
    artist_ko=text_up_to(100),
    summary=text_up_to(600),
    summary_ko=text_up_to(600),
    source=urls(),
    credits=st.lists(
        st.builds(
            Credit,
            role=text_up_to(60),
            role_ko=text_up_to(60),
            name=text_up_to(200),
            name_ko=text_up_to(200),
            source=urls(200),
        ),
        max_size=8,
    ),
    facts=st.lists(
        st.builds(Fact, text=text_up_to(300), text_ko=text_up_to(300), source=urls(200)),
        max_size=5,
    ),
)


@settings(max_examples=25)
@given(releases)
def test_about_fits_or_its_release_file_is_refused(release: Release) -> None:
    """The release file sets no count of credits or facts; one that would not fit /about is
    refused when the bot loads it (see `check_fits`), and every other one fits."""
    refused: ContentError | None = None
    try:
        check_fits(release, "release.toml")
    except ContentError as error:
        refused = error
    if refused is not None:
        assert all(problem.place.startswith("/about") for problem in refused.problems)
        return
    for locale in (discord.Locale.american_english, discord.Locale.korean, None):
        assert_fits(embed=about_embed(release, locale))


def test_the_shipped_release_fits_about() -> None:
    release = load_release()
    for locale in (discord.Locale.american_english, discord.Locale.korean):
        assert_fits(embed=about_embed(release, locale))


# --- countdown ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def countdown(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, CountdownCog]]:
    """The countdown cog over a real database, without a client; one loop for all examples."""
    runner = asyncio.Runner()
    database = runner.run(SqliteDatabase.open(tmp_path_factory.mktemp("props") / "db.sqlite3"))
    clock = FakeClock(NOW)
    bot = types.SimpleNamespace(
        database=database,
        clock=clock,
        guild_settings=GuildSettingsStore(database, clock, installed_features()),
    )
    yield runner, CountdownCog(bot)  # type: ignore[arg-type]
    runner.run(database.close())
    runner.close()


ZONES = st.sampled_from(["Asia/Seoul", "America/New_York", "Pacific/Kiritimati", "UTC"])


@st.composite
def events(draw: st.DrawFn) -> CountdownEvent:
    zone = ZoneInfo(draw(ZONES))
    at = draw(st.datetimes(datetime(1993, 1, 1), datetime(2060, 1, 1))).replace(tzinfo=zone)
    date_only = draw(st.booleans())
    if date_only:
        at = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return CountdownEvent(
        key=f"e:{draw(st.integers())}",
        name=f"{draw(st.integers(0, 10**6))}#{draw(text_up_to(90))}",  # past 100: refused
        at=at,
        yearly=draw(st.booleans()),
        fact=draw(st.none() | text_up_to(1024, over=500)),
        source=draw(st.none() | urls()),
        kind=draw(st.sampled_from(YEARLY_KINDS)),
        date_only=date_only,
    )


@settings(max_examples=50)
@given(
    st.lists(events(), min_size=1, max_size=60),
    st.integers(0, 20),
    st.sampled_from(["en", "ko"]),
    st.data(),
)
def test_countdown_pages_details_and_choices_fit(
    countdown: tuple[Any, CountdownCog],
    listed: list[CountdownEvent],
    page: int,
    language: str,
    data: st.DataObject,
) -> None:
    runner, cog = countdown
    cog.builtin = listed
    embed, view = runner.run(cog.list_page(1, page, language))
    assert_fits(embed=embed, view=view)
    chosen = data.draw(st.sampled_from(listed))
    try:
        detail = runner.run(cog.event_embed(1, chosen.name, language))
    except discord.app_commands.AppCommandError:
        pass  # two events share the name: the member is asked which (an ephemeral text)
    else:
        assert_fits(embed=detail)
    typed = data.draw(st.sampled_from(["", chosen.name[:3], chosen.name]))
    interaction = types.SimpleNamespace(guild_id=None, locale=discord.Locale.korean)
    assert_choices_fit(runner.run(cog.event_autocomplete(interaction, typed)))  # type: ignore[arg-type]


# --- schedule and autocomplete ---------------------------------------------------------------


@st.composite
def announcements(draw: st.DrawFn) -> Announcement:
    repeat = draw(st.sampled_from(list(Repeat)))
    stamp = st.none() | st.datetimes(datetime(2000, 1, 1), datetime(2040, 1, 1)).map(
        lambda moment: moment.replace(tzinfo=UTC)
    )
    return Announcement(
        id=draw(st.integers(1, 10**9)),
        guild_id=1,
        channel_id=draw(st.integers(1, 2**63 - 1)),
        kind=draw(st.sampled_from(["trivia", "quote", "symbol", "countdown"])),
        time_local=draw(st.times()).replace(second=0, microsecond=0),
        repeat=repeat,
        weekday=draw(st.integers(0, 6)) if repeat is Repeat.WEEKLY else None,
        zone=draw(ZONES),
        next_run_utc=draw(stamp),
        created_by=1,
        created_at=NOW,
        pending_due_utc=draw(stamp),
        last_posted_at=draw(stamp),
        last_message_id=None,
        last_error=draw(st.none() | text_up_to(2000)),
        last_error_at=draw(stamp),
        last_lag_ms=draw(st.none() | st.integers(0, 10**10)),
    )


@given(st.lists(announcements(), min_size=1, max_size=25), LOCALES)
def test_schedule_lines_fit_a_list_and_an_answer(items: list[Announcement], locale: Any) -> None:
    from bot.embeds import clip, fan_embed
    from bot.i18n import t

    for item in items:
        line = describe_announcement(item, locale)
        assert len(t("schedule.added", locale, description=line)) <= MESSAGE_MAX
    # As /schedule list shows them.
    body = clip("\n\n".join(describe_announcement(item, locale) for item in items), 4096)
    embed = fan_embed(t("schedule.title", locale), body)
    embed.set_footer(text=t("schedule.zone_footer", locale, zone=items[0].zone))
    assert_fits(embed=embed)


@given(
    st.integers(0, 80).flatmap(
        lambda size: st.lists(
            st.tuples(text_up_to(100, over=200), st.integers()), min_size=size, max_size=size
        )
    ),
    st.sampled_from(["", "a", "가"]),
    st.booleans(),
)
def test_autocomplete_choices_fit(
    options: list[tuple[str, int]], typed: str, keep_newest: bool
) -> None:
    assert_choices_fit(matching_choices(options, typed, keep_newest=keep_newest))


def test_the_checker_refuses_what_discord_refuses() -> None:
    """The checks these properties lean on do refuse an oversized embed and button."""
    too_long = discord.Embed(title="x" * 257)
    with pytest.raises(AssertionError):
        assert_fits(embed=too_long)
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="x" * 81, custom_id="a"))
    with pytest.raises(AssertionError):
        assert_fits(view=view)
    big = discord.Embed(description="x" * 4000).add_field(name="n", value="y" * 1024)
    with pytest.raises(AssertionError):
        assert_fits(embed=big.add_field(name="n", value="y" * 1024))


def test_a_release_file_too_long_for_about_is_refused_when_loaded(tmp_path: Path) -> None:
    """What the property found: 30 facts of 300 characters made /about 10,000 characters,
    which Discord refuses, so /about failed; the file is now refused at start-up instead."""
    shipped = (DATA_DIR / "release.toml").read_text("utf-8")
    fact = '\n[[facts]]\ntext = "{0}"\ntext_ko = "{0}"\nsource = "https://example.com/{1}"\n'
    path = tmp_path / "release.toml"
    path.write_text(shipped + "".join(fact.format("가" * 300, n) for n in range(30)), "utf-8")
    with pytest.raises(ContentError) as refused:
        load_release(path)
    assert [problem.place for problem in refused.value.problems] == ["/about (en)", "/about (ko)"]
