"""One person at the keyboard acting as members of the demo server: each typed line becomes
what a Discord client would send (a slash command, a click, an autocomplete request), and the
emulator's driver finds the command, checks who may see it and converts the options.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

import discord

from bot.i18n import language_of
from discord_emulator import (
    Channel,
    CommandIsGroup,
    CommandPath,
    DemoWorld,
    DriverError,
    Emulator,
    InteractionTimeout,
    Member,
    Message,
    UnknownCommand,
    UnknownSubcommand,
    can_see,
    find_member,
)
from discord_emulator.driver import OPT_ATTACHMENT

from .help import HELP, command_help, example_usage, permission_names
from .news import BotNews
from .parse import (
    PlaygroundError,
    focused_option,
    parse_slash,
    parse_wait,
    pick_button,
    split_words,
    take_as_user,
)
from .render import Renderer
from .terminal import Console, LineSource

log = logging.getLogger(__name__)

DEFAULT_USER = "uaena"
DEFAULT_CHANNEL = "general"
MESSAGES_SHOWN = 10


def discord_locale(text: str) -> str:
    """`ko`, `en-US`: a locale Discord has; PlaygroundError naming a few otherwise."""
    try:
        return discord.Locale(text.strip()).value
    except ValueError:
        raise PlaygroundError(
            f"{text.strip()!r} is not a Discord locale (try ko or en-US)"
        ) from None


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
        self.render.language = language_of(locale)
        self.member: Member = self.guild.member(DEFAULT_USER)
        self.channel: Channel = self.guild.channel(DEFAULT_CHANNEL)
        self.news = BotNews(emu, console, renderer, here=lambda: self.channel)

    @property
    def prompt(self) -> str:
        return f"{self.member.user.name}@#{self.channel.name}> "

    # the loop

    async def run(self, source: LineSource) -> None:
        """Read and do lines until `quit` or the end of `source`, showing the bot's news."""
        watcher = asyncio.create_task(self.news.watch(), name="playground-watcher")
        try:
            while True:
                await self.news.flush()
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
        elif word == "locale":
            self.switch_locale(rest)
        elif word == "server-locale":
            await self.switch_server_locale(rest)
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
        """A person of the server (not the bot) by any of their names."""
        member = find_member(self.guild, name)
        if member is None or member.user.bot:
            raise PlaygroundError(f"no member {name!r} here; members: {self.member_names()}")
        return member

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

    def switch_locale(self, locale: str) -> None:
        self.locale = discord_locale(locale)
        self.render.language = language_of(self.locale)
        self.console.print(
            f"  you now use Discord in {self.locale}: replies to your own commands follow it"
        )

    async def switch_server_locale(self, locale: str) -> None:
        """The server's Discord language, as an admin sets it in Server Settings: the bot
        hears of it (GUILD_UPDATE) before the next line is read."""
        self.guild.set_preferred_locale(discord_locale(locale))
        self.console.print(
            f"  the server's Discord language is now {self.guild.preferred_locale}: with "
            "/config language auto (the default) the bot writes for the whole channel in it"
        )
        await self.news.settle()

    # slash commands and autocomplete

    def find_command(self, words: list[str], *, group: bool = False) -> CommandPath:
        """The synced command `words` name (the driver's walk), its refusals reworded for a
        person: what there is instead, and how options are written."""
        try:
            return self.emu.walk_command(self.guild, " ".join(words).lower(), group=group)
        except UnknownCommand:
            raise PlaygroundError(
                f"no command /{words[0]}; there are {self.command_list()}"
            ) from None
        except UnknownSubcommand as exc:
            found, word = exc.found, words[len(exc.found.names)]
            if not found.subcommands:
                raise PlaygroundError(
                    f"/{found.name} has no subcommand {word!r}: options are written "
                    f"name:value{example_usage(found)}"
                ) from None
            names = ", ".join(c["name"] for c in found.subcommands)
            raise PlaygroundError(f"/{found.name} has no {word!r}; it has {names}") from None
        except CommandIsGroup as exc:
            names = ", ".join(c["name"] for c in exc.found.subcommands)
            raise PlaygroundError(f"/{exc.found.name} needs one of: {names}") from None

    def command_list(self, member: Member | None = None) -> str:
        member = member or self.member
        names = sorted(
            f"/{c['name']}"
            for c in self.emu.commands(self.guild) + self.emu.commands(None)
            if c.get("type", 1) == 1 and can_see(c, member, self.channel)
        )
        return ", ".join(names) or "none (the bot synced no commands)"

    def hidden_reason(self, root: dict[str, Any], member: Member) -> str | None:
        """Why Discord would not show `root` to `member`; None when it would."""
        if can_see(root, member, self.channel):
            return None
        needed = int(root["default_member_permissions"])
        allowed = [m.user.name for m in self.people() if can_see(root, m, self.channel)]
        hint = f" (try `as {allowed[0]}`)" if allowed else ""
        return (
            f"{member.user.name} can't see /{root['name']}: Discord shows it only to members "
            f"with {permission_names(needed)}{hint}"
        )

    async def slash(self, text: str, *, override: bool = False) -> None:
        line = parse_slash(text)
        member = self.find_member(line.user) if line.user else self.member
        found = self.find_command(line.words)
        hidden = self.hidden_reason(found.root, member)
        if hidden and not override:
            raise PlaygroundError(
                f"{hidden}. A server can open it to everyone in Server Settings > Integrations;"
                f" to send it as if it had, type: force {text.strip()}"
            )
        options = self.options_to_send(found, line.options)
        async with self.news.lock:
            result = await self.emu.slash(
                self.guild,
                self.channel,
                member,
                found.name,
                options,
                locale=self.locale,
                ignore_default_permissions=override,
            )
            self.news.show_result(result)
        await self.news.settle()

    def options_to_send(self, found: CommandPath, typed: dict[str, str]) -> dict[str, Any]:
        """The typed options by their synced names, as the driver takes text; a file named
        for an attachment option is read here and uploaded, as Discord's client would."""
        kinds = {d["name"]: d["type"] for d in found.options}
        options: dict[str, Any] = {}
        for name, raw in typed.items():
            synced = name.lower()
            if kinds.get(synced) == OPT_ATTACHMENT:
                options[synced] = self.attachment(f"/{found.name} {synced}", raw)
            else:
                options[synced] = raw
        return options

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
        found = self.find_command(line.words)
        hidden = self.hidden_reason(found.root, member)
        if hidden:
            raise PlaygroundError(hidden)
        typed = {name.lower(): value for name, value in line.options.items()}
        definition = focused_option(found.name, found.options, typed)
        focused = definition["name"]
        value = typed.get(focused, "")
        if definition.get("choices"):
            # Fixed choices: Discord's client filters them itself, no request to the bot.
            wanted = value.casefold()
            choices = [c for c in definition["choices"] if wanted in c["name"].casefold()]
        else:
            others = {k: v for k, v in typed.items() if k != focused}
            choices = await self.emu.autocomplete(
                self.guild,
                self.channel,
                member,
                found.name,
                focused,
                value,
                self.options_to_send(found, others),
                locale=self.locale,
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
        async with self.news.lock:
            result = await self.emu.click(message, button["custom_id"], member, locale=self.locale)
            self.news.show_result(result)
        await self.news.settle()

    # waiting and looking

    async def wait(self, text: str) -> None:
        if not text:
            await self.news.wait_for_activity()
            return
        seconds = parse_wait(text)
        self.console.print(f"  (waiting {seconds:g} s)")
        await asyncio.sleep(seconds)
        await self.news.settle()

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
        """`help /schedule add`: the command's options; for a group, its subcommands."""
        found = self.find_command(parse_slash(text).words, group=True)
        hidden = self.hidden_reason(found.root, self.member)
        self.console.print("\n".join(command_help(found, self.locale, hidden)))
