"""Time zone lookups as mutation testing found them under-tested.

The lookups are cached once per process; mutmut runs a mutant's tests in a process forked
from one that has filled the caches, so each test here starts from empty caches and the
mutated code really runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import available_timezones

import pytest

from bot.time_zones import (
    FAN_ZONES,
    UnknownZone,
    ZoneAbbreviation,
    _by_folded_name,
    _names,
    _rank,
    _refused_names,
    abbreviation_zones,
    describe_offset,
    fold,
    matching_zones,
    resolve_zone,
)

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
OTHER = len(FAN_ZONES)


@pytest.fixture(autouse=True)
def empty_caches():
    caches = (_names, _by_folded_name, abbreviation_zones, _refused_names)
    for cached in caches:
        cached.cache_clear()
    yield
    for cached in caches:
        cached.cache_clear()


@pytest.mark.parametrize(
    ("name", "rank"),
    [
        ("UTC", (0, 1, "UTC")),
        ("Asia/Seoul", (1, 0, "Asia/Seoul")),
        ("America/Sao_Paulo", (OTHER - 1, 0, "America/Sao_Paulo")),
        ("Europe/Kyiv", (OTHER, 0, "Europe/Kyiv")),
        ("America/Argentina/Buenos_Aires", (OTHER, 0, "America/Argentina/Buenos_Aires")),
        ("US/Eastern", (OTHER, 1, "US/Eastern")),
        ("EST5EDT", (OTHER, 1, "EST5EDT")),
        ("Etc/GMT+5", (OTHER, 1, "Etc/GMT+5")),
    ],
)
def test_rank_is_fan_position_then_area_then_name(name: str, rank: tuple[int, int, str]):
    assert _rank(name) == rank


def test_every_area_is_a_database_area():
    for area in ("Africa", "Antarctica", "Arctic", "Atlantic", "Australia", "Indian", "Pacific"):
        assert _rank(f"{area}/X")[1] == 0
    assert _rank("asia/seoul")[1] == 1


def test_names_are_every_zone_but_the_machines_own_in_rank_order():
    names = _names()
    listed = [entry.name for entry in names]
    expected = available_timezones() - {"localtime", "Factory", "posixrules"}
    assert sorted(listed) == sorted(expected)
    assert len(listed) == len(set(listed))
    assert [entry.rank for entry in names] == sorted(entry.rank for entry in names)
    assert listed[: len(FAN_ZONES)] == list(FAN_ZONES)
    assert all(entry.rank == _rank(entry.name) for entry in names)


def test_a_names_parts_are_folded():
    by_name = {entry.name: entry for entry in _names()}
    entry = by_name["America/Argentina/Buenos_Aires"]
    assert entry.folded == "america/argentina/buenos aires"
    assert entry.city == "buenos aires"
    assert entry.words == ("america", "argentina", "buenos", "aires")
    utc = by_name["UTC"]
    assert (utc.folded, utc.city, utc.words) == ("utc", "utc", ("utc",))
    assert utc.fan
    assert utc.alias
    seoul = by_name["Asia/Seoul"]
    assert seoul.fan
    assert not seoul.alias
    assert not by_name["Europe/Kyiv"].fan
    assert by_name["US/Eastern"].alias


def test_folded_names_map_back_to_the_database_names():
    mapping = _by_folded_name()
    assert mapping["america/new york"] == "America/New_York"
    assert mapping["utc"] == "UTC"
    assert len(mapping) == len(_names())


def test_fold_details():
    assert fold("  Port-au-Prince ") == "port au prince"
    assert fold("Etc/GMT-5") == "etc/gmt-5"
    assert fold("a__b") == "a b"
    assert fold("ÉTÉ_x") == "ete x"
    assert fold("") == ""


def test_abbreviations_are_alphabetic_folded_and_in_rank_order():
    found = abbreviation_zones(2026)
    assert found["kst"] == ("Asia/Seoul", "Asia/Pyongyang", "ROK")
    assert all(key.isalpha() and key == key.casefold() for key in found)
    assert "+07" not in found
    # Daylight saving in either half of the year counts.
    assert "America/New_York" in found["edt"]
    assert "America/New_York" in found["est"]
    assert "Australia/Sydney" in found["aedt"]
    assert "Australia/Sydney" in found["aest"]
    for zones in found.values():
        ranks = [_rank(zone) for zone in zones]
        assert ranks == sorted(ranks)


def test_refused_names_are_abbreviations_that_are_not_always_utc():
    assert _refused_names(2026) == {"CET", "EET", "EST", "HST", "MET", "MST", "WET"}


def test_a_refused_name_is_an_abbreviation_without_its_own_zone():
    with pytest.raises(ZoneAbbreviation) as caught:
        resolve_zone(" est ", NOW)
    assert caught.value.abbreviation == "EST"
    assert caught.value.zones[0] == "America/New_York"
    assert "EST" not in caught.value.zones
    assert str(caught.value) == f"'EST' is an abbreviation used by {len(caught.value.zones)} zones"


def test_kst_offers_its_zones_but_not_itself():
    with pytest.raises(ZoneAbbreviation) as caught:
        resolve_zone("kst", NOW)
    assert caught.value.zones == ("Asia/Seoul", "Asia/Pyongyang", "ROK")


def test_names_always_utc_are_accepted():
    assert resolve_zone("gmt", NOW) == "GMT"
    assert resolve_zone("UTC", NOW) == "UTC"


def test_a_city_resolves_and_an_unknown_name_has_suggestions():
    assert resolve_zone("kyiv", NOW) == "Europe/Kyiv"
    with pytest.raises(UnknownZone) as caught:
        resolve_zone("Buenos Aires", NOW)
    # Two zones for one city: both suggested, real zone first.
    assert caught.value.suggestions == (
        "America/Argentina/Buenos_Aires",
        "America/Buenos_Aires",
    )
    with pytest.raises(UnknownZone) as caught:
        resolve_zone("springfield", NOW)
    assert caught.value.suggestions == ()
    assert caught.value.text == "springfield"
    assert str(caught.value) == "'springfield' is not a time zone name"


def test_nothing_typed_is_unknown_with_the_first_fan_zones():
    with pytest.raises(UnknownZone) as caught:
        resolve_zone("  ", NOW)
    assert caught.value.suggestions == FAN_ZONES[:5]


def test_suggestions_are_at_most_five():
    with pytest.raises(UnknownZone) as caught:
        resolve_zone("america/n", NOW)
    assert len(caught.value.suggestions) == 5


def test_matching_zones_tiers():
    assert matching_zones("york", NOW) == ("America/New_York",)
    assert matching_zones("ork", NOW) == ("America/New_York",)
    est = matching_zones("est", NOW, limit=100)
    assert est[0] == "America/New_York"
    assert "EST" not in est
    assert est.index("EST5EDT") > est.index("America/Detroit")
    assert matching_zones("", NOW, limit=3) == FAN_ZONES[:3]
    assert len(matching_zones("a", NOW)) == 25
    assert len(matching_zones("a", NOW, limit=7)) == 7


def test_describe_offset():
    assert describe_offset("Asia/Kolkata", NOW) == "IST, UTC+05:30"
    assert describe_offset("America/St_Johns", NOW) == "NST, UTC-03:30"
    assert describe_offset("UTC", NOW) == "UTC+00:00"
    assert describe_offset("Asia/Dubai", NOW) == "UTC+04:00"


def test_the_module_keeps_its_fan_zones_in_the_database():
    assert set(FAN_ZONES) <= available_timezones()


def test_names_that_start_with_it_come_before_an_abbreviations_zones():
    # Istanbul starts with "ist"; Kolkata, a fan zone ranked before it, only shows IST.
    ist = matching_zones("ist", NOW, limit=100)
    assert ist[:3] == ("Europe/Istanbul", "Asia/Istanbul", "Asia/Kolkata")


def test_an_abbreviations_zones_come_before_old_aliases_that_start_with_it():
    # GMT shows "GMT"; Etc/GMT+1 (an alias, sorted before it) only starts with "gmt".
    gmt = matching_zones("gmt", NOW, limit=1000)
    assert gmt[0] == "Europe/London"
    assert gmt.index("GMT") < gmt.index("Etc/GMT+1")
