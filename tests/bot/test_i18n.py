"""The catalogs stay in step: every English message has a Korean one with the same blanks."""

from __future__ import annotations

import re
import string
from pathlib import Path

import discord
import pytest

from bot.i18n import Catalog, CatalogError, CommandTranslator, catalog, catalog_folders, language_of
from bot.resources import feature_folders
from tests.support.paths import FIXTURES, ROOT

KEYS_BEFORE_THE_SPLIT = FIXTURES / "catalog_keys_v7.txt"
LOCALE_STR = re.compile(r'_\("([^"]+)"\)')


def blanks(template: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(template) if name)


def test_every_english_message_has_korean_with_the_same_blanks():
    cat = catalog()
    english = cat.keys("en")
    korean = {key for key in cat.keys("ko") if not key.startswith("commands.")}
    assert english - korean == set(), "messages missing in ko.toml"
    assert korean - english == set(), "ko.toml has messages English lacks"
    for key in english:
        assert blanks(raw(cat, key, "en")) == blanks(raw(cat, key, "ko")), key


def test_each_catalog_folder_translates_its_own_messages():
    """A feature's Korean is beside its English, so the feature's folder is whole on its own."""
    for folder in catalog_folders():
        cat = Catalog.load([folder])
        korean = {key for key in cat.keys("ko") if not key.startswith("commands.")}
        assert cat.keys("en") == korean, folder


def raw(cat: Catalog, key: str, language: str) -> str:
    return cat.template(key, language) or ""


def test_every_command_description_has_a_korean_translation():
    strings = set()
    for path in list((ROOT / "cogs").rglob("*.py")) + list((ROOT / "bot").rglob("*.py")):
        strings |= set(LOCALE_STR.findall(path.read_text("utf-8")))
    missing = [s for s in strings if not catalog().has(f"commands.{s}", "ko")]
    assert missing == []
    too_long = [s for s in strings if len(catalog().t(f"commands.{s}", "ko")) > 100]
    assert too_long == []


def test_reply_language_follows_the_locale_with_english_fallback():
    assert language_of(discord.Locale.korean) == "ko"
    assert language_of("en-GB") == "en"
    assert catalog().t("trivia.stat.Accuracy", discord.Locale.french) == "Accuracy"
    assert catalog().t("countdown.until", "ko", amount="3일", d="D-3") == "3일 후 (D-3)"


@pytest.mark.asyncio
async def test_command_translator_localises_descriptions_for_korean_only():
    translator = CommandTranslator()
    text = discord.app_commands.locale_str("this week")
    assert await translator.translate(text, discord.Locale.korean, None) == "이번 주"
    assert await translator.translate(text, discord.Locale.american_english, None) is None


# Keys renamed since the split, when their messages moved to the feature they belong to.
RENAMED = {
    "config.label.trivia_timeout": "trivia.timeout.label",
    "config.seconds": "trivia.timeout.value",
    "config.timeout_set": "trivia.timeout.set",
    "config.bad_timeout": "trivia.timeout.refused",
    "trivia.correct": "trivia.click.correct",
}


def test_no_message_was_lost_when_the_catalogs_moved_into_the_features():
    lines = KEYS_BEFORE_THE_SPLIT.read_text("utf-8").splitlines()
    before = [line.split(" ", 1) for line in lines if not line.startswith("#")]
    cat = catalog()
    lost = [
        (language, key) for language, key in before if not cat.has(RENAMED.get(key, key), language)
    ]
    assert lost == []
    assert not [key for key in RENAMED if cat.has(key, "en")], "a renamed key is back"


def test_each_feature_brings_its_own_catalog():
    folders = catalog_folders()
    assert folders[0] == ROOT / "bot" / "locales"
    features = {folder.parent.name for folder in folders[1:]}
    assert {"trivia", "countdown", "symbols", "about", "privacy", "config", "schedule"} <= features
    assert catalog().t("trivia.stat.Accuracy", "ko") == "정답률"  # from cogs/trivia/locales/


def write(folder: Path, language: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{language}.toml"
    path.write_text(text, "utf-8")
    return path


def test_a_new_feature_is_found_by_its_folder_alone(tmp_path):
    write(tmp_path / "lyrics" / "locales", "en", '[lyrics]\nline = "A line"\n')
    (tmp_path / "lyrics" / "__init__.py").write_text("")
    write(tmp_path / "_draft" / "locales", "en", '[draft]\nx = "x"\n')  # private: skipped
    (tmp_path / "_draft" / "__init__.py").write_text("")
    write(tmp_path / "notes" / "locales", "en", '[notes]\nx = "x"\n')  # not a package
    assert feature_folders("locales", tmp_path) == [tmp_path / "lyrics" / "locales"]


def test_the_same_key_in_two_catalogs_is_refused_naming_both_files(tmp_path):
    core = write(tmp_path / "core", "en", '[trivia]\ntitle = "Trivia"\n')
    write(tmp_path / "core", "ko", '[trivia]\ntitle = "퀴즈"\n')
    feature = write(tmp_path / "trivia", "en", '[trivia]\nround = "Round"\ntitle = "Again"\n')
    with pytest.raises(CatalogError, match=r"trivia\.title") as refused:
        Catalog.load([tmp_path / "core", tmp_path / "trivia"])
    assert str(core) in str(refused.value)
    assert str(feature) in str(refused.value)


def test_catalogs_of_several_folders_are_merged_per_language(tmp_path):
    write(tmp_path / "core", "en", '[errors]\ngeneric = "No."\n')
    write(tmp_path / "trivia", "en", '[trivia]\ntitle = "Trivia"\n')
    write(tmp_path / "trivia", "ko", '[trivia]\ntitle = "퀴즈"\n')
    cat = Catalog.load([tmp_path / "core", tmp_path / "trivia"])
    assert cat.keys("en") == {"errors.generic", "trivia.title"}
    assert cat.t("trivia.title", "ko") == "퀴즈"
    assert cat.t("errors.generic", "ko") == "No."  # English where Korean has none
