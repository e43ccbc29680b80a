"""`python -m bot backup FILE`: a consistent copy of the database while the bot runs.

SQLite's online backup API copies the pages of one read transaction, so the copy is the
database as of one instant: every change committed before it, none of one still open. In WAL
mode the bot's writes go on meanwhile (readers don't block the writer). The copy is written
beside the target and renamed into place only once it is complete and passes the start-up
integrity check, so a failed or interrupted backup never leaves half a file under FILE.

With `DATABASE_URL` the database is PostgreSQL's, and the copy is PostgreSQL's own tool's:
`pg_dump --format=custom`, one consistent snapshot while the bot runs, restored with
`pg_restore --clean --if-exists -d URL FILE`. The password goes to pg_dump in its
environment, never on its command line (which other users of the machine can read).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bot.database import redacted
from bot.sqlite import INTEGRITY_CHECK_LIMIT


class BackupError(Exception):
    """The backup was not made; the message says why and what to do."""


@dataclass(frozen=True)
class Backup:
    source: Path | str
    target: Path
    size: int


def _check_target(target: Path, source: Path | None, *, force: bool) -> None:
    if target.exists() and not force:
        raise BackupError(f"{target} already exists: choose another name, or add --force")
    if target.is_dir():
        raise BackupError(f"{target} is a folder: give the path of the backup file")
    if target == source:
        raise BackupError(f"{target} is the database itself: choose another name")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist: create it first")


def backup_postgres(url: str, target: Path, *, force: bool = False) -> Backup:
    """Dump the PostgreSQL database at `url` to `target` with `pg_dump --format=custom`.

    Refuses an existing `target` unless `force`. Raises `BackupError`.
    """
    target = target.absolute()
    _check_target(target, None, force=force)
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(
            "pg_dump is not installed: install PostgreSQL's client tools (apt-get install "
            "postgresql-client) of the server's version or newer"
        )
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = parts.password
        netloc = parts.netloc.replace(f":{parts.password}@", "@", 1)
        url = urlunsplit(parts._replace(netloc=netloc))
    partial = target.with_name(f".{target.name}.partial")
    try:
        done = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={url}"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if done.returncode != 0:
            error = " ".join(done.stderr.split())
            raise BackupError(f"pg_dump could not back up {redacted(url)}: {error}")
        if target.exists() and not force:
            raise BackupError(f"{target} already exists: choose another name, or add --force")
        os.replace(partial, target)
    except OSError as exc:
        raise BackupError(f"could not write {target}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return Backup(redacted(url), target, target.stat().st_size)


def backup_database(source: Path, target: Path, *, force: bool = False) -> Backup:
    """Copy the database at `source` to `target` (a single file, no -wal beside it).

    Refuses an existing `target` unless `force`. Raises `BackupError`.
    """
    source, target = source.absolute(), target.absolute()
    if not source.is_file():
        raise BackupError(f"there is no database at {source} (DATABASE_PATH): nothing to back up")
    _check_target(target, source, force=force)
    partial = target.with_name(f".{target.name}.partial")
    try:
        _copy(source, partial)
        # Re-checked at the end: a file that appeared meanwhile is not overwritten either.
        if target.exists() and not force:
            raise BackupError(f"{target} already exists: choose another name, or add --force")
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"could not back up {source} to {target}: {exc}") from exc
    except OSError as exc:
        raise BackupError(f"could not write {target}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return Backup(source, target, target.stat().st_size)


def _copy(source: Path, partial: Path) -> None:
    partial.unlink(missing_ok=True)
    # A read-write connection: a read-only one can't open a WAL file whose -shm is missing.
    # It reads only; the bot's writes wait at most for a page copy, never for the backup.
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            # pages=-1: one step, one read transaction, so the copy is one instant's database.
            src.backup(dst, pages=-1)
            # The copy stands alone: rollback journal, so no -wal file has to travel with it.
            dst.execute("PRAGMA journal_mode=DELETE")
            # The same check as at start-up, so a restored backup is known to start.
            size = partial.stat().st_size
            pragma = "integrity_check" if size < INTEGRITY_CHECK_LIMIT else "quick_check"
            problems = [row[0] for row in dst.execute(f"PRAGMA {pragma}")]
            if problems != ["ok"]:
                raise BackupError(
                    f"the copy of {source} fails {pragma} ({' '.join(problems[0].split())})"
                    ": the database itself may be damaged; keep the old backups"
                )
        finally:
            dst.close()
    finally:
        src.close()
