"""Time zone names as moderators type them: IANA names, city names, and abbreviations.

Pure lookups on the system's tz database (zoneinfo), no Discord. Everything is built from the
database itself, once per process (and, for abbreviations, once per year); the only
hand-written list is `FAN_ZONES`, which only decides what is shown first.

- `resolve_zone` turns what was typed into the zone's canonical name, or says why not.
- `matching_zones` ranks zones for autocomplete.
- `abbreviation_zones` maps an abbreviation (`KST`, `EST`) to the zones that use it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

# Where fans of the release are likeliest to be, in the order shown first. UTC leads: it is
# what a server of many countries often picks.
FAN_ZONES: tuple[str, ...] = (
    "UTC",
    "Asia/Seoul",
    "Asia/Tokyo",
    "Asia/Manila",
    "Asia/Jakarta",
    "Asia/Bangkok",
    "Asia/Ho_Chi_Minh",
    "Asia/Kuala_Lumpur",
    "Asia/Singapore",
    "Asia/Taipei",
    "Asia/Hong_Kong",
    "Asia/Shanghai",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Istanbul",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Mexico_City",
    "America/Sao_Paulo",
)

# The database's own areas; names outside them (`US/Eastern`, `ROK`, `EST5EDT`) are old
# aliases, still accepted, but listed after these.
_AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
# In the database's folder but not zones a server can mean: the machine's own zone (which
# differs from host to host) and the placeholder zone with no offset.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


class UnknownZone(ValueError):
    """No zone has that name. `suggestions`: names close to what was typed (may be empty)."""

    def __init__(self, text: str, suggestions: tuple[str, ...]) -> None:
        super().__init__(f"{text!r} is not a time zone name")
        self.text = text
        self.suggestions = suggestions


class ZoneAbbreviation(ValueError):
    """An abbreviation (`KST`, `EST`), which names an offset, not a zone and its rules.

    `zones`: the zones that use it, the likeliest first.
    """

    def __init__(self, abbreviation: str, zones: tuple[str, ...]) -> None:
        super().__init__(f"{abbreviation!r} is an abbreviation used by {len(zones)} zones")
        self.abbreviation = abbreviation
        self.zones = zones


@dataclass(frozen=True)
class _Name:
    name: str
    folded: str  # the whole name, folded
    city: str  # its last part, folded
    words: tuple[str, ...]
    rank: tuple[int, int, str]

    @property
    def fan(self) -> bool:
        return self.name in FAN_ZONES

    @property
    def alias(self) -> bool:
        return self.rank[1] == 1


def fold(text: str) -> str:
    """What a name is compared by: no case, no accents, `_` and `-` between words as spaces.

    `"São Paulo"`, `"sao_paulo"` and `"SAO PAULO"` all fold to `"sao paulo"`.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = re.sub(r"(?<=[a-z])[-_](?=[a-z])", " ", plain).replace("_", " ")
    return " ".join(plain.split())


def _rank(name: str) -> tuple[int, int, str]:
    fan = FAN_ZONES.index(name) if name in FAN_ZONES else len(FAN_ZONES)
    alias = 0 if name.split("/", 1)[0] in _AREAS else 1
    return (fan, alias, name)


@lru_cache(maxsize=1)
def _names() -> tuple[_Name, ...]:
    names = []
    for name in available_timezones() - _NOT_ZONES:
        folded = fold(name)
        city = folded.rsplit("/", 1)[-1]
        words = tuple(word for part in folded.split("/") for word in part.split())
        names.append(_Name(name, folded, city, words, _rank(name)))
    return tuple(sorted(names, key=lambda n: n.rank))


@lru_cache(maxsize=1)
def _by_folded_name() -> Mapping[str, str]:
    return {n.folded: n.name for n in _names()}


@lru_cache(maxsize=4)
def abbreviation_zones(year: int) -> Mapping[str, tuple[str, ...]]:
    """Folded abbreviation (`"kst"`) -> the zones whose clocks show it in `year`, likeliest
    first. Read from the database at mid-winter and mid-summer (both halves of the world),
    so both the standard and the daylight-saving abbreviation count; numeric ones
    (`"+07"`) are not abbreviations and are left out.
    """
    found: dict[str, list[str]] = {}
    instants = [datetime(year, month, 15, 12, tzinfo=UTC) for month in (1, 7)]
    for entry in _names():
        zone = ZoneInfo(entry.name)
        shown = {instant.astimezone(zone).tzname() or "" for instant in instants}
        for abbreviation in shown:
            if abbreviation.isalpha():
                found.setdefault(abbreviation.casefold(), []).append(entry.name)
    # _names() is already in rank order, so each list is too.
    return {key: tuple(zones) for key, zones in found.items()}


@lru_cache(maxsize=4)
def _refused_names(year: int) -> frozenset[str]:
    """Database names that are also abbreviations (`EST`, `CET`), refused as zones, except
    those that are always UTC (`UTC`, `GMT`)."""
    abbreviations = abbreviation_zones(year)
    instants = [datetime(year, month, 15, 12, tzinfo=UTC) for month in (1, 7)]
    return frozenset(
        n.name
        for n in _names()
        if n.folded in abbreviations
        and any(i.astimezone(ZoneInfo(n.name)).utcoffset() != timedelta(0) for i in instants)
    )


def resolve_zone(text: str, now: datetime) -> str:
    """The canonical name of the zone `text` means.

    Accepts every name in the tz database (`UTC`, `GMT`, `Etc/UTC`, `US/Eastern`,
    `America/New_York`), in any case and with spaces for underscores, and a city that names
    one zone only (`seoul`). Raises `ZoneAbbreviation` for an abbreviation, even one the
    database keeps as an old zone name (`EST`, `CET`: fixed offsets that ignore the daylight
    saving the people who write them follow), except those that are always UTC (`UTC`,
    `GMT`). Raises `UnknownZone`, with suggestions, for anything else.
    """
    wanted = fold(text)
    abbreviations = abbreviation_zones(now.year)
    exact = _by_folded_name().get(wanted)
    if exact is not None and exact not in _refused_names(now.year):
        return exact
    if wanted in abbreviations:
        zones = tuple(zone for zone in abbreviations[wanted] if fold(zone) != wanted)
        raise ZoneAbbreviation(text.strip().upper(), zones)
    cities = [n.name for n in _names() if wanted and n.city == wanted]
    if len(cities) == 1:
        return cities[0]
    suggestions = tuple(cities) or matching_zones(text, now)
    raise UnknownZone(text, suggestions[:5])


def matching_zones(text: str, now: datetime, limit: int = 25) -> tuple[str, ...]:
    """Zones for what was typed, best first, at most `limit`.

    Nothing typed: `FAN_ZONES`. Otherwise, in this order: names or cities that start with
    it (`seoul`, `america/new`), the zones an abbreviation means (`kst`), names with a word
    that starts with it (`york`) and old aliases that start with it (`EST5EDT`), names that
    contain it. Within each, fan zones first, then the database's own names before old
    aliases, then A-Z. Abbreviations that are refused as names (`EST`) are never offered.
    """
    wanted = fold(text)
    if not wanted:
        return FAN_ZONES[:limit]
    abbreviations = abbreviation_zones(now.year)
    refused = _refused_names(now.year)
    by_abbreviation = set(abbreviations.get(wanted, ()))
    tiers: list[list[str]] = [[], [], [], []]
    for entry in _names():
        if entry.name in refused:
            continue
        starts = entry.city.startswith(wanted) or entry.folded.startswith(wanted)
        # An old alias that starts with it (EST5EDT for "est") waits behind the real zones.
        if starts and (entry.fan or not entry.alias):
            tiers[0].append(entry.name)
        elif entry.name in by_abbreviation:
            tiers[1].append(entry.name)
        elif starts or any(word.startswith(wanted) for word in entry.words):
            tiers[2].append(entry.name)
        elif wanted in entry.folded:
            tiers[3].append(entry.name)
    return tuple(name for tier in tiers for name in tier)[:limit]


def describe_offset(name: str, now: datetime) -> str:
    """`"KST, UTC+09:00"`: what the zone's clocks show at `now`, for a picker's label."""
    local = now.astimezone(ZoneInfo(name))
    offset = local.utcoffset() or timedelta(0)
    sign = "+" if offset >= timedelta(0) else "-"
    minutes = abs(int(offset.total_seconds())) // 60
    utc = f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    abbreviation = local.tzname() or ""
    return f"{abbreviation}, {utc}" if abbreviation.isalpha() and abbreviation != "UTC" else utc
