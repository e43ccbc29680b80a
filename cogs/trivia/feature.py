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
    label_key="config.label.trivia_timeout",
    value_key="config.seconds",
    done_key="config.timeout_set",
    refused_key="config.bad_timeout",
)

FEATURE = Feature("trivia", position=10, settings=(TRIVIA_TIMEOUT,), kinds=("trivia",))
