"""`/schedule list` says how late a post went out, in the reader's language."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.schedule_time import Repeat
from bot.scheduler import Announcement
from cogs.schedule.cog import describe_announcement

POSTED = datetime(2024, 5, 1, 0, 3, 25, tzinfo=UTC)


def posted(lag_ms: int | None) -> Announcement:
    return Announcement(
        id=3,
        guild_id=1,
        channel_id=2,
        kind="quote",
        time_local=time(9, 0),
        repeat=Repeat.DAILY,
        weekday=None,
        zone="Asia/Seoul",
        next_run_utc=None,
        created_by=1,
        created_at=POSTED,
        pending_due_utc=None,
        last_posted_at=POSTED,
        last_message_id=9,
        last_error=None,
        last_error_at=None,
        last_lag_ms=lag_ms,
    )


def test_a_late_post_shows_its_lag_in_english_and_korean() -> None:
    assert "3 min 25 s after its time" in describe_announcement(posted(205_400), "en-US")
    assert "예정 시각보다 3분 25초 늦었어요" in describe_announcement(posted(205_400), "ko")
    assert "42 s after its time" in describe_announcement(posted(42_000), "en-US")
    assert "42초 늦었어요" in describe_announcement(posted(42_000), "ko")


def test_a_post_on_time_or_from_before_lags_were_stored_shows_no_lag() -> None:
    for lag in (None, 0, 999):
        assert "after its time" not in describe_announcement(posted(lag), "en-US")
        assert "last posted" in describe_announcement(posted(lag), "en-US")
