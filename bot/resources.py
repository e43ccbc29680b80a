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


def cog_packages(cogs: Path | None = None) -> list[Path]:
    """Every cog: each package in `cogs/`, in name order (not `_private` or hidden ones).

    A feature is a place: its cog, its declaration, its strings and its tables live in its
    own package, so the core finds every feature here, by looking, and adding one touches
    nothing in `bot/`.
    """
    root = package_folder("cogs") if cogs is None else cogs
    return [
        package
        for package in sorted(root.iterdir())
        if not package.name.startswith(("_", ".")) and (package / "__init__.py").is_file()
    ]


def feature_folders(name: str, cogs: Path | None = None) -> list[Path]:
    """Every cog package's `name` folder (`locales`, `migrations`), in the cogs' name order."""
    return [package / name for package in cog_packages(cogs) if (package / name).is_dir()]
