"""Turning what the bot sent into terminal text: mentions by name, `<t:...>` timestamps in
words, embeds behind a bar, buttons as `[A. label]`, menus with their options.

Pure but for the names it looks up in the emulator's guild; the clock is injected.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from discord_emulator import Guild, Message

BUTTON_STYLE_MARKS = {3: "green", 4: "red"}

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


# Discord's words for a relative timestamp in Korean: "19초 후", "3일 전".
KOREAN_UNITS = {
    "year": "년",
    "month": "개월",
    "day": "일",
    "hour": "시간",
    "minute": "분",
    "second": "초",
}


def relative_time(delta: float, language: str = "en") -> str:
    """`in 20 seconds`, `3 days ago` (`20초 후`, `3일 전`): Discord's relative timestamp in
    words, in the reader's language, as Discord shows it to them."""
    span = abs(delta)
    count, unit = int(span), "second"
    for name, size in RELATIVE_UNITS:
        if span >= size:
            count, unit = int(span // size), name
            break
    if language == "ko":
        return f"{count}{KOREAN_UNITS[unit]} {'후' if delta > 0 else '전'}"
    amount = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {amount}" if delta > 0 else f"{amount} ago"


def describe_timestamp(seconds: int, style: str | None, now: float, language: str = "en") -> str:
    """A `<t:...>` timestamp as Discord shows it, in this computer's time zone."""
    when = datetime.fromtimestamp(seconds).astimezone()
    if style == "R":
        near = abs(seconds - now) < 86400
        exact = when.strftime("%H:%M:%S" if near else "%Y-%m-%d %H:%M")
        return f"{relative_time(seconds - now, language)} ({exact})"
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
        # The language of the member the playground acts as: Discord words relative times in
        # it (the session sets it, and changes it with `locale`).
        self.language = "en"

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
        text = TIMESTAMP.sub(lambda m: describe_timestamp(int(m[1]), m[2], now, self.language), raw)
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
