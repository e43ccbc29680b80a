"""Countdown maths across time zones and the past/future boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cogs.countdown.cog import describe
from cogs.countdown.maths import (
    KST,
    CountdownEvent,
    best_matches,
    countdown,
    find_events,
    has_time,
    occurrence_in,
    ordinal,
    pages_of,
    parse_event_date,
)

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
DISCHARGE = CountdownEvent("d", "V's discharge", datetime(2025, 6, 10, tzinfo=KST))
SONG = CountdownEvent("s", "Song", datetime(2024, 1, 24, 18, 0, tzinfo=KST))
ANNIVERSARY = CountdownEvent("a", "Release", datetime(2024, 1, 24, 18, 0, tzinfo=KST), yearly=True)


def test_days_since_a_past_event():
    now = datetime(2025, 6, 20, 3, 0, tzinfo=UTC)  # 12:00 in Seoul, 10 days later
    item = countdown(DISCHARGE, now, SEOUL)
    assert item.is_past
    assert item.days == -10
    assert item.d_label == "D+10"


def test_days_until_a_future_event():
    now = datetime(2025, 6, 1, 0, 0, tzinfo=UTC)  # 09:00 June 1 in Seoul
    item = countdown(DISCHARGE, now, SEOUL)
    assert not item.is_past
    assert item.days == 9
    assert item.d_label == "D-9"
    assert not item.show_hours


def test_hours_show_under_two_days_on_both_sides():
    before = countdown(SONG, SONG.at - timedelta(hours=30), SEOUL)
    after = countdown(SONG, SONG.at + timedelta(hours=3), SEOUL)
    assert before.show_hours
    assert before.remaining == timedelta(hours=30)
    assert after.show_hours
    assert after.is_past
    # Exactly two days away (or ago) is no longer "under two days": days only.
    for two_days in (SONG.at - timedelta(days=2), SONG.at + timedelta(days=2)):
        assert not countdown(SONG, two_days, SEOUL).show_hours
    assert countdown(SONG, SONG.at - timedelta(days=2) + timedelta(seconds=1), SEOUL).show_hours


def test_the_boundary_instant_itself():
    exactly = countdown(SONG, SONG.at, SEOUL)
    assert not exactly.is_past
    assert exactly.d_label == "D-Day"
    one_second_after = countdown(SONG, SONG.at + timedelta(seconds=1), SEOUL)
    assert one_second_after.is_past


def test_calendar_days_follow_the_server_zone():
    # 18:00 KST on Jan 24 is 04:00 on Jan 24 in New York; at 23:00 Jan 23 New York time
    # (13:00 Jan 24 in Seoul) the event is "tomorrow" in New York and "today" in Seoul.
    now = datetime(2024, 1, 24, 4, 0, tzinfo=UTC)
    assert countdown(SONG, now, SEOUL).days == 0
    assert countdown(SONG, now, NEW_YORK).days == 1


def test_yearly_event_counts_to_its_next_occurrence_and_names_it():
    now = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    item = countdown(ANNIVERSARY, now, SEOUL)
    assert item.target == datetime(2027, 1, 24, 18, 0, tzinfo=KST)
    assert item.occurrence == 3
    assert item.days == 59


def test_a_yearly_event_that_has_not_begun_counts_to_its_first_date():
    first = CountdownEvent("f", "Festival", datetime(2030, 3, 1, tzinfo=KST), yearly=True)
    item = countdown(first, datetime(2026, 11, 26, 8, 0, tzinfo=UTC), SEOUL)
    assert item.target == datetime(2030, 3, 1, tzinfo=KST)
    assert item.occurrence == 0
    assert item.days == 1191


def test_yearly_event_stays_on_today_during_its_day():
    now = datetime(2027, 1, 24, 12, 0, tzinfo=UTC)  # 21:00 KST, three hours after
    item = countdown(ANNIVERSARY, now, SEOUL)
    assert item.target.year == 2027
    assert item.d_label == "D-Day"
    assert item.is_past
    next_day = countdown(ANNIVERSARY, now + timedelta(hours=4), SEOUL)
    assert next_day.target.year == 2028


def test_leap_day_event_falls_on_feb_28():
    event = CountdownEvent("l", "Leap", datetime(2024, 2, 29, tzinfo=KST), yearly=True)
    assert occurrence_in(event, 2025).day == 28
    assert occurrence_in(event, 2028).day == 29


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (10, "10th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (20, "20th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (24, "24th"),
        (30, "30th"),
        (101, "101st"),
        (102, "102nd"),
        (103, "103rd"),
        (111, "111th"),
        (112, "112th"),
        (113, "113th"),
        (121, "121st"),
    ],
)
def test_ordinals(n, text):
    assert ordinal(n) == text


def test_event_dates_are_parsed_strictly():
    assert parse_event_date("2025-06-10", SEOUL) == datetime(2025, 6, 10, tzinfo=SEOUL)
    assert parse_event_date("2025-06-10 18:30", SEOUL) == datetime(
        2025, 6, 10, 18, 30, tzinfo=SEOUL
    )
    assert parse_event_date(" 2025-06-10   9:05 ", SEOUL) == datetime(
        2025, 6, 10, 9, 5, tzinfo=SEOUL
    )
    bad_dates = (
        "2025-13-40",
        "10/06/2025",
        "2025-6-1",
        "2025-06-10 25:00",
        "2025-06-10 9",
        "2025-06-10 18:30 KST",  # a third word is refused, not dropped with the time
        "2025-06-10 6:30 pm",
    )
    for bad in bad_dates:
        with pytest.raises(ValueError):  # noqa: PT011 - each is refused, whatever the wording
            parse_event_date(bad, SEOUL)


ENLISTMENT = CountdownEvent(
    "v-enlistment",
    "V's enlistment",
    datetime(2023, 12, 11, tzinfo=KST),
    date_only=True,
    aliases=("enlistment", "입대"),
)


def test_a_date_only_event_counts_days_in_its_own_zone():
    # 23:00 Dec 10 in Seoul is 09:00 Dec 10 in New York: the enlistment is tomorrow in
    # Seoul, and so it is D-1 on a New York server too (not D-Day, as 00:00 KST in New York
    # time, 10:00 Dec 10, would make it), with no hours, since a date has no time.
    now = datetime(2023, 12, 10, 14, 0, tzinfo=UTC)
    item = countdown(ENLISTMENT, now, NEW_YORK)
    assert item.days == 1
    assert item.d_label == "D-1"
    assert not item.show_hours
    assert not item.is_past


def test_a_date_only_event_is_today_for_its_whole_day():
    for hour in (0, 12, 23):
        now = datetime(2023, 12, 11, hour, 30, tzinfo=KST)
        item = countdown(ENLISTMENT, now, NEW_YORK)
        assert item.is_today
        assert not item.is_past
        assert item.d_label == "D-Day"
    after = countdown(ENLISTMENT, datetime(2023, 12, 12, 0, 0, tzinfo=KST), NEW_YORK)
    assert after.is_past
    assert after.d_label == "D+1"


def test_a_yearly_date_only_birthday_counts_in_its_own_zone():
    birthday = CountdownEvent(
        "b", "IU's birthday", datetime(1993, 5, 16, tzinfo=KST), yearly=True, date_only=True
    )
    # 05:00 May 17 in Seoul, still May 16 in New York: the day is over where it is a date.
    now = datetime(2024, 5, 16, 20, 0, tzinfo=UTC)
    item = countdown(birthday, now, NEW_YORK)
    assert item.target.date().isoformat() == "2025-05-16"
    assert item.occurrence == 32


@pytest.mark.parametrize("typed", ["discharge", "DISCH", "v-discharge", "v's discharge", "전역"])
def test_typed_text_finds_an_event_by_name_key_or_alias(typed):
    discharge = CountdownEvent(
        "v-discharge", "V's discharge", DISCHARGE.at, aliases=("discharge", "전역")
    )
    assert best_matches([ENLISTMENT, discharge, SONG], typed) == [discharge]
    assert find_events([ENLISTMENT, discharge, SONG], typed)[0] == discharge


def test_matches_rank_exact_then_alias_then_prefix_then_substring():
    exact = CountdownEvent("x", "Live", SONG.at)
    alias = CountdownEvent("y", "Concert", SONG.at, aliases=("live",))
    prefix = CountdownEvent("z", "Live tour", SONG.at)
    inside = CountdownEvent("w", "Olive day", SONG.at)
    events = [inside, prefix, alias, exact]
    assert find_events(events, "live") == [exact, alias, prefix, inside]
    assert best_matches(events, "LIVE") == [exact]
    assert best_matches([inside, prefix], "liv") == [prefix]
    assert find_events(events, "") == events  # empty text: everything, in order
    assert best_matches(events, "nothing") == []


def test_several_equally_good_matches_are_all_returned():
    a = CountdownEvent("a", "V's enlistment", SONG.at)
    b = CountdownEvent("b", "V's discharge", SONG.at)
    assert best_matches([a, b, SONG], "v's") == [a, b]


def test_pages_of():
    assert pages_of(list(range(25)), 10) == [
        list(range(10)),
        list(range(10, 20)),
        [20, 21, 22, 23, 24],
    ]
    assert pages_of([], 10) == [[]]


def test_has_time():
    assert not has_time("2025-06-10")
    assert has_time(" 2025-06-10   18:30 ")


# --- The wording members read (cogs/countdown/cog.py) ----------------------------------------

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # 17:00 Nov 26 in Seoul


def described(event: CountdownEvent, now: datetime, locale: str = "en") -> str:
    return describe(countdown(event, now, SEOUL), locale)


def test_day_counts_say_day_for_one_and_days_for_more():
    tomorrow = CountdownEvent("t", "Tomorrow", datetime(2026, 11, 27, tzinfo=KST), date_only=True)
    after = CountdownEvent("a", "After", datetime(2026, 11, 28, tzinfo=KST), date_only=True)
    assert described(tomorrow, NOW) == "in 1 day (D-1)"
    assert described(after, NOW) == "in 2 days (D-2)"
    assert described(tomorrow, NOW + timedelta(days=2)) == "1 day ago (D+1)"
    assert described(tomorrow, NOW + timedelta(days=3)) == "2 days ago (D+2)"
    assert described(after, NOW, "ko") == "2일 후 (D-2)"


def test_hours_are_shown_under_two_days_and_not_at_two():
    assert described(SONG, SONG.at - timedelta(hours=30)) == "in 1 day 6 hours (D-1)"
    assert (
        described(SONG, SONG.at - timedelta(hours=5, minutes=20)) == "in 5 hours 20 minutes (D-Day)"
    )
    assert (
        described(SONG, SONG.at + timedelta(hours=30)) == "1 day 6 hours ago (D+2)"
    )  # calendar days: 00:00 two days on
    assert described(SONG, SONG.at - timedelta(days=2)) == "in 2 days (D-2)"
    assert described(SONG, SONG.at + timedelta(days=2)) == "2 days ago (D+2)"


def test_a_yearly_event_names_its_occurrence_but_not_a_zeroth_one():
    release = CountdownEvent("r", "Release", ANNIVERSARY.at, yearly=True, kind="anniversary")
    assert described(release, NOW) == "3rd anniversary · in 59 days (D-59)"
    first = CountdownEvent(
        "f", "Fan club", datetime(2027, 3, 1, tzinfo=KST), yearly=True, kind="anniversary"
    )
    # Before its first day comes round there is nothing to celebrate yet: no "0th".
    assert described(first, NOW) == "in 95 days (D-95)"
    assert described(first, NOW, "ko") == "95일 후 (D-95)"
    assert (
        described(first, datetime(2028, 2, 1, tzinfo=KST)) == "1st anniversary · in 29 days (D-29)"
    )
