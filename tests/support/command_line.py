"""`python -m bot` in a subprocess, as an operator types it: a token that looks real, and
settings that reach no Discord."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.paths import ROOT

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"

# With a token that reaches nothing, a bot that starts anyway fails with "could not reach".
UNREACHABLE = {"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": "http://127.0.0.1:9"}


def run_bot(
    tmp_path, *args: str, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` in `cwd` (default: the empty folder `tmp_path`, no .env) with
    only `env` set."""
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd or tmp_path,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
