"""The tests, as a package: `tests/bot/` is `tests.bot` and never shadows the real `bot`.

The folders mirror the source (`bot/`, `cogs/<feature>/`, `discord_emulator/`); `e2e/` runs
the real bot through the emulator; what several modules share is in `support/`."""
