from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.schedule_time import (
    InvalidTimeOfDay,
    Repeat,
    first_run,
    format_hhmm,
    next_occurrence,
    next_run_after,
    parse_hhmm,
)

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
NUUK = ZoneInfo("America/Nuuk")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- parse_hhmm -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9, 0)),
        ("9:05", time(9, 5)),
        (" 21:30 ", time(21, 30)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
    ],
)
def test_parse_hhmm_accepts_24_hour_times(text: str, expected: time) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize(
    "text", ["24:00", "12:60", "9", "9:5", "09:00:00", "9pm", "9:00 pm", "", "ab:cd", "-1:00"]
)
def test_parse_hhmm_refuses_anything_else_and_says_the_form(text: str) -> None:
    with pytest.raises(InvalidTimeOfDay) as caught:
        parse_hhmm(text)
    assert "HH:MM" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_format_hhmm_pads() -> None:
    assert format_hhmm(time(7, 5)) == "07:05"


# --- Plain days -----------------------------------------------------------------------------


def test_daily_in_seoul_is_the_next_nine_oclock() -> None:
    # 2024-05-01 08:00 KST -> 09:00 KST the same day (00:00 UTC).
    after = utc(2024, 4, 30, 23, 0)
    assert next_run_after(after, time(9, 0), Repeat.DAILY, None, SEOUL) == utc(2024, 5, 1, 0, 0)


def test_daily_is_strictly_after() -> None:
    at_run = utc(2024, 5, 1, 0, 0)  # exactly 09:00 KST
    assert next_run_after(at_run, time(9, 0), Repeat.DAILY, None, SEOUL) == utc(2024, 5, 2, 0, 0)
    just_before = at_run - timedelta(microseconds=1)
    assert next_run_after(just_before, time(9, 0), Repeat.DAILY, None, SEOUL) == at_run


def test_once_is_its_single_next_occurrence() -> None:
    after = utc(2024, 5, 1, 1, 0)  # 10:00 KST: today's 09:00 has passed
    assert next_run_after(after, time(9, 0), Repeat.ONCE, None, SEOUL) == utc(2024, 5, 2, 0, 0)


def test_weekly_waits_for_its_weekday() -> None:
    # 2024-05-01 is a Wednesday; weekday 0 (Monday) is 2024-05-06.
    after = utc(2024, 4, 30, 23, 0)
    run = next_run_after(after, time(9, 0), Repeat.WEEKLY, 0, SEOUL)
    assert run == utc(2024, 5, 6, 0, 0)
    assert run.astimezone(SEOUL).weekday() == 0
    # From the run itself, the next is a week later.
    assert next_run_after(run, time(9, 0), Repeat.WEEKLY, 0, SEOUL) == utc(2024, 5, 13, 0, 0)


def test_weekly_on_todays_weekday_before_the_time_is_today() -> None:
    after = utc(2024, 4, 30, 23, 0)  # Wednesday 08:00 KST
    assert next_run_after(after, time(9, 0), Repeat.WEEKLY, 2, SEOUL) == utc(2024, 5, 1, 0, 0)


def test_weekday_is_read_in_the_zone_not_in_utc() -> None:
    # Monday 08:00 KST is still Sunday in UTC.
    after = utc(2024, 5, 5, 23, 0)
    assert next_run_after(after, time(8, 30), Repeat.WEEKLY, 0, SEOUL) == utc(2024, 5, 5, 23, 30)


def test_weekly_needs_a_weekday() -> None:
    with pytest.raises(ValueError, match="weekday"):
        next_run_after(utc(2024, 5, 1), time(9, 0), Repeat.WEEKLY, None, SEOUL)
    with pytest.raises(ValueError, match="weekday"):
        next_run_after(utc(2024, 5, 1), time(9, 0), Repeat.WEEKLY, 7, SEOUL)


def test_naive_after_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_run_after(datetime(2024, 5, 1), time(9, 0), Repeat.DAILY, None, SEOUL)


def test_next_occurrence_gives_the_local_date() -> None:
    run, day = next_occurrence(utc(2024, 5, 5, 23, 0), time(9, 0), SEOUL)
    assert (run, day) == (utc(2024, 5, 6, 0, 0), date(2024, 5, 6))


def test_seoul_has_no_daylight_saving_all_year() -> None:
    run = utc(2024, 1, 1)
    for _ in range(366):
        run = next_run_after(run, time(9, 0), Repeat.DAILY, None, SEOUL)
        assert (run.hour, run.minute) == (0, 0)


# --- Spring forward: the wall time does not exist ---------------------------------------


def test_new_york_gap_runs_at_the_shifted_instant() -> None:
    # 2024-03-10: 02:00 EST -> 03:00 EDT. 02:30 with EST (-5) is 07:30 UTC = 03:30 EDT.
    after = utc(2024, 3, 10, 5, 0)  # 00:00 EST
    run = next_run_after(after, time(2, 30), Repeat.DAILY, None, NEW_YORK)
    assert run == utc(2024, 3, 10, 7, 30)
    assert run.astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:30 EDT"
    # The next day 02:30 exists again, on summer time.
    assert next_run_after(run, time(2, 30), Repeat.DAILY, None, NEW_YORK) == utc(2024, 3, 11, 6, 30)


def test_berlin_gap_runs_at_the_shifted_instant() -> None:
    # 2024-03-31: 02:00 CET -> 03:00 CEST. 02:30 with CET (+1) is 01:30 UTC = 03:30 CEST.
    after = utc(2024, 3, 30, 23, 0)
    run = next_run_after(after, time(2, 30), Repeat.DAILY, None, BERLIN)
    assert run == utc(2024, 3, 31, 1, 30)
    assert run.astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"


def test_weekly_on_a_gap_day_keeps_that_day() -> None:
    # 2024-03-10 is a Sunday (6); the shifted run belongs to it, and the next is a week later.
    after = utc(2024, 3, 9, 12, 0)
    run, day = next_occurrence(after, time(2, 30), NEW_YORK)
    assert day == date(2024, 3, 10)
    assert next_run_after(after, time(2, 30), Repeat.WEEKLY, 6, NEW_YORK) == run
    assert next_run_after(run, time(2, 30), Repeat.WEEKLY, 6, NEW_YORK) == utc(2024, 3, 17, 6, 30)


def test_time_just_outside_the_gap_is_untouched() -> None:
    after = utc(2024, 3, 10, 5, 0)
    assert next_run_after(after, time(1, 59), Repeat.DAILY, None, NEW_YORK) == utc(
        2024, 3, 10, 6, 59
    )
    assert next_run_after(after, time(3, 0), Repeat.DAILY, None, NEW_YORK) == utc(2024, 3, 10, 7, 0)


def test_a_gap_at_midnight_runs_the_evening_before_just_after_midnight() -> None:
    # Nuuk, 2025-03-29: 23:00 (-02:00) jumps to 00:00 (-01:00) on the 30th, so 23:30 on the
    # 29th is 01:30 UTC, shown as 00:30 on the 30th. Counting from 00:10 on the 30th, that
    # run (of the 29th) is still to come: the next is not 23:30 on the 30th.
    after = utc(2025, 3, 30, 1, 10)
    assert after.astimezone(NUUK).strftime("%d %H:%M") == "30 00:10"
    run, day = next_occurrence(after, time(23, 30), NUUK)
    assert (run, day) == (utc(2025, 3, 30, 1, 30), date(2025, 3, 29))
    assert next_run_after(after, time(23, 30), Repeat.DAILY, None, NUUK) == run
    # The weekly one of Saturdays (the 29th) too.
    assert next_run_after(after, time(23, 30), Repeat.WEEKLY, 5, NUUK) == run


# --- Fall back: the wall time occurs twice --------------------------------------------------


def test_new_york_overlap_runs_once_at_the_first_occurrence() -> None:
    # 2024-11-03: 02:00 EDT -> 01:00 EST, so 01:30 happens at 05:30 UTC and at 06:30 UTC.
    after = utc(2024, 11, 3, 4, 0)  # 00:00 EDT
    first = next_run_after(after, time(1, 30), Repeat.DAILY, None, NEW_YORK)
    assert first == utc(2024, 11, 3, 5, 30)
    assert first.astimezone(NEW_YORK).strftime("%H:%M %Z") == "01:30 EDT"
    # Not again at 01:30 EST (06:30 UTC): the next run is the following day.
    following = next_run_after(first, time(1, 30), Repeat.DAILY, None, NEW_YORK)
    assert following == utc(2024, 11, 4, 6, 30)
    # Even counting from between the two occurrences.
    between = utc(2024, 11, 3, 6, 0)
    assert next_run_after(between, time(1, 30), Repeat.DAILY, None, NEW_YORK) == following


def test_berlin_overlap_runs_once_at_the_first_occurrence() -> None:
    # 2024-10-27: 03:00 CEST -> 02:00 CET, so 02:30 happens at 00:30 UTC and at 01:30 UTC.
    after = utc(2024, 10, 26, 22, 0)
    first = next_run_after(after, time(2, 30), Repeat.DAILY, None, BERLIN)
    assert first == utc(2024, 10, 27, 0, 30)
    assert next_run_after(first, time(2, 30), Repeat.DAILY, None, BERLIN) == utc(
        2024, 10, 28, 1, 30
    )


@pytest.mark.parametrize("zone", [NEW_YORK, BERLIN, SEOUL], ids=str)
@pytest.mark.parametrize("wall", [time(0, 30), time(1, 30), time(2, 30), time(9, 0)], ids=str)
def test_a_year_of_daily_runs_has_exactly_one_per_local_day(zone: ZoneInfo, wall: time) -> None:
    run = datetime(2024, 1, 1, tzinfo=zone).astimezone(UTC) - timedelta(seconds=1)
    days: list[date] = []
    for _ in range(366):
        following = next_run_after(run, wall, Repeat.DAILY, None, zone)
        assert following > run
        run = following
        local = run.astimezone(zone)
        days.append(local.date())
        # The wall time is kept except on a gap day, where it is an hour later.
        assert local.time() in (
            wall,
            (datetime.combine(local.date(), wall) + timedelta(hours=1)).time(),
        )
    assert days == [date(2024, 1, 1) + timedelta(days=n) for n in range(366)]


# --- A weekly announcement's chosen day, across daylight saving -----------------------------


def test_first_run_on_a_chosen_weekday() -> None:
    # Wednesday 2024-05-01 08:00 KST; Sunday (6) is 2024-05-05.
    after = utc(2024, 4, 30, 23, 0)
    assert first_run(after, time(9, 0), Repeat.WEEKLY, 6, SEOUL) == (utc(2024, 5, 5, 0, 0), 6)
    # Today's weekday, with the time still to come today: today.
    assert first_run(after, time(9, 0), Repeat.WEEKLY, 2, SEOUL) == (utc(2024, 5, 1, 0, 0), 2)
    # Today's weekday, with the time gone: a week later.
    assert first_run(after, time(7, 0), Repeat.WEEKLY, 2, SEOUL) == (utc(2024, 5, 7, 22, 0), 2)


def test_first_run_weekly_without_a_day_keeps_the_day_the_time_next_comes() -> None:
    after = utc(2024, 5, 1, 1, 0)  # Wednesday 10:00 KST: 09:00 next comes on Thursday
    assert first_run(after, time(9, 0), Repeat.WEEKLY, None, SEOUL) == (utc(2024, 5, 2, 0, 0), 3)


def test_first_run_daily_and_once_keep_no_weekday() -> None:
    after = utc(2024, 4, 30, 23, 0)
    assert first_run(after, time(9, 0), Repeat.DAILY, None, SEOUL) == (utc(2024, 5, 1, 0, 0), None)
    assert first_run(after, time(9, 0), Repeat.ONCE, None, SEOUL) == (utc(2024, 5, 1, 0, 0), None)


@pytest.mark.parametrize("repeat", [Repeat.DAILY, Repeat.ONCE])
def test_first_run_refuses_a_weekday_that_would_be_ignored(repeat: Repeat) -> None:
    with pytest.raises(ValueError, match="weekly"):
        first_run(utc(2024, 5, 1), time(9, 0), repeat, 4, SEOUL)


def test_first_run_refuses_a_weekday_out_of_range() -> None:
    with pytest.raises(ValueError, match="weekday"):
        first_run(utc(2024, 5, 1), time(9, 0), Repeat.WEEKLY, 7, SEOUL)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Spring forward on Sunday 2024-03-10 (EST -5 -> EDT -4): 14:00 UTC, then 13:00 UTC.
        (
            utc(2024, 2, 29, 12, 0),
            [utc(2024, 3, 3, 14, 0), utc(2024, 3, 10, 13, 0), utc(2024, 3, 17, 13, 0)],
        ),
        # Fall back on Sunday 2024-11-03 (EDT -4 -> EST -5): 13:00 UTC, then 14:00 UTC.
        (
            utc(2024, 10, 24, 12, 0),
            [utc(2024, 10, 27, 13, 0), utc(2024, 11, 3, 14, 0), utc(2024, 11, 10, 14, 0)],
        ),
    ],
    ids=["march", "november"],
)
def test_weekly_sunday_nine_in_new_york_keeps_its_wall_time_across_dst(
    start: datetime, expected: list[datetime]
) -> None:
    run, weekday = first_run(start, time(9, 0), Repeat.WEEKLY, 6, NEW_YORK)
    runs = [run]
    for _ in range(len(expected) - 1):
        runs.append(next_run_after(runs[-1], time(9, 0), Repeat.WEEKLY, weekday, NEW_YORK))
    assert runs == expected
    for each in runs:
        local = each.astimezone(NEW_YORK)
        assert (local.strftime("%A"), local.hour, local.minute) == ("Sunday", 9, 0)


def test_weekly_monday_early_in_seoul_falls_on_sunday_in_utc() -> None:
    # The chosen day is the zone's: Monday 07:00 KST is Sunday 22:00 UTC.
    run, _ = first_run(utc(2024, 5, 1), time(7, 0), Repeat.WEEKLY, 0, SEOUL)
    assert run == utc(2024, 5, 5, 22, 0)
