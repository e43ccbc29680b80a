"""The tests' own layout, kept as the source's: `tests/bot/`, `tests/cogs/<feature>/` and
`tests/discord_emulator/` mirror their packages, every folder of test code is a package, and
what several modules share is in `tests/support/`, never in another test module or a conftest
(importing a test module runs its module-level code and, for a conftest, registers nothing).
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from pathlib import Path

from tests.support.paths import ROOT

# The test folders that mirror a source package, folder for folder.
MIRRORED = ("bot", "cogs", "discord_emulator")


def python_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.py") if "__pycache__" not in path.parts)


def imported_names(tree: ast.AST, package: str) -> Iterator[tuple[int, str]]:
    """(line, full dotted name) of everything `tree` imports; `package` resolves `from .`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def embedded_code(tree: ast.AST) -> Iterator[tuple[int, ast.AST]]:
    """Strings that are Python with imports (a script a test runs in a subprocess), parsed."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if "import" not in node.value:
                continue
            try:
                yield node.lineno, ast.parse(textwrap.dedent(node.value))
            except SyntaxError:
                continue


def is_shared(name: str) -> bool:
    parts = name.split(".")
    return parts[:2] == ["tests", "support"] and "conftest" not in parts


def import_problems(root: Path) -> list[str]:
    """Each import, in a module under `root`/tests, of a test module or a conftest."""
    problems = []
    for path in python_files(root / "tests"):
        where = path.relative_to(root)
        package = ".".join(where.parent.parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = list(imported_names(tree, package))
        # This module's own strings are examples of what is refused, not scripts.
        scripts = [] if where == Path(__file__).resolve().relative_to(ROOT) else embedded_code(tree)
        for line, code in scripts:
            found += [(line, name) for _, name in imported_names(code, package)]
        for line, name in found:
            parts = name.split(".")
            if (parts[0] == "tests" or "conftest" in parts) and not is_shared(name):
                problems.append(f"{where}:{line} imports {name}")
    return problems


def folders_without_init(root: Path) -> list[str]:
    """Folders of test code under `root`/tests (tests/ itself included) that are no package.

    A folder that holds no Python at all (tests/fixtures/: old migrations, old keys) is data.
    """
    tests = root / "tests"
    folders = {tests} | {path for path in tests.rglob("*") if path.is_dir()}
    return [
        str(folder.relative_to(root))
        for folder in sorted(folders)
        if "__pycache__" not in folder.parts
        and python_files(folder)
        and not (folder / "__init__.py").is_file()
    ]


def folders_with_no_source(root: Path) -> list[str]:
    """Folders under tests/bot, tests/cogs and tests/discord_emulator whose source folder (the
    same path without `tests/`) does not exist."""
    tests = root / "tests"
    return [
        str(folder.relative_to(root))
        for top in MIRRORED
        for folder in sorted((tests / top).rglob("*"))
        if folder.is_dir()
        and folder.name != "__pycache__"
        and not (root / folder.relative_to(tests)).is_dir()
    ]


def test_no_test_imports_another_test_module_or_a_conftest():
    assert import_problems(ROOT) == []


def test_every_folder_of_tests_is_a_package():
    assert folders_without_init(ROOT) == []


def test_the_test_folders_mirror_the_source():
    assert folders_with_no_source(ROOT) == []


# --- the rules catch what they are for ------------------------------------------------------


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_imports_of_test_modules_and_conftests_are_named_where_they_are(tmp_path):
    script = '"""\nimport os\nfrom tests.bot.test_scheduler import FileDiscord\n"""'
    root = write(
        tmp_path,
        {
            "tests/support/bots.py": "from tests.support.paths import ROOT\n",
            "tests/e2e/test_a.py": "from tests.support import bots\nimport tests.support.clock\n",
            "tests/e2e/test_b.py": "from tests.e2e.test_a import x\nfrom .conftest import make\n",
            "tests/bot/test_c.py": f"import tests\nfrom tests import conftest\nCHILD = {script}\n",
            "tests/cogs/test_d.py": "from conftest import T0\n",
        },
    )
    assert import_problems(root) == [
        "tests/bot/test_c.py:1 imports tests",
        "tests/bot/test_c.py:2 imports tests.conftest",
        "tests/bot/test_c.py:3 imports tests.bot.test_scheduler.FileDiscord",
        "tests/cogs/test_d.py:1 imports conftest.T0",
        "tests/e2e/test_b.py:1 imports tests.e2e.test_a.x",
        "tests/e2e/test_b.py:2 imports tests.e2e.conftest.make",
    ]


def test_a_folder_of_tests_without_init_is_named_and_data_folders_are_not(tmp_path):
    root = write(
        tmp_path,
        {
            "tests/__init__.py": "",
            "tests/bot/__init__.py": "",
            "tests/bot/scheduler/test_x.py": "",
            "tests/cogs/trivia/test_y.py": "",
            "tests/fixtures/old/0001_initial.sql": "",
        },
    )
    assert folders_without_init(root) == ["tests/bot/scheduler", "tests/cogs", "tests/cogs/trivia"]


def test_a_test_folder_with_no_source_folder_is_named(tmp_path):
    for folder in ("bot/scheduler", "cogs/trivia", "discord_emulator"):
        (tmp_path / folder).mkdir(parents=True)
    for folder in ("bot/scheduler", "bot/schedular", "cogs/trivia", "cogs/lyrics", "e2e/x"):
        (tmp_path / "tests" / folder).mkdir(parents=True)
    (tmp_path / "tests" / "discord_emulator").mkdir()
    assert folders_with_no_source(tmp_path) == ["tests/bot/schedular", "tests/cogs/lyrics"]
