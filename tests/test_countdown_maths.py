"""Countdown maths across time zones and the past/future boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cogs.countdown.maths import (
    KST,
    CountdownEvent,
    countdown,
    occurrence_in,
    ordinal,
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
    ("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (22, "22nd")]
)
def test_ordinals(n, text):
    assert ordinal(n) == text


def test_event_dates_are_parsed_strictly():
    assert parse_event_date("2025-06-10", SEOUL) == datetime(2025, 6, 10, tzinfo=SEOUL)
    assert parse_event_date("2025-06-10 18:30", SEOUL).hour == 18
    for bad in ("2025-13-40", "10/06/2025", "2025-6-1", "2025-06-10 25:00", "2025-06-10 9"):
        with pytest.raises(ValueError):  # noqa: PT011 - each is refused, whatever the wording
            parse_event_date(bad, SEOUL)
