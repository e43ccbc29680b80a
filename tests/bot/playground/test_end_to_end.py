"""The playground: the real bot against the local emulator, driven by typed lines.

The end-to-end tests run `python -m bot playground` exactly as the README tells a person to,
with a script, and read the transcript as that person would.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.playground import answer_to, run_playground, transcript

ADD_QUESTION = (
    '/trivia-admin add question:"Who directed the video?" correct:"Um Tae-hwa" '
    'wrong1:"Bong Joon-ho" wrong2:"Park Chan-wook" wrong3:"Lee Chang-dong"'
)
SCRIPT = f"""\
/about
/symbol name:Nemo
/trivia play
click A
click A
as army
click B
/countdown event:"V's discharge"
as uaena
{ADD_QUESTION}
force {ADD_QUESTION}
quit
"""


def test_a_scripted_session_reads_like_discord(tmp_path: Path) -> None:
    (tmp_path / "session.txt").write_text(SCRIPT, encoding="utf-8")
    done = run_playground(tmp_path, "--script", "session.txt")

    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    turns = transcript(done.stdout)
    assert [line for _, line, _ in turns][-1] == "quit"

    assert "“Love wins all”" in answer_to(turns, "/about")
    symbol = answer_to(turns, "/symbol name:Nemo")
    assert "interpretation guide EDAM Entertainment released on 2024-01-24" in symbol

    question = answer_to(turns, "/trivia play")
    assert "[A. " in question
    assert "[D. " in question
    assert "Closes: in " in question  # <t:...:R> rendered as words
    assert "<t:" not in question

    first = answer_to(turns, "click A")
    assert re.match(r"\s*\[ephemeral\] (Correct|Not quite)", first)
    second = answer_to(turns, "click A", nth=1)
    assert re.match(r"\s*\[ephemeral\] .*already answered", second)
    army = answer_to(turns, "click B")
    assert re.match(r"\s*\[ephemeral\] (Correct|Not quite)", army)
    assert ("army", "click B") in [(who, line) for who, line, _ in turns]

    assert "D+" in answer_to(turns, '/countdown event:"V\'s discharge"')

    hidden = answer_to(turns, ADD_QUESTION)
    assert "uaena can't see /trivia-admin" in hidden
    assert "Manage Server" in hidden
    refused = answer_to(turns, f"force {ADD_QUESTION}")
    assert re.match(r"\s*\[ephemeral\] Only moderators can do that", refused)

    # The temporary database went with the session; nothing was written where it ran.
    assert list((tmp_path / "tmp").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.txt", "tmp"]


def test_db_keeps_scores_between_sessions_and_stdin_is_read(tmp_path: Path) -> None:
    first = run_playground(tmp_path, "--db", "fans.sqlite3", stdin="/trivia play\nclick A\n")
    assert first.returncode == 0, first.stderr
    assert "[ephemeral]" in answer_to(transcript(first.stdout), "click A")

    # Piped, not scripted: the lines come from stdin. Same file, so the same server.
    second = run_playground(
        tmp_path, "--db", "fans.sqlite3", "--as", "army", stdin="/trivia stats member:uaena\n"
    )
    assert second.returncode == 0, second.stderr
    turns = transcript(second.stdout)
    assert turns[0][0] == "army"
    assert "Answered: 1" in answer_to(turns, "/trivia stats member:uaena")


def test_help_for_a_command_lists_its_options_types_and_choices(tmp_path: Path) -> None:
    done = run_playground(tmp_path, stdin="help /schedule add\nhelp /trivia\nhelp /nope\n")
    assert done.returncode == 0, done.stderr
    turns = transcript(done.stdout)

    schedule = answer_to(turns, "help /schedule add").splitlines()
    assert schedule[0] == "/schedule add: Schedule an announcement"
    assert "Manage Server" in schedule[1]  # uaena can't see it, and is told so
    assert schedule[2].startswith("  usage: /schedule add kind:… time:… repeat:…")
    assert "  kind: text, required, one of trivia, quote, symbol, countdown — What to post" in (
        schedule
    )
    assert any(
        line.startswith("  repeat: text, required, one of once, daily, weekly") for line in schedule
    )
    assert any(line.startswith("  channel: channel, optional — ") for line in schedule)

    group = answer_to(turns, "help /trivia")
    for subcommand in ("play", "leaderboard", "stats"):
        assert f"  /trivia {subcommand}: " in group
    assert "no command /nope" in answer_to(turns, "help /nope")


def test_file_paths_are_read_from_the_folder_it_started_in(tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / "scripts").mkdir(parents=True)
    (work / "packs").mkdir()
    (work / "packs" / "mypack.toml").write_text(
        "[[questions]]\n"
        'question = "Which flower does the playground test pack ask about?"\n'
        'correct = "Tulip"\nwrong1 = "Rose"\nwrong2 = "Lily"\nwrong3 = "Daisy"\n',
        encoding="utf-8",
    )
    (work / "scripts" / "session.txt").write_text(
        "as mod\n"
        "/trivia-admin import file:packs/mypack.toml\n"
        "/trivia-admin import file:packs/missing.toml\n",
        encoding="utf-8",
    )
    done = run_playground(
        tmp_path, "--script", "scripts/session.txt", "--db", "state/fans.sqlite3", cwd=work
    )
    assert done.returncode == 0, done.stderr
    assert f"database kept in {work / 'state' / 'fans.sqlite3'}" in done.stdout
    assert (work / "state" / "fans.sqlite3").is_file()
    turns = transcript(done.stdout)
    assert "stored 1" in answer_to(turns, "/trivia-admin import file:packs/mypack.toml")
    missing = answer_to(turns, "/trivia-admin import file:packs/missing.toml")
    assert f"can't read {work / 'packs' / 'missing.toml'}" in missing


def test_its_help_says_where_paths_are_read_from_and_names_the_locale(tmp_path: Path) -> None:
    done = run_playground(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "--locale LOCALE" in text
    assert "relative to the folder the playground is started in" in text
    session = run_playground(tmp_path, stdin="help\n")
    assert f"read relative to the folder the playground was started in ({tmp_path})" in " ".join(
        session.stdout.split()
    )


def test_an_unknown_member_is_refused(tmp_path: Path) -> None:
    done = run_playground(tmp_path, "--as", "nobody")
    assert done.returncode == 2
    assert "no member 'nobody'" in done.stderr
