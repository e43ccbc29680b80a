"""What the bot did, shown once each: the answer to what was typed, and what it posts, edits
or deletes on its own (a trivia reveal, a scheduled post) while the prompt waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from discord_emulator import Channel, Emulator, InteractionResult, Message

from .render import Renderer
from .terminal import Console

# After an action, wait until the emulator has been quiet this long, so followups and edits
# the bot makes right after its answer are shown before the next prompt.
QUIET_SECONDS = 0.15
SETTLE_MAX_SECONDS = 1.5
# `wait` without a number: until the bot does something, but not forever.
WAIT_FOR_ACTIVITY_MAX = 120.0


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


class BotNews:
    """Shows the bot's messages to the person at the keyboard, each post and edit once.

    `here` is the channel they are in ("the bot posted here" rather than "in #trivia").
    """

    def __init__(
        self,
        emu: Emulator,
        console: Console,
        renderer: Renderer,
        here: Callable[[], Channel],
    ) -> None:
        self.emu = emu
        self.console = console
        self.render = renderer
        self.here = here
        self.seen = Seen()
        # Held while an action runs and prints, so background news never splits its output.
        self.lock = asyncio.Lock()
        for message in emu.world.messages.values():
            self.seen.mark(message)

    def unseen(self) -> list[tuple[str, Message]]:
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

    async def flush(self) -> None:
        """Show everything not shown yet."""
        async with self.lock:
            for what, message in self.unseen():
                self.show(what, message)

    def show(self, what: str, message: Message) -> None:
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
        return "here" if channel is self.here() else f"in #{channel.name}"

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

    async def wait_for_activity(self) -> None:
        """`wait` without seconds: until the bot does something, two minutes at most."""
        self.console.print(
            f"  (waiting until the bot does something, {WAIT_FOR_ACTIVITY_MAX:g} s at most)"
        )
        before = self.seen.shown
        try:
            await self.emu.wait_until(
                lambda: bool(self.unseen()) or self.seen.shown > before or None,
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
        await self.flush()

    async def watch(self) -> None:
        """Show what the bot posts or edits on its own (a trivia reveal, a scheduled post)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await self.emu.wait_until(lambda: bool(self.unseen()) or None, timeout=60)
            await self.flush()
