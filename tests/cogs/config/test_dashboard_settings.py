"""The dashboard's settings page, served by the real bot against the emulator: everything
`/config` does, on one form, with the same checks, and the bot acting on what it stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.client import FanBot
from bot.clock import FakeClock, from_db
from bot.guild_settings import Changer
from bot.scheduler import RunStatus
from discord_emulator import DemoWorld, Emulator, eventually
from discord_emulator import permissions as perms
from discord_emulator.state import Guild
from tests.support.announcements import START, schedule
from tests.support.dashboard import DashboardClient, dashboard_bot, dashboard_client
from tests.support.dashboard_settings import (
    open_settings,
    settings_fields,
    settings_path,
    submit_settings,
)

SCRIPT = "<script>alert(1)</script>"


async def changes_stored(bot: FanBot) -> list[tuple[str, str | None, str | None, str, str]]:
    rows = await bot.database.fetchall(
        "SELECT setting, old_value, new_value, user_name, via FROM settings_changes ORDER BY id"
    )
    return [tuple(row) for row in rows]


async def test_the_page_is_for_moderators_only(
    dashboard: FanBot, moderator: DashboardClient, member: DashboardClient, world: DemoWorld
) -> None:
    path = settings_path(world.guild.id)
    status, html = await moderator.get(path)
    assert status == 200
    assert "Trivia timeout" in html
    status, _ = await member.get(path)
    assert status == 403
    status, _ = await member.post_form(
        path, {"shown_timezone": "Asia/Seoul", "timezone": "UTC"}, token_from="/servers"
    )
    assert status == 403
    assert await changes_stored(dashboard) == []


async def test_every_setting_changed_at_once_is_stored_and_recorded_as_the_dashboards(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    guild_id = int(world.guild.id)
    form = await open_settings(moderator, guild_id)
    status, html = await submit_settings(
        moderator,
        guild_id,
        form,
        off=("cog_symbols",),
        timezone="new york",
        channel=world.announcements.id,
        setting_trivia_timeout=45,
        mod_role=world.mods.id,
        language="ko",
    )
    assert status == 200, html
    assert "Settings saved." in html
    settings = await dashboard.guild_settings.get(guild_id)
    assert settings.timezone == "America/New_York"
    assert settings.announce_channel_id == int(world.announcements.id)
    assert settings.value("trivia_timeout") == 45
    assert settings.mod_role_id == int(world.mods.id)
    assert settings.language == "ko"
    assert settings.disabled_cogs == frozenset({"symbols"})
    stored = await changes_stored(dashboard)
    assert {row[0] for row in stored} == {
        "timezone",
        "announce_channel_id",
        "trivia_timeout",
        "mod_role_id",
        "language",
        "disabled_cogs",
    }
    assert {row[3:] for row in stored} == {("mod", "dashboard")}
    # The history on the page: who, where, which setting, old -> new, in words.
    history = html.split("<h3>Changes</h3>")[1]
    assert "mod" in history
    assert "dashboard" in history
    assert "Trivia timeout" in history
    assert "20 seconds → 45 seconds" in history
    assert "Asia/Seoul → America/New_York" in history
    assert "not set → #announcements" in history
    assert "not set → @Mods" in history
    assert "Automatic: the server&#39;s Discord language → Korean" in history
    assert "all on → off: symbols" in history
    # When, in the server's (new) zone.
    assert "EST" in history or "EDT" in history


async def test_an_unchanged_form_stores_nothing(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    form = await open_settings(moderator, world.guild.id)
    status, html = await submit_settings(moderator, world.guild.id, form)
    assert status == 200
    assert "Nothing was changed." in html
    assert await changes_stored(dashboard) == []


async def test_two_moderators_changing_different_settings_at_once_both_land(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    guild_id = int(world.guild.id)
    async with dashboard_client(dashboard) as owner:
        owner.sign_in(world.owner.id, "owner", [guild_id])
        # Both open the page before either saves.
        mine = await open_settings(moderator, guild_id)
        theirs = await open_settings(owner, guild_id)
        status, _ = await submit_settings(moderator, guild_id, mine, timezone="UTC")
        assert status == 200
        status, _ = await submit_settings(moderator, guild_id, mine, off=("cog_trivia",))
        assert status == 200
        status, _ = await submit_settings(
            owner, guild_id, theirs, off=("cog_countdown",), setting_trivia_timeout=30
        )
        assert status == 200
    settings = await dashboard.guild_settings.get(guild_id)
    assert settings.timezone == "UTC"  # the owner's stale form did not put Seoul back
    assert settings.value("trivia_timeout") == 30
    assert settings.disabled_cogs == frozenset({"trivia", "countdown"})
    stored = await changes_stored(dashboard)
    assert [(row[0], row[3]) for row in stored] == [
        ("timezone", "mod"),
        ("disabled_cogs", "mod"),
        ("disabled_cogs", "owner"),
        ("trivia_timeout", "owner"),
    ]


async def test_every_mistake_is_listed_at_once_and_nothing_is_stored(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    locked = world.guild.add_text_channel("locked")
    locked.set_overwrite(world.guild.me, deny=perms.SEND_MESSAGES)
    await eventually(lambda: dashboard.get_channel(int(locked.id)) is not None)
    guild_id = int(world.guild.id)
    form = await open_settings(moderator, guild_id)
    status, html = await submit_settings(
        moderator,
        guild_id,
        form,
        off=("cog_trivia",),
        timezone="Seou",
        setting_trivia_timeout=200,
        channel=locked.id,
        mod_role=guild_id,  # @everyone
        language="fr",
    )
    assert status == 400
    assert "Nothing was saved" in html
    assert "<code>Seou</code> is not a time zone I know" in html
    assert "Did you mean <code>Asia/Seoul</code>" in html
    assert "200 seconds is out of range: choose from 5 to 120 seconds." in html
    assert "I can&#39;t post in #locked: I&#39;m missing Send Messages, Embed Links there" in html
    assert "@everyone can&#39;t be the moderator role" in html
    assert "<code>fr</code> is not a language I write in" in html
    # The form keeps what was typed, to be fixed.
    assert settings_fields(html)["timezone"] == "Seou"
    assert await changes_stored(dashboard) == []
    assert (await dashboard.guild_settings.get(guild_id)).cog_enabled("trivia")

    status, html = await submit_settings(
        moderator, guild_id, form, timezone="KST", setting_trivia_timeout="twenty"
    )
    assert status == 400
    assert "<code>KST</code> is an abbreviation" in html
    assert "Enter a whole number from 5 to 120." in html
    assert await changes_stored(dashboard) == []


async def test_another_servers_channel_and_role_are_refused(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld, other_guild: Guild
) -> None:
    guild_id = int(world.guild.id)
    form = await open_settings(moderator, guild_id)
    [news] = [channel for channel in other_guild.channels.values() if channel.name == "news"]
    [staff] = [role for role in other_guild.roles.values() if role.name == "Staff"]
    status, html = await submit_settings(
        moderator, guild_id, form, channel=news.id, mod_role=staff.id
    )
    assert status == 400
    assert "That channel isn&#39;t a text channel of this server" in html
    assert "That role isn&#39;t one of this server&#39;s roles" in html
    offered = html.split('<select id="channel"')[1].split("</select>")[0]
    assert str(news.id) not in offered  # nor offered
    assert str(world.announcements.id) in offered
    assert await changes_stored(dashboard) == []
    # Nor can the other server's own page be read or changed by its id.
    other = settings_path(other_guild.id)
    status, _ = await moderator.get(other)
    assert status == 403
    status, _ = await moderator.post_form(
        other, {"shown_timezone": "Asia/Seoul", "timezone": "UTC"}, token_from="/servers"
    )
    assert status == 403
    assert (await dashboard.guild_settings.get(int(other_guild.id))).timezone == "Asia/Seoul"


async def test_what_users_typed_is_escaped(
    dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    world.guild.add_role(SCRIPT)
    guild_id = int(world.guild.id)
    await eventually(
        lambda: any(role.name == SCRIPT for role in dashboard.get_guild(guild_id).roles)
    )
    form = await open_settings(moderator, guild_id)
    status, html = await submit_settings(moderator, guild_id, form, timezone=SCRIPT)
    assert status == 400
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert SCRIPT not in html
    # A name in the history, as Discord gave it.
    await dashboard.guild_settings.update(guild_id, Changer(1, SCRIPT), timezone="UTC")
    status, html = await moderator.get(settings_path(guild_id))
    assert status == 200
    assert "@&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the role in the select
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html.split("<h3>Changes</h3>")[1]
    assert SCRIPT not in html


async def test_the_page_in_korean(dashboard: FanBot, world: DemoWorld) -> None:
    async with dashboard_client(dashboard, language="ko-KR,ko;q=0.9") as browser:
        browser.sign_in(world.mod.id, "mod", [world.guild.id])
        status, html = await browser.get(settings_path(world.guild.id))
        assert status == 200
        assert "<h2>설정</h2>" in html
        assert "퀴즈 제한 시간" in html
        assert "자동: 서버의 Discord 언어를 따라요" in html
        form = settings_fields(html)
        status, html = await submit_settings(
            browser, world.guild.id, form, setting_trivia_timeout=3
        )
        assert status == 400
        assert "아무것도 저장하지 않았어요" in html
        status, html = await submit_settings(
            browser, world.guild.id, form, setting_trivia_timeout=30
        )
        assert "설정을 저장했어요." in html
        assert "대시보드" in html.split("변경 기록")[1]


async def test_after_a_change_on_the_page_config_show_says_it_was_the_dashboard(
    emu: Emulator, dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    form = await open_settings(moderator, world.guild.id)
    await submit_settings(moderator, world.guild.id, form, setting_trivia_timeout=30)
    shown = await emu.slash(world.guild, "general", "owner", "config show")
    text = shown.message.text()
    assert "30 seconds" in text
    assert "on the dashboard" in text.split("Trivia timeout")[1]


async def test_a_feature_turned_off_on_the_page_says_so_in_discord(
    emu: Emulator, dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    form = await open_settings(moderator, world.guild.id)
    await submit_settings(moderator, world.guild.id, form, off=("cog_trivia",))
    answer = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
    assert answer.ephemeral
    assert "Trivia is turned off in this server" in answer.content


async def test_the_new_trivia_timeout_closes_the_next_round(
    emu: Emulator, dashboard: FanBot, moderator: DashboardClient, world: DemoWorld
) -> None:
    # 5 s, the lowest /config takes; the default is 20 s, so a reveal within 15 s is the
    # new timeout's.
    form = await open_settings(moderator, world.guild.id)
    await submit_settings(moderator, world.guild.id, form, setting_trivia_timeout=5)
    started = await emu.slash(world.guild, "trivia", "uaena", "trivia play")
    assert not started.ephemeral
    row = await dashboard.database.fetchone("SELECT opened_at, closes_at FROM trivia_rounds")
    assert from_db(row["closes_at"]) - from_db(row["opened_at"]) == timedelta(seconds=5)
    revealed = await started.wait_edit(timeout=15)
    assert "Time's up" in revealed.text()


@pytest.fixture
async def dashboard_at_start(
    emu: Emulator, world: DemoWorld, tmp_path: Path
) -> AsyncIterator[tuple[FanBot, FakeClock]]:
    clock = FakeClock(START)
    async with dashboard_bot(emu, tmp_path / "bot.sqlite3", clock=clock) as bot:
        yield bot, clock


async def test_a_new_zone_on_the_page_moves_the_armed_announcements(
    emu: Emulator, world: DemoWorld, dashboard_at_start: tuple[FanBot, FakeClock]
) -> None:
    """17:05 in Seoul is 08:05 UTC; after the page sets UTC the run is at 17:05 UTC."""
    bot, clock = dashboard_at_start
    await schedule(emu, world, world.announcements)
    async with dashboard_client(bot) as browser:
        browser.sign_in(world.mod.id, "mod", [world.guild.id])
        form = await open_settings(browser, world.guild.id)
        status, _ = await submit_settings(browser, world.guild.id, form, timezone="UTC")
        assert status == 200
    clock.advance(timedelta(minutes=5))
    assert await bot.scheduler.run_due() == []  # not at 17:05 in Seoul any more
    clock.set(START.replace(hour=17, minute=5))
    [outcome] = await bot.scheduler.run_due()
    assert outcome.status is RunStatus.POSTED
    assert len(emu.channel_messages(world.announcements)) == 1
