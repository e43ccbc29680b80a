"""Where the repository is, found from this file (tests/support/paths.py), so a test module
that moves keeps finding README.md and `python -m bot`'s package."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Files as an earlier version of the bot left them: its migrations, its catalogs' keys.
FIXTURES = ROOT / "tests" / "fixtures"
