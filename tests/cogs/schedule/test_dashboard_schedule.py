"""The dashboard's schedule page, served by the real bot against the emulator: the table of
every announcement, the add form with `/schedule add`'s checks, remove, and the bot posting
what the page scheduled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.client import FanBot
from bot.clock import FakeClock
from bot.schedule_time import Repeat
from bot.scheduler import RunStatus
from cogs.schedule.adding import GUILD_MAX_ANNOUNCEMENTS
from discord_emulator import DemoWorld, Emulator, permissions
from discord_emulator.state import Guild
from tests.support.announcements import START
from tests.support.dashboard import (
    DashboardClient,
    dashboard_bot,
    dashboard_client,
    recorded_changes,
)
from tests.support.dashboard_schedule import add_form, listed_problems, schedule_rows

SEOUL = ZoneInfo("Asia/Seoul")


def page_of(world: DemoWorld) -> str:
    return f"/servers/{world.guild.id}/schedule"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def clocked(
    emu: Emulator, world: DemoWorld, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[FanBot]:
    """The bot with its dashboard, on a clock the test moves (17:00 in Seoul at the start)."""
    async with dashboard_bot(emu, tmp_path / "bot.sqlite3", clock=clock) as bot:
        yield bot


@pytest.fixture
async def mod_on_clock(clocked: FanBot, world: DemoWorld) -> AsyncIterator[DashboardClient]:
    async with dashboard_client(clocked) as client:
        client.sign_in(world.mod.id, "mod", [world.guild.id])
        yield client


async def add_on_page(
    client: DashboardClient, world: DemoWorld, **fields: object
) -> tuple[int, str]:
    form = add_form(fields.pop("channel", world.announcements), **fields)
    return await client.post_form(page_of(world) + "/add", form, token_from=page_of(world))


# --- who may ----------------------------------------------------------------------------------


async def test_every_route_is_a_moderators_and_a_member_gets_403(
    dashboard: FanBot, moderator: DashboardClient, member: DashboardClient, world: DemoWorld
) -> None:
    status, html = await moderator.get(page_of(world))
    assert status == 200, html
    assert "Scheduled announcements" in html
    status, _ = await member.get(page_of(world))
    assert status == 403
    item = await dashboard.scheduler.add(
        int(world.guild.id),
        int(world.announcements.id),
        "quote",
        time(9),
        Repeat.DAILY,
        SEOUL,
        int(world.mod.id),
    )
    for path, form in (
        ("/add", add_form(world.announcements)),
        ("/remove", {"id": str(item.id)}),
    ):
        status, _ = await member.post_form(page_of(world) + path, form, token_from="/servers")
        assert status == 403, path
    assert [kept.id for kept in await dashboard.scheduler.list(int(world.guild.id))] == [item.id]


# --- add --------------------------------------------------------------------------------------


async def test_an_announcement_added_on_the_page_is_stored_listed_and_said(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    status, html = await add_on_page(
        moderator, world, kind="countdown", time="21:30", repeat="weekly", weekday="4"
    )
    assert status == 200, html  # after the redirect
    assert "Announcement #1 (countdown) is scheduled" in html
    [stored] = await dashboard.scheduler.list(int(world.guild.id))
    assert (stored.kind, stored.time_local, stored.repeat, stored.weekday) == (
        "countdown",
        time(21, 30),
        Repeat.WEEKLY,
        4,
    )
    assert stored.channel_id == int(world.announcements.id)
    assert stored.created_by == int(world.mod.id)  # the moderator who used the page
    row = schedule_rows(html)[1]
    assert row["kind"] == "countdown"
    assert row["time"] == "21:30"
    assert row["repeat"] == "every week, on Friday"
    assert row["channel"] == "#announcements"
    assert row["next"].startswith("Friday ")
    assert row["next"].endswith("21:30 (Asia/Seoul)")
    assert row["last-posted"] == "not yet"
    assert row["failure"] == "none"


async def test_the_form_offers_the_kinds_and_picks_the_configured_channel(
    emu: Emulator, dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    _, html = await moderator.get(page_of(world))
    for kind in dashboard.features.kinds:
        assert f'<option value="{kind}"' in html
    assert "the configured announcement channel" in html  # none set yet
    await emu.slash(world.guild, "general", "mod", "config channel", {"channel": world.trivia})
    _, html = await moderator.get(page_of(world))
    assert f'<option value="{world.trivia.id}" selected>#trivia</option>' in html
    # Left to its default, the channel is the configured one.
    status, _ = await add_on_page(moderator, world, channel="")
    assert status == 200
    [stored] = await dashboard.scheduler.list(int(world.guild.id))
    assert stored.channel_id == int(world.trivia.id)


async def test_every_problem_of_a_form_is_shown_and_nothing_is_stored(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    status, html = await add_on_page(moderator, world, kind="lyrics", time="25:00", weekday="9")
    assert status == 400
    problems = listed_problems(html)
    assert len(problems) == 3, problems
    assert "`lyrics` is not something I can post" in problems[0]
    assert "not a day of the week" in problems[1]
    assert "`25:00` is not a time of day" in problems[2]
    assert 'value="25:00"' in html  # what was typed is kept in the form

    status, html = await add_on_page(moderator, world, repeat="daily", weekday="3")
    assert status == 400
    assert "only applies to `repeat:weekly`" in listed_problems(html)[0]

    status, html = await add_on_page(moderator, world, repeat="sometimes")
    assert status == 400
    assert "`sometimes` is not a repeat I know" in listed_problems(html)[0]

    status, html = await add_on_page(moderator, world, channel="")
    assert status == 400
    assert "No announcement channel is set" in listed_problems(html)[0]

    world.trivia.set_overwrite(world.guild.me, deny=permissions.SEND_MESSAGES)
    status, html = await add_on_page(moderator, world, channel=world.trivia)
    assert status == 400
    assert "I can't post in #trivia: I'm missing Send Messages" in listed_problems(html)[0]
    assert await dashboard.scheduler.list(int(world.guild.id)) == []


async def test_the_servers_limit_is_the_commands(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    for _ in range(GUILD_MAX_ANNOUNCEMENTS):
        await dashboard.scheduler.add(
            int(world.guild.id),
            int(world.general.id),
            "quote",
            time(9),
            Repeat.DAILY,
            SEOUL,
            int(world.mod.id),
        )
    status, html = await add_on_page(moderator, world)
    assert status == 400
    assert (
        f"already has {GUILD_MAX_ANNOUNCEMENTS} scheduled announcements" in listed_problems(html)[0]
    )
    assert len(await dashboard.scheduler.list(int(world.guild.id))) == GUILD_MAX_ANNOUNCEMENTS


async def test_what_a_moderator_typed_is_shown_escaped(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    typed = "<script>alert(1)</script>"
    status, html = await add_on_page(moderator, world, time=typed, kind=typed)
    assert status == 400
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert typed not in html
    assert await dashboard.scheduler.list(int(world.guild.id)) == []


# --- another server's ids ---------------------------------------------------------------------


async def test_another_servers_channel_and_announcements_are_refused(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld, other_guild: Guild
) -> None:
    [theirs_channel] = [c for c in other_guild.channels.values() if c.name == "news"]
    status, html = await add_on_page(moderator, world, channel=theirs_channel)
    assert status == 400
    assert "no text channel with that id" in listed_problems(html)[0]
    for typed in ("not-a-number", "-1"):
        status, html = await add_on_page(moderator, world, channel=typed)
        assert status == 400, typed
    assert await dashboard.scheduler.list(int(world.guild.id)) == []

    theirs = await dashboard.scheduler.add(
        int(other_guild.id),
        int(theirs_channel.id),
        "quote",
        time(9),
        Repeat.DAILY,
        SEOUL,
        int(world.army.id),
    )
    _, html = await moderator.get(page_of(world))
    assert schedule_rows(html) == {}  # not listed here
    for typed in (str(theirs.id), "999", "x"):
        status, html = await moderator.post_form(page_of(world) + "/remove", {"id": typed})
        assert status == 400, typed
        assert "no such scheduled announcement" in listed_problems(html)[0]
    assert [kept.id for kept in await dashboard.scheduler.list(int(other_guild.id))] == [theirs.id]


# --- remove -----------------------------------------------------------------------------------


async def test_remove_on_the_page_removes_that_one(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    await add_on_page(moderator, world)
    await add_on_page(moderator, world, kind="symbol")
    status, html = await moderator.post_form(page_of(world) + "/remove", {"id": "1"})
    assert status == 200
    assert "Announcement #1 is removed" in html
    assert list(schedule_rows(html)) == [2]
    assert [kept.id for kept in await dashboard.scheduler.list(int(world.guild.id))] == [2]
    # The server's history says who added and removed them, and where.
    assert await recorded_changes(dashboard, world.guild.id) == [
        ("announcement", None, "#1 quote", "mod", "dashboard"),
        ("announcement", None, "#2 symbol", "mod", "dashboard"),
        ("announcement", "#1", None, "mod", "dashboard"),
    ]
    _, html = await moderator.get(f"/servers/{world.guild.id}/settings")
    assert "<td>Announcement</td><td>#1 → not set</td>" in html


# --- Korean -----------------------------------------------------------------------------------


async def test_the_page_in_korean(dashboard: FanBot, world: DemoWorld) -> None:
    async with dashboard_client(dashboard, language="ko-KR,ko;q=0.9") as client:
        client.sign_in(world.mod.id, "mod", [world.guild.id])
        status, html = await add_on_page(client, world, repeat="weekly", weekday="0", time="09:00")
        assert status == 200, html
        assert "#1번 공지(quote)를 예약했어요" in html
        assert "공지 추가하기" in html
        row = schedule_rows(html)[1]
        assert row["repeat"] == "매주 월요일"
        assert row["last-posted"] == "아직 없어요"
        assert "월요일 09:00 (Asia/Seoul)" in row["next"]
        status, html = await add_on_page(client, world, time="9시")
        assert status == 400
        assert "`9시`은(는) 올바른 시각이 아니에요" in listed_problems(html)[0]


# --- the bot acts on it -----------------------------------------------------------------------


async def test_an_announcement_added_on_the_page_is_posted_and_a_removed_one_is_not(
    emu: Emulator,
    world: DemoWorld,
    clocked: FanBot,
    clock: FakeClock,
    mod_on_clock: DashboardClient,
) -> None:
    # 17:00 in Seoul: one a minute ahead in #announcements, one in #trivia.
    await add_on_page(mod_on_clock, world, time="17:01", channel=world.announcements)
    await add_on_page(mod_on_clock, world, time="17:01", channel=world.trivia, kind="symbol")
    status, _ = await mod_on_clock.post_form(page_of(world) + "/remove", {"id": "2"})
    assert status == 200
    clock.advance(timedelta(minutes=1))
    [outcome] = await clocked.scheduler.run_due()
    assert (outcome.announcement_id, outcome.status) == (1, RunStatus.POSTED)
    posted = await emu.wait_for_message(world.announcements)
    assert "⏰ #1" in posted.text()
    assert emu.channel_messages(world.trivia) == []

    _, html = await mod_on_clock.get(page_of(world))
    row = schedule_rows(html)[1]
    assert row["last-posted"] != "not yet"
    assert row["last-posted"].endswith("(Asia/Seoul)")
    assert row["failure"] == "none"


async def test_the_next_run_follows_the_zone_set_and_a_failure_shows(
    emu: Emulator,
    world: DemoWorld,
    clocked: FanBot,
    clock: FakeClock,
    mod_on_clock: DashboardClient,
) -> None:
    utc = await emu.slash(world.guild, "general", "mod", "config timezone", {"zone": "UTC"})
    assert "UTC" in utc.content
    await add_on_page(mod_on_clock, world, time="09:00")
    _, html = await mod_on_clock.get(page_of(world))
    assert schedule_rows(html)[1]["next"].endswith("09:00 (UTC)")
    assert "time zone, UTC." in html

    seoul = await emu.slash(
        world.guild, "general", "mod", "config timezone", {"zone": "Asia/Seoul"}
    )
    assert "Asia/Seoul" in seoul.content
    _, html = await mod_on_clock.get(page_of(world))
    row = schedule_rows(html)[1]
    assert row["next"].endswith("09:00 (Asia/Seoul)")
    [stored] = await clocked.scheduler.list(int(world.guild.id))
    assert stored.next_run_utc is not None
    assert row["next"].startswith(stored.next_run_utc.astimezone(SEOUL).strftime("%A %Y-%m-%d"))

    # The bot loses the right to post there before the quote is due.
    world.announcements.set_overwrite(world.guild.me, deny=permissions.SEND_MESSAGES)
    clock.advance(stored.next_run_utc - clock.now())
    [outcome] = await clocked.scheduler.run_due()
    assert outcome.status is RunStatus.FORBIDDEN
    _, html = await mod_on_clock.get(page_of(world))
    row = schedule_rows(html)[1]
    assert row["failure"] != "none"
    assert outcome.error is not None
    assert outcome.error in row["failure"]
    assert row["failure"].endswith("(Asia/Seoul)")
    assert row["last-posted"] == "not yet"
