"""The terminal side: where lines come from (typed with line editing, a script, or a pipe)
and printing without tearing the prompt apart when the bot posts while someone types.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import sys
import textwrap
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO, TypeVar

T = TypeVar("T")


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


def line_source(script: Path | None) -> LineSource:
    """The script's lines, the terminal, or stdin when it is a pipe; OSError when the
    script can't be read."""
    if script is not None:
        return ScriptLines(script.read_text(encoding="utf-8").splitlines())
    if sys.stdin.isatty():
        return TerminalLines()
    return PipedLines(sys.stdin)
