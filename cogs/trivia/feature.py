"""What trivia declares to the core: its switch, its timeout setting, its announcements."""

from __future__ import annotations

from bot.features import Feature, Setting

TRIVIA_TIMEOUT = Setting(
    name="trivia_timeout",
    default=20,
    low=5,
    high=120,
    command="trivia-timeout",
    option="seconds",
    description="How long a trivia question stays open",
    option_description="From 5 to 120 seconds",
    label_key="trivia.timeout.label",
    value_key="trivia.timeout.value",
    done_key="trivia.timeout.set",
    refused_key="trivia.timeout.refused",
)

FEATURE = Feature("trivia", position=10, settings=(TRIVIA_TIMEOUT,), kinds=("trivia",))
