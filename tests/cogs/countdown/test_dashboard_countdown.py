"""The dashboard's countdown section, served by the real bot against the emulator: what
`/countdown-admin` does, on a page, and the bot acting on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.client import FanBot
from bot.clock import FakeClock
from cogs.countdown.maths import KST
from cogs.countdown.own_events import DESCRIPTION_MAX, GUILD_MAX_EVENTS, NAME_MAX
from cogs.countdown.store import CountdownStore
from discord_emulator import DemoWorld, Emulator
from discord_emulator.state import Guild
from tests.support.clock import T0
from tests.support.dashboard import DashboardClient, dashboard_bot, dashboard_client
from tests.support.dashboard_countdown import countdown_page, own_event_names

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
# 30 days after T0 (Thursday 2026-11-26, 17:00 in Seoul), at 19:00 in Seoul.
LILAC = {"name": "Lilac night", "date": "2026-12-26 19:00", "description": "Our watch party."}


@pytest.fixture
async def dashboard(
    emu: Emulator, world: DemoWorld, other_guild: Guild, tmp_path: Path
) -> AsyncIterator[FanBot]:
    """The core's `dashboard`, on a clock stopped at T0, so the counts are known."""
    async with dashboard_bot(emu, tmp_path / "bot.sqlite3", clock=FakeClock(T0)) as bot:
        yield bot


async def store_event(bot: FanBot, guild_id: int | str, name: str, by: int | str) -> None:
    at = datetime(2027, 3, 1, tzinfo=KST)
    await CountdownStore(bot.database).add(
        int(guild_id), name, at, False, None, int(by), T0, date_only=True
    )


async def test_the_page_lists_own_and_shipped_events_with_their_counts(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    await store_event(dashboard, world.guild.id, "Spring picnic", world.mod.id)
    status, html = await moderator.get(countdown_page(world.guild.id))
    assert status == 200, html
    assert "Spring picnic" in html
    assert "in 95 days (D-95)" in html  # 2027-03-01 in Seoul, as /countdown counts it
    assert "2027-03-01 (a date in Asia/Seoul)" in html
    # The shipped ones, read-only, with their Korean names and the words that find them.
    assert "V&#39;s discharge" in html
    assert "뷔 전역" in html
    assert "전역" in html
    assert "discharge" in html
    assert "534 days ago (D+534)" in html
    assert html.count(f'action="/servers/{world.guild.id}/countdown/remove"') == 1
    assert f"1 of at most {GUILD_MAX_EVENTS} events of its own" in html


async def test_a_member_gets_403_on_every_route_and_changes_nothing(
    dashboard: FanBot, member: DashboardClient, moderator: DashboardClient, world: DemoWorld
) -> None:
    await store_event(dashboard, world.guild.id, "Spring picnic", world.mod.id)
    page = countdown_page(world.guild.id)
    status, _ = await member.get(page)
    assert status == 403
    token = await member.csrf("/servers")  # a valid token of their own session
    status, _ = await member.post_form(f"{page}/add", LILAC, csrf=token)
    assert status == 403
    status, _ = await member.post_form(f"{page}/remove", {"name": "Spring picnic"}, csrf=token)
    assert status == 403
    assert await own_event_names(dashboard, world.guild.id) == ["Spring picnic"]


async def test_an_event_added_on_the_page_is_stored_and_shown(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    page = countdown_page(world.guild.id)
    status, _ = await moderator.post_form(f"{page}/add", LILAC, allow_redirects=False)
    assert status == 303
    status, html = await moderator.get(page)
    assert "Added Lilac night: 2026-12-26 19:00 (Asia/Seoul)" in html  # the notice
    assert "in 30 days (D-30)" in html
    assert "Our watch party." in html
    [event] = await CountdownStore(dashboard.database).events(int(world.guild.id))
    assert (event.name, event.fact, event.yearly, event.date_only) == (
        "Lilac night",
        "Our watch party.",
        False,
        False,
    )
    assert event.at == datetime(2026, 12, 26, 19, 0, tzinfo=KST)
    row = await dashboard.database.fetchone("SELECT created_by FROM countdown_events")
    assert row is not None
    assert row["created_by"] == int(world.mod.id)

    # A kind alone makes it yearly, as with the command.
    birthday = {"name": "Mod's birthday", "date": "1999-12-01", "kind": "birthday"}
    status, _ = await moderator.post_form(f"{page}/add", birthday, allow_redirects=False)
    assert status == 303
    _, html = await moderator.get(page)
    assert "Added Mod&#39;s birthday, every year from 1999-12-01" in html
    assert "27th birthday · in 5 days (D-5)" in html
    events = {
        e.name: e for e in await CountdownStore(dashboard.database).events(int(world.guild.id))
    }
    assert events["Mod's birthday"].yearly
    assert events["Mod's birthday"].kind == "birthday"
    assert events["Mod's birthday"].date_only

    ticked = {"name": "First snow", "date": "2026-12-01", "yearly": "yes"}
    status, _ = await moderator.post_form(f"{page}/add", ticked, allow_redirects=False)
    assert status == 303
    events = {
        e.name: e for e in await CountdownStore(dashboard.database).events(int(world.guild.id))
    }
    assert events["First snow"].yearly
    assert events["First snow"].kind == "other"


async def test_every_problem_is_listed_and_nothing_is_stored(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    page = countdown_page(world.guild.id)
    wrong = {
        "name": "x" * (NAME_MAX + 1),
        "date": "2025-13-40",
        "kind": "party",
        "description": "y" * (DESCRIPTION_MAX + 1),
    }
    status, html = await moderator.post_form(f"{page}/add", wrong)
    assert status == 400
    assert f"name can be at most {NAME_MAX} characters" in html
    assert f"description can be at most {DESCRIPTION_MAX} characters" in html
    assert "`party` is not a kind of event" in html
    assert "`2025-13-40` is not a date I can use" in html
    assert 'value="2025-13-40"' in html  # the form keeps what was typed

    for fields, problem in [
        ({"name": "\u200b\u3164", "date": "2027-01-01"}, "The event needs a name."),
        ({"name": "Far", "date": "9999-12-31 23:00"}, "year must be from 1900 to 2199"),
        ({"name": "v's DISCHARGE", "date": "2027-01-01"}, "already an event called `v&#39;s"),
    ]:
        status, html = await moderator.post_form(f"{page}/add", fields)
        assert status == 400, fields
        assert problem in html, fields
    assert await own_event_names(dashboard, world.guild.id) == []

    await store_event(dashboard, world.guild.id, "Lilac night", world.mod.id)
    status, html = await moderator.post_form(f"{page}/add", {**LILAC, "name": "LILAC NIGHT"})
    assert status == 400
    assert "already an event called `LILAC NIGHT`" in html
    for number in range(GUILD_MAX_EVENTS - 1):
        await store_event(dashboard, world.guild.id, f"Event {number}", world.mod.id)
    status, html = await moderator.post_form(f"{page}/add", {**LILAC, "name": "One more"})
    assert status == 400
    assert f"already has {GUILD_MAX_EVENTS} events of its own" in html
    assert len(await own_event_names(dashboard, world.guild.id)) == GUILD_MAX_EVENTS


async def test_an_event_removed_on_the_page_is_gone(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    await store_event(dashboard, world.guild.id, "Spring picnic", world.mod.id)
    page = countdown_page(world.guild.id)
    status, html = await moderator.post_form(f"{page}/remove", {"name": "Nothing here"})
    assert status == 400
    assert "This server has no event called `Nothing here`" in html
    status, _ = await moderator.post_form(
        f"{page}/remove", {"name": "Spring picnic"}, allow_redirects=False
    )
    assert status == 303
    _, html = await moderator.get(page)
    assert "Spring picnic is removed." in html
    assert await own_event_names(dashboard, world.guild.id) == []
    # The server's history says who removed it, and where.
    (change,) = await dashboard.guild_settings.history(world.guild.id)
    assert (change.setting, change.old_value, change.new_value) == (
        "countdown_event",
        "Spring picnic",
        None,
    )
    assert (change.user_id, change.user_name, change.via) == (int(world.mod.id), "mod", "dashboard")


async def test_another_servers_events_cant_be_reached_by_editing_the_form(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld, other_guild: Guild
) -> None:
    await store_event(dashboard, other_guild.id, "Their party", world.army.id)
    page = countdown_page(world.guild.id)
    _, html = await moderator.get(page)
    assert "Their party" not in html
    status, html = await moderator.post_form(f"{page}/remove", {"name": "Their party"})
    assert status == 400
    assert "no event called `Their party`" in html
    theirs = countdown_page(other_guild.id)
    status, _ = await moderator.get(theirs)
    assert status == 403
    status, _ = await moderator.post_form(
        f"{theirs}/remove", {"name": "Their party"}, token_from=page
    )
    assert status == 403
    status, _ = await moderator.post_form(f"{theirs}/add", LILAC, token_from=page)
    assert status == 403
    assert await own_event_names(dashboard, other_guild.id) == ["Their party"]
    assert await own_event_names(dashboard, world.guild.id) == []


async def test_what_a_moderator_typed_is_shown_escaped(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    page = countdown_page(world.guild.id)
    typed = {"name": SCRIPT, "date": "2027-01-01", "description": f"<b>{SCRIPT}</b>"}
    status, _ = await moderator.post_form(f"{page}/add", typed, allow_redirects=False)
    assert status == 303
    status, html = await moderator.get(page)
    assert ESCAPED in html
    assert SCRIPT not in html
    assert "<b>" not in html
    # A refusal repeats the name and the form keeps it: escaped too.
    status, html = await moderator.post_form(f"{page}/add", typed)
    assert status == 400
    assert f"already an event called `{ESCAPED}`" in html
    assert SCRIPT not in html
    assert await own_event_names(dashboard, world.guild.id) == [SCRIPT]


async def test_the_page_in_korean(dashboard: FanBot, world: DemoWorld) -> None:
    await store_event(dashboard, world.guild.id, "Spring picnic", world.mod.id)
    async with dashboard_client(dashboard, language="ko-KR,ko;q=0.9") as browser:
        browser.sign_in(world.mod.id, "mod", [world.guild.id])
        page = countdown_page(world.guild.id)
        status, html = await browser.get(page)
        assert status == 200
        assert "카운트다운 이벤트" in html
        assert "95일 후 (D-95)" in html
        assert "이벤트 추가하기" in html
        status, html = await browser.post_form(f"{page}/add", {"name": "", "date": "언젠가"})
        assert status == 400
        assert "이벤트 이름이 필요해요." in html
        assert "`언젠가`은(는) 쓸 수 있는 날짜가 아니에요." in html
        status, _ = await browser.post_form(f"{page}/add", LILAC, allow_redirects=False)
        assert status == 303
        _, html = await browser.get(page)
        assert "Lilac night 이벤트를 추가했어요" in html


async def test_the_bot_counts_what_the_page_added_and_forgets_what_it_removed(
    dashboard: FanBot, moderator: DashboardClient, emu: Emulator, world: DemoWorld
) -> None:
    page = countdown_page(world.guild.id)
    status, _ = await moderator.post_form(f"{page}/add", LILAC, allow_redirects=False)
    assert status == 303
    choices = await emu.autocomplete(world.guild, "general", "uaena", "countdown", "event", "lilac")
    assert [choice["value"] for choice in choices] == ["Lilac night"]
    shown = await emu.slash(world.guild, "general", "uaena", "countdown", {"event": "Lilac night"})
    assert not shown.ephemeral
    assert shown.message.embeds[0]["title"] == "Lilac night"
    assert "in 30 days (D-30)" in shown.message.text()
    assert "Our watch party." in shown.message.text()

    status, _ = await moderator.post_form(
        f"{page}/remove", {"name": "Lilac night"}, allow_redirects=False
    )
    assert status == 303
    gone = await emu.slash(world.guild, "general", "uaena", "countdown", {"event": "Lilac night"})
    assert gone.ephemeral
    assert "There is no event `Lilac night` here" in gone.content
    choices = await emu.autocomplete(world.guild, "general", "uaena", "countdown", "event", "lilac")
    assert choices == []
