"""Countdown maths as mutation testing found it under-tested (see README, "Test it")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cogs.countdown.maths import (
    KST,
    CountdownEvent,
    EventYearOutOfRange,
    countdown,
    local_date,
    occurrence_in,
    ordinal,
    pages_of,
    parse_event_date,
)

SEOUL = ZoneInfo("Asia/Seoul")
SONG = CountdownEvent("s", "Song", datetime(2024, 1, 24, 18, 0, tzinfo=KST))
BIRTHDAY = CountdownEvent(
    "b", "Birthday", datetime(1993, 5, 16, tzinfo=KST), yearly=True, date_only=True
)


def test_hours_stop_showing_at_exactly_two_days():
    assert not countdown(SONG, SONG.at - timedelta(days=2), SEOUL).show_hours
    assert countdown(SONG, SONG.at - timedelta(days=2) + timedelta(seconds=1), SEOUL).show_hours
    assert not countdown(SONG, SONG.at + timedelta(days=2), SEOUL).show_hours


def test_a_date_only_event_never_shows_hours_and_is_past_only_after_its_day():
    day = CountdownEvent("d", "Day", datetime(2025, 6, 10, tzinfo=KST), date_only=True)
    on_the_day = countdown(day, datetime(2025, 6, 10, 12, tzinfo=KST), SEOUL)
    assert not on_the_day.show_hours
    assert not on_the_day.is_past
    assert on_the_day.is_today
    assert on_the_day.d_label == "D-Day"
    after = countdown(day, datetime(2025, 6, 11, 0, 0, tzinfo=KST), SEOUL)
    assert after.is_past
    assert not after.is_today
    assert after.d_label == "D+1"


def test_an_instant_is_past_from_the_instant_on():
    assert not countdown(SONG, SONG.at, SEOUL).is_past
    assert countdown(SONG, SONG.at + timedelta(seconds=1), SEOUL).is_past
    assert not countdown(SONG, SONG.at, SEOUL).is_today


def test_a_yearly_event_counts_its_occurrence_and_keeps_its_wall_time():
    item = countdown(BIRTHDAY, datetime(2026, 5, 17, tzinfo=UTC), SEOUL)  # the day after
    assert item.target == datetime(2027, 5, 16, tzinfo=KST)
    assert item.occurrence == 34
    assert item.days == 364
    assert local_date(BIRTHDAY, item.target) == date(2027, 5, 16)
    assert occurrence_in(SONG, 2030) == datetime(2030, 1, 24, 18, 0, tzinfo=KST)


@pytest.mark.parametrize(
    ("year", "day"), [(2028, 29), (2027, 28), (2100, 28), (2000, 29), (1900, 28)]
)
def test_a_leap_day_falls_on_feb_28_in_a_common_year_only(year, day):
    leap = CountdownEvent("l", "Leap", datetime(1996, 2, 29, 9, 30, tzinfo=KST), yearly=True)
    assert occurrence_in(leap, year) == datetime(year, 2, day, 9, 30, tzinfo=KST)


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
        (19, "19th"),
        (20, "20th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (101, "101st"),
        (111, "111th"),
        (112, "112th"),
        (113, "113th"),
        (121, "121st"),
    ],
)
def test_every_ordinal_suffix(n, text):
    assert ordinal(n) == text


def test_an_event_date_keeps_its_hour_and_minutes_in_the_zone():
    assert parse_event_date("2025-06-10 09:05", SEOUL) == datetime(2025, 6, 10, 9, 5, tzinfo=SEOUL)
    assert parse_event_date("  2025-06-10   23:59 ", SEOUL) == datetime(
        2025, 6, 10, 23, 59, tzinfo=SEOUL
    )
    assert parse_event_date("2025-06-10", SEOUL) == datetime(2025, 6, 10, tzinfo=SEOUL)


@pytest.mark.parametrize(
    "text",
    [
        "2025-06-10 09:05 extra",
        "2025-06-10 0905",
        "2025-06-10 09:5",
        "2025-06-10 9h:05",
        "2025-06-10 09:ab",
        "2025-6-10",
        "25-06-10",
        "2025-06-1x",
        "2025/06/10",
    ],
)
def test_an_event_date_in_any_other_form_is_refused(text):
    with pytest.raises(ValueError, match=r"2025|25-06"):
        parse_event_date(text, SEOUL)


def test_event_years_run_from_1900_to_2199():
    assert parse_event_date("1900-01-01", SEOUL).year == 1900
    assert parse_event_date("2199-12-31", SEOUL).year == 2199
    for text in ("1899-12-31", "2200-01-01"):
        with pytest.raises(EventYearOutOfRange):
            parse_event_date(text, SEOUL)


def test_pages_hold_per_page_items_and_an_empty_list_is_one_empty_page():
    assert pages_of([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    assert pages_of([], 10) == [[]]
