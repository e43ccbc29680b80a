"""The weekly totals (`trivia_week_scores`): kept as answers are stored, filled in once for
older answers, read by `/trivia leaderboard week`; on both backends."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import to_db
from bot.weeks import week_start
from cogs.trivia.game import TriviaRound
from cogs.trivia.schema import Question
from cogs.trivia.store import AnswerToStore, TriviaStore, weeks_between

Q = Question("k1", "Q?", "right", ("a", "b", "c"), "video")
# Around the end of summer time in Europe (25 Oct 2026) and the US (1 Nov), Lord Howe's
# half-hour start (4 Oct), and zones from UTC-11 to UTC+14 (Kiritimati, a day ahead).
ZONES = (
    "Asia/Seoul",
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "America/St_Johns",
)
START = datetime(2026, 9, 28, tzinfo=UTC)
SPAN_MINUTES = 6 * 7 * 24 * 60

_ids = itertools.count(1_000)


async def new_round(store: TriviaStore, guild: int, at: datetime) -> TriviaRound:
    channel = next(_ids)
    r = TriviaRound.deal(0, guild, channel, Q, at + timedelta(seconds=20), random.Random(0))
    r.round_id = await store.open_round(
        guild, channel, Q, list(r.choices), r.correct_index, at, r.closes_at, start_afresh=False
    )
    await store.close_round(r.round_id)
    return r


async def record(
    store: TriviaStore, guild: int, user: int, at: datetime, right: bool, zone: ZoneInfo
) -> None:
    r = await new_round(store, guild, at)
    choice = r.correct_index if right else (r.correct_index + 1) % 4
    await store.record_answers([AnswerToStore(r, user, f"member {user}", choice, at, zone)])


async def week_rows(db, guild: int | None = None) -> list[tuple[object, ...]]:
    where, params = ("WHERE guild_id = ?", (guild,)) if guild is not None else ("", ())
    rows = await db.fetchall(
        f"SELECT guild_id, week_start, user_id, points, correct FROM trivia_week_scores {where} "
        "ORDER BY guild_id, week_start, user_id",
        params,
    )
    return [tuple(row) for row in rows]


# An answer: minutes after START (three weeks), the member, right or not.
answers_strategy = st.lists(
    st.tuples(st.integers(0, 3 * 7 * 24 * 60), st.integers(1, 6), st.booleans()),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    answers=answers_strategy,
    zones=st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True),
    later=st.integers(0, 8 * 24 * 60).filter(lambda minutes: minutes % 3 == 0)
    | st.integers(0, 24 * 60),
    data=st.data(),
)
async def test_the_weekly_leaderboard_is_the_sum_of_the_weeks_answers(
    db, answers, zones, later, data
):
    """Whatever the answers, zones and zone changes: the kept week gives the rows (and order)
    that summing the week's answers gives."""
    store = TriviaStore(db)
    guild = next(_ids)  # a server of its own per example
    answers.sort()
    # The server's zone changes (at most twice) at drawn answers.
    changes = sorted(data.draw(st.lists(st.integers(0, len(answers) - 1), max_size=2)))
    zone_at = []
    for index in range(len(answers)):
        zone_at.append(ZoneInfo(zones[min(len(zones) - 1, sum(c <= index for c in changes))]))
    for (minute, user, right), zone in zip(answers, zone_at, strict=True):
        await record(store, guild, user, START + timedelta(minutes=minute), right, zone)
    now = START + timedelta(minutes=answers[-1][0] + later)
    zone_now = zone_at[-1]
    kept = await store.leaderboard_week(guild, now, zone_now, limit=50)
    summed = await store.leaderboard_since(guild, week_start(now, zone_now), limit=50)
    assert kept == summed


async def test_in_the_week_of_a_zone_change_the_week_is_summed(db):
    """Answers kept in the old zone's week still count in the new zone's week, whether the
    old zone's week began before the new one's (Seoul, then UTC) or after it (Los Angeles,
    then UTC)."""
    store = TriviaStore(db)
    utc = ZoneInfo("UTC")
    monday = datetime(2026, 11, 23, tzinfo=UTC)
    for guild, old in ((30, "Asia/Seoul"), (31, "America/Los_Angeles")):
        await record(store, guild, 1, monday + timedelta(hours=10), True, ZoneInfo(old))
        await record(store, guild, 2, monday + timedelta(days=1), True, utc)
        rows = await store.leaderboard_week(guild, monday + timedelta(days=2), utc)
        assert [(row.user_id, row.points) for row in rows] == [(1, 10), (2, 10)], old


async def test_the_week_is_read_from_the_kept_totals(db, monkeypatch):
    """In a server that kept its zone the leaderboard never sums answers."""
    store = TriviaStore(db)
    zone = ZoneInfo("America/New_York")
    now = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)
    for user, right in ((1, True), (2, True), (1, True), (3, False)):
        await record(store, 5, user, now - timedelta(hours=user), right, zone)
    await record(store, 5, 4, now - timedelta(days=7), True, zone)  # last week

    async def no_summing(*args, **kwargs):
        raise AssertionError("summed the answers")

    monkeypatch.setattr(store, "leaderboard_since", no_summing)
    rows = await store.leaderboard_week(5, now, zone)
    assert [(row.user_id, row.name, row.points, row.correct) for row in rows] == [
        (1, "member 1", 22, 2),
        (2, "member 2", 10, 1),
        (3, "member 3", 0, 0),
    ]


async def test_an_answer_at_the_week_boundary_lands_in_its_week(db):
    """Sunday 23:59:59.999999 on the server's wall clock is last week; Monday 00:00 this week,
    in the week summer time ended (New York, 1 Nov 2026)."""
    store = TriviaStore(db)
    zone = ZoneInfo("America/New_York")
    monday = datetime(2026, 11, 2, tzinfo=zone).astimezone(UTC)  # 05:00 UTC (EST)
    last_monday = datetime(2026, 10, 26, tzinfo=zone).astimezone(UTC)  # 04:00 UTC (EDT)
    await record(store, 6, 1, monday - timedelta(microseconds=1), True, zone)
    await record(store, 6, 2, monday, True, zone)
    assert await week_rows(db, 6) == [
        (6, to_db(last_monday), 1, 10, 1),
        (6, to_db(monday), 2, 10, 1),
    ]
    this_week = await store.leaderboard_week(6, monday + timedelta(hours=1), zone)
    assert [row.user_id for row in this_week] == [2]
    last_week = await store.leaderboard_week(6, monday - timedelta(microseconds=1), zone)
    assert [row.user_id for row in last_week] == [1]


async def test_a_batch_adds_to_the_members_week(db):
    """Answers of one member in one batch, and in later batches, add up in one row."""
    store = TriviaStore(db)
    zone = ZoneInfo("Asia/Seoul")
    at = datetime(2026, 11, 26, tzinfo=UTC)
    rounds = [await new_round(store, 7, at) for _ in range(3)]
    batch = [AnswerToStore(r, 1, "uaena", r.correct_index, at, zone) for r in rounds[:2]]
    await store.record_answers(batch)
    r = rounds[2]
    await store.record_answers([AnswerToStore(r, 1, "uaena", r.correct_index, at, zone)])
    assert await week_rows(db, 7) == [(7, to_db(week_start(at, zone)), 1, 10 + 12 + 14, 3)]


async def test_the_backfill_gives_the_rows_that_recording_them_live_gave(db):
    """Migration 0006 leaves the table empty beside older answers; the one-time fill at
    start gives exactly the rows the answers would have written live, once."""
    store = TriviaStore(db)
    rng = random.Random(12)
    zones = {guild: ZoneInfo(rng.choice(ZONES)) for guild in range(20, 26)}
    for _ in range(150):
        guild = rng.choice(list(zones))
        at = START + timedelta(minutes=rng.randrange(SPAN_MINUTES))
        await record(store, guild, rng.randrange(1, 8), at, rng.random() < 0.6, zones[guild])
    live = await week_rows(db)
    assert len({row[1] for row in live}) > 4  # several weeks

    asked: list[int] = []

    async def zone_in(tx, guild_id):
        asked.append(guild_id)
        return zones[guild_id]

    await db.execute("DELETE FROM trivia_week_scores")  # as 0006 leaves older answers
    assert await store.backfill_week_scores(zone_in) == len(live)
    assert await week_rows(db) == live
    assert sorted(asked) == sorted(zones)
    # Run at every start: done once, it does nothing.
    assert await store.backfill_week_scores(zone_in) == 0
    assert await week_rows(db) == live


async def test_the_backfill_does_nothing_without_answers(db):
    async def zone_in(tx, guild_id):
        raise AssertionError("no server to look up")

    assert await TriviaStore(db).backfill_week_scores(zone_in) == 0
    assert await week_rows(db) == []


def test_weeks_between_follows_the_wall_clock_across_summer_time():
    zone = ZoneInfo("Europe/London")
    first = datetime(2026, 10, 21, 12, tzinfo=UTC)
    last = datetime(2026, 11, 2, 0, 30, tzinfo=UTC)
    weeks = list(weeks_between(first, last, zone))
    assert weeks == [
        (datetime(2026, 10, 18, 23, tzinfo=UTC), datetime(2026, 10, 26, 0, tzinfo=UTC)),
        (datetime(2026, 10, 26, 0, tzinfo=UTC), datetime(2026, 11, 2, 0, tzinfo=UTC)),
        (datetime(2026, 11, 2, 0, tzinfo=UTC), datetime(2026, 11, 9, 0, tzinfo=UTC)),
    ]
    for start, end in weeks:
        assert week_start(start, zone) == start
        assert week_start(end - timedelta(microseconds=1), zone) == start


async def test_the_weekly_leaderboard_reads_its_index(db):
    """The plan: the probe and the top 10 are index ranges of trivia_week_scores (no sort,
    no pass over the week's rows), with 3,000 members in the week."""
    store = TriviaStore(db)
    zone = ZoneInfo("Asia/Seoul")
    now = datetime(2026, 11, 26, tzinfo=UTC)
    week = to_db(week_start(now, zone))
    rows = [(8, week, user, user % 97, user % 13) for user in range(3_000)]
    rows += [(9, week, user, 5, 1) for user in range(3_000)]  # another server
    rows += [(8, to_db(week_start(now - timedelta(days=7 * n), zone)), 1, 1, 1) for n in (1, 2)]
    await db.executemany(
        "INSERT INTO trivia_week_scores (guild_id, week_start, user_id, points, correct) "
        "VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    await db.execute("ANALYZE")
    queries = []
    real_fetchone, real_fetchall = db.fetchone, db.fetchall

    async def recording_fetchone(sql, params=()):
        queries.append((sql, params))
        return await real_fetchone(sql, params)

    async def recording_fetchall(sql, params=()):
        queries.append((sql, params))
        return await real_fetchall(sql, params)

    db.fetchone, db.fetchall = recording_fetchone, recording_fetchall
    try:
        top = await store.leaderboard_week(8, now, zone)
    finally:
        db.fetchone, db.fetchall = real_fetchone, real_fetchall
    assert [row.points for row in top] == [96] * 10
    assert len(queries) == 2  # the probe, then the top 10
    for sql, params in queries:
        if db.dialect == "sqlite":
            plan = await db.fetchall(f"EXPLAIN QUERY PLAN {sql}", params)
            details = " | ".join(str(row[3]) for row in plan)
            assert "SCAN" not in details, details  # every table read is a SEARCH
            assert "TEMP B-TREE" not in details, details  # the index gives the order
        else:
            plan = await db.fetchall(f"EXPLAIN {sql}", params)
            text = "\n".join(row[0] for row in plan)
            assert "Index Only Scan using trivia_week_scores" in text, text
            assert "Seq Scan on trivia_week_scores" not in text, text
            assert "Sort" not in text, text
    *_, (top_sql, top_params) = queries
    if db.dialect == "sqlite":
        plan = await db.fetchall(f"EXPLAIN QUERY PLAN {top_sql}", top_params)
        assert "trivia_week_scores_rank" in " ".join(str(row[3]) for row in plan)
    else:
        plan = await db.fetchall(f"EXPLAIN {top_sql}", top_params)
        assert "trivia_week_scores_rank" in "\n".join(row[0] for row in plan)
