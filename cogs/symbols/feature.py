"""What `/symbol` and `/quote` declare to the core: one switch, two announcement kinds."""

from __future__ import annotations

from bot.features import Feature

FEATURE = Feature("symbols", position=20, kinds=("quote", "symbol"))
