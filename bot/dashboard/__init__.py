"""The moderators' web dashboard: what `/config`, `/schedule`, `/trivia-admin` and
`/countdown-admin` do, on a page, behind Discord's login.

The core serves the frame: login with Discord OAuth2 (`auth`), the session cookie and the
CSRF token on every form (`app`), the servers a member moderates and the check, on every
request, that the bot itself treats them as a moderator there (`access`). Each feature adds
its own pages, as it adds its commands: `cogs/<feature>/dashboard.py` declares a `SECTION`
(`sections`), with its templates in `cogs/<feature>/templates/`. The pages read and write
through the same stores as the commands, so a change on a page is the bot's at once.

It runs inside the bot when DASHBOARD_URL is set (`server`), or as its own process
(`python -m bot dashboard`) on the bot's PostgreSQL database.
"""
