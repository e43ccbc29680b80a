"""Token redaction in the log: each shape a token takes, and each layer that masks it."""

from __future__ import annotations

import io
import logging

import pytest

from bot.logs import RedactingFormatter, RedactSecrets, install_record_redaction, redact

BOT_TOKEN = "MTE4NjQ1NjcwOTk2MjM0MjQ0Mg.GhK3dE.abcdefghijklmnopqrstuvwxyz0123456789AB"
INTERACTION = "aW50ZXJhY3Rpb246MTE4NjQ1NjcwOTk2MjM0MjQ0Mjp4eXo"
WEBHOOK = "Zk3p-webhook_token-Ux81"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ('{"op": 0, "d": {"id": "1", "token": "plain-token-1", "type": 2}}', "plain-token-1"),
        ("{'op': 0, 'd': {'id': '1', 'token': 'plain-token-2', 'type': 2}}", "plain-token-2"),
        ("{'webhook_token': 'plain-token-3'}", "plain-token-3"),
        (
            "POST https://discord.com/api/v10/interactions/1186/plain-token-4/callback "
            "has returned 204",
            "plain-token-4",
        ),
        ("PATCH https://discord.com/api/v10/webhooks/99/plain-token-5", "plain-token-5"),
        ("GET /api/v10/webhooks/99/plain-token-6/messages/@original", "plain-token-6"),
        ("headers={'Authorization': 'Bot plain-token-7'}", "plain-token-7"),
        ("Authorization: Bearer plain-token-8", "plain-token-8"),
        ("GET /oauth2?code=1&access_token=plain-token-9", "plain-token-9"),
        (f"a token that came loose: {INTERACTION} here", INTERACTION),
        (f"a bot token out of place: {BOT_TOKEN}", BOT_TOKEN),
    ],
)
def test_each_shape_of_token_is_redacted(line, secret):
    masked = redact(line)
    assert secret not in masked
    assert "[redacted]" in masked


def test_what_says_where_the_token_was_is_kept():
    assert (
        redact("POST /api/v10/interactions/1186/abc/callback")
        == "POST /api/v10/interactions/1186/[redacted]/callback"
    )
    assert redact("{'id': '7', 'token': 'abc'}") == "{'id': '7', 'token': '[redacted]'}"
    assert redact("no secret here: /channels/1/messages") == "no secret here: /channels/1/messages"


def test_a_known_secret_is_redacted_in_any_shape():
    assert "my-bot-token" not in redact("logged in as my-bot-token", ["my-bot-token"])


def capture(
    handler_formatter: logging.Formatter | None = None,
) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    if handler_formatter is not None:
        handler.setFormatter(handler_formatter)
    logger = logging.getLogger(f"tests.logs.{id(stream)}")
    logger.propagate = False
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_records_are_redacted_for_a_handler_added_by_someone_else():
    logger, stream = capture()  # a plain handler: no filter, no formatter of ours
    undo = install_record_redaction()
    try:
        logger.debug("WebSocket Event: %s", {"t": "INTERACTION_CREATE", "d": {"token": WEBHOOK}})
        try:
            raise RuntimeError(f"POST /webhooks/1/{WEBHOOK} failed")
        except RuntimeError:
            logger.exception("the followup failed")
    finally:
        undo()
    assert WEBHOOK not in stream.getvalue()
    assert "the followup failed" in stream.getvalue()
    assert "RuntimeError" in stream.getvalue()


def test_installing_twice_does_not_stack():
    original = logging.getLogRecordFactory()
    undo_first = install_record_redaction(["first-secret"])
    undo_second = install_record_redaction(["second-secret"])
    try:
        second = logging.getLogRecordFactory()
        assert second.redaction_wraps is getattr(original, "redaction_wraps", original)
        record = logging.getLogger("x").makeRecord("x", 10, "f", 1, "first-secret", (), None)
        assert record.getMessage() == "first-secret"  # replaced, not wrapped
    finally:
        undo_second()
        undo_first()
    assert logging.getLogRecordFactory() is original


def test_the_handler_filter_redacts_a_record_made_elsewhere():
    # makeLogRecord (as a socket or queue listener does) skips the record factory's masking.
    record = logging.makeLogRecord(
        {
            "name": "x",
            "levelno": logging.DEBUG,
            "levelname": "DEBUG",
            "msg": "url %s",
            "args": (f"/interactions/5/{WEBHOOK}/callback",),
        }
    )
    logger, stream = capture()
    logger.handlers[0].addFilter(RedactSecrets())
    logger.handle(record)
    assert WEBHOOK not in stream.getvalue()
    assert "/interactions/5/[redacted]/callback" in stream.getvalue()


def test_the_formatter_masks_the_finished_line_tracebacks_included():
    logger, stream = capture(RedactingFormatter("%(message)s", "%H:%M", [BOT_TOKEN]))
    try:
        raise ValueError(f"bad header Authorization: Bot {BOT_TOKEN} at /webhooks/1/{WEBHOOK}")
    except ValueError:
        logger.exception("request failed")
    output = stream.getvalue()
    assert "ValueError" in output
    assert BOT_TOKEN not in output
    assert WEBHOOK not in output
