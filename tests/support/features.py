"""A feature the core has never heard of (a `/lyrics` cog's declaration, without the cog),
for the tests that show a new feature needs no change of the core."""

from __future__ import annotations

from bot.features import Feature, Setting

# No catalog has its keys: replies show them as they are.
LINES = Setting(
    name="lyrics_lines",
    default=4,
    low=1,
    high=12,
    command="lyrics-lines",
    option="lines",
    description="How many lines of lyrics a post shows",
    option_description="From 1 to 12 lines",
    label_key="lyrics.label",
    value_key="lyrics.lines",
    done_key="lyrics.lines_set",
    refused_key="lyrics.bad_lines",
)

LYRICS = Feature("lyrics", position=50, settings=(LINES,))
