"""`.ci/run` sets FANBOT_REQUIRE_POSTGRES: there, a PostgreSQL test that can't get a server
fails the run instead of skipping (PostgreSQL is installed on the CI machine)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.paths import ROOT

STORE_TESTS = "tests/cogs/countdown/test_countdown_store.py"
NO_SERVER = "postgresql://nobody@127.0.0.1:1/none"


def run_store_tests(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", STORE_TESTS],
        cwd=ROOT,
        env={**os.environ, "TEST_DATABASE_URL": NO_SERVER, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_a_server_the_postgres_tests_skip_and_say_why():
    done = run_store_tests(FANBOT_REQUIRE_POSTGRES="")
    assert done.returncode == 0, done.stdout
    assert "skipped" in done.stdout
    assert "PostgreSQL is not available: TEST_DATABASE_URL can't be used" in done.stdout


def test_in_ci_the_same_skip_fails_the_run():
    done = run_store_tests(FANBOT_REQUIRE_POSTGRES="1")
    assert done.returncode != 0
    assert "the PostgreSQL tests must run" in done.stdout
    assert "skipped" not in done.stdout.splitlines()[-1]


def test_the_ci_script_requires_postgres():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "export FANBOT_REQUIRE_POSTGRES=1" in script
