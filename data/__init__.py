"""The shipped content: release facts, symbols, quotes, events and trivia packs (TOML).

Installed as the package `bot.data` (see pyproject.toml), and read through
`importlib.resources`, so an installed bot finds its content from any folder.
"""
