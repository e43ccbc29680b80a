"""What `help` prints: what can be typed, and `help /schedule add`'s description of a synced
command in the words a member would use (its options' types, choices and limits).

Pure: it reads command definitions as the bot synced them, nothing else.
"""

from __future__ import annotations

from typing import Any

import discord

from discord_emulator.driver import (
    OPT_ATTACHMENT,
    OPT_BOOLEAN,
    OPT_CHANNEL,
    OPT_INTEGER,
    OPT_MENTIONABLE,
    OPT_NUMBER,
    OPT_ROLE,
    OPT_STRING,
    OPT_USER,
    CommandPath,
)

PERMISSION_NAMES = {"manage_guild": "Manage Server", "administrator": "Administrator"}
# How `help /command` names an option's type (the words a member would use).
OPTION_TYPE_NAMES = {
    OPT_STRING: "text",
    OPT_INTEGER: "whole number",
    OPT_BOOLEAN: "true or false",
    OPT_USER: "member",
    OPT_CHANNEL: "channel",
    OPT_ROLE: "role",
    OPT_MENTIONABLE: "member or role",
    OPT_NUMBER: "number",
    OPT_ATTACHMENT: "a file on this computer (relative to the folder the playground started in)",
}

HELP = """\
Type what a Discord user would do:
  /command sub option:value option2:"value with spaces"
                      run a slash command, e.g. /trivia play, /symbol name:Nemo,
                      /countdown event:"V's discharge", /trivia stats member:army,
                      /config trivia-timeout seconds:5 (as mod); add `as NAME` at the end
                      to run it as someone else
  click A             press a button on the bot's last message with buttons here
                      (click 2, click <label text>, click A as army)
  complete /symbol name:Ne      (or /symbol name:Ne?) show the autocomplete choices
  force /command ...  send a command Discord hides from you (as if the server opened it
                      to everyone in Server Settings > Integrations): shows the bot's own check
  as NAME             act as another member: {users}
  in CHANNEL          switch channel: {channels}
  locale ko           use Discord in another language (en-US, ko, ...): replies to your
                      own commands and clicks follow it (also --locale ko)
  server-locale ko    the server's Discord language: what the bot writes for the whole
                      channel (trivia rounds, scheduled posts) follows it while
                      /config language is auto, the default (also --server-locale ko)
  wait [N]            wait N seconds (a trivia round closes after its timeout, 20 s unless
                      /config trivia-timeout changed it), or until the bot does something
  messages            the last messages in this channel
  help                this text; help /schedule add: a command's options, their types and
                      choices (help /trivia: its subcommands)
  quit                leave (also exit, Ctrl-D or Ctrl-C)
Option values for members, channels and roles are names: member:army, channel:#trivia,
role:Mods. Attachments are local files, read relative to the folder the playground was
started in ({folder}): /trivia-admin import file:pack.toml (as mod)."""


def permission_names(value: int) -> str:
    """`Manage Server`, as Discord's settings name the bits in `value`."""
    names = [
        PERMISSION_NAMES.get(name, name.replace("_", " ").title())
        for name, granted in discord.Permissions(value)
        if granted
    ]
    return " and ".join(names) or "Administrator"


def localized(node: dict[str, Any], key: str, locale: str) -> str:
    """A command's or option's `name` or `description` as Discord shows it in `locale`."""
    return str((node.get(f"{key}_localizations") or {}).get(locale) or node.get(key) or "")


def usage_line(name: str, options: list[dict[str, Any]]) -> str:
    """`/schedule add kind:… time:… [channel:…]`, optional ones in brackets."""
    words = [f"{o['name']}:…" if o.get("required") else f"[{o['name']}:…]" for o in options]
    return " ".join([name, *words])


def describe_option(command: str, option: dict[str, Any], locale: str) -> str:
    """`  kind: text, required, one of trivia, quote — What to post`."""
    kind = option["type"]
    parts = [OPTION_TYPE_NAMES.get(kind, f"type {kind}")]
    low, high = option.get("min_value"), option.get("max_value")
    if low is not None or high is not None:
        parts[0] += (
            f" from {low if low is not None else '…'} to {high if high is not None else '…'}"
        )
    if option.get("max_length") is not None:
        parts[0] += f" of at most {option['max_length']} characters"
    parts.append("required" if option.get("required") else "optional")
    choices = option.get("choices")
    if choices:
        shown = []
        for choice in choices:
            value, name = str(choice["value"]), localized(choice, "name", locale)
            shown.append(value if name == value else f"{value} ({name})")
        parts.append("one of " + ", ".join(shown))
    if option.get("autocomplete"):
        parts.append(f"suggestions: complete {command} {option['name']}:")
    return f"  {option['name']}: {', '.join(parts)} — {localized(option, 'description', locale)}"


def command_help(found: CommandPath, locale: str, hidden: str | None) -> list[str]:
    """`help /schedule add`: what the command does and each option's type, whether it is
    required, its choices; for a group, its subcommands. `hidden` says why the member at the
    keyboard can't see it."""
    name = "/" + found.name
    lines = [f"{name}: {localized(found.node, 'description', locale)}"]
    if hidden:
        lines.append(f"  ({hidden})")
    children = found.subcommands
    if children:
        lines.extend(
            f"  {name} {child['name']}: {localized(child, 'description', locale)}"
            for child in children
        )
        lines.append(f"  help {name} {children[0]['name']} shows its options")
    else:
        lines.append(f"  usage: {usage_line(name, found.options)}")
        lines.extend(describe_option(name, option, locale) for option in found.options)
    return lines


def example_usage(found: CommandPath) -> str:
    """`, e.g. /symbol name:... (it takes name)`: how options are written, for a command
    that was given a word where an option belongs."""
    names = [o["name"] for o in found.options]
    if not names:
        return f" (/{found.name} takes none)"
    return f", e.g. /{found.name} {names[0]}:... (it takes {', '.join(names)})"
