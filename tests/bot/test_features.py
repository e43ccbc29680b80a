"""The features' declarations: what the cogs declare, in the order users see, and the
declarations the core refuses."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.client import discover_cogs, installed_features
from bot.features import Feature, FeatureError, Features, OutOfBounds, discover_features
from cogs.trivia.feature import TRIVIA_TIMEOUT
from tests.support.features import LINES, LYRICS


def test_the_cogs_declare_todays_features_in_todays_order():
    features = installed_features()
    # /config cog choices and the lines of /config show, as before features declared them.
    assert features.switchable == ("trivia", "symbols", "countdown", "announcements")
    # /schedule add kind: choices.
    assert features.kinds == ("trivia", "quote", "symbol", "countdown")
    assert features.settings == (TRIVIA_TIMEOUT,)


def test_the_trivia_timeout_is_declared_as_it_always_was():
    assert (TRIVIA_TIMEOUT.name, TRIVIA_TIMEOUT.default) == ("trivia_timeout", 20)
    assert (TRIVIA_TIMEOUT.low, TRIVIA_TIMEOUT.high) == (5, 120)
    assert (TRIVIA_TIMEOUT.command, TRIVIA_TIMEOUT.option) == ("trivia-timeout", "seconds")
    assert installed_features().setting("trivia_timeout") == TRIVIA_TIMEOUT


def test_the_order_is_the_declared_position_not_the_order_found():
    late = Feature("zeta", position=1, kinds=("z",))
    early = Feature("alpha", position=2, kinds=("a",))
    assert Features([early, late]).switchable == ("zeta", "alpha")
    assert Features([early, late]).kinds == ("z", "a")


def test_a_feature_that_cannot_be_switched_off_is_not_offered():
    features = Features([Feature("trivia", 1), Feature("core-only", 2, switchable=False)])
    assert features.switchable == ("trivia",)


def test_a_test_feature_joins_the_installed_ones_after_them():
    features = installed_features().with_feature(LYRICS)
    assert features.switchable[-1] == "lyrics"
    assert features.settings == (TRIVIA_TIMEOUT, LINES)
    assert features.setting("lyrics_lines") == LINES


def test_packages_without_a_feature_module_declare_nothing():
    packages = discover_cogs()
    assert "cogs.about" in packages  # /about can't be switched off and has no settings
    names = [feature.name for feature in discover_features(packages).all]
    assert sorted(names) == ["announcements", "countdown", "symbols", "trivia"]


@pytest.mark.parametrize(
    ("features", "says"),
    [
        ([Feature("trivia", 1), Feature("trivia", 2)], "two features are called 'trivia'"),
        (
            [Feature("a", 1, settings=(LINES,)), Feature("b", 2, settings=(LINES,))],
            "two settings are called 'lyrics_lines'",
        ),
        (
            [
                Feature("a", 1, settings=(LINES,)),
                Feature("b", 2, settings=(replace(LINES, name="other"),)),
            ],
            "two setting commands are called 'lyrics-lines'",
        ),
        (
            [Feature("a", 1, kinds=("quote",)), Feature("b", 2, kinds=("quote",))],
            "two announcement kinds are called 'quote'",
        ),
    ],
)
def test_clashing_declarations_are_refused(features, says):
    with pytest.raises(FeatureError, match=says):
        Features(features)


def test_a_default_outside_its_bounds_is_refused():
    with pytest.raises(FeatureError, match=r"the default 0 is outside 1\.\.12"):
        replace(LINES, default=0)
    with pytest.raises(FeatureError, match=r"the default 13 is outside 1\.\.12"):
        replace(LINES, default=13)
    with pytest.raises(FeatureError, match=r"bounds 5\.\.4 are empty"):
        replace(LINES, low=5, high=4, default=5)


def test_a_value_is_checked_against_its_bounds():
    assert LINES.check(1) == 1
    assert LINES.check(12) == 12
    for value in (0, 13):
        with pytest.raises(OutOfBounds) as refused:
            LINES.check(value)
        assert (refused.value.setting, refused.value.value) == (LINES, value)


def test_kinds_must_match_the_renderers():
    features = installed_features()
    features.check_kinds(["countdown", "quote", "symbol", "trivia"])  # any order
    with pytest.raises(FeatureError, match="declared but rendered by no cog: countdown"):
        features.check_kinds(["quote", "symbol", "trivia"])
    with pytest.raises(FeatureError, match="rendered but declared by no feature: lyrics"):
        features.check_kinds(["countdown", "quote", "symbol", "trivia", "lyrics"])


def write_package(root: Path, name: str, feature_source: str | None) -> None:
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    if feature_source is not None:
        (package / "feature.py").write_text(feature_source)


def test_discovery_reads_each_packages_feature_module(tmp_path, monkeypatch):
    write_package(
        tmp_path,
        "lyrics_pkg",
        "from bot.features import Feature\nFEATURE = Feature('lyrics', position=5)\n",
    )
    write_package(tmp_path, "plain_pkg", None)
    monkeypatch.syspath_prepend(str(tmp_path))
    found = discover_features(["plain_pkg", "lyrics_pkg"])
    assert [feature.name for feature in found.all] == ["lyrics"]
    for name in ("lyrics_pkg", "lyrics_pkg.feature", "plain_pkg"):
        sys.modules.pop(name, None)


def test_a_feature_module_without_a_feature_is_refused(tmp_path, monkeypatch):
    write_package(tmp_path, "broken_pkg", "FEATURE = {'name': 'lyrics'}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(FeatureError, match=r"broken_pkg\.feature: FEATURE must be a"):
        discover_features(["broken_pkg"])
    sys.modules.pop("broken_pkg", None)
    sys.modules.pop("broken_pkg.feature", None)
