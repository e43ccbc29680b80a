"""Every string a dashboard page names is in the catalogs: no page shows a raw key such as
`dashboard.trivia.questions.nav` in place of its words (the menu did, before its section's
strings were written). Korean has every English key (tests/bot/test_i18n.py), so English is
the one to check here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.dashboard.sections import discover_sections
from bot.i18n import catalog
from bot.resources import cog_packages

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = sorted(
    [*ROOT.glob("bot/dashboard/templates/**/*.html"), *ROOT.glob("cogs/*/templates/**/*.html")]
)
# t("a.key" ...): a whole key; t(k ~ "rest" ...) after {% set k = "a.prefix." %}: the prefix's.
WHOLE_KEY = re.compile(r"""\bt\(\s*"([^"]+)"\s*[,)]""")
PREFIXED_KEY = re.compile(r"""\bt\(\s*(\w+)\s*~\s*"([^"]+)"\s*[,)]""")
PREFIX = re.compile(r"""\{%-?\s*set\s+(\w+)\s*=\s*"([^"]*)"\s*-?%\}""")


def keys_named_in(template: Path) -> set[str]:
    text = template.read_text(encoding="utf-8")
    prefixes = dict(PREFIX.findall(text))
    keys = set(WHOLE_KEY.findall(text))
    for name, rest in PREFIXED_KEY.findall(text):
        assert name in prefixes, f"{template}: t({name} ~ ...) without a {{% set {name} %}}"
        keys.add(prefixes[name] + rest)
    return keys


def test_the_templates_are_found() -> None:
    names = {path.name for path in TEMPLATES}
    assert {"base.html", "servers.html"} <= names
    assert len(TEMPLATES) >= 10


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_key_a_template_names_is_in_the_catalog(template: Path) -> None:
    missing = sorted(key for key in keys_named_in(template) if not catalog().has(key))
    assert missing == []


def test_every_sections_menu_title_is_in_the_catalog() -> None:
    sections = discover_sections(f"cogs.{package.name}" for package in cog_packages())
    assert {section.name for section in sections} >= {
        "settings",
        "schedule",
        "questions",
        "scores",
        "countdown",
    }
    missing = [section.title_key for section in sections if not catalog().has(section.title_key)]
    assert missing == []
