"""Running `python -m bot playground` as a person would, and reading its transcript."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.paths import ROOT

PROMPT = re.compile(r"^(\w+)@#([\w-]+)> (.*)$")


def run_playground(
    tmp_path: Path, *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m bot playground ARGS` with no token, from an empty folder (or `cwd`), temp
    files in `tmp_path/tmp` (so a test can see that nothing is left behind)."""
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    env.update({"PYTHONPATH": str(ROOT), "TMPDIR": str(temp), "PYTHONIOENCODING": "utf-8"})
    return subprocess.run(
        [sys.executable, "-m", "bot", "playground", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd or tmp_path,
        env=env,
        timeout=60,
        check=False,
    )


def transcript(stdout: str) -> list[tuple[str, str, str]]:
    """(who, typed line, what came back) for every prompt in the output."""
    turns: list[tuple[str, str, list[str]]] = []
    for line in stdout.splitlines():
        prompt = PROMPT.match(line)
        if prompt:
            turns.append((prompt[1], prompt[3], []))
        elif turns:
            turns[-1][2].append(line)
    return [(who, typed, "\n".join(lines)) for who, typed, lines in turns]


def answer_to(turns: list[tuple[str, str, str]], typed: str, nth: int = 0) -> str:
    found = [answer for _, line, answer in turns if line == typed]
    assert len(found) > nth, f"{typed!r} was not typed {nth + 1} time(s)"
    return found[nth]


# -- end to end -----------------------------------------------------------------------------
