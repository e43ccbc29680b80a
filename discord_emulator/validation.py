"""Checks Discord applies to message, autocomplete and command payloads (400, code 50035).

Only the limits a bot realistically trips over; each failure names its field the way Discord
does, so discord.py's HTTPException text points at the problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .errors import EMPTY_MESSAGE, INVALID_FORM_BODY, ApiError

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_LIMITS = {"title": 256, "description": 4096}
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
ROWS_MAX = 5
ROW_BUTTONS_MAX = 5
CUSTOM_ID_MAX = 100
LABEL_MAX = 80
CHOICES_MAX = 25
# Discord's command-name rule (simplified to what matters: lowercase, no spaces, 1-32 chars).
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")


class FormErrors:
    """Collects field errors into Discord's nested {"field": {"_errors": [...]}} shape."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def add(self, path: Iterable[str | int], code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def too_long(self, path: Iterable[str | int], limit: int) -> None:
        self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def error(self) -> ApiError:
        """The 400 Invalid Form Body carrying the errors collected so far."""
        return ApiError(400, INVALID_FORM_BODY, "Invalid Form Body", errors=self.tree)

    def raise_if_any(self) -> None:
        if self.tree:
            raise self.error()


def _text_len(value: Any) -> int:
    return len(str(value)) if value is not None else 0


def check_embeds(embeds: list[dict[str, Any]], errors: FormErrors) -> None:
    if len(embeds) > EMBEDS_MAX:
        errors.too_long(["embeds"], EMBEDS_MAX)
    total = 0
    for i, embed in enumerate(embeds):
        where: list[str | int] = ["embeds", i]
        for key, limit in EMBED_LIMITS.items():
            size = _text_len(embed.get(key))
            total += size
            if size > limit:
                errors.too_long([*where, key], limit)
        fields = embed.get("fields") or []
        if len(fields) > FIELDS_MAX:
            errors.too_long([*where, "fields"], FIELDS_MAX)
        for j, f in enumerate(fields):
            name, value = _text_len(f.get("name")), _text_len(f.get("value"))
            total += name + value
            if not name:
                errors.add(
                    [*where, "fields", j, "name"], "BASE_TYPE_REQUIRED", "This field is required"
                )
            if not value:
                errors.add(
                    [*where, "fields", j, "value"], "BASE_TYPE_REQUIRED", "This field is required"
                )
            if name > FIELD_NAME_MAX:
                errors.too_long([*where, "fields", j, "name"], FIELD_NAME_MAX)
            if value > FIELD_VALUE_MAX:
                errors.too_long([*where, "fields", j, "value"], FIELD_VALUE_MAX)
        footer = _text_len((embed.get("footer") or {}).get("text"))
        author = _text_len((embed.get("author") or {}).get("name"))
        total += footer + author
        if footer > FOOTER_MAX:
            errors.too_long([*where, "footer", "text"], FOOTER_MAX)
        if author > AUTHOR_MAX:
            errors.too_long([*where, "author", "name"], AUTHOR_MAX)
    if total > EMBED_TOTAL_MAX:
        errors.add(["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")


def check_components(components: list[dict[str, Any]], errors: FormErrors, *, v2: bool) -> None:
    if not v2 and len(components) > ROWS_MAX:
        errors.too_long(["components"], ROWS_MAX)
    seen: set[str] = set()

    def walk(items: list[dict[str, Any]], path: list[str | int]) -> None:
        for i, component in enumerate(items):
            where = [*path, i]
            kind = component.get("type")
            custom_id = component.get("custom_id")
            if custom_id is not None:
                if len(custom_id) > CUSTOM_ID_MAX:
                    errors.too_long([*where, "custom_id"], CUSTOM_ID_MAX)
                if custom_id in seen:
                    errors.add(
                        [*where, "custom_id"],
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    )
                seen.add(custom_id)
            if kind == 1:
                children = component.get("components") or []
                buttons = [c for c in children if c.get("type") == 2]
                if len(children) > ROW_BUTTONS_MAX or (buttons and len(buttons) != len(children)):
                    errors.add(
                        [*where, "components"],
                        "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                        "The specified component exceeds the maximum width",
                    )
                walk(children, [*where, "components"])
            elif kind == 2:
                if _text_len(component.get("label")) > LABEL_MAX:
                    errors.too_long([*where, "label"], LABEL_MAX)
                is_link = component.get("style") == 5
                if is_link and not component.get("url"):
                    errors.add([*where, "url"], "BASE_TYPE_REQUIRED", "This field is required")
                if not is_link and component.get("style") != 6 and custom_id is None:
                    errors.add(
                        [*where, "custom_id"], "BASE_TYPE_REQUIRED", "This field is required"
                    )
            elif kind == 3:
                options = component.get("options") or []
                if len(options) > CHOICES_MAX:
                    errors.too_long([*where, "options"], CHOICES_MAX)
            else:
                nested = component.get("components")
                if nested:
                    walk(nested, [*where, "components"])
                if component.get("accessory"):
                    walk([component["accessory"]], [*where, "accessory"])

    walk(components, ["components"])


def check_message(
    payload: dict[str, Any], *, has_files: bool, creating: bool, errors: FormErrors | None = None
) -> None:
    """Limits of a message create or edit payload; raises ApiError (400) on failure."""
    errors = errors or FormErrors()
    content = payload.get("content")
    if content is not None and len(str(content)) > CONTENT_MAX:
        errors.too_long(["content"], CONTENT_MAX)
    embeds = payload.get("embeds") or []
    check_embeds(embeds, errors)
    v2 = bool((payload.get("flags") or 0) & (1 << 15))
    components = payload.get("components") or []
    check_components(components, errors, v2=v2)
    if v2 and (content or embeds):
        errors.add(
            ["content" if content else "embeds"],
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used with MessageFlags.IS_COMPONENTS_V2",
        )
    errors.raise_if_any()
    if creating and not (
        content
        or embeds
        or components
        or has_files
        or payload.get("sticker_ids")
        or payload.get("poll")
    ):
        raise ApiError(400, EMPTY_MESSAGE, "Cannot send an empty message")


def check_choices(choices: list[dict[str, Any]]) -> None:
    errors = FormErrors()
    if len(choices) > CHOICES_MAX:
        errors.too_long(["data", "choices"], CHOICES_MAX)
    for i, choice in enumerate(choices):
        name = _text_len(choice.get("name"))
        if not 1 <= name <= 100:
            errors.add(
                ["data", "choices", i, "name"],
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
        if "value" not in choice:
            errors.add(
                ["data", "choices", i, "value"], "BASE_TYPE_REQUIRED", "This field is required"
            )
    errors.raise_if_any()


def check_commands(commands: list[dict[str, Any]]) -> None:
    """What Discord rejects in a bulk overwrite; discord.py turns it into CommandSyncFailure."""
    errors = FormErrors()
    names: set[tuple[str, int]] = set()
    for i, command in enumerate(commands):
        kind = command.get("type", 1)
        name = str(command.get("name", ""))
        if kind == 1 and (not COMMAND_NAME.match(name) or name != name.lower()):
            errors.add([i, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if (name, kind) in names:
            errors.add(
                [i, "name"],
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique",
            )
        names.add((name, kind))
        if kind == 1 and not 1 <= len(command.get("description") or "") <= 100:
            errors.add(
                [i, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        _check_options(command.get("options") or [], errors, [i, "options"])
    errors.raise_if_any()


def _check_options(
    options: list[dict[str, Any]], errors: FormErrors, path: list[str | int]
) -> None:
    if len(options) > 25:
        errors.too_long(path, 25)
    optional_seen = False
    for j, option in enumerate(options):
        where = [*path, j]
        if option.get("type") in (1, 2):
            _check_options(option.get("options") or [], errors, [*where, "options"])
            continue
        if option.get("required"):
            if optional_seen:
                errors.add(
                    [*where, "required"],
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        if len(option.get("choices") or []) > CHOICES_MAX:
            errors.too_long([*where, "choices"], CHOICES_MAX)
        if option.get("choices") and option.get("autocomplete"):
            errors.add(
                [*where, "autocomplete"],
                "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_AND_CHOICES",
                "Autocomplete cannot be set if there are choices present.",
            )
