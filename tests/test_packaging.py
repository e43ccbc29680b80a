"""The built wheel is the product: it holds every file the bot reads, and runs from anywhere.

An operator who builds an image with `pip install .` gets what these tests build: a wheel
installed into a folder of its own, started from a folder that is not the clone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Where each shipped folder of the clone lands in the wheel (data/ is the package bot.data).
INSTALLED_AS = {
    "bot": "bot",
    "cogs": "cogs",
    "data": "bot/data",
    "discord_emulator": "discord_emulator",
}
# The files the bot reads at run time besides its code.
RESOURCES = (".toml", ".sql", ".html", ".css")

SCRIPT = """\
/symbol name:Nemo
/countdown
/trivia play
click A
quit
"""


def tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", *INSTALLED_AS], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return listed.stdout.split()


def clone_files() -> list[str]:
    """What a fresh clone of the working tree holds (tracked files, and new ones not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [path for path in listed.stdout.split() if (ROOT / path).is_file()]


def in_wheel(path: str) -> str:
    top, _, rest = path.partition("/")
    return f"{INSTALLED_AS[top]}/{rest}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (ROOT / ".git").exists():
        pytest.skip("needs the clone (git ls-files) to know what should be shipped")
    # Built from a copy of the clone's files, as a fresh clone would be: setuptools reuses a
    # build/ folder left in the clone, so files removed since would still be in the wheel.
    source = tmp_path_factory.mktemp("source")
    for path in clone_files():
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, source / path)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("*.whl")
    return built


def test_the_wheel_holds_every_content_locale_migration_and_template_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    resources = [path for path in tracked_files() if path.endswith(RESOURCES)]
    # Content, both locales of the core, and the migrations, at least; any new folder of
    # them (a cog's own locales or tables) is in `resources` without anyone listing it here.
    assert any(path.startswith("data/trivia/") for path in resources)
    assert {"bot/locales/en.toml", "bot/locales/ko.toml"} <= set(resources)
    assert any(path.endswith(".sql") for path in resources)
    assert "bot/dashboard/templates/base.html" in resources  # the dashboard's pages
    missing = [path for path in resources if in_wheel(path) not in names]
    assert missing == []


def test_the_wheel_holds_every_module(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = [path for path in tracked_files() if path.endswith(".py")]
    missing = [path for path in modules if in_wheel(path) not in names]
    assert missing == []
    # Nothing of the tests or the benchmarks is shipped.
    assert not [name for name in names if name.startswith(("tests/", "bench/"))]


def test_the_installed_wheel_plays_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), wheel],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "session.txt").write_text(SCRIPT, encoding="utf-8")
    # The installed copy comes first on the path, so the clone's files can't stand in for
    # anything the wheel lacks (the test checks which copy answered).
    env = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "PYTHONPATH"}}
    env.update({"PYTHONPATH": str(site), "PYTHONIOENCODING": "utf-8", "TMPDIR": str(tmp_path)})
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import bot, bot.data, cogs; print(bot.__file__, bot.data.__file__)",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert all(path.startswith(str(site)) for path in where.stdout.split()), where.stdout

    done = subprocess.run(
        [sys.executable, "-m", "bot", "playground", "--script", "session.txt"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "interpretation guide EDAM Entertainment released on 2024-01-24" in done.stdout
    assert "V's discharge" in done.stdout
    assert "[A. " in done.stdout
    assert "[ephemeral] Correct" in done.stdout or "[ephemeral] Not quite" in done.stdout
