"""`python -m bot playground`: try the real bot in a terminal, against a local Discord emulator.

No Discord account, no token, no network beyond 127.0.0.1: the emulator serves Discord's REST
API and gateway on a local port, the real `FanBot` (every cog, the real SQLite database)
connects to it, and each line typed here becomes what a Discord client would send: a slash
command, a button click, an autocomplete request. The bot's answers are printed the way a
member would read them.

    uaena@#general> /symbol name:Nemo
    uaena@#general> /trivia play
    uaena@#general> click A as army
    uaena@#general> wait 20

Lines come from the terminal, from `--script FILE`, or from stdin when it is not a terminal
(so a script can be piped in). Type `help` for the whole list.

The emulator's driver finds commands, checks who may see them and converts the options; what
is here is the person's side of it, one job a module: `parse` (a typed line into a command,
options, a button), `render` (the bot's messages as terminal text), `help` (what `help`
prints), `terminal` (where lines come from, printing around the prompt), `news` (each post
and edit of the bot shown once), `session` (acting as members: each line done), `world`
(the emulator, the demo server and the bot started together) and `cli` (the options, `main`).
"""

from __future__ import annotations

from .cli import main

__all__ = ["main"]
