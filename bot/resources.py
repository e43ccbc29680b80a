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
