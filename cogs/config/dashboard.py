"""The dashboard's settings page: everything `/config` does, on one form, and the history.

The form carries, beside each field, the value it showed (`shown_<field>`): a field is
changed when what is posted differs from what was shown, and only changed fields are
written, in one settings change. So two moderators who change different settings from
pages opened at the same time both land, and neither undoes the other. Every value passes
the checks `/config` uses (`cogs.config.validation`); when any field is refused, the page
lists every refusal and nothing is stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import discord
from aiohttp import web
from markupsafe import Markup, escape

from bot.dashboard.app import back_to, notice, render
from bot.dashboard.sections import Section
from bot.dashboard.services import GuildPage, Services, language_of_request, page_of, services_of
from bot.errors import InvalidInput
from bot.guild_settings import LANGUAGES, VIA_DASHBOARD, GuildSettings, SettingChange
from bot.i18n import catalog, t
from bot.time_zones import FAN_ZONES
from cogs.config.validation import (
    ZoneFollowers,
    check_post_channel,
    checked_language,
    checked_mod_role,
    checked_value,
    checked_zone,
)

routes = web.RouteTableDef()

SECTION = Section("settings", title_key="dashboard.settings.nav", position=10, routes=routes)

# The labels of the core's settings, as `/config show` names them.
CORE_LABELS = {
    "disabled_cogs": "config.label.cogs",
    "announce_channel_id": "config.label.channel",
    "timezone": "config.label.timezone",
    "language": "config.label.language",
    "mod_role_id": "config.label.modrole",
}
CODE = re.compile(r"`([^`]*)`")


def as_html(message: str) -> Markup:
    """A catalog message written for Discord, for a page: escaped, with its `code` spans
    as <code> (what a user typed inside them is escaped first)."""
    return Markup(CODE.sub(r"<code>\1</code>", str(escape(message))))


@dataclass(frozen=True)
class Form:
    """What the form shows in each field: the stored settings, or what was posted (a refused
    form keeps what the moderator typed), and `shown` the values the page first showed."""

    values: Mapping[str, str]
    shown: Mapping[str, str]

    def __getitem__(self, name: str) -> str:
        return self.values.get(name, "")


def form_of(settings: GuildSettings, services: Services) -> dict[str, str]:
    """The settings as the form's fields hold them (text)."""
    values = {
        "timezone": settings.timezone,
        "channel": str(settings.announce_channel_id or ""),
        "mod_role": str(settings.mod_role_id or ""),
        "language": settings.language,
    }
    for name in services.features.switchable:
        values[f"cog_{name}"] = "on" if settings.cog_enabled(name) else ""
    for setting in services.features.settings:
        values[f"setting_{setting.name}"] = str(settings.value(setting.name))
    return values


def _text(posted: Mapping[str, Any], name: str) -> str | None:
    value = posted.get(name)
    return value if isinstance(value, str) else None


@routes.get("")
async def settings_page(request: web.Request) -> web.StreamResponse:
    page = page_of(request)
    values = form_of(page.settings, services_of(request))
    return await _page(request, Form(values, values))


@routes.post("")
async def save_settings(request: web.Request) -> web.StreamResponse:
    page = page_of(request)
    services = services_of(request)
    posted = await request.post()
    current = form_of(page.settings, services)
    shown = {name: text for name in current if (text := _text(posted, f"shown_{name}")) is not None}
    # A field the form did not show is compared with what is stored now.
    shown = {**current, **shown}
    values = {name: (_text(posted, name) or "").strip() for name in current}
    changed = [name for name in current if values[name] != shown[name]]
    problems, changes = await _changes(request, page, services, values, changed)
    if problems:
        return await _page(request, Form(values, shown), problems=problems, status=400)
    if not changes:
        await notice(request, "dashboard.settings.unchanged")
        raise back_to(request, "/settings")
    # As `/config timezone` does: the announcements follow a new zone, in the same change.
    followers = ZoneFollowers(services.scheduler, page.guild_id)
    also = followers.also if "timezone" in changes else None
    await services.settings.update(page.guild_id, page.changer, also=also, **changes)
    followers.arm()
    await notice(request, "dashboard.settings.saved")
    raise back_to(request, "/settings")


async def _changes(
    request: web.Request,
    page: GuildPage,
    services: Services,
    values: Mapping[str, str],
    changed: Iterable[str],
) -> tuple[list[Markup], dict[str, Any]]:
    """The refusals of the changed fields (each with its field's label), and the changes
    to store when there are none."""
    lang = language_of_request(request)
    settings = page.settings
    problems: list[Markup] = []
    changes: dict[str, Any] = {}
    disabled = set(settings.disabled_cogs)
    channels: dict[str, discord.TextChannel] | None = None
    for name in changed:
        value = values[name]
        label = ""
        try:
            if name.startswith("cog_"):
                feature = name.removeprefix("cog_")
                (disabled.discard if value == "on" else disabled.add)(feature)
            elif name.startswith("setting_"):
                setting = services.features.setting(name.removeprefix("setting_"))
                label = t(setting.label_key, lang)
                if not re.fullmatch(r"-?[0-9]{1,9}", value):
                    raise InvalidInput(
                        "dashboard.settings.not_a_number", low=setting.low, high=setting.high
                    )
                changes[setting.name] = checked_value(setting, int(value))
            elif name == "timezone":
                label = t("config.label.timezone", lang)
                changes["timezone"] = checked_zone(value, services.clock.now(), lang)
            elif name == "channel":
                label = t("config.label.channel", lang)
                if channels is None:
                    found = await services.view.text_channels(page.guild)
                    channels = {str(channel.id): channel for channel in found}
                channel = channels.get(value)
                if channel is None:
                    raise InvalidInput("errors.foreign_channel")
                check_post_channel(channel, f"#{channel.name}")
                changes["announce_channel_id"] = channel.id
            elif name == "mod_role":
                label = t("config.label.modrole", lang)
                if value and not value.isdigit():
                    raise InvalidInput("errors.foreign_role")
                changes["mod_role_id"] = checked_mod_role(page.guild, int(value) if value else None)
            elif name == "language":
                label = t("config.label.language", lang)
                changes["language"] = checked_language(value)
        except InvalidInput as error:
            problems.append(
                as_html(t("dashboard.settings.problem", lang, label=label))
                + as_html(error.render(lang))
            )
    if frozenset(disabled) != settings.disabled_cogs:
        changes["disabled_cogs"] = frozenset(disabled)
    return problems, changes


async def _page(
    request: web.Request,
    form: Form,
    *,
    problems: list[Markup] | None = None,
    status: int = 200,
) -> web.Response:
    page = page_of(request)
    services = services_of(request)
    lang = language_of_request(request)
    channels = await services.view.text_channels(page.guild)
    roles = [role for role in reversed(page.guild.roles) if not role.is_default()]
    history = await services.settings.history(page.guild_id)
    return await render(
        request,
        "settings/page.html",
        {
            "form": form,
            "problems": problems or [],
            "features": services.features.switchable,
            "settings_declared": services.features.settings,
            "channels": channels,
            "roles": roles,
            "languages": LANGUAGES,
            "language_names": {
                language: t(f"dashboard.settings.language_{language}", lang)
                for language in LANGUAGES
            },
            "zones": FAN_ZONES,
            "history": [_history_row(change, page, services, channels, lang) for change in history],
        },
        status=status,
    )


@dataclass(frozen=True)
class HistoryRow:
    when: str
    who: str
    where: str
    setting: str
    old: str
    new: str


def _history_row(
    change: SettingChange,
    page: GuildPage,
    services: Services,
    channels: list[discord.TextChannel],
    lang: str,
) -> HistoryRow:
    local = change.changed_at.astimezone(page.settings.zone)
    where = "dashboard" if change.via == VIA_DASHBOARD else "command"
    try:
        setting = services.features.setting(change.setting)
        label = t(setting.label_key, lang)
    except KeyError:
        # A core setting, or what a feature's store changed and recorded (its `history.` name).
        key = CORE_LABELS.get(change.setting, f"history.{change.setting}")
        label = t(key, lang) if catalog().has(key) else ""
    return HistoryRow(
        when=f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".strip(),
        who=change.user_name or str(change.user_id),
        where=t(f"dashboard.settings.via_{where}", lang),
        setting=label or change.setting,
        old=_value_text(change.setting, change.old_value, page, services, channels, lang),
        new=_value_text(change.setting, change.new_value, page, services, channels, lang),
    )


def _value_text(
    setting: str,
    value: str | None,
    page: GuildPage,
    services: Services,
    channels: list[discord.TextChannel],
    lang: str,
) -> str:
    """A recorded value in words: a channel or role by its name while it exists, the
    features that are off, a language's name, a feature setting as `/config show` has it."""
    if value is None or (value == "" and setting != "disabled_cogs"):
        return t("config.none", lang)
    if setting == "disabled_cogs":
        off = ", ".join(name for name in value.split(",") if name)
        return (
            t("dashboard.settings.cogs_off", lang, names=off)
            if off
            else t("dashboard.settings.all_on", lang)
        )
    if setting == "announce_channel_id":
        found = next((c for c in channels if str(c.id) == value), None)
        return f"#{found.name}" if found else value
    if setting == "mod_role_id":
        role = page.guild.get_role(int(value)) if value.isdigit() else None
        return f"@{role.name}" if role else value
    if setting == "language" and value in LANGUAGES:
        return t(f"dashboard.settings.language_{value}", lang)
    try:
        declared = services.features.setting(setting)
    except KeyError:
        return value
    if value.lstrip("-").isdigit():
        return t(declared.value_key, lang, **{declared.option: int(value)})
    return value
