"""The README, which an operator follows to set the bot up, read in sections."""

from __future__ import annotations

import re

from tests.support.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The README text under `title` (a `## ` or `### ` heading) up to the next heading."""
    match = re.search(rf"^{re.escape(title)}\n(.*?)(?=^#{{2,3}} )", README, re.M | re.S)
    assert match, f"README has no section {title!r}"
    return match[1]
