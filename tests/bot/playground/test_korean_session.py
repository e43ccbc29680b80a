"""The playground in Korean: a Korean-locale member (`--locale ko`, `locale ko`) and a
Korean server (`--server-locale ko`, `server-locale ko`), without Discord."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.playground import answer_to, run_playground, transcript

SHOW = "/config show as mod"


def language_field(answer: str) -> str:
    """The `Language` (`언어`) line of a `/config show` answer and the line after it."""
    lines = answer.splitlines()
    found = next(
        i for i, line in enumerate(lines) if line.strip(" ┃").startswith(("Language", "언어"))
    )
    return " ".join(line.strip(" ┃") for line in lines[found : found + 2])


def test_the_server_locale_is_set_at_start_and_by_a_line(tmp_path: Path) -> None:
    script = f"{SHOW}\nserver-locale en-US\n{SHOW}\nserver-locale fr-XX\nquit\n"
    done = run_playground(tmp_path, "--server-locale", "ko", stdin=script)
    assert done.returncode == 0, done.stderr
    turns = transcript(done.stdout)
    # The bot heard the server's language: /config language auto follows it.
    assert "(Korean now)" in language_field(answer_to(turns, SHOW))
    changed = answer_to(turns, "server-locale en-US")
    assert "the server's Discord language is now en-US" in changed
    assert "(English now)" in language_field(answer_to(turns, SHOW, 1))
    assert "is not a Discord locale" in answer_to(turns, "server-locale fr-XX")


def test_a_korean_server_reveals_in_korean_and_a_member_can_switch_language(
    tmp_path: Path,
) -> None:
    script = (
        "/config trivia-timeout seconds:5 as mod\n"
        "/trivia play\n"
        "click A\n"
        "locale ko\n"
        "/about\n"
        "wait 6\n"
        "quit\n"
    )
    done = run_playground(tmp_path, "--server-locale", "ko", stdin=script)
    assert done.returncode == 0, done.stderr
    turns = transcript(done.stdout)
    # The round is Korean, but its closing time is worded by each reader's Discord: English
    # for this member, who has not switched yet.
    round_message = answer_to(turns, "/trivia play")
    assert "마감: in " in round_message
    # The member's own reply follows the member's locale (English, then Korean).
    clicked = answer_to(turns, "click A")
    assert "[ephemeral]" in clicked
    assert "Correct!" in clicked or "Not quite" in clicked
    assert "you now use Discord in ko" in answer_to(turns, "locale ko")
    assert "사지선다 퀴즈를 내요" in answer_to(turns, "/about")
    # The reveal is for the whole channel: the server's language.
    reveal = answer_to(turns, "wait 6")
    assert "정답:" in reveal


def test_help_and_the_options_name_the_server_locale(tmp_path: Path) -> None:
    options = run_playground(tmp_path, "--help")
    assert "--server-locale SERVER_LOCALE" in " ".join(options.stdout.split())
    session = run_playground(tmp_path, stdin="help\n")
    assert "server-locale ko" in session.stdout
    assert "\n  locale ko " in session.stdout
    refused = run_playground(tmp_path, "--server-locale", "xx")
    assert refused.returncode == 2
    assert "--server-locale 'xx' is not a Discord locale" in refused.stderr


def test_a_korean_member_reads_times_as_korean_discord_words_them(tmp_path: Path) -> None:
    done = run_playground(
        tmp_path, "--locale", "ko", "--server-locale", "ko", stdin="/trivia play\nquit\n"
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"마감: \d+초 후 \(", answer_to(transcript(done.stdout), "/trivia play"))
