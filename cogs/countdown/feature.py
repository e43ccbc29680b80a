"""What the countdowns declare to the core: their switch and their announcement kind."""

from __future__ import annotations

from bot.features import Feature

FEATURE = Feature("countdown", position=30, kinds=("countdown",))
