"""What each feature declares to the core: its name, its per-server settings, its kinds.

A cog package declares itself in `cogs/<package>/feature.py` (`FEATURE = Feature(...)`,
plain data), so the core can serve `/config cog`, `/config show`, one `/config` subcommand
per setting and the `/schedule add kind:` choices without naming any feature. Adding a
feature is then a folder of its own. Nothing here knows Discord.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class FeatureError(ValueError):
    """A declaration the core can't serve (two features of one name, a default outside its
    bounds, a kind without a renderer...): the bot refuses to start and says which."""


class OutOfBounds(ValueError):
    """A value outside its setting's bounds; `low` and `high` are the ones allowed."""

    def __init__(self, setting: Setting, value: int) -> None:
        super().__init__(f"{setting.name} = {value} is outside {setting.low}..{setting.high}")
        self.setting = setting
        self.value = value


@dataclass(frozen=True)
class Setting:
    """A whole-number per-server setting, set with `/config <command> <option>:`.

    `name` is how it is stored and recorded in the settings history. `description` and
    `option_description` are the English command texts (translated like every command text,
    from the `[commands]` catalog). The catalog keys are formatted with the value under the
    option's name (`{seconds}`), the refusal's with `low` and `high` too:
    `label_key` names the line of `/config show`, `value_key` shows the value there,
    `done_key` answers a change and `refused_key` a value outside the bounds.
    Raises `FeatureError` when the default is outside the bounds.
    """

    name: str
    default: int
    low: int
    high: int
    command: str
    option: str
    description: str
    option_description: str
    label_key: str
    value_key: str
    done_key: str
    refused_key: str

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise FeatureError(
                f"setting {self.name!r}: its bounds {self.low}..{self.high} are empty"
            )
        if not self.low <= self.default <= self.high:
            raise FeatureError(
                f"setting {self.name!r}: the default {self.default} is outside "
                f"{self.low}..{self.high}"
            )

    def check(self, value: int) -> int:
        """`value`, or `OutOfBounds` when it is outside `low`..`high`."""
        if not self.low <= value <= self.high:
            raise OutOfBounds(self, value)
        return value


@dataclass(frozen=True)
class Feature:
    """A feature as the core sees it.

    `name` is the one moderators pick in `/config cog` (when `switchable`); `position` orders
    the features wherever they are listed (smaller first); `kinds` are the announcement kinds
    it renders (`/schedule add kind:`), in the order they are offered.
    """

    name: str
    position: int
    switchable: bool = True
    settings: tuple[Setting, ...] = ()
    kinds: tuple[str, ...] = ()


class Features:
    """Every declared feature, in order of `position`; what the core serves from them.

    Raises `FeatureError` for two features, settings, setting commands or kinds of one name.
    """

    def __init__(self, features: Iterable[Feature]) -> None:
        self.all = tuple(sorted(features, key=lambda feature: (feature.position, feature.name)))
        _refuse_repeats("feature", [feature.name for feature in self.all])
        self.settings = tuple(setting for feature in self.all for setting in feature.settings)
        _refuse_repeats("setting", [setting.name for setting in self.settings])
        _refuse_repeats("setting command", [setting.command for setting in self.settings])
        self.kinds = tuple(kind for feature in self.all for kind in feature.kinds)
        _refuse_repeats("announcement kind", self.kinds)
        self.switchable = tuple(feature.name for feature in self.all if feature.switchable)
        self._settings = {setting.name: setting for setting in self.settings}

    def setting(self, name: str) -> Setting:
        """The declared setting `name`; `KeyError` when no feature declares it."""
        return self._settings[name]

    def with_feature(self, feature: Feature) -> Features:
        """These features and one more (a test's, say)."""
        return Features((*self.all, feature))

    def check_kinds(self, rendered: Iterable[str]) -> None:
        """Every declared kind has a renderer and every renderer a declared kind: called once
        the cogs are loaded, so a kind that `/schedule add` would offer but nothing posts (or
        the reverse) stops the bot at start. Raises `FeatureError` naming them."""
        rendered = set(rendered)
        unrendered = [kind for kind in self.kinds if kind not in rendered]
        undeclared = sorted(rendered - set(self.kinds))
        problems = []
        if unrendered:
            problems.append(f"declared but rendered by no cog: {', '.join(unrendered)}")
        if undeclared:
            problems.append(f"rendered but declared by no feature: {', '.join(undeclared)}")
        if problems:
            raise FeatureError("announcement kinds " + "; ".join(problems))


def discover_features(packages: Iterable[str]) -> Features:
    """The features declared by `<package>.feature` for each package that has one.

    Raises `FeatureError` when a `feature` module has no `FEATURE`, or it is not a `Feature`,
    or the declarations clash.
    """
    found = []
    for package in packages:
        name = f"{package}.feature"
        if importlib.util.find_spec(name) is None:
            continue
        declared = getattr(importlib.import_module(name), "FEATURE", None)
        if not isinstance(declared, Feature):
            raise FeatureError(f"{name}: FEATURE must be a bot.features.Feature")
        found.append(declared)
    return Features(found)


def _refuse_repeats(what: str, names: Sequence[str]) -> None:
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise FeatureError(f"two {what}s are called {', '.join(map(repr, repeated))}")
