"""Where the installed bot finds its own files: content, locales, migrations, cogs."""

from __future__ import annotations

import importlib.resources
from pathlib import Path


def package_folder(package: str) -> Path:
    """The folder holding an installed package's files, found through `importlib.resources`.

    The bot is installed as files (a wheel, or editable from a clone), never run zipped, so
    the folder is a real one that `open()` and `Path.iterdir()` can use.
    """
    folder = importlib.resources.files(package)
    if not isinstance(folder, Path):
        raise RuntimeError(f"the package {package} is not installed as a folder of files")
    return folder


def feature_folders(name: str, cogs: Path | None = None) -> list[Path]:
    """Every cog package's `name` folder (`locales`, `migrations`), in the cogs' name order.

    A feature brings its strings and tables in its own folder; the core finds them here, by
    looking, so adding a feature touches nothing in `bot/`. Like the cog loader, it skips
    `_private` and hidden folders and anything that is not a package.
    """
    root = package_folder("cogs") if cogs is None else cogs
    return [
        package / name
        for package in sorted(root.iterdir())
        if not package.name.startswith(("_", "."))
        and (package / "__init__.py").is_file()
        and (package / name).is_dir()
    ]
