"""Schedule maths as mutation testing found it under-tested (see README, "Test it")."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.schedule_time import InvalidTimeOfDay, parse_hhmm, wall_time_to_utc

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize("text", ["9pm", "24:00", "12:60"])
def test_a_refused_time_keeps_what_was_typed(text):
    with pytest.raises(InvalidTimeOfDay) as caught:
        parse_hhmm(text)
    assert caught.value.text == text
    assert str(caught.value) == (
        f"{text!r} is not a time of day: use HH:MM on a 24-hour clock, e.g. 09:00 or 21:30."
    )


def test_a_wall_time_is_a_utc_instant_at_its_first_occurrence_whatever_its_fold():
    # 2024-11-03 01:30 happens twice in New York; the run is the first (EDT, -04:00).
    run = wall_time_to_utc(date(2024, 11, 3), time(1, 30, fold=1), NEW_YORK)
    assert run == datetime(2024, 11, 3, 5, 30, tzinfo=UTC)
    assert run.tzinfo is UTC
