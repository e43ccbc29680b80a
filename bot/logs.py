"""Logging set-up: one format, and secrets masked wherever they would appear.

Secrets are the bot token and the tokens of interactions and webhooks: discord.py logs whole
gateway payloads at DEBUG (INTERACTION_CREATE carries `"token"`) and the URLs it calls
(`/interactions/<id>/<token>/callback`, `/webhooks/<app_id>/<token>`), at WARNING too when
rate limited. An interaction token lets its holder post and edit as the bot for 15 minutes.
Three layers mask them: records are redacted when they are made (so every handler sees them
masked, handlers added by others included), a filter on the handler set up here, and its
formatter redacts the finished line (tracebacks included) as a last safety net.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterable

REDACTED = "[redacted]"

# (hint, pattern, replacement): each keeps what says where the secret was and drops the
# secret. A pattern runs only on text whose lower-cased form contains its hint: most lines
# have none, and a plain substring test is far cheaper than a regular expression.
_PATTERNS: list[tuple[str, re.Pattern[str], str]] = [
    # JSON (`"token": "..."`) and Python reprs of payloads (`'token': '...'`), any *token key.
    (
        "token",
        re.compile(r"""(token["']\s*:\s*)(["'])(?:(?!\2).)+\2""", re.IGNORECASE),
        rf"\1\2{REDACTED}\2",
    ),
    # form and query style: token=..., access_token=...
    ("token", re.compile(r"""(token=)[^\s&"',;]+""", re.IGNORECASE), rf"\1{REDACTED}"),
    # /interactions/<id>/<token>/callback and /webhooks/<app_id>/<token>[/messages/...]
    ("s/", re.compile(r"(/(?:interactions|webhooks)/\d+/)[^/\s?#\"']+"), rf"\1{REDACTED}"),
    # Authorization headers, as text or in a dict's repr: `Bot <token>`, `Bearer <token>`.
    (
        "authorization",
        re.compile(
            r"""(authorization["']?\s*[:=]\s*["']?)(?:(?:bot|bearer|basic)\s+)?[^\s"',}]+""",
            re.IGNORECASE,
        ),
        rf"\1{REDACTED}",
    ),
    # Real interaction tokens are base64 of "interaction:..."; catch one wherever it is.
    ("aw50zxjhy3rpb246", re.compile(r"aW50ZXJhY3Rpb246[A-Za-z0-9_\-]+"), REDACTED),
    # Discord bot tokens: base64 user id, a timestamp, an HMAC (the dots are the hint).
    (
        ".",
        re.compile(r"[MNO][A-Za-z\d_\-]{23,27}\.[A-Za-z\d_\-]{6}\.[A-Za-z\d_\-]{27,}"),
        REDACTED,
    ),
]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret and every token-shaped value replaced by `[redacted]`."""
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, REDACTED)
    lowered = text.lower()
    for hint, pattern, replacement in _PATTERNS:
        if hint in lowered:
            text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Redacts a record's message (arguments included), traceback and stack in place.

    In place, so that handlers after this one see the masked record too.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging reports it itself, later
            return True
        masked = redact(message, self._secrets)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Render the traceback now, masked; formatters reuse exc_text as it is.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self._secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._secrets)
        record.redacted = True
        return True


class RedactingFormatter(logging.Formatter):
    """The safety net: whatever reached the finished line is masked once more."""

    def __init__(self, fmt: str, datefmt: str, secrets: Iterable[str] = ()) -> None:
        super().__init__(fmt, datefmt)
        self._secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self._secrets)


class DropVoiceWarnings(logging.Filter):
    """The bot has no voice features; discord.py's warning that voice is unavailable is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "voice will NOT be supported" not in record.getMessage()


def install_record_redaction(secrets: Iterable[str] = ()) -> Callable[[], None]:
    """Redact every record as it is made, whichever handler gets it. Returns an undo."""
    current = logging.getLogRecordFactory()
    # Installed twice (the playground sets logging up again): replace, don't stack.
    previous = getattr(current, "redaction_wraps", current)
    redactor = RedactSecrets(secrets)

    def make_record(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redactor.filter(record)
        return record

    make_record.redaction_wraps = previous  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)
    # Undo puts back what was there before this call (another install of ours, maybe).
    return lambda: logging.setLogRecordFactory(current)


def setup_logging(level: int, *, secrets: Iterable[str] = ()) -> None:
    secrets = list(secrets)
    install_record_redaction(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter(
            "%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S", secrets
        )
    )
    handler.addFilter(RedactSecrets(secrets))
    handler.addFilter(DropVoiceWarnings())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py's HTTP chatter is only useful when debugging it.
    logging.getLogger("discord.http").setLevel(max(level, logging.INFO))
