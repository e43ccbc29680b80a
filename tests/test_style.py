"""The code stays as ruff and strict mypy want it (configured in pyproject.toml), so CI keeps
it that way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def mypy(*args: str) -> subprocess.CompletedProcess[str]:
    """mypy as pyproject.toml configures it: strict, on the files it names. A cold run takes
    about 6 s on a shared 2-core machine; .mypy_cache makes the next one take under 1 s."""
    return subprocess.run(
        [sys.executable, "-m", "mypy", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_ruff_check_is_clean():
    done = ruff("check", "--quiet", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_is_clean():
    done = ruff("format", "--check", "--quiet", ".")
    assert done.returncode == 0, done.stdout + done.stderr


# (where the import is written, the import): each is refused by the import rules in
# bot/ruff.toml, cogs/ruff.toml and discord_emulator/ruff.toml.
BANNED = [
    ("bot/weeks.py", "from cogs.trivia.game import Question"),
    ("bot/weeks.py", "import cogs.trivia"),
    ("bot/scheduler.py", "from discord_emulator import Emulator"),
    ("bot/client.py", "from tests.support import FakeDiscord"),
    ("bot/client.py", "import pytest"),
    ("cogs/trivia/game.py", "from discord_emulator.driver import Driver"),
    ("cogs/symbols/cog.py", "import hypothesis"),
    ("discord_emulator/rest.py", "from bot.clock import Clock"),
    ("discord_emulator/state.py", "import cogs.trivia.store"),
    ("discord_emulator/rest.py", "from tests.support import FakeDiscord"),
    ("bot/playground/session.py", "from cogs.trivia.store import TriviaStore"),
    ("bot/playground/session.py", "import pytest"),
]
ALLOWED = [
    ("bot/playground/session.py", "from discord_emulator import Emulator"),
    ("bot/__main__.py", "from discord_emulator.redirect import use_api_base"),
    ("bot/client.py", "from bot.clock import Clock"),
    ("cogs/trivia/game.py", "from bot.clock import Clock"),
    ("cogs/trivia/game.py", "from cogs.trivia.store import TriviaStore"),
    ("tests/test_x.py", "from discord_emulator import Emulator"),
    ("tests/test_x.py", "from cogs.trivia.game import Question"),
]


def import_problems(path: str, line: str) -> str:
    """What ruff says of `line` written in `path` (its configuration is found by the path)."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "TID", "--stdin-filename", path, "-"],
        cwd=ROOT,
        input=f"{line}\n\n__all__ = ['x']\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout


def test_the_import_rules_refuse_what_crosses_a_boundary():
    for path, line in BANNED:
        assert "TID251" in import_problems(path, line), (path, line)
    for path, line in ALLOWED:
        assert "TID251" not in import_problems(path, line), (path, line)


def test_relative_imports_of_a_parent_are_refused():
    assert "TID252" in import_problems("discord_emulator/rest.py", "from ..bot import x")


def test_mypy_is_clean():
    done = mypy()
    assert done.returncode == 0, done.stdout + done.stderr


# One module of each package the wheel holds (setup.py), none of them imported by another
# module, so checking a changed copy rechecks little.
PRODUCT_MODULES = ["bot/__main__.py", "cogs/about/cog.py", "discord_emulator/redirect.py"]
# A wrong type, and a function without annotations (refused only when strict).
WRONG_LINES = 'count: int = "three"\n\n\ndef shown(value):\n    return value\n'


def test_mypy_refuses_a_wrong_line_in_each_package_of_the_product(tmp_path):
    shadows = []
    for module in PRODUCT_MODULES:
        shadow = tmp_path / module.replace("/", "_")
        shadow.write_text((ROOT / module).read_text(encoding="utf-8") + "\n\n" + WRONG_LINES)
        shadows += ["--shadow-file", module, str(shadow)]
    done = mypy(*shadows)
    assert done.returncode == 1, done.stdout + done.stderr
    for module in PRODUCT_MODULES:
        problems = [line for line in done.stdout.splitlines() if line.startswith(f"{module}:")]
        assert any(line.endswith("[assignment]") for line in problems), (module, done.stdout)
        assert any(line.endswith("[no-untyped-def]") for line in problems), (module, done.stdout)
