"""Property tests of schedule maths: any zone, any time of day, any instant of 2000-2040,
with the instants near daylight-saving changes drawn often."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import example, given
from hypothesis import strategies as st

from bot.schedule_time import Repeat, first_run, next_occurrence, next_run_after

ZONES = sorted(available_timezones())
START = datetime(2000, 1, 1, tzinfo=UTC)
END = datetime(2040, 12, 31, tzinfo=UTC)
RUNS_FOLLOWED = 8
# Zones that keep daylight saving (in 2024): their changes are where the rules matter.
DST_ZONES = [
    name
    for name in ZONES
    if ZoneInfo(name).utcoffset(datetime(2024, 1, 15))
    != ZoneInfo(name).utcoffset(datetime(2024, 7, 15))
]


def offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    utc_offset = instant.astimezone(zone).utcoffset()
    assert utc_offset is not None
    return utc_offset


@cache
def transitions(zone_name: str, year: int) -> tuple[datetime, ...]:
    """The instants in `year` when the zone's offset changes, to the second (by bisection)."""
    zone = ZoneInfo(zone_name)
    found = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    while day.year == year:
        following = day + timedelta(days=1)
        if offset(zone, day) != offset(zone, following):
            low, high = day, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset(zone, middle) == offset(zone, low):
                    low = middle
                else:
                    high = middle
            found.append(high.replace(microsecond=0))
        day = following
    return tuple(found)


@st.composite
def cases(draw: st.DrawFn) -> tuple[ZoneInfo, datetime, time]:
    """A zone, an instant to count from and a time of day; often just around a change of
    offset, with the time of day one of the wall times the change skips or repeats."""
    zone_name = draw(st.sampled_from(DST_ZONES) | st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    changes = transitions(zone_name, draw(st.integers(2000, 2040)))
    if changes and draw(st.integers(0, 3)):
        change = draw(st.sampled_from(changes))
        after = change + timedelta(minutes=draw(st.integers(-26 * 60, 3 * 60)))
        # Read on the clock as it was before the change, so the times a spring-forward
        # skips and those a fall-back repeats are among them.
        before = offset(zone, change - timedelta(seconds=1))
        wall = change.replace(tzinfo=None) + before + timedelta(minutes=draw(st.integers(-90, 90)))
        at = time(wall.hour, wall.minute)
    else:
        after = draw(st.datetimes(START.replace(tzinfo=None), END.replace(tzinfo=None)))
        after = after.replace(tzinfo=UTC)
        at = draw(st.times()).replace(second=0, microsecond=0)
    return zone, after, at


def is_run_of(run: datetime, day: date, at: time, zone: ZoneInfo) -> bool:
    """Whether `run` is the run of `day` by the documented rules, checked from the zone's
    offsets alone: the wall time itself, at its first occurrence; or, when the day's clock
    skips it, the wall time read with the offset in force before the skip."""
    wall = datetime.combine(day, at)
    local = run.astimezone(zone)
    if local.replace(tzinfo=None) == wall:
        # First occurrence: had the clock been set back by 15 minutes to 3 hours just
        # before, it would have shown this time then too.
        return all(
            (run - timedelta(minutes=m)).astimezone(zone).replace(tzinfo=None) != wall
            for m in range(15, 181, 15)
        )
    # In a gap: no instant shows `wall`, and `run` is `wall` at the offset just before it.
    for before in (timedelta(hours=h) for h in (1, 2, 3, 6, 12, 24, 25)):
        earlier = offset(zone, run - before)
        if earlier != offset(zone, run):
            return run == (wall - earlier).replace(tzinfo=UTC) and not shows(wall, zone)
    return False


def shows(wall: datetime, zone: ZoneInfo) -> bool:
    """Whether any instant reads `wall` on the zone's clock."""
    for fold in (0, 1):
        instant = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == wall:
            return True
    return False


def days_of(run: datetime, at: time, zone: ZoneInfo) -> list[date]:
    """The calendar days whose run `run` is (two when a skipped day shares its instant)."""
    local_day = run.astimezone(zone).date()
    return [
        day for day in (local_day - timedelta(days=1), local_day) if is_run_of(run, day, at, zone)
    ]


APIA_SKIPPED_DAY = (ZoneInfo("Pacific/Apia"), datetime(2011, 12, 29, 12, tzinfo=UTC), time(9))
NEW_YORK_GAP = (ZoneInfo("America/New_York"), datetime(2024, 3, 10, 5, tzinfo=UTC), time(2, 30))
BERLIN_FOLD = (ZoneInfo("Europe/Berlin"), datetime(2024, 10, 26, 23, 0, tzinfo=UTC), time(2, 30))
LORD_HOWE = (ZoneInfo("Australia/Lord_Howe"), datetime(2024, 4, 6, 14, tzinfo=UTC), time(1, 45))


@given(cases())
@example(APIA_SKIPPED_DAY)
@example(NEW_YORK_GAP)
@example(BERLIN_FOLD)
@example(LORD_HOWE)
def test_the_next_daily_run_is_the_first_after_at_the_wall_time(
    case: tuple[ZoneInfo, datetime, time],
) -> None:
    zone, after, at = case
    run, day = next_occurrence(after, at, zone)
    assert run.tzinfo is not None
    assert run > after
    assert is_run_of(run, day, at, zone)
    # No run of an earlier day lies between `after` and this one.
    for earlier in (day - timedelta(days=n) for n in (1, 2)):
        earlier_run = datetime.combine(earlier, at).replace(tzinfo=zone, fold=0).astimezone(UTC)
        assert earlier_run <= after or earlier_run == run
    assert next_run_after(after, at, Repeat.DAILY, None, zone) == run


@given(cases())
@example(APIA_SKIPPED_DAY)
@example(NEW_YORK_GAP)
@example(BERLIN_FOLD)
def test_daily_runs_come_once_a_day_forward_without_skipping_a_day(
    case: tuple[ZoneInfo, datetime, time],
) -> None:
    zone, after, at = case
    runs = [next_run_after(after, at, Repeat.DAILY, None, zone)]
    for _ in range(RUNS_FOLLOWED):
        runs.append(next_run_after(runs[-1], at, Repeat.DAILY, None, zone))
    for first, second in pairwise(runs):
        assert first < second
        # A day is 24 hours, give or take the offset change in it (3 hours at the most
        # in 2000-2040, Antarctica/Casey's).
        assert timedelta(hours=20) < second - first < timedelta(hours=28)
        first_days, second_days = days_of(first, at, zone), days_of(second, at, zone)
        assert first_days
        assert second_days
        # The next run belongs to the next day, or (a day the zone skipped, like Samoa's
        # 2011-12-30) to the day after, sharing its instant with the skipped one.
        step = min(second_days) - max(first_days)
        assert step == timedelta(days=1) or (step == timedelta(days=2) and len(second_days) == 2), (
            first,
            second,
            first_days,
            second_days,
        )


@given(cases(), st.integers(0, 6))
@example(APIA_SKIPPED_DAY, 4)
@example(NEW_YORK_GAP, 6)
def test_weekly_runs_fall_on_their_weekday_a_week_apart(
    case: tuple[ZoneInfo, datetime, time], weekday: int
) -> None:
    zone, after, at = case
    run = next_run_after(after, at, Repeat.WEEKLY, weekday, zone)
    assert run > after
    assert run - after <= timedelta(days=8)
    runs = [run]
    for _ in range(3):
        runs.append(next_run_after(runs[-1], at, Repeat.WEEKLY, weekday, zone))
    for one in runs:
        assert any(day.weekday() == weekday for day in days_of(one, at, zone))
    for first, second in pairwise(runs):
        # A week on the zone's calendar (in real time, give or take the offset changes:
        # Samoa's week that lost 2011-12-30 lasted 6 days).
        first_day = next(d for d in days_of(first, at, zone) if d.weekday() == weekday)
        second_day = next(d for d in days_of(second, at, zone) if d.weekday() == weekday)
        assert second_day - first_day == timedelta(days=7)
        assert timedelta(days=6) <= second - first <= timedelta(days=8)
    # The daily runs between two weekly ones are all on other days.
    daily = next_run_after(runs[0], at, Repeat.DAILY, None, zone)
    while daily < runs[1]:
        assert all(day.weekday() != weekday for day in days_of(daily, at, zone))
        daily = next_run_after(daily, at, Repeat.DAILY, None, zone)


@given(cases(), st.sampled_from(list(Repeat)), st.none() | st.integers(0, 6))
def test_a_first_run_is_the_next_run_and_keeps_its_weekday(
    case: tuple[ZoneInfo, datetime, time], repeat: Repeat, weekday: int | None
) -> None:
    zone, after, at = case
    if weekday is not None and repeat is not Repeat.WEEKLY:
        return  # refused, as the unit tests show
    run, kept = first_run(after, at, repeat, weekday, zone)
    assert run > after
    if repeat is Repeat.WEEKLY:
        assert kept is not None
        assert weekday is None or kept == weekday
        assert next_run_after(after, at, repeat, kept, zone) == run
    else:
        assert kept is None
        assert run == next_occurrence(after, at, zone)[0]
