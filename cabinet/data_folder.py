"""The data folder is the server's alone: the folder 0700, the embedded database and its WAL 0600.

Whoever else has an account on the machine must not read the database files (secret ballots, sessions,
confidential documents). SQLite gives its -wal and -shm files the mode of the database file, so setting
the database's mode at start-up covers them.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)


def lock_down(data_dir: Path, database_uri: str) -> None:
    """Make the data folder and the SQLite database file owner-only (created so if missing)."""
    try:
        data_dir.chmod(0o700)
        url = make_url(database_uri)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            database = Path(url.database)
            if not database.exists():
                os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))
            for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
                if path.exists():
                    path.chmod(0o600)
    except PermissionError:  # a folder owned by someone else (a read-only install): say so, do not stop
        log.warning("could not make the data folder %s owner-only", data_dir)
