"""Checking that a content problem can be shown in every language we ship."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.content import ContentError, Problem
from bot.i18n import catalog


def problems_of(refuse: Callable[[], Any]) -> list[Problem]:
    """The problems `refuse()` raises as a `ContentError` (it must raise one)."""
    try:
        refuse()
    except ContentError as error:
        return error.problems
    raise AssertionError("no ContentError")


def unworded(problem: Problem) -> list[str]:
    """What keeps `problem` from being shown in English and Korean: a missing key, a key
    missing from a catalog, or a value its template needs and the problem doesn't give."""
    missing: list[str] = []
    for key, values in ((problem.key, problem.values), (problem.place_key, problem.place_values)):
        if key is None:
            missing.append(f"{problem}: no key")
            continue
        for language in ("en", "ko"):
            template = catalog().template(key, language)
            if template is None:
                missing.append(f"{problem}: {key} not in {language}")
                continue
            try:
                template.format(**dict(values))
            except (KeyError, IndexError) as error:
                missing.append(f"{problem}: {key} in {language} needs {error}")
    return missing
