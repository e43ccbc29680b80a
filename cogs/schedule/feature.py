"""What `/schedule` declares to the core: the switch that stops every announcement."""

from __future__ import annotations

from bot.features import Feature

FEATURE = Feature("announcements", position=40)
