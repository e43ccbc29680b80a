"""One small translation layer for every user-facing string.

Replies are looked up by key for the interaction's locale, falling back to English. The keys
come from the core's catalogs (`bot/locales/<lang>.toml`: errors and words several features
share) and from each feature's own (`cogs/<feature>/locales/<lang>.toml`), merged into one
lookup; a key may live in one file only. Command descriptions and choices go through
`CommandTranslator`, which discord.py calls when it syncs, so adding Korean is adding data,
not code.

Which language: a reply to a member's own command (ephemeral or public, and the feedback to
their own click) follows that member's locale, `interaction.locale`. A message written for the
whole channel (a trivia round and its reveal, a scheduled announcement, a countdown's live
parts) follows `FanBot.server_language(guild_id)`, which `/config language` sets.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from bot.resources import feature_folders, package_folder

log = logging.getLogger(__name__)

LOCALES_DIR = package_folder("bot") / "locales"
FALLBACK = "en"


class CatalogError(ValueError):
    """Two catalog files hold the same key: which one wins would depend on the load order."""


def catalog_folders() -> list[Path]:
    """The core's `locales/` folder, then every feature's."""
    return [LOCALES_DIR, *feature_folders("locales")]


class Catalog:
    """Message catalogs keyed by language ("en", "ko"); `t()` formats one message."""

    def __init__(self, messages: Mapping[str, Mapping[str, str]]) -> None:
        self._messages = messages
        if FALLBACK not in messages:
            raise ValueError("the English catalog is required")

    @classmethod
    def load(cls, folders: Iterable[Path] | None = None) -> Catalog:
        """Every `<lang>.toml` in `folders` (default: `catalog_folders()`), merged per language.

        Raises `CatalogError` naming both files when a key is in two of them.
        """
        messages: dict[str, dict[str, str]] = {}
        found_in: dict[tuple[str, str], Path] = {}
        for folder in catalog_folders() if folders is None else folders:
            for path in sorted(folder.glob("*.toml")):
                with path.open("rb") as fh:
                    flat = _flatten(tomllib.load(fh))
                language = messages.setdefault(path.stem, {})
                for key in flat:
                    if (first := found_in.setdefault((path.stem, key), path)) != path:
                        raise CatalogError(f"the message {key} is in both {first} and {path}")
                language.update(flat)
        return cls(messages)

    @property
    def languages(self) -> list[str]:
        return sorted(self._messages)

    def has(self, key: str, language: str = FALLBACK) -> bool:
        return key in self._messages.get(language, {})

    def t(self, key: str, locale: str | discord.Locale | None = None, /, **values: Any) -> str:
        """The message `key` in `locale` (or English), formatted with `values`."""
        language = language_of(locale)
        template = self._messages.get(language, {}).get(key)
        if template is None:
            template = self._messages[FALLBACK].get(key)
        if template is None:
            log.warning("missing message %r", key)
            return key
        return template.format(**values) if values else template

    def template(self, key: str, language: str) -> str | None:
        """The unformatted message, or None when `language` has no `key`."""
        return self._messages.get(language, {}).get(key)

    def keys(self, language: str = FALLBACK) -> set[str]:
        return set(self._messages.get(language, {}))


def language_of(locale: str | discord.Locale | None) -> str:
    """`discord.Locale.korean` / "ko" -> "ko"; anything else we don't ship -> "en"."""
    if locale is None:
        return FALLBACK
    value = locale.value if isinstance(locale, discord.Locale) else str(locale)
    return value.split("-")[0].lower()


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


_catalog: Catalog | None = None


def catalog() -> Catalog:
    """The shipped catalogs, loaded once."""
    global _catalog
    if _catalog is None:
        _catalog = Catalog.load()
    return _catalog


def t(key: str, locale: str | discord.Locale | None = None, /, **values: Any) -> str:
    return catalog().t(key, locale, **values)


# Command, group and option names stay English in every locale: Discord shows a localized
# name only to members of that locale, so help, the README and other members' messages would
# name one command two ways. Their descriptions and the options' choices are translated.
UNTRANSLATED = frozenset(
    {
        app_commands.TranslationContextLocation.command_name,
        app_commands.TranslationContextLocation.group_name,
        app_commands.TranslationContextLocation.parameter_name,
    }
)


class CommandTranslator(app_commands.Translator):
    """Localises command descriptions, option descriptions and choice names from the
    catalogs; names stay English (`UNTRANSLATED`).

    A `locale_str` is looked up under `commands.<its message>`; strings that have no entry for
    a language are left to Discord's default (English).
    """

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        language = language_of(locale)
        if language == FALLBACK or getattr(context, "location", None) in UNTRANSLATED:
            return None
        key = string.extras.get("key") or f"commands.{string.message}"
        cat = catalog()
        return cat.t(key, language) if cat.has(key, language) else None
