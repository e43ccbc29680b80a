"""The operator's documents: the licence, the README's running, upgrading and privacy notes.

A README is read by someone setting the bot up on a server; what it promises is checked here
against the files it describes.
"""

from __future__ import annotations

import configparser
import re
import tomllib

from tests.support.paths import ROOT
from tests.support.readme import README, section


def test_the_licence_is_mit_as_pyproject_says():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] == {"text": "MIT"}
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License\n")
    assert re.search(
        r"^Copyright \(c\) \d{4} the Love wins all fan bot contributors$", licence, re.M
    )
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in licence


def test_the_readme_points_at_nothing_outside_the_repository():
    assert "shared/" not in README
    assert "../" not in README
    # Every file path it names in backquotes is in the repository (but the database the bot
    # creates).
    for path in re.findall(r"`((?:bot|cogs|data|tests|bench|\.ci)/[\w./-]*)`", README):
        if not path.endswith(".sqlite3"):
            assert (ROOT / path.rstrip("/")).exists(), path


def test_operator_sections_follow_run_it_in_order():
    headings = re.findall(r"^#{2,3} .+$", README, re.M)
    wanted = ["## Run it", "### Run it 24/7", "### Upgrade", "### Logs", "## What it stores"]
    positions = [headings.index(h) for h in wanted]
    assert positions == sorted(positions)
    assert headings.index("## What it stores") < headings.index("## Test it")


def test_the_systemd_unit_restarts_on_failure_as_its_own_user():
    unit_text = re.search(r"```ini\n(.*?)```", section("### Run it 24/7"), re.S)
    assert unit_text, "no ```ini unit in Run it 24/7"
    unit = configparser.ConfigParser(strict=True, interpolation=None)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read_string(unit_text[1])
    service = unit["Service"]
    assert service["Restart"] == "on-failure"
    assert service["User"] == "fanbot"
    assert service["ExecStart"].endswith("/.venv/bin/python -m bot")
    # The .env and a relative DATABASE_PATH are found from the working directory.
    assert service["WorkingDirectory"] == service["ExecStart"].split("/.venv/")[0]
    assert service["ReadWritePaths"] == f"{service['WorkingDirectory']}/data"
    # A wrong setting exits with 2 (see bot/__main__.py): restarting can't fix it.
    assert service["RestartPreventExitStatus"] == "2"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_upgrade_backs_up_first_and_logs_say_where_they_go():
    upgrade = section("### Upgrade")
    steps = [line for line in upgrade.splitlines() if line.startswith("sudo ")]
    kinds = [
        next(word for word in ("stop", "cp", "pull", "pip install", "start") if word in line)
        for line in steps
    ]
    assert kinds == ["stop", "cp", "pull", "pip install", "start"]
    assert "migrat" in upgrade
    logs = section("### Logs")
    assert "stderr" in logs
    assert "journalctl -u fanbot" in logs


def test_what_it_stores_says_how_data_is_removed():
    stored = " ".join(section("## What it stores").split())
    for kept in ("user id", "display name", "answer", "points", "who changed which setting"):
        assert kept in stored
    assert "no message content" in stored
    assert (
        "Members can remove their own data with `/privacy forget`; a server's data is "
        "removed 30 days after the bot leaves it." in stored
    )


def test_every_setting_the_bot_reads_is_documented():
    config = (ROOT / "bot" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'env\.get\("([A-Z_]+)"', config))
    assert "DATABASE_PATH" in read
    table = set(re.findall(r"^\| `([A-Z_]+)` \|", section("## Run it"), re.M))
    example = set(re.findall(r"^#? ?([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read == table
    assert read == example


def test_the_playground_paragraph_names_its_options():
    playground = " ".join(section("## Try it now, without Discord").split())
    options = ("--db FILE", "--script FILE", "--locale ko", "--server-locale ko", "--as army")
    for option in (*options, "help /schedule add", "server-locale ko"):
        assert option in playground
    assert "relative to the folder you start the playground in" in playground
