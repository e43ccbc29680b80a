"""`python -m bot playground`: try the real bot in a terminal, against a local Discord emulator.

No Discord account, no token, no network beyond 127.0.0.1: the emulator serves Discord's REST
API and gateway on a local port, the real `FanBot` (every cog, the real SQLite database)
connects to it, and each line typed here becomes what a Discord client would send: a slash
command, a button click, an autocomplete request. The bot's answers are printed the way a
member would read them.

    uaena@#general> /symbol name:Nemo
    uaena@#general> /trivia play
    uaena@#general> click A as army
    uaena@#general> wait 20

Lines come from the terminal, from `--script FILE`, or from stdin when it is not a terminal
(so a script can be piped in). Type `help` for the whole list.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import re
import shlex
import shutil
import sqlite3
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar

import discord

from bot.client import FanBot
from bot.config import Settings
from bot.database import DatabaseError
from bot.logs import setup_logging
from discord_emulator import (
    DemoWorld,
    DriverError,
    Emulator,
    InteractionResult,
    InteractionTimeout,
    Message,
    demo_world,
    running_client,
)
from discord_emulator import permissions as perms
from discord_emulator.driver import (
    OPT_ATTACHMENT,
    OPT_BOOLEAN,
    OPT_CHANNEL,
    OPT_INTEGER,
    OPT_MENTIONABLE,
    OPT_NUMBER,
    OPT_ROLE,
    OPT_STRING,
    OPT_SUB_COMMAND,
    OPT_SUB_COMMAND_GROUP,
    OPT_USER,
)
from discord_emulator.state import DISCORD_EPOCH_MS, Channel, Guild, Member, SnowflakeFactory

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_USER = "uaena"
DEFAULT_CHANNEL = "general"
# After an action, wait until the emulator has been quiet this long, so followups and edits
# the bot makes right after its answer are shown before the next prompt.
QUIET_SECONDS = 0.15
SETTLE_MAX_SECONDS = 1.5
# `wait` without a number: until the bot does something, but not forever.
WAIT_FOR_ACTIVITY_MAX = 120.0
MESSAGES_SHOWN = 10
# The demo server's ids are snowflakes of this instant (the single's release), the same in
# every session, so a `--db` file keeps finding its server, members and channels.
STABLE_IDS_AT = datetime(2024, 1, 24, 9, 0, tzinfo=UTC)


BUTTON_STYLE_MARKS = {3: "green", 4: "red"}
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
TRUE_WORDS = {"true", "yes", "on", "1", "y"}
FALSE_WORDS = {"false", "no", "off", "0", "n"}

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
  wait [N]            wait N seconds (a trivia round closes after its timeout, 20 s unless
                      /config trivia-timeout changed it), or until the bot does something
  messages            the last messages in this channel
  help                this text; help /schedule add: a command's options, their types and
                      choices (help /trivia: its subcommands)
  quit                leave (also exit, Ctrl-D or Ctrl-C)
Option values for members, channels and roles are names: member:army, channel:#trivia,
role:Mods. Attachments are local files, read relative to the folder the playground was
started in ({folder}): /trivia-admin import file:pack.toml (as mod)."""


class PlaygroundError(Exception):
    """Something typed here can't be done; the message says why and what would work."""


# -- parsing what was typed -----------------------------------------------------------------


@dataclass
class SlashLine:
    """A typed slash command: `/trivia stats member:army as mod`."""

    words: list[str]
    options: dict[str, str] = field(default_factory=dict)
    user: str | None = None


def split_words(text: str) -> list[str]:
    """Words as a shell splits them, so `name:"two words"` is one word.

    An apostrophe in plain text (`search:V's`) is not a quote: when single quotes don't pair
    up, only double quotes count.
    """
    try:
        return shlex.split(text)
    except ValueError:
        lexer = shlex.shlex(text, posix=True)
        lexer.whitespace_split = True
        lexer.commenters = ""
        lexer.quotes = '"'
        try:
            return list(lexer)
        except ValueError:
            raise PlaygroundError('a quote is not closed: write option:"two words"') from None


def take_as_user(words: list[str]) -> tuple[list[str], str | None]:
    """Split a trailing `as NAME` off `words`."""
    if len(words) >= 2 and words[-2].lower() == "as":
        return words[:-2], words[-1]
    return words, None


def parse_slash(text: str) -> SlashLine:
    """`/trivia stats member:army as mod` -> words, options, user.

    The command path is the leading words without a colon; every later word is `name:value`.
    """
    words, user = take_as_user(split_words(text.strip().removeprefix("/")))
    if not words or ":" in words[0]:
        raise PlaygroundError("type a command name after the slash, e.g. /about")
    line = SlashLine(words=[], user=user)
    for word in words:
        name, colon, value = word.partition(":")
        if not colon:
            if line.options:
                raise PlaygroundError(
                    f"{word!r} is not an option: write name:value "
                    f'(quotes keep spaces: name:"two words")'
                )
            line.words.append(word)
            continue
        line.options[name] = value
    return line


def pick_button(buttons: list[dict[str, Any]], wanted: str) -> dict[str, Any]:
    """The button meant by `wanted`: a letter (A), a position (2), or (part of) its label."""
    listing = ", ".join(f"[{b.get('label') or '?'}]" for b in buttons)
    text = wanted.strip().casefold()
    if not text:
        raise PlaygroundError(f"which button? {listing}")
    if text.isdigit():
        index = int(text)
        if 1 <= index <= len(buttons):
            return buttons[index - 1]
        raise PlaygroundError(f"there are {len(buttons)} buttons: {listing}")
    labels = [str(b.get("label") or "").casefold() for b in buttons]
    for tests in (
        lambda label: label == text,
        lambda label: label.startswith(f"{text}.") or label.startswith(f"{text} "),
        lambda label: text in label,
    ):
        found = [b for b, label in zip(buttons, labels, strict=True) if tests(label)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise PlaygroundError(f"{wanted!r} fits several buttons: {listing}")
    raise PlaygroundError(f"no button {wanted!r}; the buttons are {listing}")


def permission_names(value: int) -> str:
    """`Manage Server`, as Discord's settings name the bits in `value`."""
    names = [
        PERMISSION_NAMES.get(name, name.replace("_", " ").title())
        for name, granted in discord.Permissions(value)
        if granted
    ]
    return " and ".join(names) or "Administrator"


# -- rendering what the bot said ------------------------------------------------------------

TIMESTAMP = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")
USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
CHANNEL_MENTION = re.compile(r"<#(\d+)>")
COMMAND_MENTION = re.compile(r"</([^:<>]+):\d+>")
CUSTOM_EMOJI = re.compile(r"<a?:(\w+):\d+>")
BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
ITALIC = re.compile(r"(?<![*\w])\*(?![\s*])([^*\n]+?)(?<!\s)\*(?![*\w])")
UNDERLINE = re.compile(r"__(.+?)__", re.DOTALL)
ESCAPED = re.compile(r"\\([\\*_~|`>#\-\[\]()])")
CODE_FENCE = re.compile(r"```\w*")

ABSOLUTE_FORMATS = {
    "t": "%H:%M",
    "T": "%H:%M:%S",
    "d": "%Y-%m-%d",
    "D": "%d %B %Y",
    # The zone is named: the server's schedule zone (Asia/Seoul) is rarely this computer's.
    "f": "%d %B %Y %H:%M %Z",
    "F": "%A, %d %B %Y %H:%M %Z",
}
RELATIVE_UNITS = (
    ("year", 365 * 86400),
    ("month", 30 * 86400),
    ("day", 86400),
    ("hour", 3600),
    ("minute", 60),
)


def relative_time(delta: float) -> str:
    """`in 20 seconds`, `3 days ago`: Discord's relative timestamp, in words."""
    span = abs(delta)
    count, unit = int(span), "second"
    for name, size in RELATIVE_UNITS:
        if span >= size:
            count, unit = int(span // size), name
            break
    amount = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {amount}" if delta > 0 else f"{amount} ago"


def describe_timestamp(seconds: int, style: str | None, now: float) -> str:
    """A `<t:...>` timestamp as Discord shows it, in this computer's time zone."""
    when = datetime.fromtimestamp(seconds).astimezone()
    if style == "R":
        near = abs(seconds - now) < 86400
        exact = when.strftime("%H:%M:%S" if near else "%Y-%m-%d %H:%M")
        return f"{relative_time(seconds - now)} ({exact})"
    return when.strftime(ABSOLUTE_FORMATS.get(style or "f", ABSOLUTE_FORMATS["f"]))


class Renderer:
    """Turns the bot's messages into terminal lines: mentions by name, times in words."""

    def __init__(
        self,
        guild: Guild,
        *,
        color: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.guild = guild
        self.color = color
        self.clock = clock

    # names behind ids

    def user_name(self, user_id: str) -> str:
        member = self.guild.members.get(user_id)
        if member is not None:
            return member.nick or member.user.global_name or member.user.name
        user = self.guild.world.users.get(user_id)
        return (user.global_name or user.name) if user else f"unknown-user-{user_id}"

    def role_name(self, role_id: str) -> str:
        role = self.guild.roles.get(role_id)
        return role.name if role else f"deleted-role-{role_id}"

    def channel_name(self, channel_id: str) -> str:
        channel = self.guild.world.channels.get(channel_id)
        return channel.name if channel else f"unknown-channel-{channel_id}"

    # text

    def text(self, raw: str) -> str:
        """Discord markup made readable: names for mentions, times for timestamps."""
        now = self.clock()
        text = TIMESTAMP.sub(lambda m: describe_timestamp(int(m[1]), m[2], now), raw)
        text = ROLE_MENTION.sub(lambda m: "@" + self.role_name(m[1]), text)
        text = USER_MENTION.sub(lambda m: "@" + self.user_name(m[1]), text)
        text = CHANNEL_MENTION.sub(lambda m: "#" + self.channel_name(m[1]), text)
        text = COMMAND_MENTION.sub(lambda m: "/" + m[1], text)
        text = CUSTOM_EMOJI.sub(lambda m: f":{m[1]}:", text)
        text = BOLD.sub(lambda m: self._bold(m[1]), text)
        text = UNDERLINE.sub(r"\1", text)
        text = ITALIC.sub(r"\1", text)
        text = ESCAPED.sub(r"\1", text)
        # Code fences only frame a block (the trivia vote chart); the block itself stays.
        return "\n".join(line for line in text.split("\n") if not CODE_FENCE.fullmatch(line))

    def _bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.color else text

    # messages

    def message(self, message: Message) -> list[str]:
        """Every line a member would see of `message`, the ephemeral marker first."""
        lines = self.text(message.content).split("\n") if message.content else []
        if message.ephemeral:
            if lines:
                lines[0] = f"[ephemeral] {lines[0]}"
            else:
                lines.append("[ephemeral]")
        for embed in message.embeds:
            lines.extend(self.embed(embed))
        lines.extend(self.components(message))
        lines.extend(f"(file: {a.filename}, {len(a.data)} bytes)" for a in message.attachments)
        return lines or ["(an empty message)"]

    def embed(self, embed: dict[str, Any]) -> list[str]:
        """An embed as a block behind a bar: author, title, description, fields, footer."""
        body: list[str] = []
        author = (embed.get("author") or {}).get("name")
        if author:
            body.append(self.text(str(author)))
        if embed.get("title"):
            body.append(self._bold(self.text(str(embed["title"]))))
        if embed.get("description"):
            body.extend(self.text(str(embed["description"])).split("\n"))
        for embed_field in embed.get("fields") or []:
            body.extend(self.embed_field(embed_field))
        footer = [str((embed.get("footer") or {}).get("text") or "")]
        if embed.get("timestamp"):
            stamp = datetime.fromisoformat(str(embed["timestamp"])).astimezone()
            footer.append(stamp.strftime("%Y-%m-%d %H:%M"))
        footer_text = " • ".join(part for part in footer if part)
        if footer_text:
            body.append(f"— {self.text(footer_text)}")
        return [f"┃ {line}".rstrip() for line in body]

    def embed_field(self, embed_field: dict[str, Any]) -> list[str]:
        name = self.text(str(embed_field.get("name") or ""))
        # "Did you know?" needs no colon after it.
        label = name if name.endswith((":", "?", "!")) else f"{name}:"
        value = self.text(str(embed_field.get("value") or "")).split("\n")
        if len(value) == 1:
            return [f"  {label} {value[0]}"]
        return [f"  {label}", *(f"    {line}" for line in value)]

    def components(self, message: Message) -> list[str]:
        """Buttons as `[A. label] (green, disabled)`; menus with their options."""
        lines = []
        for component in message.iter_components():
            kind = component.get("type")
            if kind == 2:
                lines.append(self.button(component))
            elif kind in (3, 5, 6, 7, 8):
                placeholder = component.get("placeholder") or "choose"
                options = [str(o.get("label")) for o in component.get("options") or []]
                shown = f": {', '.join(options)}" if options else ""
                lines.append(f"<menu {placeholder}{shown}>")
        return lines

    def button(self, component: dict[str, Any]) -> str:
        label = component.get("label") or (component.get("emoji") or {}).get("name") or "?"
        marks = []
        style = component.get("style")
        if style in BUTTON_STYLE_MARKS:
            marks.append(BUTTON_STYLE_MARKS[style])
        if style == 5:
            marks.append(f"link {component.get('url')}")
        if component.get("disabled"):
            marks.append("disabled")
        return f"[{self.text(str(label))}]" + (f" ({', '.join(marks)})" if marks else "")


# -- the demo server -------------------------------------------------------------------------


class StableSnowflakes(SnowflakeFactory):
    """Snowflakes of one fixed past instant, counted up: the same ids in every session."""

    def __init__(self, at: datetime) -> None:
        super().__init__()
        self._next = (int(at.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22

    def next(self) -> str:
        self._next += 1
        return str(self._next)


def build_world(emu: Emulator) -> DemoWorld:
    """`demo_world` with stable ids, so data saved with `--db` belongs to the same server
    next time (with the emulator's time-based ids every session would be a new server)."""
    live_ids = emu.world.ids
    emu.world.ids = StableSnowflakes(STABLE_IDS_AT)
    try:
        return demo_world(emu)
    finally:
        # Later ids (messages, interactions) are time-based again, so they sort after these.
        emu.world.ids = live_ids


# -- where lines come from ---------------------------------------------------------------------


async def in_daemon_thread(work: Callable[[], T]) -> T:
    """`work()` in a daemon thread: a blocked `input()` must not keep Ctrl-C from exiting
    (the default executor's threads are joined at exit, so a pending read would hang it)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def deliver(setter: Callable[[Any], None], value: Any) -> None:
        if not future.done():
            setter(value)

    def run() -> None:
        try:
            outcome: tuple[Callable[[Any], None], Any] = (future.set_result, work())
        except BaseException as exc:  # handed to the awaiting task, which decides
            outcome = (future.set_exception, exc)
        with contextlib.suppress(RuntimeError):  # the loop is closed: the session is over
            loop.call_soon_threadsafe(deliver, *outcome)

    threading.Thread(target=run, name="playground-input", daemon=True).start()
    return await future


class LineSource:
    """Lines typed or scripted; `echo` says whether to print them after the prompt."""

    echo = True

    async def read(self, prompt: str) -> str | None:
        """The next line, or None at the end."""
        raise NotImplementedError


class ScriptLines(LineSource):
    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)

    async def read(self, prompt: str) -> str | None:
        return next(self._lines, None)


class PipedLines(LineSource):
    """stdin that is not a terminal, read in a thread so the bot keeps running meanwhile."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    async def read(self, prompt: str) -> str | None:
        line = await in_daemon_thread(self._stream.readline)
        return line.rstrip("\r\n") if line else None


class TerminalLines(LineSource):
    """A terminal with line editing and history (readline, where Python has it)."""

    echo = False

    def __init__(self) -> None:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (importing it gives input() editing and history)

    async def read(self, prompt: str) -> str | None:
        def ask() -> str | None:
            try:
                return input(prompt)
            except EOFError:
                return None

        return await in_daemon_thread(ask)


def readline_buffer() -> str:
    """What has been typed at the prompt so far (to redraw it after printing above it)."""
    try:
        import readline
    except ImportError:
        return ""
    return readline.get_line_buffer()


class Console:
    """Prints lines; while the prompt waits for typing, prints above it and redraws it."""

    def __init__(self, stream: TextIO, *, interactive: bool) -> None:
        self.stream = stream
        self.interactive = interactive
        self.prompt_shown: str | None = None

    def print(self, text: str = "") -> None:
        if self.interactive and self.prompt_shown is not None:
            redraw = self.prompt_shown + readline_buffer()
            self.stream.write(f"\r\x1b[K{text}\n{redraw}")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def lines(self, lines: Iterable[str], *, header: str | None = None) -> None:
        """A message's lines, indented, under an optional header, in one write (so a prompt
        redrawn in between can't split them)."""
        shown = [f"  {line}" for line in lines]
        if self.interactive:
            width = shutil.get_terminal_size().columns - 1
            shown = [part for line in shown for part in wrap_keeping_margin(line, width)]
        self.print("\n".join([header, *shown] if header else shown))


MARGIN = re.compile(r"^[ ┃]*(?:[•>-] +|[A-D]\. +)?")


def wrap_keeping_margin(line: str, width: int) -> list[str]:
    """`line` cut to `width`, each continuation behind the same margin (the embed bar, the
    indent of a field, the hanging indent of a bullet), so long answers stay readable."""
    if len(line) <= width:
        return [line]
    margin = MARGIN.match(line)[0]  # type: ignore[index]
    hanging = re.sub(r"[^ ┃]", " ", margin)
    if width - len(hanging) < 20:
        return [line]  # too narrow to help
    return textwrap.wrap(line, width, subsequent_indent=hanging, break_on_hyphens=False) or [line]


# -- the session -----------------------------------------------------------------------------


@dataclass
class Seen:
    """What of the bot's messages has been shown, so each post and edit is shown once."""

    revisions: dict[str, int] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    # Ephemeral messages are shown only for interactions this session sent.
    interactions: set[str] = field(default_factory=set)
    shown: int = 0

    def mark(self, message: Message) -> None:
        self.revisions[message.id] = message.revision


class Session:
    """One person at the keyboard, acting as members of the demo server."""

    def __init__(
        self,
        emu: Emulator,
        world: DemoWorld,
        console: Console,
        renderer: Renderer,
        *,
        locale: str = "en-US",
    ) -> None:
        self.emu = emu
        self.world = world
        self.guild = world.guild
        self.console = console
        self.render = renderer
        self.locale = locale
        self.member: Member = self.guild.member(DEFAULT_USER)
        self.channel: Channel = self.guild.channel(DEFAULT_CHANNEL)
        self.seen = Seen()
        # Held while an action runs and prints, so background news never splits its output.
        self._lock = asyncio.Lock()
        for message in emu.world.messages.values():
            self.seen.mark(message)

    @property
    def prompt(self) -> str:
        return f"{self.member.user.name}@#{self.channel.name}> "

    # the loop

    async def run(self, source: LineSource) -> None:
        watcher = asyncio.create_task(self._watch(), name="playground-watcher")
        try:
            while True:
                await self._flush_news()
                self.console.prompt_shown = self.prompt
                try:
                    line = await source.read(self.prompt)
                finally:
                    self.console.prompt_shown = None
                if line is None:
                    if not source.echo:
                        self.console.print()  # end the prompt's line after Ctrl-D
                    return
                if source.echo:
                    self.console.print(self.prompt + line)
                if not await self.handle(line):
                    return
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    async def handle(self, line: str) -> bool:
        """Do what `line` says and show the outcome; False when the session should end."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        word, _, rest = line.partition(" ")
        word = word.lower()
        if word in ("quit", "exit"):
            return False
        try:
            await self._dispatch(word, rest.strip(), line)
        except (PlaygroundError, DriverError, InteractionTimeout) as exc:
            # What Discord's client would refuse, or the bot failing to answer: one line.
            self.console.print(f"! {exc}")
        except Exception as exc:
            # A bug in the playground itself: say so, keep the traceback for the log.
            log.exception("playground: %r failed", line)
            self.console.print(f"! the playground failed on that line: {exc!r}")
        return True

    async def _dispatch(self, word: str, rest: str, line: str) -> None:
        if line.startswith("/"):
            # `/symbol name:Ne?` asks for choices; a quoted `question:"Who?"` is a value.
            if line.endswith("?"):
                await self.complete(line.removesuffix("?"))
            else:
                await self.slash(line)
        elif word == "force" and rest.startswith("/"):
            await self.slash(rest, override=True)
        elif word == "click":
            await self.click(rest)
        elif word == "complete":
            await self.complete(rest)
        elif word == "as":
            self.switch_user(rest)
        elif word == "in":
            self.switch_channel(rest)
        elif word == "wait":
            await self.wait(rest)
        elif word == "messages":
            self.show_messages()
        elif word in ("help", "?"):
            if rest:
                self.show_command_help(rest)
            else:
                self.show_help()
        else:
            raise PlaygroundError(f"don't know {word!r}; type help (slash commands start with /)")

    # acting as someone, somewhere

    def find_member(self, name: str) -> Member:
        wanted = name.strip().lstrip("@").casefold()
        for member in self.guild.members.values():
            user = member.user
            if user.bot:
                continue
            names = (user.name, user.global_name, member.nick)
            if wanted in {n.casefold() for n in names if n}:
                return member
        raise PlaygroundError(f"no member {name!r} here; members: {self.member_names()}")

    def people(self) -> list[Member]:
        """The server's members but the bot, the owner last (the one least often meant)."""
        members = [m for m in self.guild.members.values() if not m.user.bot]
        return sorted(members, key=lambda m: m.user is self.guild.owner)

    def member_names(self) -> str:
        return ", ".join(m.user.name for m in self.people())

    def channel_names(self) -> str:
        return ", ".join(f"#{c.name}" for c in self.guild.channels.values())

    def find_channel(self, name: str) -> Channel:
        try:
            return self.guild.channel(name.strip())
        except KeyError:
            raise PlaygroundError(
                f"no channel {name!r} here; channels: {self.channel_names()}"
            ) from None

    def switch_user(self, name: str) -> None:
        self.member = self.find_member(name)
        user = self.member.user
        roles = [r.name for r in self.member.roles]
        about = f" ({user.global_name})" if user.global_name else ""
        about += f", roles: {', '.join(roles)}" if roles else ""
        self.console.print(f"  you are now {user.name}{about}")

    def switch_channel(self, name: str) -> None:
        self.channel = self.find_channel(name)
        self.console.print(f"  you are now in #{self.channel.name}")

    # slash commands and autocomplete

    def _commands(self) -> list[dict[str, Any]]:
        return self.emu.commands(self.guild) + self.emu.commands(None)

    def walk_command(self, words: list[str]) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
        """The synced root command, the path of names, and the node `words` lead to (a
        command with options, or a group of subcommands)."""
        root = next((c for c in self._commands() if c["name"] == words[0].lower()), None)
        if root is None:
            raise PlaygroundError(f"no command /{words[0]}; there are {self.command_list()}")
        node, path = root, [root["name"]]
        for word in words[1:]:
            children = subcommands(node)
            if not children:
                example = example_usage(path, node)
                raise PlaygroundError(
                    f"/{' '.join(path)} has no subcommand {word!r}: options are written "
                    f"name:value{example}"
                )
            node = next((c for c in children if c["name"] == word.lower()), None)
            if node is None:
                names = ", ".join(c["name"] for c in children)
                raise PlaygroundError(f"/{' '.join(path)} has no {word!r}; it has {names}")
            path.append(node["name"])
        return root, path, node

    def find_command(self, words: list[str]) -> tuple[dict[str, Any], str, list[dict[str, Any]]]:
        """The synced root command, the full path ("trivia play"), the leaf's options."""
        root, path, node = self.walk_command(words)
        if subcommands(node):
            names = ", ".join(c["name"] for c in subcommands(node))
            raise PlaygroundError(f"/{' '.join(path)} needs one of: {names}")
        return root, " ".join(path), list(node.get("options") or [])

    def command_list(self, member: Member | None = None) -> str:
        member = member or self.member
        names = sorted(
            f"/{c['name']}"
            for c in self._commands()
            if c.get("type", 1) == 1 and self.can_see(c, member)
        )
        return ", ".join(names) or "none (the bot synced no commands)"

    def can_see(self, root: dict[str, Any], member: Member) -> bool:
        """Whether Discord lists `root` for `member` here (default_member_permissions)."""
        required = root.get("default_member_permissions")
        if required is None:
            return True
        needed, have = int(required), member.permissions(self.channel)
        return bool(have & perms.ADMINISTRATOR) or bool(needed and have & needed == needed)

    def hidden_reason(self, root: dict[str, Any], member: Member) -> str | None:
        """Why Discord would not show `root` to `member`; None when it would."""
        if self.can_see(root, member):
            return None
        needed = int(root["default_member_permissions"])
        allowed = [m.user.name for m in self.people() if self.can_see(root, m)]
        hint = f" (try `as {allowed[0]}`)" if allowed else ""
        return (
            f"{member.user.name} can't see /{root['name']}: Discord shows it only to members "
            f"with {permission_names(needed)}{hint}"
        )

    async def slash(self, text: str, *, override: bool = False) -> None:
        line = parse_slash(text)
        member = self.find_member(line.user) if line.user else self.member
        root, path, definitions = self.find_command(line.words)
        hidden = self.hidden_reason(root, member)
        if hidden and not override:
            raise PlaygroundError(
                f"{hidden}. A server can open it to everyone in Server Settings > Integrations;"
                f" to send it as if it had, type: force {text.strip()}"
            )
        options = self.convert_options(path, definitions, line.options)
        async with self._lock:
            result = await self.emu.slash(
                self.guild,
                self.channel,
                member,
                path,
                options,
                locale=self.locale,
                ignore_default_permissions=override,
            )
            self.show_result(result)
        await self.settle()

    def convert_options(
        self, path: str, definitions: list[dict[str, Any]], given: dict[str, str]
    ) -> dict[str, Any]:
        """Typed text -> the values the driver sends, by each option's synced type."""
        by_name = {d["name"]: d for d in definitions}
        converted = {}
        for name, raw in given.items():
            definition = by_name.get(name.lower())
            if definition is None:
                known = ", ".join(by_name) or "no options"
                raise PlaygroundError(f"/{path} has no option {name!r}; it takes {known}")
            converted[definition["name"]] = self.convert_value(path, definition, raw)
        return converted

    def convert_value(self, path: str, definition: dict[str, Any], raw: str) -> Any:
        kind, name = definition["type"], definition["name"]
        where = f"/{path} {name}"
        if kind == OPT_INTEGER:
            value: Any = parse_number(where, raw, int)
        elif kind == OPT_NUMBER:
            value = parse_number(where, raw, float)
        elif kind == OPT_BOOLEAN:
            value = parse_bool(where, raw)
        elif kind == OPT_USER:
            return self.find_member(raw)
        elif kind == OPT_ROLE:
            return self.find_role(raw)
        elif kind == OPT_MENTIONABLE:
            return self.find_role(raw) if self._is_role(raw) else self.find_member(raw)
        elif kind == OPT_CHANNEL:
            return self.find_channel(raw)
        elif kind == OPT_ATTACHMENT:
            return self.attachment(where, raw)
        else:
            value = raw
        return pick_choice(where, definition.get("choices"), value)

    def _is_role(self, raw: str) -> bool:
        wanted = raw.lstrip("@").casefold()
        return any(r.name.casefold() == wanted for r in self.guild.roles.values())

    def find_role(self, raw: str) -> Any:
        wanted = raw.strip().lstrip("@").casefold()
        for role in self.guild.roles.values():
            if role.name.casefold() == wanted:
                return role
        names = ", ".join(r.name for r in self.guild.roles.values())
        raise PlaygroundError(f"no role {raw!r} here; roles: {names}")

    def attachment(self, where: str, raw: str) -> dict[str, Any]:
        # Relative to the folder the playground was started in, and the message says where.
        path = Path(raw).expanduser().absolute()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PlaygroundError(f"{where}: can't read {path} ({exc.strerror})") from None
        return self.emu.add_attachment(path.name, data)

    async def complete(self, text: str) -> None:
        """The choices Discord would offer while the last option of `text` is being typed."""
        line = parse_slash(text.strip().removesuffix("?"))
        member = self.find_member(line.user) if line.user else self.member
        root, path, definitions = self.find_command(line.words)
        hidden = self.hidden_reason(root, member)
        if hidden:
            raise PlaygroundError(hidden)
        definition = focused_option(path, definitions, line.options)
        focused = definition["name"]
        typed = line.options.get(focused, "")
        if definition.get("choices"):
            # Fixed choices: Discord's client filters them itself, no request to the bot.
            wanted = typed.casefold()
            choices = [c for c in definition["choices"] if wanted in c["name"].casefold()]
        else:
            others = {k: v for k, v in line.options.items() if k != focused}
            given = self.convert_options(path, definitions, others)
            choices = await self.emu.autocomplete(
                self.guild, self.channel, member, path, focused, typed, given, locale=self.locale
            )
        self.show_choices(choices)

    def show_choices(self, choices: list[dict[str, Any]]) -> None:
        if not choices:
            self.console.print("  (no suggestions)")
            return
        for choice in choices:
            name, value = str(choice["name"]), str(choice["value"])
            self.console.print(f"  {name}" + ("" if name == value else f"  (value: {value})"))

    # buttons

    def last_message_with_buttons(self) -> Message:
        for message in reversed(self.channel.visible_messages()):
            if message.author is self.emu.bot and self._clickable(message):
                return message
        raise PlaygroundError(
            f"no message with buttons in #{self.channel.name}; start a round with /trivia play"
        )

    @staticmethod
    def _clickable(message: Message) -> list[dict[str, Any]]:
        return [b for b in message.buttons() if b.get("style") not in (5, 6)]

    async def click(self, text: str) -> None:
        words, user = take_as_user(split_words(text))
        member = self.find_member(user) if user else self.member
        message = self.last_message_with_buttons()
        button = pick_button(self._clickable(message), " ".join(words))
        if button.get("disabled"):
            raise PlaygroundError(
                f"[{button.get('label')}] is disabled: Discord does not let you click it"
            )
        async with self._lock:
            result = await self.emu.click(message, button["custom_id"], member, locale=self.locale)
            self.show_result(result)
        await self.settle()

    # waiting and watching

    async def wait(self, text: str) -> None:
        if not text:
            await self.wait_for_activity()
            return
        try:
            seconds = float(text.removesuffix("s"))
        except ValueError:
            raise PlaygroundError("wait takes seconds: wait 20") from None
        if not 0 <= seconds <= 3600:
            raise PlaygroundError("wait between 0 and 3600 seconds")
        self.console.print(f"  (waiting {seconds:g} s)")
        await asyncio.sleep(seconds)
        await self.settle()

    async def wait_for_activity(self) -> None:
        self.console.print(
            f"  (waiting until the bot does something, {WAIT_FOR_ACTIVITY_MAX:g} s at most)"
        )
        before = self.seen.shown
        try:
            await self.emu.wait_until(
                lambda: bool(self.news()) or self.seen.shown > before or None,
                timeout=WAIT_FOR_ACTIVITY_MAX,
            )
        except TimeoutError:
            self.console.print("  (the bot did nothing)")
            return
        await self.settle()

    async def settle(self) -> None:
        """Until the emulator has been quiet for a moment (what the bot does right after an
        answer belongs with it), then show what happened."""
        deadline = time.monotonic() + SETTLE_MAX_SECONDS
        while time.monotonic() < deadline:
            checks = 0

            def changed() -> bool | None:
                nonlocal checks
                checks += 1  # the first check is immediate; every later one is a change
                return checks > 1 or None

            try:
                await self.emu.wait_until(changed, timeout=QUIET_SECONDS)
            except TimeoutError:
                break
        await self._flush_news()

    async def _watch(self) -> None:
        """Show what the bot posts or edits on its own (a trivia reveal, a scheduled post)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await self.emu.wait_until(lambda: bool(self.news()) or None, timeout=60)
            await self._flush_news()

    async def _flush_news(self) -> None:
        async with self._lock:
            for what, message in self.news():
                self.show_news(what, message)

    def news(self) -> list[tuple[str, Message]]:
        """The bot's posts, edits and deletions not shown yet (in this server or to us)."""
        found = []
        for message in list(self.emu.world.messages.values()):
            if message.author is not self.emu.bot or message.loading:
                continue
            if message.ephemeral and not self._ours(message):
                continue
            shown = self.seen.revisions.get(message.id)
            if message.deleted:
                if shown is not None and message.id not in self.seen.deleted:
                    found.append(("deleted", message))
            elif shown is None:
                found.append(("posted", message))
            elif message.revision > shown:
                found.append(("edited", message))
        return found

    def _ours(self, message: Message) -> bool:
        interaction = message.interaction
        return interaction is not None and interaction.id in self.seen.interactions

    def show_news(self, what: str, message: Message) -> None:
        where = self._where(message.channel)
        self.seen.shown += 1
        if what == "deleted":
            self.seen.deleted.add(message.id)
            self.console.print(f"* the bot deleted a message {where}")
            return
        self.seen.mark(message)
        if what == "edited":
            header = f"* the bot edited its message {where}:"
        elif message.interaction is not None and message is not message.interaction.original:
            header = f"* the bot followed up {where}:"
        else:
            header = f"* the bot posted {where}:"
        self.console.lines(self.render.message(message), header=header)

    def _where(self, channel: Channel) -> str:
        if channel.guild is None:
            return "in a DM"
        return "here" if channel is self.channel else f"in #{channel.name}"

    # showing results

    def show_result(self, result: InteractionResult) -> None:
        """The bot's answer to one interaction: the response, then any followups."""
        self.seen.interactions.add(result.interaction.id)
        if result.modal is not None:
            title = result.modal.get("title") or "a form"
            self.console.print(
                f"  (the bot opened the form {title!r}; the playground can't fill it)"
            )
            return
        message = result.message
        if message is not None:
            if result.type in (6, 7):
                if self.seen.revisions.get(message.id) != message.revision:
                    header = "* the bot edited the message:"
                    self.console.lines(self.render.message(message), header=header)
            else:
                self.console.lines(self.render.message(message))
            self.seen.mark(message)
        for followup in result.followups:
            self.console.lines(self.render.message(followup))
            self.seen.mark(followup)

    def show_messages(self) -> None:
        messages = self.channel.visible_messages()[-MESSAGES_SHOWN:]
        if not messages:
            self.console.print(f"  (no messages in #{self.channel.name} yet)")
            return
        for message in messages:
            stamp = message.timestamp.astimezone().strftime("%H:%M:%S")
            edited = " (edited)" if message.edited_timestamp else ""
            name = self.render.user_name(message.author.id)
            self.console.lines(self.render.message(message), header=f"- {name}, {stamp}{edited}:")

    def show_help(self) -> None:
        self.console.print(
            HELP.format(users=self.member_names(), channels=self.channel_names(), folder=Path.cwd())
        )
        self.console.print(f"Commands {self.member.user.name} can see: {self.command_list()}")

    def show_command_help(self, text: str) -> None:
        """`help /schedule add`: what the command does and each option's type, whether it is
        required, its choices; for a group, its subcommands."""
        root, path, node = self.walk_command(parse_slash(text).words)
        name = "/" + " ".join(path)
        lines = [f"{name}: {localized(node, 'description', self.locale)}"]
        hidden = self.hidden_reason(root, self.member)
        if hidden:
            lines.append(f"  ({hidden})")
        children = subcommands(node)
        if children:
            lines.extend(
                f"  {name} {child['name']}: {localized(child, 'description', self.locale)}"
                for child in children
            )
            lines.append(f"  help {name} {children[0]['name']} shows its options")
        else:
            options = list(node.get("options") or [])
            lines.append(f"  usage: {usage_line(name, options)}")
            lines.extend(describe_option(name, option, self.locale) for option in options)
        self.console.print("\n".join(lines))


def subcommands(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        o
        for o in node.get("options") or []
        if o["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP)
    ]


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


def example_usage(path: list[str], node: dict[str, Any]) -> str:
    names = [o["name"] for o in node.get("options") or []]
    if not names:
        return f" (/{' '.join(path)} takes none)"
    return f", e.g. /{' '.join(path)} {names[0]}:... (it takes {', '.join(names)})"


def focused_option(
    path: str, definitions: list[dict[str, Any]], typed: dict[str, str]
) -> dict[str, Any]:
    """The option being typed: the last one given, as in Discord's client (or, with none
    given, the first that has suggestions)."""
    if typed:
        name = next(reversed(typed)).lower()
        definition = next((d for d in definitions if d["name"] == name), None)
        if definition is None:
            raise PlaygroundError(f"/{path} has no option {name!r}")
    else:
        definition = next(
            (d for d in definitions if d.get("autocomplete") or d.get("choices")), None
        )
        if definition is None:
            raise PlaygroundError(f"/{path} has no option with suggestions")
    if not (definition.get("autocomplete") or definition.get("choices")):
        raise PlaygroundError(f"/{path} {definition['name']} has no suggestions: type any value")
    return definition


def parse_number(where: str, raw: str, kind: type[int] | type[float]) -> int | float:
    try:
        return kind(raw)
    except ValueError:
        wanted = "a whole number" if kind is int else "a number"
        raise PlaygroundError(f"{where} takes {wanted}, not {raw!r}") from None


def parse_bool(where: str, raw: str) -> bool:
    word = raw.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise PlaygroundError(f"{where} takes true or false, not {raw!r}")


def pick_choice(where: str, choices: list[dict[str, Any]] | None, value: Any) -> Any:
    """A fixed choice by its value or by the name Discord shows (`period:"this week"`)."""
    if not choices:
        return value
    for choice in choices:
        if value == choice["value"] or str(value).casefold() == str(choice["name"]).casefold():
            return choice["value"]
    offered = ", ".join(str(c["value"]) for c in choices)
    raise PlaygroundError(f"{where} is one of {offered}, not {value!r}")


# -- starting it ------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot playground",
        description="Try the bot in this terminal against a local Discord emulator "
        "(no Discord account or token; nothing leaves 127.0.0.1).",
        epilog="File paths (--db, --script, and files given to commands, as in "
        "/trivia-admin import file:mypack.toml) are read relative to the folder the "
        "playground is started in. Type help in a session for what you can type.",
    )
    parser.add_argument(
        "--db",
        type=Path,
        metavar="FILE",
        help="SQLite file to keep between sessions (default: a temporary one, deleted at exit)",
    )
    parser.add_argument(
        "--script", type=Path, metavar="FILE", help="read commands from FILE instead of typing"
    )
    parser.add_argument(
        "--as",
        dest="user",
        metavar="NAME",
        default=DEFAULT_USER,
        help="act as this member (default: uaena)",
    )
    parser.add_argument(
        "--locale",
        default="en-US",
        help="the Discord language the bot answers you in: en-US (default), ko, ...",
    )
    args = parser.parse_args(argv)
    # Read from the folder the playground started in; absolute, so messages say where.
    args.db = args.db.expanduser().absolute() if args.db is not None else None
    args.script = args.script.expanduser().absolute() if args.script is not None else None
    if args.db is not None and args.db.is_dir():
        parser.error(f"--db {args.db} is a folder; give the path of a file (it is created)")
    try:
        discord.Locale(args.locale)
    except ValueError:
        parser.error(f"--locale {args.locale!r} is not a Discord locale (try en-US or ko)")
    return args


def line_source(script: Path | None) -> LineSource:
    if script is not None:
        return ScriptLines(script.read_text(encoding="utf-8").splitlines())
    if sys.stdin.isatty():
        return TerminalLines()
    return PipedLines(sys.stdin)


@contextlib.contextmanager
def database_file(path: Path | None) -> Iterator[Path]:
    """The given file, or one in a temporary folder removed at exit (with SQLite's -wal)."""
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Try it here: a file SQLite can't open fails cleanly now, not inside the bot.
            sqlite3.connect(path).close()
        except (OSError, sqlite3.Error) as exc:
            raise PlaygroundError(f"can't open the database {path}: {exc}") from None
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="fanbot-playground-") as folder:
        yield Path(folder) / "playground.sqlite3"


@contextlib.asynccontextmanager
async def playground(database: Path) -> AsyncIterator[tuple[Emulator, DemoWorld]]:
    """The emulator on 127.0.0.1 with the demo server, and the real bot connected to it."""
    emu = Emulator()
    await emu.start(host="127.0.0.1")
    try:
        world = build_world(emu)
        settings = Settings(
            token=emu.token or "emulator-token",
            database_path=database,
            api_base=emu.base_url,
            log_level="WARNING",
        )
        bot = FanBot(settings, guild_ready_timeout=0.1)
        async with running_client(bot, emu, token=settings.token, timeout=10):
            yield emu, world
    finally:
        await emu.stop()
        if emu.internal_errors:
            log.error("the emulator hit errors of its own: %r", emu.internal_errors)


async def run_playground(args: argparse.Namespace, source: LineSource, console: Console) -> None:
    with database_file(args.db) as database:
        async with playground(database) as (emu, world):
            color = console.interactive and "NO_COLOR" not in os.environ
            renderer = Renderer(world.guild, color=color)
            session = Session(emu, world, console, renderer, locale=args.locale)
            session.member = session.find_member(args.user)
            kept = f"kept in {database}" if args.db else "temporary, deleted at exit"
            console.print(
                f"The bot is running against a local Discord emulator (no token; nothing "
                f"leaves 127.0.0.1; database {kept}).\nServer {world.guild.name!r}: members "
                f"{session.member_names()}; channels {session.channel_names()}. Type help."
            )
            await session.run(source)


def main(argv: list[str]) -> int:
    """Run a playground session; 0 when it ended with quit or the end of its input."""
    args = parse_args(argv)
    # Korean text and emoji must not stop a session on a terminal that can't show them.
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    setup_logging(logging.WARNING)
    try:
        source = line_source(args.script)
    except OSError as exc:
        print(f"error: can't read the script {args.script}: {exc.strerror}", file=sys.stderr)
        return 2
    interactive = isinstance(source, TerminalLines) and sys.stdout.isatty()
    console = Console(sys.stdout, interactive=interactive)
    try:
        asyncio.run(run_playground(args, source, console))
    except KeyboardInterrupt:
        console.prompt_shown = None
        console.print()
        return 130
    except PlaygroundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (DatabaseError, sqlite3.Error) as exc:
        print(f"error: the database can't be used: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
