"""Private keys of open secret polls: one file each in DATA_DIR/poll-keys (folder 0700, file 0600), never
in the database, deleted once the poll is counted. Several server processes share the data folder as
they share the stored files; each keeps the key it read for as long as the poll is open.

Whoever holds the database files, their WAL or a backup of them holds no key. The files live apart so
that a database dump, replica or backup leaves them behind; once the poll is counted, even the data
folder cannot open a ballot (docs/SECRET_BALLOT.md).
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from . import sealing
from .errors import Unavailable

log = logging.getLogger(__name__)
_cache: dict[tuple[str, int], bytes] = {}  # (folder, poll id) -> private key, while the poll is open


def _folder() -> Path:
    folder = Path(current_app.config["DATA_DIR"]) / "poll-keys"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _path(poll_id: int) -> Path:
    return _folder() / f"poll-{int(poll_id)}.key"


def create(poll_id: int) -> bytes:
    """Make the poll's key pair, keep the private key in its file, and return the public key."""
    private, public = sealing.new_key_pair()
    path = _path(poll_id)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private)
        handle.flush()
        os.fsync(handle.fileno())  # a ballot acknowledged under this key must be countable after a crash
    os.replace(tmp, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename too: after a power cut the file is there under its name
    finally:
        os.close(folder)
    _cache[(str(path.parent), poll_id)] = private
    return public


def private_key(poll_id: int, public: bytes) -> bytes:
    """The poll's private key, checked against its public key; 503 if the file is gone or is not it."""
    path = _path(poll_id)
    key = (str(path.parent), poll_id)
    private = _cache.get(key)
    if private is None or not sealing.matches(private, public):
        try:
            private = path.read_bytes()
        except FileNotFoundError:
            private = b""
        if not sealing.matches(private, public):
            log.error("the key of secret poll %s is missing or wrong (%s)", poll_id, path)
            raise Unavailable(_l("The key of this secret poll is missing; its ballots cannot be taken or counted. "
                                 "Cancel the poll and vote again, and tell the administrator."),
                              code="poll_key_missing")
        _cache[key] = private
    return private


def discard(poll_id: int) -> None:
    """Forget the key once the poll is counted: its ballots can never be opened one by one again."""
    path = _path(poll_id)
    _cache.pop((str(path.parent), poll_id), None)
    try:
        path.unlink()
    except FileNotFoundError:
        pass
