"""Which of the catalogs' languages a browser asks for (its Accept-Language header)."""

from __future__ import annotations

from bot.i18n import FALLBACK

SHIPPED = ("en", "ko")


def browser_language(accept_language: str | None, shipped: tuple[str, ...] = SHIPPED) -> str:
    """The shipped language the browser prefers most: `ko-KR,ko;q=0.9,en;q=0.8` -> "ko".

    Ranges are weighed by their `q` (default 1; `q=0` means "not this"), the first listed
    winning a tie; `*` stands for the fallback. English when nothing shipped is asked for.
    """
    best: tuple[float, int, str] | None = None
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        language = tag.strip().split("-")[0].lower()
        if language == "*":
            language = FALLBACK
        if language not in shipped:
            continue
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if weight <= 0:
            continue
        candidate = (-weight, position, language)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else FALLBACK
