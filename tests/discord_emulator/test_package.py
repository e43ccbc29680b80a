"""The emulator as a package of its own: it imports nothing of the bot, and its front page
(the package docstring) names every public name and shows an example that runs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import discord_emulator

REPO_ROOT = Path(__file__).resolve().parents[2]

# Run from the repository root, where `bot` and `cogs` are importable: an emulator module
# that imported one of them would succeed and be caught here.
IMPORT_EVERY_MODULE = """
import importlib, json, pkgutil, sys
import discord_emulator
names = [m.name for m in pkgutil.walk_packages(discord_emulator.__path__, "discord_emulator.")]
for name in names:
    importlib.import_module(name)
leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("bot", "cogs"))
print(json.dumps({"imported": names, "leaked": leaked}))
"""


def test_the_emulator_imports_nothing_of_the_bot() -> None:
    """A fresh interpreter: this test process has the bot loaded already."""
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_MODULE],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(done.stdout)
    assert "discord_emulator.rest" in found["imported"]
    assert len(found["imported"]) >= 10
    assert found["leaked"] == []


def test_the_docstring_names_every_public_name() -> None:
    doc = discord_emulator.__doc__ or ""
    undocumented = [name for name in discord_emulator.__all__ if f"`{name}`" not in doc]
    assert undocumented == []
    assert all(hasattr(discord_emulator, name) for name in discord_emulator.__all__)


def _usage_example() -> str:
    doc = discord_emulator.__doc__ or ""
    example = re.search(r"A minimal use.*?:\n\n(.*?)\n\n(?=\S)", doc, re.DOTALL)
    assert example is not None, "the docstring has no usage example"
    return textwrap.dedent(example.group(1))


async def test_the_docstring_example_runs() -> None:
    namespace: dict[str, Any] = {}
    exec(compile(_usage_example(), "discord_emulator.__doc__", "exec"), namespace)
    await namespace["test_hello"]()
