"""`/countdown` through the real client: the paged list at the largest content the limits
allow, the scheduled countdown, matching what members type, dates, and yearly kinds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.scheduler import RunStatus
from cogs.countdown.admin import DESCRIPTION_MAX, GUILD_MAX_EVENTS, NAME_MAX
from cogs.countdown.store import load_builtin_events
from discord_emulator import DemoWorld, Emulator, running_client
from tests.support.bots import make_bot

pytestmark = pytest.mark.asyncio

# Thursday 2026-11-26, 17:00 in Seoul.
START = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
KINDS = ["birthday", "anniversary", "debut", "other"]


@pytest.fixture
def bot_clock() -> FakeClock:
    return FakeClock(START)


def assert_within_discord_limits(message: Any) -> None:
    """Discord's message limits, checked here too so a test can't pass on a lax emulator."""
    assert len(message.content or "") <= 2000
    total = 0
    for embed in message.embeds:
        title, description = embed.get("title") or "", embed.get("description") or ""
        footer = (embed.get("footer") or {}).get("text") or ""
        fields = embed.get("fields") or []
        assert len(title) <= 256
        assert len(description) <= 4096
        assert len(footer) <= 2048
        assert len(fields) <= 25
        for field in fields:
            assert 0 < len(field["name"]) <= 256
            assert 0 < len(field["value"]) <= 1024
        total += len(title) + len(description) + len(footer)
        total += sum(len(f["name"]) + len(f["value"]) for f in fields)
    assert total <= 6000
    for component in message.buttons():
        assert len(component.get("custom_id") or "") <= 100
        assert len(component.get("label") or "") <= 80


def longest_names() -> list[str]:
    return [f"Server event {n:02d} ".ljust(NAME_MAX, "가") for n in range(GUILD_MAX_EVENTS)]


async def add_max_events(emu: Emulator, world: DemoWorld) -> list[str]:
    """As many server events as allowed, each with the longest name and description, and
    the wordiest counts: yearly ones far back (big ordinals) and timed ones within hours."""
    names = longest_names()
    for n, name in enumerate(names):
        options: dict[str, Any] = {"name": name, "description": "설명" * (DESCRIPTION_MAX // 2)}
        if n % 2:
            options |= {"date": f"1901-0{1 + n % 9}-1{n % 10}", "kind": KINDS[n % 4]}
        else:
            soon = START + timedelta(hours=n + 1, minutes=n)
            options["date"] = (soon + timedelta(hours=9)).strftime("%Y-%m-%d %H:%M")
        added = await emu.slash(world.guild, "general", "mod", "countdown-admin add", options)
        assert "Added" in added.content, added.content
    return names


def listed_names(message: Any) -> list[str]:
    lines = message.embeds[0]["description"].splitlines()
    return [line.split("**")[1] for line in lines]


async def test_the_largest_list_is_paged_within_discord_limits(emu, world: DemoWorld, bot):
    names = await add_max_events(emu, world)
    for locale in ("en-US", "ko"):
        language = "en" if locale == "en-US" else "ko"
        everything = [event.name_in(language) for event in load_builtin_events()] + names
        first = await emu.slash(world.guild, "general", "uaena", "countdown", locale=locale)
        assert not first.ephemeral
        message = first.message
        seen, texts = [], []
        while True:
            assert_within_discord_limits(message)
            seen += listed_names(message)
            texts.append(message.text())
            following = message.buttons()[1]
            if following.get("disabled"):
                break
            turned = await emu.click(message, following["custom_id"], "army", locale="en-US")
            assert turned.message is message  # the same message, edited in place
        # Every event once, in the language of the first page whoever turns it.
        assert sorted(seen) == sorted(everything)
        assert len(texts) == 4
        assert ("Page 4/4" if locale == "en-US" else "4/4 페이지") in texts[-1]
        assert ("birthday" if locale == "en-US" else "번째 생일") in "".join(texts)

        back = await emu.click(message, message.buttons()[0]["custom_id"], "uaena")
        assert "3/4" in back.message.text()

    # Each event in detail fits too, with its full description.
    for name in names[:2]:
        one = await emu.slash(world.guild, "general", "uaena", "countdown", {"event": name})
        assert_within_discord_limits(one.message)
        assert "설명" * (DESCRIPTION_MAX // 2) in one.message.text()


async def test_the_page_buttons_work_after_a_restart(emu: Emulator, world: DemoWorld, tmp_path):
    path = tmp_path / "bot.sqlite3"
    async with running_client(make_bot(emu, path, FakeClock(START)), emu):
        await add_max_events(emu, world)
        listed = await emu.slash(world.guild, "general", "uaena", "countdown")
    async with running_client(make_bot(emu, path, FakeClock(START)), emu):
        following = listed.message.buttons()[1]["custom_id"]
        turned = await emu.click(listed.message, following, "army")
        assert not turned.ephemeral
        assert "Page 2/4" in turned.message.text()


async def test_the_scheduled_countdown_posts_the_largest_content(
    emu, world: DemoWorld, bot, bot_clock
):
    await add_max_events(emu, world)
    await emu.slash(
        world.guild,
        "general",
        "mod",
        "schedule add",
        {"kind": "countdown", "time": "17:05", "repeat": "daily", "channel": world.announcements},
    )
    bot_clock.advance(timedelta(minutes=5))
    [outcome] = await bot.scheduler.run_due()
    assert outcome.status is RunStatus.POSTED
    posted = await emu.wait_for_message(world.announcements)
    assert_within_discord_limits(posted)
    assert "Page 1/4" in posted.text()
    assert "⏰ #1" in posted.embeds[0]["footer"]["text"]

    # Turning the page keeps the mark a restart looks for.
    await emu.click(posted, posted.buttons()[1]["custom_id"], "army")
    assert "Page 2/4" in posted.text()
    assert "⏰ #1" in posted.embeds[0]["footer"]["text"]


async def test_typed_text_matches_as_the_autocomplete_does(emu, world: DemoWorld, bot):
    choices = await emu.autocomplete(world.guild, "general", "uaena", "countdown", "event", "disch")
    assert [choice["name"] for choice in choices] == ["V's discharge"]

    for typed in ("discharge", "DISCH", "전역", "v-discharge", "V'S DISCHARGE"):
        answer = await emu.slash(world.guild, "general", "uaena", "countdown", {"event": typed})
        assert not answer.ephemeral, typed
        assert answer.message.embeds[0]["title"] == "V's discharge"
    [source] = [f for f in answer.message.embeds[0]["fields"] if f["name"] == "Source"]
    assert source["value"].startswith("[")  # a link labelled with its site, not a bare address
    assert "](https://" in source["value"]

    several = await emu.slash(world.guild, "general", "uaena", "countdown", {"event": "V's"})
    assert several.ephemeral
    assert "matches several events" in several.content
    assert "`V's enlistment`" in several.content
    assert "`V's discharge`" in several.content


async def test_a_date_only_event_shows_its_own_date_on_a_new_york_server(
    emu, world: DemoWorld, bot
):
    await emu.slash(world.guild, "general", "mod", "config timezone", {"zone": "America/New_York"})
    shown = await emu.slash(
        world.guild, "general", "uaena", "countdown", {"event": "V's enlistment"}
    )
    footer = shown.message.embeds[0]["footer"]["text"]
    assert "2023-12-11" in footer
    assert "10:00" not in footer
    assert "2023-12-10" not in footer
    # A timed event is still shown on the server's clock.
    song = await emu.slash(
        world.guild, "general", "uaena", "countdown", {"event": '"Love wins all" song release'}
    )
    assert "2024-01-24 04:00 (America/New_York)" in song.message.text()


async def test_a_server_date_without_a_time_stays_a_date(emu, world: DemoWorld, bot):
    added = await emu.slash(
        world.guild,
        "general",
        "mod",
        "countdown-admin add",
        {"name": "Fan meeting", "date": "2027-03-01"},
    )
    assert "2027-03-01 (Asia/Seoul)" in added.content
    assert "00:00" not in added.content
    await emu.slash(world.guild, "general", "mod", "config timezone", {"zone": "America/New_York"})
    shown = await emu.slash(world.guild, "general", "uaena", "countdown", {"event": "Fan meeting"})
    assert "2027-03-01 (a date in Asia/Seoul)" in shown.message.text()
    assert "hours" not in shown.message.text()


async def test_a_custom_yearly_birthday_says_birthday(emu, world: DemoWorld, bot):
    added = await emu.slash(
        world.guild,
        "general",
        "mod",
        "countdown-admin add",
        {"name": "Jungkook's birthday", "date": "1997-09-01", "kind": "birthday"},
    )
    assert "every year" in added.content  # a kind makes it yearly
    shown = await emu.slash(
        world.guild, "general", "uaena", "countdown", {"event": "Jungkook's birthday"}
    )
    assert "30th birthday" in shown.message.text()
    assert "anniversary" not in shown.message.text()
    korean = await emu.slash(
        world.guild,
        "general",
        "uaena",
        "countdown",
        {"event": "Jungkook's birthday"},
        locale="ko",
    )
    assert "30번째 생일" in korean.message.text()

    debut = await emu.slash(
        world.guild, "general", "uaena", "countdown", {"event": "IU's debut anniversary"}
    )
    assert "19th debut anniversary" in debut.message.text()

    refused = await emu.slash(
        world.guild,
        "general",
        "mod",
        "countdown-admin add",
        {"name": "Not yearly", "date": "2027-01-01", "kind": "birthday", "yearly": False},
    )
    assert refused.ephemeral
    assert "A kind is for yearly events" in refused.content


async def test_a_page_turned_after_the_cog_is_off_says_so(emu, world: DemoWorld, bot):
    listed = await emu.slash(world.guild, "general", "uaena", "countdown")
    await emu.slash(
        world.guild, "general", "mod", "config cog", {"name": "countdown", "enabled": False}
    )
    turned = await emu.click(listed.message, listed.message.buttons()[1]["custom_id"], "army")
    assert turned.ephemeral
    assert "turned off in this server" in turned.content
    assert "Page 1/" in listed.message.text()  # the list itself is left as it was
