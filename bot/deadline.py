"""Every interaction answered within Discord's 3 seconds, whatever the database does.

`DeadlineGuard` watches each interaction from the moment it arrives. If its handler has not
answered `defer_after` seconds later, the guard defers it, so Discord shows "thinking"
instead of "This interaction failed"; an autocomplete, which can't be deferred, gets an
empty list instead. The handler's answer then goes out as the edit of that deferred
response or as a follow-up: cogs answer through `reply`, `update` and `defer` here, which
work the same whether or not the guard stepped in.

How a deferral looks depends on how the command answers. Commands answer publicly unless
they (or their group) are marked `@ephemeral_answer`; component buttons answer ephemerally
unless their `DynamicItem` class sets `answer = AnswerStyle.UPDATE` (they edit their own
message). A wrong guess costs only looks: an answer whose visibility differs from the
deferral's replaces the "thinking" message with a follow-up of the right visibility.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.utils import MISSING

log = logging.getLogger(__name__)

# Discord forgets an interaction not acknowledged within 3 s of sending it; the last second
# is left for the trip to Discord and back and for a busy event loop.
DEFER_AFTER = 2.0

_STATE_KEY = "fanbot.answer"
_STYLE_KEY = "answer"
NO_MENTIONS = discord.AllowedMentions.none()

# What `ephemeral_answer` marks: a command or group (above `@...command()`), or the plain
# function it is made from (below).
Marked = TypeVar(
    "Marked", bound=app_commands.Command[Any, ..., Any] | app_commands.Group | Callable[..., Any]
)


class AnswerStyle(enum.Enum):
    """How an interaction's handler answers, so a deferral shows the same way."""

    PUBLIC = "public"  # a message everyone in the channel sees
    EPHEMERAL = "ephemeral"  # a message only the member sees
    UPDATE = "update"  # components only: the clicked message is edited


def ephemeral_answer(command: Marked) -> Marked:
    """Mark a slash command (above or below its `@...command()` decorator) as one that
    answers only the member, so the guard's "thinking" is shown to them alone."""
    if isinstance(command, app_commands.Command | app_commands.Group):
        command.extras[_STYLE_KEY] = AnswerStyle.EPHEMERAL
    else:
        # A mark on the function itself, read back by `command_style`; Callable's type has no
        # attributes to declare it on.
        command.__fanbot_answer__ = AnswerStyle.EPHEMERAL  # type: ignore[attr-defined]
    return command


def ephemeral_extras() -> dict[str, Any]:
    """`extras` for an `app_commands.Group` whose every command answers ephemerally."""
    return {_STYLE_KEY: AnswerStyle.EPHEMERAL}


def command_style(command: Any) -> AnswerStyle:
    """The declared style of an app command: its own, else its groups', else public."""
    style = getattr(getattr(command, "callback", None), "__fanbot_answer__", None)
    while style is None and command is not None:
        style = getattr(command, "extras", {}).get(_STYLE_KEY)
        command = getattr(command, "parent", None)
    return style or AnswerStyle.PUBLIC


@dataclass
class _AnswerState:
    """What has been sent for one interaction; kept in `interaction.extras`."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # How the response was deferred (None: it wasn't), and whether its "thinking" message
    # still waits to be replaced by the answer.
    deferred: AnswerStyle | None = None
    pending: bool = False


def _state(interaction: discord.Interaction) -> _AnswerState:
    state = interaction.extras.get(_STATE_KEY)
    if state is None:
        state = interaction.extras[_STATE_KEY] = _AnswerState()
    return state


def _is_component(interaction: discord.Interaction) -> bool:
    return interaction.type is discord.InteractionType.component


async def _defer_locked(
    interaction: discord.Interaction, state: _AnswerState, style: AnswerStyle
) -> None:
    if interaction.response.is_done():
        return
    if style is AnswerStyle.UPDATE and _is_component(interaction):
        await interaction.response.defer()
        state.deferred, state.pending = AnswerStyle.UPDATE, False
        return
    ephemeral = style is AnswerStyle.EPHEMERAL
    await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    state.deferred, state.pending = style, True


async def defer(
    interaction: discord.Interaction, *, ephemeral: bool = False, update: bool = False
) -> None:
    """Defer now, before long work (a no-op when already answered or deferred).

    `update=True` (components) defers an edit of the clicked message; otherwise "thinking",
    shown to the member alone when `ephemeral`.
    """
    style = (
        AnswerStyle.UPDATE
        if update
        else (AnswerStyle.EPHEMERAL if ephemeral else AnswerStyle.PUBLIC)
    )
    state = _state(interaction)
    async with state.lock:
        await _defer_locked(interaction, state, style)


def _message_fields(
    content: str | None,
    embed: discord.Embed | None,
    embeds: list[discord.Embed] | None,
    view: discord.ui.View | None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
    if content is not None:
        fields["content"] = content
    if embed is not None:
        fields["embed"] = embed
    if embeds is not None:
        fields["embeds"] = embeds
    if view is not None:
        fields["view"] = view
    return fields


async def reply(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    embeds: list[discord.Embed] | None = None,
    view: discord.ui.View | None = None,
    ephemeral: bool = False,
) -> int | None:
    """Answer `interaction` with a new message, whatever was sent before, and return its id.

    The first answer is the interaction's response, or replaces its "thinking" message when
    it was deferred; later ones are follow-ups. Mentions never ping. Raises
    `discord.HTTPException` when Discord refuses the message.
    """
    fields = _message_fields(content, embed, embeds, view)
    state = _state(interaction)
    async with state.lock:
        if not interaction.response.is_done():
            response = await interaction.response.send_message(ephemeral=ephemeral, **fields)
            return response.message_id
        wanted = AnswerStyle.EPHEMERAL if ephemeral else AnswerStyle.PUBLIC
        if state.pending:
            state.pending = False
            if state.deferred is wanted:
                return (await interaction.edit_original_response(**fields)).id
            # Deferred publicly but the answer is private (an error), or the other way round:
            # the "thinking" message can't change visibility, so a follow-up replaces it.
            try:
                await interaction.delete_original_response()
            except discord.HTTPException:
                log.info("could not remove the thinking message of interaction %s", interaction.id)
        message = await interaction.followup.send(ephemeral=ephemeral, wait=True, **fields)
        return message.id


async def update(
    interaction: discord.Interaction,
    *,
    content: str | None = MISSING,
    embed: discord.Embed | None = MISSING,
    view: discord.ui.View | None = MISSING,
) -> None:
    """Edit the message whose component was used (`interaction.response.edit_message`, or
    the edit of the original response once deferred). Arguments left out stay as they are;
    None removes that part. Raises `discord.HTTPException` when Discord refuses the edit.
    """
    fields: dict[str, Any] = {
        name: value
        for name, value in (("content", content), ("embed", embed), ("view", view))
        if value is not MISSING
    }
    # Edits carry user text too: never rely on the client's default alone.
    fields["allowed_mentions"] = NO_MENTIONS
    state = _state(interaction)
    async with state.lock:
        if not interaction.response.is_done():
            await interaction.response.edit_message(**fields)
            return
        # After a deferred update the original response is the clicked message. After a
        # "thinking" deferral (a component declared wrongly) it is the thinking message,
        # which then shows the new content.
        state.pending = False
        await interaction.edit_original_response(**fields)


class DeadlineGuard:
    """Defers every interaction that is still unanswered `defer_after` seconds after it
    arrived; see the module's docstring. The bot calls `watch` for each interaction."""

    def __init__(self, *, defer_after: float = DEFER_AFTER) -> None:
        self.defer_after = defer_after
        self._components: list[tuple[re.Pattern[str], AnswerStyle]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def declare_components(self, *items: type[discord.ui.DynamicItem[Any]]) -> None:
        """Remember how these dynamic items answer (their class attribute `answer`)."""
        for item in items:
            style = getattr(item, "answer", AnswerStyle.EPHEMERAL)
            pattern: re.Pattern[str] = item.__discord_ui_compiled_template__
            self._components = [(p, s) for p, s in self._components if p != pattern]
            self._components.append((pattern, style))

    def component_style(self, custom_id: str) -> AnswerStyle:
        for pattern, style in self._components:
            if pattern.fullmatch(custom_id):
                return style
        return AnswerStyle.EPHEMERAL

    def style_for(self, interaction: discord.Interaction) -> AnswerStyle:
        if _is_component(interaction):
            data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
            return self.component_style(str(data.get("custom_id", "")))
        if interaction.type is discord.InteractionType.modal_submit:
            return AnswerStyle.EPHEMERAL
        return command_style(interaction.command)

    def watch(self, interaction: discord.Interaction) -> None:
        """Start the clock for `interaction` (call it as soon as it arrives)."""
        if interaction.type is discord.InteractionType.ping:
            return
        _state(interaction)  # created now, so handler and guard share one lock
        asyncio.get_running_loop().call_later(self.defer_after, self._due, interaction)

    def _due(self, interaction: discord.Interaction) -> None:
        if interaction.response.is_done():
            return
        task = asyncio.create_task(self._step_in(interaction), name="deadline-guard")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _step_in(self, interaction: discord.Interaction) -> None:
        try:
            if interaction.type is discord.InteractionType.autocomplete:
                # Can't be deferred: no suggestions beat "Loading options failed".
                if not interaction.response.is_done():
                    await interaction.response.autocomplete([])
                return
            state = _state(interaction)
            async with state.lock:
                if interaction.response.is_done():
                    return
                await _defer_locked(interaction, state, self.style_for(interaction))
            log.info(
                "interaction %s (%s) deferred: no answer within %.1f s",
                interaction.id,
                _describe(interaction),
                self.defer_after,
            )
        except (discord.HTTPException, discord.InteractionResponded):
            # The handler answered in the meantime, or Discord already gave up on it.
            log.debug("interaction %s: answered before the guard could defer", interaction.id)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _describe(interaction: discord.Interaction) -> str:
    if interaction.command is not None:
        return f"/{interaction.command.qualified_name}"
    data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
    return str(data.get("custom_id", interaction.type.name))
