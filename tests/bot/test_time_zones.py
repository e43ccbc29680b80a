"""Time zone names as moderators type them: names, cities, abbreviations, the picker's order."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones

import pytest

from bot.time_zones import (
    FAN_ZONES,
    UnknownZone,
    ZoneAbbreviation,
    abbreviation_zones,
    describe_offset,
    fold,
    matching_zones,
    resolve_zone,
)

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "GMT"),
        ("Etc/UTC", "Etc/UTC"),
        ("etc/gmt", "Etc/GMT"),
        ("US/Eastern", "US/Eastern"),
        ("asia/seoul", "Asia/Seoul"),
        (" America/New York ", "America/New_York"),
        ("America/Port au Prince", "America/Port-au-Prince"),
        ("ROK", "ROK"),
    ],
)
def test_every_database_name_is_accepted_in_its_canonical_spelling(typed: str, stored: str):
    assert resolve_zone(typed, NOW) == stored


def test_all_database_names_resolve_to_themselves_except_abbreviations():
    refused = set()
    for name in available_timezones() - {"localtime", "Factory", "posixrules"}:
        try:
            assert resolve_zone(name, NOW) == name
            assert resolve_zone(name.upper(), NOW) == name
        except ZoneAbbreviation:
            refused.add(name)
    # The old fixed-offset names that are also what people write for a summer-time zone.
    assert "EST" in refused
    assert "CET" in refused
    assert refused <= {"CET", "EET", "EST", "HST", "MET", "MST", "WET"}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("seoul", "Asia/Seoul"),
        ("New York", "America/New_York"),
        ("São Paulo", "America/Sao_Paulo"),
        ("SAO_PAULO", "America/Sao_Paulo"),
        ("manila", "Asia/Manila"),
    ],
)
def test_a_city_that_names_one_zone_is_that_zone(typed: str, stored: str):
    assert resolve_zone(typed, NOW) == stored


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("KST", "Asia/Seoul"),
        ("kst", "Asia/Seoul"),
        ("EST", "America/New_York"),
        ("EDT", "America/New_York"),
        ("PST", "Asia/Manila"),
        ("CET", "Europe/Paris"),
        ("JST", "Asia/Tokyo"),
        ("WIB", "Asia/Jakarta"),
    ],
)
def test_an_abbreviation_is_refused_with_the_zones_it_may_mean(typed: str, first: str):
    with pytest.raises(ZoneAbbreviation) as caught:
        resolve_zone(typed, NOW)
    assert caught.value.abbreviation == typed.upper()
    assert caught.value.zones[0] == first
    assert typed.upper() not in caught.value.zones  # the fixed-offset name is not offered


def test_pst_means_los_angeles_or_manila():
    with pytest.raises(ZoneAbbreviation) as caught:
        resolve_zone("PST", NOW)
    assert {"America/Los_Angeles", "Asia/Manila"} <= set(caught.value.zones)


def test_abbreviations_come_from_the_database_in_both_seasons():
    table = abbreviation_zones(2026)
    assert "Asia/Seoul" in table["kst"]
    assert "America/New_York" in table["est"]
    assert "America/New_York" in table["edt"]  # July's, not only January's
    assert "Australia/Sydney" in table["aedt"]  # the southern summer is January
    assert not any(key.startswith(("+", "-")) for key in table)


def test_unknown_names_are_refused_with_suggestions():
    with pytest.raises(UnknownZone) as caught:
        resolve_zone("Mars/Olympus", NOW)
    assert caught.value.suggestions == ()
    with pytest.raises(UnknownZone) as caught:
        resolve_zone("Seou", NOW)
    assert caught.value.suggestions == ("Asia/Seoul",)
    with pytest.raises(UnknownZone):
        resolve_zone("localtime", NOW)  # the host's own zone is no server's zone


def test_fold_ignores_case_accents_and_underscores():
    assert fold("São_Paulo") == fold("sao paulo") == "sao paulo"
    assert fold("  New   York ") == "new york"


def test_nothing_typed_shows_utc_and_the_fan_zones_first():
    shown = matching_zones("", NOW)
    assert shown[0] == "UTC"
    assert shown[:8] == (
        "UTC",
        "Asia/Seoul",
        "Asia/Tokyo",
        "Asia/Manila",
        "Asia/Jakarta",
        "Asia/Bangkok",
        "Asia/Ho_Chi_Minh",
        "Asia/Kuala_Lumpur",
    )
    assert {"America/New_York", "America/Los_Angeles", "Europe/London"} <= set(shown)
    assert len(shown) <= 25
    for name in FAN_ZONES:
        ZoneInfo(name)  # every fan zone exists in the database


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("seoul", "Asia/Seoul"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("sao paulo", "America/Sao_Paulo"),
        ("São", "America/Sao_Paulo"),
        ("york", "America/New_York"),
        ("kst", "Asia/Seoul"),
        ("utc", "UTC"),
        ("los", "America/Los_Angeles"),
    ],
)
def test_autocomplete_matches_cities(typed: str, first: str):
    assert matching_zones(typed, NOW)[0] == first


def test_matches_at_the_start_of_the_city_come_before_matches_elsewhere():
    # City starts, then a word's start (NZ-CHAT), then inside a word (Kamchatka, Bucharest),
    # though A-Z alone would put Asia/ and Europe/ first.
    assert matching_zones("cha", NOW) == (
        "Indian/Chagos",
        "Pacific/Chatham",
        "NZ-CHAT",
        "Asia/Kamchatka",
        "Europe/Bucharest",
    )
    shown = matching_zones("to", NOW)
    assert shown[:5] == (
        "Asia/Tokyo",
        "America/Toronto",
        "America/Tortola",
        "Asia/Tomsk",
        "Pacific/Tongatapu",
    )
    assert shown.index("Africa/Sao_Tome") > shown.index("Pacific/Tongatapu")


def test_an_abbreviation_typed_into_the_picker_offers_its_zones_before_old_aliases():
    shown = matching_zones("est", NOW)
    assert shown[0] == "America/New_York"
    assert "EST5EDT" not in shown[:10]


def test_autocomplete_never_offers_a_refused_abbreviation_and_keeps_to_25():
    for typed in ("est", "e", "a", "/", "mst"):
        shown = matching_zones(typed, NOW)
        assert len(shown) <= 25
        assert "EST" not in shown
        assert "MST" not in shown


def test_describe_offset_reads_the_clock_it_is_given():
    assert describe_offset("Asia/Seoul", NOW) == "KST, UTC+09:00"
    assert describe_offset("America/New_York", NOW) == "EST, UTC-05:00"
    summer = datetime(2026, 7, 1, tzinfo=UTC)
    assert describe_offset("America/New_York", summer) == "EDT, UTC-04:00"
    assert describe_offset("UTC", NOW) == "UTC+00:00"
    assert describe_offset("Asia/Kolkata", NOW) == "IST, UTC+05:30"
