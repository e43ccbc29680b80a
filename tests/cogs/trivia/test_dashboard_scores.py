"""The dashboard's scores pages, served by the real bot against the emulator: the
leaderboards as `/trivia leaderboard` ranks them, the server's accuracy per category with
its chart, a member's own figures, and who may see which server's."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.client import FanBot
from bot.clock import FakeClock
from cogs.trivia.store import TriviaStore
from discord_emulator import DemoWorld, Emulator
from discord_emulator.state import Guild
from tests.support.dashboard import DashboardClient, dashboard_bot, dashboard_client
from tests.support.dashboard_scores import play_round, stored_answers, table_rows

# Monday 01:00 in Seoul (the default zone) is still Sunday 16:00 in UTC.
NOW = datetime(2026, 11, 29, 16, 0, tzinfo=UTC)
SUNDAY_NIGHT_IN_SEOUL = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
MONDAY_IN_SEOUL = datetime(2026, 11, 29, 15, 30, tzinfo=UTC)
WEEKS_AGO = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
SCRIPT = "<script>alert(1)</script>"


def store_of(bot: FanBot) -> TriviaStore:
    store: TriviaStore = bot.get_cog("Trivia").store  # type: ignore[union-attr]
    return store


def scores_path(guild: Guild | int, rest: str = "") -> str:
    return f"/servers/{int(guild.id) if isinstance(guild, Guild) else guild}/scores{rest}"


def board(html: str) -> list[tuple[str, str, str, str]]:
    """(rank, name, points, correct) per leaderboard line."""
    return [
        (rank, name, points, correct)
        for rank, name, points, correct in table_rows(html, "leaderboard")
    ]


@pytest.fixture
async def clocked(emu: Emulator, world: DemoWorld, tmp_path: Path) -> AsyncIterator[FanBot]:
    """The dashboard's bot on a clock stopped at NOW (Monday 01:00 in Seoul)."""
    async with dashboard_bot(emu, tmp_path / "clocked.sqlite3", clock=FakeClock(NOW)) as bot:
        yield bot


@pytest.fixture
async def clocked_mod(clocked: FanBot, world: DemoWorld) -> AsyncIterator[DashboardClient]:
    async with dashboard_client(clocked) as client:
        client.sign_in(int(world.mod.id), "mod", [int(world.guild.id)])
        yield client


async def test_every_scores_page_is_for_moderators_only(
    dashboard: FanBot, moderator: DashboardClient, member: DashboardClient, world: DemoWorld
) -> None:
    await stored_answers(
        store_of(dashboard), int(world.guild.id), int(world.uaena.id), "UAENA", NOW, right=1
    )
    pages = [
        scores_path(world.guild),
        scores_path(world.guild, "?board=week"),
        scores_path(world.guild, "?board=month"),
        scores_path(world.guild, f"/members/{int(world.uaena.id)}"),
    ]
    for path in pages:
        status, html = await moderator.get(path)
        assert status == 200, (path, html)
        status, html = await member.get(path)
        assert status == 403, path
        assert "UAENA" not in html


async def test_the_boards_rank_ties_together_and_the_tabs_switch_between_them(
    clocked: FanBot, clocked_mod: DashboardClient, world: DemoWorld
) -> None:
    store, guild = store_of(clocked), int(world.guild.id)
    await stored_answers(store, guild, 1, "Veteran", WEEKS_AGO, right=3)  # 10 + 12 + 14
    await stored_answers(store, guild, 2, "Sunday", SUNDAY_NIGHT_IN_SEOUL, right=2)  # 10 + 12
    await stored_answers(store, guild, 3, "Monday", MONDAY_IN_SEOUL, right=2)
    await stored_answers(store, guild, 4, "Newcomer", MONDAY_IN_SEOUL, right=1)

    status, html = await clocked_mod.get(scores_path(guild))
    assert status == 200
    assert board(html) == [
        ("1", "Veteran", "36", "3"),
        ("2", "Sunday", "22", "2"),
        ("2", "Monday", "22", "2"),  # tied: the same rank, as the command shows it
        ("4", "Newcomer", "10", "1"),
    ]
    tabs = re.findall(r'<a href="([^"]+)"( aria-current="page")?>', html)
    assert (scores_path(guild, "?board=all"), ' aria-current="page"') in tabs
    assert (scores_path(guild, "?board=week"), "") in tabs

    _, week = await clocked_mod.get(scores_path(guild, "?board=week"))
    # Sunday night in Seoul was last week there: only Monday's answers count.
    assert board(week) == [("1", "Monday", "22", "2"), ("2", "Newcomer", "10", "1")]
    assert 'board=week" aria-current="page"' in week
    _, unknown = await clocked_mod.get(scores_path(guild, "?board=yesterday"))
    assert board(unknown) == board(html)  # all time, as the command reads an unknown period


async def test_this_weeks_board_is_the_commands_in_the_servers_zone(
    emu: Emulator, clocked: FanBot, clocked_mod: DashboardClient, world: DemoWorld
) -> None:
    store, guild = store_of(clocked), int(world.guild.id)
    await stored_answers(store, guild, 2, "Sunday", SUNDAY_NIGHT_IN_SEOUL, right=2)
    await stored_answers(store, guild, 3, "Monday", MONDAY_IN_SEOUL, right=1)

    async def both() -> tuple[list[str], list[str]]:
        _, html = await clocked_mod.get(scores_path(guild, "?board=week"))
        command = await emu.slash(
            world.guild, "trivia", "uaena", "trivia leaderboard", {"period": "week"}
        )
        lines = [line for line in command.message.text().splitlines() if "points" in line]
        named = [name for name in ("Sunday", "Monday") if any(name in x for x in lines)]
        return [name for _, name, _, _ in board(html)], named

    page, command = await both()
    assert page == command == ["Monday"]
    # On UTC the same instant is still Sunday: both count Sunday's answers this week.
    await clocked.guild_settings.update(guild, 0, timezone="UTC")
    page, command = await both()
    assert page == ["Sunday", "Monday"]
    assert sorted(command) == sorted(page)


async def test_the_servers_accuracy_per_category_in_a_table_and_a_chart(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld, other_guild: Guild
) -> None:
    store, guild = store_of(dashboard), int(world.guild.id)
    await stored_answers(store, guild, int(world.uaena.id), "UAENA", NOW, right=2, wrong=1)
    await stored_answers(
        store, guild, int(world.army.id), "ARMY", NOW, right=1, wrong=1, category="release"
    )
    await stored_answers(store, guild, int(world.army.id), "ARMY", NOW, wrong=1, category="charts")
    # Another server's answers are not this one's figures.
    await stored_answers(store, int(other_guild.id), int(world.army.id), "ARMY", NOW, right=5)

    _, html = await moderator.get(scores_path(guild))
    assert table_rows(html, "scores-categories") == [
        ["video", "3", "2", "67%"],
        ["release", "2", "1", "50%"],
        ["charts", "1", "0", "0%"],
    ]
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg
    assert 'aria-label="Accuracy per category: video 67%, release 50%, charts 0%"' in svg
    assert "<title>Accuracy per category</title>" in svg
    # Bars as long as their accuracy (260 units for 100%), each with its figure as text.
    assert re.findall(r'<rect [^>]*width="(\d+)"', svg) == ["173", "130", "0"]
    for value in ("67% · 2/3", "50% · 1/2", "0% · 0/1"):
        assert f">{value}</text>" in svg
    assert re.findall(r'<text class="label"[^>]*>([^<]+)</text>', svg) == [
        "video",
        "release",
        "charts",
    ]


async def test_a_server_without_answers_says_so(moderator: DashboardClient, world: DemoWorld):
    _, html = await moderator.get(scores_path(world.guild))
    assert "Nobody has scored on this leaderboard yet" in html
    assert "No answers yet, so no figures per category" in html
    assert "<svg" not in html


async def test_what_members_and_packs_typed_is_escaped(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    store, guild = store_of(dashboard), int(world.guild.id)
    # A pack's category can't hold <, but stored text is escaped whatever it holds.
    await stored_answers(store, guild, int(world.uaena.id), SCRIPT, NOW, right=1, category=SCRIPT)
    for path in (scores_path(guild), scores_path(guild, f"/members/{int(world.uaena.id)}")):
        _, html = await moderator.get(path)
        assert SCRIPT not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


async def test_a_members_own_figures_from_their_name_on_the_board(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    store, guild = store_of(dashboard), int(world.guild.id)
    await stored_answers(store, guild, int(world.uaena.id), "UAENA", NOW, right=3, wrong=1)
    await stored_answers(
        store, guild, int(world.uaena.id), "UAENA", NOW, right=1, category="release"
    )
    await stored_answers(store, guild, int(world.army.id), "ARMY", NOW, wrong=2, category="charts")
    _, html = await moderator.get(scores_path(guild))
    link = scores_path(guild, f"/members/{int(world.uaena.id)}")
    assert f'<a href="{link}">UAENA</a>' in html

    status, figures = await moderator.get(link)
    assert status == 200
    assert "Trivia figures: UAENA" in figures
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", figures))
    assert facts["Answered"] == "5"
    assert facts["Correct"] == "4"
    assert facts["Accuracy"] == "80%"
    assert facts["Best streak"] == "3"
    assert table_rows(figures, "scores-categories") == [
        ["video", "4", "3", "75%"],
        ["release", "1", "1", "100%"],
    ]  # hers only: ARMY's charts answers are not in it


async def test_ids_of_another_server_find_nothing(
    dashboard: FanBot,
    moderator: DashboardClient,
    world: DemoWorld,
    other_guild: Guild,
) -> None:
    store = store_of(dashboard)
    # ARMY answered only in the other server (where `mod` is a plain member).
    await stored_answers(
        store, int(other_guild.id), int(world.army.id), "ARMY elsewhere", NOW, right=4
    )
    await stored_answers(store, int(world.guild.id), int(world.uaena.id), "UAENA", NOW, right=1)
    moderator.sign_in(int(world.mod.id), "mod", [int(world.guild.id), int(other_guild.id)])

    status, html = await moderator.get(scores_path(world.guild, f"/members/{int(world.army.id)}"))
    assert status == 404
    assert "ARMY elsewhere" not in html
    for path in (
        scores_path(other_guild),
        scores_path(other_guild, f"/members/{int(world.army.id)}"),
    ):
        status, html = await moderator.get(path)
        assert status == 403, path
        assert "ARMY elsewhere" not in html
    _, html = await moderator.get(scores_path(world.guild))
    assert "ARMY elsewhere" not in html
    for bad in ("abc", "1" * 21, "-1"):
        status, _ = await moderator.get(scores_path(world.guild, f"/members/{bad}"))
        assert status == 404, bad


async def test_the_pages_in_korean(dashboard: FanBot, world: DemoWorld) -> None:
    await stored_answers(
        store_of(dashboard), int(world.guild.id), int(world.uaena.id), "UAENA", NOW, right=1
    )
    async with dashboard_client(dashboard, language="ko-KR,ko;q=0.9") as browser:
        browser.sign_in(int(world.mod.id), "mod", [int(world.guild.id)])
        _, html = await browser.get(scores_path(world.guild))
        assert '<html lang="ko">' in html
        assert "<h2>순위표</h2>" in html
        assert "이번 주" in html
        assert "카테고리별 정답률" in html
        # A shipped category by its Korean name, in the table and the chart.
        assert table_rows(html, "scores-categories") == [["뮤직비디오", "1", "1", "100%"]]
        assert ">뮤직비디오</text>" in html
        _, figures = await browser.get(scores_path(world.guild, f"/members/{int(world.uaena.id)}"))
        assert "퀴즈 기록: UAENA" in figures
        assert "정답률" in figures


async def test_rounds_played_in_discord_show_on_the_page(
    emu: Emulator, dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    tagged = emu.add_user("tagged", global_name="<b>x</b>")
    world.guild.add_member(tagged)
    await play_round(emu, world, dashboard, {"uaena": True, "army": False, "tagged": True})
    await play_round(emu, world, dashboard, {"uaena": True, "tagged": False})

    _, html = await moderator.get(scores_path(world.guild))
    assert board(html) == [  # the parser reads the escaped name back as typed
        ("1", "UAENA", "22", "2"),
        ("2", "<b>x</b>", "10", "1"),
        ("3", "ARMY", "0", "0"),
    ]
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<b>x</b>" not in html
    categories = table_rows(html, "scores-categories")
    assert sum(int(row[1]) for row in categories) == 5  # answered
    assert sum(int(row[2]) for row in categories) == 3  # right
    _, week = await moderator.get(scores_path(world.guild, "?board=week"))
    assert [name for _, name, _, _ in board(week)] == ["UAENA", "<b>x</b>", "ARMY"]
