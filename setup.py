"""The wheel is the product: the core, the cogs, the emulator that the playground runs, and the
content in data/, installed as the package `bot.data` (read through importlib.resources), so
an installed bot finds everything from any folder. tests/test_packaging.py builds the wheel
and checks that it holds every content, locale and migration file.

Everything else about the package is in pyproject.toml; only this list needs code.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["bot*", "cogs*", "discord_emulator*"]), "bot.data"],
    package_dir={"bot.data": "data"},
)
