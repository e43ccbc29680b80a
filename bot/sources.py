"""Sources as members see them: each address a markdown link labelled with its site.

Content files give a fact's sources as one string, addresses separated by " ; ".
"""

from __future__ import annotations

from urllib.parse import urlsplit

import discord

SEPARATOR = " ; "
# Sub-domains that say nothing about the site (mobile and amp copies of the same pages).
_PLAIN_PREFIXES = ("www.", "m.", "m1.", "m2.", "mobile.", "amp.")


def split_sources(text: str) -> list[str]:
    """The addresses in a content file's `source` string, in order."""
    return [part.strip() for part in text.split(SEPARATOR) if part.strip()]


def site_label(url: str) -> str:
    """`https://www.koreaherald.com/article/1` -> `koreaherald.com`."""
    host = urlsplit(url).hostname or url
    for prefix in _PLAIN_PREFIXES:
        if host.startswith(prefix) and host.count(".") > 1:
            host = host.removeprefix(prefix)
            break
    return host


def source_links(text: str, limit: int = 1024) -> str:
    """Every source of `text` as `[site](address)`, separated by " · ".

    A part that is not a web address (a server's own question may cite a book) is shown as
    plain text. Links are never cut: if they don't all fit in `limit` characters, the last
    ones are left out (shipped content is checked by a test to fit whole).
    """
    shown = ""
    for url in split_sources(text):
        if url.startswith(("https://", "http://")):
            # Parentheses in an address would end the markdown link early.
            link = f"[{site_label(url)}]({url.replace('(', '%28').replace(')', '%29')})"
        else:
            link = discord.utils.escape_markdown(url)
        candidate = f"{shown} · {link}" if shown else link
        if len(candidate) > limit:
            break
        shown = candidate
    return shown
